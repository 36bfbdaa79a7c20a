"""A group's tariff and settlement policy: validated, versioned with If-Match, audited."""

from __future__ import annotations

from tests.integration.conftest import Api
from tests.integration.group_helpers import cast

TARIFF = {"billed_by": "tariff", "prices": {"kWh": [{"price": "0.30", "up_to": "100"}, {"price": "0.25"}]},
          "standing_charge": "12.00", "tax_rate": "0.19"}


def test_tariff_is_set_read_and_changed_with_its_version(api: Api) -> None:
    group = cast(api)
    url = f"/groups/{group.group_id}/tariff"
    empty = api.get(url, token=group.token("viewer"))
    assert empty.status == 200 and empty.json["billed_by"] == "invoice" and empty.json["version"] == 0
    created = api.call("PUT", url, TARIFF, token=group.token("admin"))
    assert created.status == 200, created.json
    assert api.get(url, token=group.token("member")).json["prices"] == {
        "kWh": [{"price": "0.30", "up_to": "100"}, {"price": "0.25", "up_to": None}]}
    assert api.call("PUT", url, TARIFF | {"tax_rate": "0.07"}, token=group.token("admin")).status == 400  # no version
    stale = api.call("PUT", url, TARIFF | {"tax_rate": "0.07"}, headers={"If-Match": '"1"'},
                     token=group.token("admin"))
    assert stale.status == 409
    changed = api.call("PUT", url, TARIFF | {"tax_rate": "0.07"}, headers={"If-Match": created.header("ETag") or ""},
                       token=group.token("admin"))
    assert changed.status == 200 and changed.json["tax_rate"] == "0.07"
    audit = api.get(f"/groups/{group.group_id}/audit", token=group.token("owner")).json["items"]
    actions = [entry["action"] for entry in audit]
    assert actions[:2] == ["billing.tariff", "billing.tariff"]


def test_invalid_tariffs_are_refused_with_the_field(api: Api) -> None:
    group = cast(api)
    url = f"/groups/{group.group_id}/tariff"
    for body, field in (
        (TARIFF | {"prices": {"kWh": [{"price": "0.30", "up_to": "100"}, {"price": "0.25", "up_to": "50"}]}},
         "prices.kWh"),
        (TARIFF | {"prices": {"kWh": [{"price": "0.30", "up_to": "100"}]}}, "prices.kWh"),
        (TARIFF | {"prices": {"kWh": [{"price": 0.3}]}}, "prices.kWh.0.price"),
        (TARIFF | {"tax_rate": "1.5"}, "tax_rate"),
        (TARIFF | {"prices": {}}, "prices"),
        (TARIFF | {"prices": {"kWh": [{"price": "0.3"}], "m3": [{"price": "2"}]}}, "prices"),
        (TARIFF | {"standing_charge": "1.001"}, "standing_charge"),
    ):
        reply = api.call("PUT", url, body, token=group.token("owner"))
        assert reply.status == 400, (body, reply.json)
        fields = [e["field"] for e in reply.json.get("errors", [])]
        assert any(f.replace("[", ".").replace("]", "") == field for f in fields), (field, reply.json)


def test_settlement_policy_needs_a_member_or_the_utility_as_payee(api: Api) -> None:
    group = cast(api)
    url = f"/groups/{group.group_id}/settlement"
    token = group.token("owner")
    assert api.call("PUT", url, {"mode": "bill_holder"}, token=token).status == 400
    assert api.call("PUT", url, {"mode": "bill_holder", "payee": "stranger"}, token=token).status == 400
    assert api.call("PUT", url, {"mode": "minimal", "payee": "utility"}, token=token).status == 400
    chosen = api.call("PUT", url, {"mode": "bill_holder", "payee": "utility"}, token=token)
    assert chosen.status == 200 and chosen.json["settlement"] == {"mode": "bill_holder", "payee": "utility"}
