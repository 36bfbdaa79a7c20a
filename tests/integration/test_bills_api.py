"""Bills through the API: drafting from the group, review, issue, immutability, adjustments, due dates, explanations."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from tests.integration.bill_helpers import draft, freeze, issued, relogin, upcoming_period
from tests.integration.conftest import Api
from tests.integration.group_helpers import Cast, add_member, cast, create_group, person

PERIOD = upcoming_period()  # the members of a group made now are present for all of it
EQUAL_100 = {"period": PERIOD, "total": "100.00", "method": "equal"}


@pytest.fixture
def group(api: Api) -> Cast:
    return cast(api)


def test_draft_takes_the_paying_members_and_previews_exact_shares(api: Api, group: Cast) -> None:
    created = draft(api, group.group_id, group.token("admin"), EQUAL_100)
    assert created.status == 201, created.json
    bill = created.json
    assert bill["state"] == "draft" and bill["currency"] == "EUR" and bill["payee"] == "utility"
    people = {p.user_id for role, p in group.people.items() if role in ("owner", "admin", "member")}
    assert {s["participant"] for s in bill["shares"]} == people  # viewers only watch
    amounts = sorted(Decimal(s["amount"]) for s in bill["shares"])
    assert amounts == [Decimal("33.33"), Decimal("33.33"), Decimal("33.34")]
    assert created.header("ETag") == f'"{bill["version"]}"'


def test_lifecycle_draft_review_issue_then_immutable(api: Api, group: Cast) -> None:
    token = group.token("owner")
    created = draft(api, group.group_id, token, EQUAL_100)
    base = f"/groups/{group.group_id}/bills/{created.json['id']}"
    stale = api.patch(base, {"total": "90.00"}, headers={"If-Match": '"99"'}, token=token)
    assert stale.status == 409
    assert api.patch(base, {"total": "90.00"}, token=token).status == 400  # no version at all
    edited = api.patch(base, {"total": "90.00"}, headers={"If-Match": created.header("ETag") or ""}, token=token)
    assert edited.status == 200 and edited.json["total"] == "90.00"
    etag = {"If-Match": edited.header("ETag") or ""}
    early = api.post(f"{base}/issue", headers=etag, token=token)
    assert early.status == 409 and early.json["type"].endswith("/bill-not-editable")
    assert api.post(f"{base}/review", token=token).status == 400  # no version at all
    assert api.post(f"{base}/review", headers={"If-Match": '"99"'}, token=token).status == 409
    reviewed = api.post(f"{base}/review", headers=etag, token=token)
    assert reviewed.status == 200 and reviewed.json["state"] == "review"
    assert api.post(f"{base}/issue", token=token).status == 400  # no version at all
    assert api.post(f"{base}/issue", headers=etag, token=token).status == 409  # stale
    done = api.post(f"{base}/issue", headers={"If-Match": reviewed.header("ETag") or ""}, token=token)
    assert done.status == 200, done.json
    bill = done.json
    assert bill["state"] == "issued" and bill["issued_at"] and bill["due_on"]
    assert sum(Decimal(s["amount"]) for s in bill["shares"]) == Decimal("90.00")
    assert all(s["status"] == "due" and s["paid"] == "0.00" for s in bill["shares"])
    for attempt in (
        api.patch(base, {"total": "1.00"}, headers={"If-Match": done.header("ETag") or ""}, token=token),
        api.call("DELETE", base, headers={"If-Match": done.header("ETag") or ""}, token=token),
        api.post(f"{base}/issue", headers={"If-Match": done.header("ETag") or ""}, token=token),
        api.post(f"{base}/review", headers={"If-Match": done.header("ETag") or ""}, token=token),
    ):
        assert attempt.status == 409, attempt.json
    assert api.get(base, token=token).json["shares"] == [
        s | {"status": "due", "paid": "0.00"} for s in bill["shares"]
    ]
    audit = api.get(f"/groups/{group.group_id}/audit", token=token).json["items"]
    assert [e["action"] for e in audit[:4]] == ["bill.issue", "bill.review", "bill.update", "bill.draft"]


def test_every_line_and_the_bill_add_up_exactly_and_are_explained(api: Api, group: Cast) -> None:
    owner, admin, member = (group.people[r].user_id for r in ("owner", "admin", "member"))
    body = {
        "period": PERIOD,
        "lines": [
            {"name": "energy", "amount": "100.00", "method": "consumption"},
            {"name": "standing charge", "amount": "10.01", "method": "equal"},
            {"name": "tax", "amount": "20.00", "method": "weights", "key": "area"},
        ],
        "participants": [
            {"id": owner, "consumption": "1", "weights": {"area": "1"}},
            {"id": admin, "consumption": "1", "weights": {"area": "1"}},
            {"id": member, "consumption": "1", "weights": {"area": "1"}},
        ],
    }
    bill = issued(api, group, body)
    assert bill["total"] == "130.01" and bill["allocated"] == "130.01"
    assert sum(Decimal(s["amount"]) for s in bill["shares"]) == Decimal("130.01")
    for index, name in enumerate(("energy", "standing charge", "tax")):
        line_total = sum(Decimal(s["lines"][index]["amount"]) for s in bill["shares"])
        assert line_total == Decimal(bill["lines"][index]["amount"]), name
    share = bill["shares"][0]
    assert "energy:" in share["explanation"] and "standing charge:" in share["explanation"]
    assert share["lines"][0]["parts"][0]["rate"] and share["lines"][0]["explanation"].startswith("energy: ")


def test_draft_uses_member_weights_and_presence_from_joining(api: Api) -> None:
    freeze(api, datetime(2027, 9, 20, 10, tzinfo=UTC))  # the clock only moves forward: codes expire in real time
    owner = person(api, "owner")
    group_id = create_group(api, owner, default_allocation_key="area")
    freeze(api, datetime(2027, 10, 16, 10, tzinfo=UTC))
    owner, tenant = relogin(api, owner), person(api, "tenant")
    add_member(api, group_id, owner, tenant, "member")  # moves in on October 16th
    for who, area in ((owner, "50"), (tenant, "50")):
        members = api.get(f"/groups/{group_id}/members", token=owner.token).json["items"]
        version = next(m["version"] for m in members if m["user_id"] == who.user_id)
        assert api.patch(f"/groups/{group_id}/members/{who.user_id}", {"weights": {"area": area}, "version": version},
                         token=owner.token).status == 200
    bill = draft(api, group_id, owner.token, {"period": {"from": "2027-10-01", "to": "2027-10-31"}, "total": "310.00"})
    assert bill.status == 201, bill.json
    shares = {s["participant"]: s["amount"] for s in bill.json["shares"]}
    # owner present 31 days x 50 m², tenant 16 days x 50 m²: 310 x 31/47 and 310 x 16/47
    assert shares == {owner.user_id: "204.47", tenant.user_id: "105.53"}
    assert bill.json["inputs"]["participants"][1 if owner.user_id < tenant.user_id else 0]["present"] == [
        {"from": "2027-10-16", "to": "2027-10-31"}]


def test_consumption_rule_without_readings_or_explicit_values_is_a_clear_400(api: Api, group: Cast) -> None:
    reply = draft(api, group.group_id, group.token("owner"), {"period": PERIOD, "total": "10.00",
                                                              "method": "consumption"})
    assert reply.status == 400 and "consumption" in reply.json["errors"][0]["field"] if reply.json.get("errors") \
        else "consumption" in reply.json["detail"]
    explicit = {p.user_id: str(i + 1) for i, p in enumerate(
        group.people[r] for r in ("owner", "admin", "member"))}
    ok = draft(api, group.group_id, group.token("owner"), {"period": PERIOD, "total": "60.00",
                                                           "method": "consumption", "consumption": explicit})
    assert ok.status == 201, ok.json
    assert sorted(Decimal(s["amount"]) for s in ok.json["shares"]) == [10, 20, 30]


def test_invalid_bills_are_refused_with_the_field(api: Api, group: Cast) -> None:
    token = group.token("owner")
    for body, field in (
        ({"period": PERIOD, "total": 100, "method": "equal"}, "total"),
        ({"period": PERIOD, "total": "1.001", "method": "equal"}, "total"),
        ({"period": {"from": "2026-10-31", "to": "2026-10-01"}, "total": "1.00", "method": "equal"}, "period.to"),
        ({"period": PERIOD, "total": "1.00", "method": "equal", "payee": "stranger"}, "payee"),
        ({"period": PERIOD, "total": "1.00", "method": "equal", "owner_id": "x"}, "owner_id"),
    ):
        reply = draft(api, group.group_id, token, body)
        assert reply.status == 400, (body, reply.json)
        fields = [e["field"] for e in reply.json.get("errors", [])] or [reply.json["detail"]]
        assert any(field in f for f in fields), (field, reply.json)


def test_deleted_draft_is_gone(api: Api, group: Cast) -> None:
    token = group.token("admin")
    created = draft(api, group.group_id, token, EQUAL_100)
    base = f"/groups/{group.group_id}/bills/{created.json['id']}"
    assert api.call("DELETE", base, token=token).status == 400  # no version at all
    assert api.call("DELETE", base, headers={"If-Match": '"99"'}, token=token).status == 409
    assert api.call("DELETE", base, headers={"If-Match": created.header("ETag") or ""}, token=token).status == 204
    assert api.get(base, token=token).status == 404


def test_adjustment_references_the_original_and_credits_back(api: Api, group: Cast) -> None:
    bill = issued(api, group, {"period": PERIOD, "total": "90.00", "method": "equal"})
    base = f"/groups/{group.group_id}/bills"
    assert api.post(f"{base}/{bill['id']}/adjustments", {"total": "9.00", "method": "equal", "direction": "credit"},
                    token=group.token("member")).status == 403
    adjustment = api.post(f"{base}/{bill['id']}/adjustments",
                          {"total": "9.00", "method": "equal", "direction": "credit"}, token=group.token("owner"))
    assert adjustment.status == 201, adjustment.json
    adj = adjustment.json
    assert adj["kind"] == "adjustment" and adj["adjusts"] == bill["id"] and adj["period"] == bill["period"]
    assert adj["direction"] == "credit" and adj["state"] == "draft"
    aid = adj["id"]
    reviewed = api.post(f"{base}/{aid}/review", headers={"If-Match": adjustment.header("ETag") or ""},
                        token=group.token("owner"))
    assert reviewed.status == 200, reviewed.json
    done = api.post(f"{base}/{aid}/issue", headers={"If-Match": reviewed.header("ETag") or ""},
                    token=group.token("owner"))
    assert done.status == 200 and {s["status"] for s in done.json["shares"]} == {"credit"}
    balances = {b["participant"]: b["balance"] for b in
                api.get(f"/groups/{group.group_id}/balances", token=group.token("viewer")).json["balances"]}
    assert balances["utility"] == "81.00"
    assert sorted(v for k, v in balances.items() if k != "utility") == ["-27.00"] * 3
    draft_of_draft = draft(api, group.group_id, group.token("owner"), EQUAL_100).json["id"]
    assert api.post(f"{base}/{draft_of_draft}/adjustments", {"total": "1.00", "method": "equal"},
                    token=group.token("owner")).status == 409


@pytest.mark.parametrize("zone", ["Pacific/Kiritimati", "Pacific/Pago_Pago"])
def test_due_date_follows_the_payment_terms_in_the_groups_time_zone(api: Api, zone: str) -> None:
    # 10:30 UTC on the 20th: already the 21st in Kiritimati (UTC+14), still the 19th in Pago Pago (UTC-11)
    instant = datetime(2027, 11, 20, 10, 30, tzinfo=UTC)
    freeze(api, instant)
    people = {role: person(api, role) for role in ("owner", "admin", "member", "viewer", "outsider")}
    group_id = create_group(api, people["owner"], timezone=zone, payment_terms_days=10)
    local_day = instant.astimezone(ZoneInfo(zone)).date()
    bill = issued(api, Cast(group_id, people), {"period": PERIOD, "total": "10.00", "method": "equal",
                                                "participants": [{"id": people["owner"].user_id}]})
    assert bill["due_on"] == (local_day + timedelta(days=10)).isoformat()
    assert bill["due_on"] == ("2027-12-01" if zone == "Pacific/Kiritimati" else "2027-11-29")
    assert bill["shares"][0]["due_on"] == bill["due_on"]
    assert date.fromisoformat(bill["due_on"])


def test_bills_are_listed_newest_first_with_a_cursor(api: Api, group: Cast) -> None:
    token = group.token("owner")
    ids = [draft(api, group.group_id, token, EQUAL_100).json["id"] for _ in range(3)]
    first = api.get(f"/groups/{group.group_id}/bills?limit=2", token=group.token("viewer"))
    assert first.status == 200 and [b["id"] for b in first.json["items"]] == ids[::-1][:2]
    rest = api.get(f"/groups/{group.group_id}/bills?limit=2&cursor={first.json['next_cursor']}",
                   token=group.token("viewer"))
    assert [b["id"] for b in rest.json["items"]] == ids[:1]
    assert api.get(f"/groups/{group.group_id}/bills?cursor=garbage", token=token).status == 400


def test_explicit_participants_must_be_paying_members(api: Api, group: Cast) -> None:
    outsider = person(api, "outsider")
    owner = group.people["owner"].user_id
    body = {"period": PERIOD, "total": "90.00", "method": "equal",
            "participants": [{"id": owner}, {"id": outsider.user_id}]}
    refused = api.post(f"/groups/{group.group_id}/bills", body, token=group.token("owner"))
    assert refused.status == 400, refused.json
    assert [e["field"] for e in refused.json["errors"]] == ["participants[1].id"]
    viewer = group.people["viewer"].user_id  # viewers only watch: not billed either
    body["participants"] = [{"id": owner}, {"id": viewer}]
    assert api.post(f"/groups/{group.group_id}/bills", body, token=group.token("owner")).status == 400


def test_explicit_participants_take_the_requests_consumption_when_created_as_when_edited(api: Api, group: Cast) -> None:
    owner, admin = group.people["owner"].user_id, group.people["admin"].user_id
    token = group.token("owner")
    body = {"period": PERIOD, "total": "30.00", "method": "consumption",
            "participants": [{"id": owner}, {"id": admin}], "consumption": {owner: "1", admin: "2"}}
    created = draft(api, group.group_id, token, body)
    assert created.status == 201, created.json
    assert {s["participant"]: s["amount"] for s in created.json["shares"]} == {owner: "10.00", admin: "20.00"}
    base = f"/groups/{group.group_id}/bills/{created.json['id']}"
    edited = api.patch(base, {"consumption": {owner: "2", admin: "1"}, "version": created.json["version"]},
                       token=token)
    assert edited.status == 200, edited.json
    assert {s["participant"]: s["amount"] for s in edited.json["shares"]} == {owner: "20.00", admin: "10.00"}
