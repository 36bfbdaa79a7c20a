"""The bill drafts job on a frozen clock: tariff-billed groups get a priced draft from their readings, invoice-billed
groups a draft with last period's lines waiting for amounts; once per period, never issued."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from chalicelib.jobs import bill_drafts
from tests.integration.bill_helpers import cast_since, freeze, issued, relogin
from tests.integration.conftest import Api
from tests.integration.group_helpers import Cast, cast

INSTALLED = "2027-08-31T22:00:00Z"  # September 1st, 00:00 in Berlin
SEPTEMBER_ENDS = "2027-09-30T22:00:00Z"  # October 1st, 00:00 in Berlin: the end of the reading window
TARIFF = {"billed_by": "tariff", "prices": {"kWh": [{"price": "0.30", "up_to": "100"}, {"price": "0.20"}]},
          "standing_charge": "5.00", "tax_rate": "0.10"}


def _meters(api: Api, group: Cast) -> dict[str, str]:
    ids = {}
    for role in ("owner", "admin", "member"):
        created = api.post(f"/groups/{group.group_id}/meters", {
            "serial": f"SUB-{role}", "kind": "sub", "unit": "kWh", "installed_at": INSTALLED, "initial_value": "0",
            "participant_id": group.people[role].user_id}, token=group.token("owner"))
        assert created.status == 201, created.json
        ids[role] = created.json["id"]
    return ids


def _read(api: Api, group: Cast, meter_id: str, value: str, at: str) -> None:
    reply = api.post(f"/groups/{group.group_id}/meters/{meter_id}/readings", {"value": value, "taken_at": at},
                     token=group.token("owner"))
    assert reply.status == 201, reply.json


def _drafts(api: Api, group: Cast) -> list[dict[str, object]]:
    return list(api.get(f"/groups/{group.group_id}/bills", token=group.token("owner")).json["items"])


def test_tariff_group_gets_one_priced_draft_when_the_window_closes(api: Api) -> None:
    freeze(api, datetime(2027, 9, 20, 10, tzinfo=UTC))
    group = cast(api)
    put = api.call("PUT", f"/groups/{group.group_id}/tariff", TARIFF, token=group.token("admin"))
    assert put.status == 200, put.json
    assert put.json["next_draft_at"] == "2027-09-30T22:00:00.000000Z"
    meters = _meters(api, group)
    _read(api, group, meters["member"], "30", "2027-09-15T22:00:00Z")  # the member read mid-month only

    assert bill_drafts.run(api.container, datetime(2027, 9, 30, 21, 59, tzinfo=UTC)).drafts == 0
    freeze(api, datetime(2027, 9, 30, 22, 0, 30, tzinfo=UTC))
    relogin(api, group.people["owner"])
    _read(api, group, meters["owner"], "100", SEPTEMBER_ENDS)
    _read(api, group, meters["admin"], "50", SEPTEMBER_ENDS)

    ran = bill_drafts.run(api.container, datetime(2027, 9, 30, 22, 1, tzinfo=UTC))
    assert ran.drafts == 1 and ran.with_problems == 0
    again = bill_drafts.run(api.container, datetime(2027, 9, 30, 23, 0, tzinfo=UTC))
    assert again.drafts == 0 and again.groups == 0  # moved on to October's closing

    [draft] = _drafts(api, group)
    assert draft["state"] == "draft" and draft["source"] == "tariff"
    assert draft["period"] == {"from": "2027-09-01", "to": "2027-09-30"}
    assert draft["estimated"] is True and draft["estimated_participants"] == [group.people["member"].user_id]
    # member: 30 kWh by 15 days, estimated at 60 for the month; total 210 kWh = 100 x 0.30 + 110 x 0.20 = 52.00
    lines = {line["name"]: line["amount"] for line in draft["lines"]}  # type: ignore[attr-defined]
    assert lines == {"kWh": "57.20", "standing charge": "5.50"}  # tax 10 % included per line
    assert sum(Decimal(s["amount"]) for s in draft["shares"]) == Decimal("62.70")  # type: ignore[attr-defined]

    # the next period is drafted at October's end, once
    assert bill_drafts.run(api.container, datetime(2027, 10, 31, 23, 0, tzinfo=UTC)).drafts == 1
    assert len(_drafts(api, group)) == 2
    assert all(d["state"] == "draft" for d in _drafts(api, group))


def test_invoice_group_gets_last_periods_lines_waiting_for_amounts(api: Api) -> None:
    freeze(api, datetime(2027, 9, 20, 10, tzinfo=UTC))
    group = cast(api)
    lines = [{"name": "energy", "amount": "80.00", "method": "equal"},
             {"name": "service", "amount": "10.00", "method": "weights", "key": "occupants"}]
    participants = [{"id": group.people[r].user_id, "weights": {"occupants": "1"}} for r in ("owner", "admin")]
    issued(api, group, {"period": {"from": "2027-08-01", "to": "2027-08-31"}, "lines": lines,
                        "participants": participants})
    put = api.call("PUT", f"/groups/{group.group_id}/tariff", {"billed_by": "invoice"}, token=group.token("owner"))
    assert put.status == 200, put.json
    assert bill_drafts.run(api.container, datetime(2027, 10, 1, 6, tzinfo=UTC)).drafts == 1
    draft = next(d for d in _drafts(api, group) if d["state"] == "draft")
    assert draft["needs_amounts"] is True and draft["source"] == "previous_bill"
    assert "occupants" in str(draft["problem"])  # this period's members have no occupants weight yet
    assert [(line["name"], line["amount"]) for line in draft["inputs"]["lines"]] == [  # type: ignore[index]
        ("energy", "0.00"), ("service", "0.00")]
    base = f"/groups/{group.group_id}/bills/{draft['id']}"
    relogin(api, group.people["owner"])
    token = group.token("owner")
    refused = api.post(f"{base}/review?version={draft['version']}", token=token)
    assert refused.status == 400
    filled = [{**lines[0], "amount": "75.00"}, {**lines[1], "amount": "12.00"}]
    edited = api.patch(base, {"lines": filled, "participants": participants, "version": draft["version"]},
                       token=token)
    assert edited.status == 200, edited.json
    assert edited.json["needs_amounts"] is False and edited.json["total"] == "87.00"
    assert api.post(f"{base}/review?version={edited.json['version']}", token=token).status == 200


def test_drafted_bill_takes_consumption_from_the_periods_readings(api: Api) -> None:
    group = cast_since(api, datetime(2027, 8, 20, 10, tzinfo=UTC), datetime(2027, 9, 30, 22, 0, 30, tzinfo=UTC))
    meters = _meters(api, group)
    _read(api, group, meters["owner"], "60", SEPTEMBER_ENDS)
    _read(api, group, meters["admin"], "30", SEPTEMBER_ENDS)
    _read(api, group, meters["member"], "5", "2027-09-15T22:00:00Z")  # estimated to the end of the month: 10
    reply = api.post(f"/groups/{group.group_id}/bills", {
        "period": {"from": "2027-09-01", "to": "2027-09-30"}, "total": "100.00", "method": "consumption",
        "consumption": {group.people["admin"].user_id: "20"}}, token=group.token("owner"))
    assert reply.status == 201, reply.json
    bill = reply.json
    assert bill["source"] == "readings" and bill["estimated_participants"] == [group.people["member"].user_id]
    shares = {s["participant"]: s["amount"] for s in bill["shares"]}
    # owner 60, admin 20 (given explicitly, overriding the meter's 30), member 10 (estimated): 90 units
    assert shares == {group.people["owner"].user_id: "66.67", group.people["admin"].user_id: "22.22",
                      group.people["member"].user_id: "11.11"}
