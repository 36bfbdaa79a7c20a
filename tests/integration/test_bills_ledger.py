"""The ledger through the API: idempotent payments, balances, share statuses from the clock, settle-up, deletion."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from chalicelib.services import audit, ledger, unpaid_bills
from tests.integration.bill_helpers import balances, cast_since, freeze, issued, pay, relogin
from tests.integration.conftest import Api
from tests.integration.group_helpers import Cast

PERIOD = {"from": "2027-10-01", "to": "2027-10-31"}
NINETY = {"period": PERIOD, "total": "90.00", "method": "equal"}


@pytest.fixture
def group(api: Api) -> Cast:
    return cast_since(api, datetime(2027, 9, 20, 10, tzinfo=UTC), datetime(2027, 11, 2, 10, tzinfo=UTC))


def _ids(group: Cast) -> tuple[str, str, str]:
    owner, admin, member = (group.people[r].user_id for r in ("owner", "admin", "member"))
    return owner, admin, member


def _statuses(api: Api, group: Cast, bill_id: str) -> dict[str, tuple[str, str]]:
    bill = api.get(f"/groups/{group.group_id}/bills/{bill_id}", token=group.token("viewer")).json
    return {s["participant"]: (s["status"], s["paid"]) for s in bill["shares"]}


def test_payment_with_the_same_idempotency_key_is_recorded_once(api: Api, group: Cast) -> None:
    _, admin, _ = _ids(group)
    bill = issued(api, group, NINETY)
    body = {"from": admin, "to": "utility", "amount": "30.00", "bill_id": bill["id"]}
    first = pay(api, group.group_id, group.token("admin"), body, key="key-0000001")
    again = pay(api, group.group_id, group.token("admin"), body, key="key-0000001")
    assert first.status == 201 and again.status == 200, (first.json, again.json)
    assert again.json == first.json and again.header("Idempotent-Replayed") == "true"
    other = pay(api, group.group_id, group.token("admin"), body | {"amount": "31.00"}, key="key-0000001")
    assert other.status == 409 and other.json["type"].endswith("/idempotency-key-reused")
    listed = api.get(f"/groups/{group.group_id}/payments", token=group.token("viewer")).json["items"]
    assert [p["id"] for p in listed] == [first.json["id"]]
    missing = api.post(f"/groups/{group.group_id}/payments", body, token=group.token("admin"))
    assert missing.status == 400 and missing.json["errors"][0]["field"] == "Idempotency-Key"
    assert balances(api, group.group_id, group.token("viewer"))[admin] == "0.00"


def test_payments_are_validated(api: Api, group: Cast) -> None:
    owner, _, _ = _ids(group)
    bill = issued(api, group, NINETY)
    token = group.token("owner")
    for body, field in (
        ({"from": owner, "to": "utility", "amount": 30}, "amount"),
        ({"from": owner, "to": "utility", "amount": "0.00"}, "amount"),
        ({"from": owner, "to": "utility", "amount": "1.001"}, "amount"),
        ({"from": owner, "to": owner, "amount": "1.00"}, "to"),
        ({"from": owner, "to": "nobody", "amount": "1.00"}, "to"),
        ({"from": owner, "to": "utility", "amount": "1.00", "bill_id": "nope"}, "bill_id"),
    ):
        reply = pay(api, group.group_id, token, body)
        assert reply.status == 400, (body, reply.json)
        fields = [e["field"] for e in reply.json.get("errors", [])]
        assert field in fields, (field, reply.json)
    assert bill["id"]


def test_member_paying_the_utility_is_credited_and_settlement_has_the_others_pay_them(api: Api, group: Cast) -> None:
    owner, admin, member = _ids(group)
    bill = issued(api, group, NINETY)
    # the member paid the whole bill to the utility themselves; more than their share, so an admin records it
    assert pay(api, group.group_id, group.token("admin"),
               {"from": member, "to": "utility", "amount": "90.00", "bill_id": bill["id"]}).status == 201
    assert balances(api, group.group_id, group.token("viewer")) == {
        owner: "-30.00", admin: "-30.00", member: "60.00", "utility": "0.00"}
    settlement = api.get(f"/groups/{group.group_id}/settlement", token=group.token("viewer"))
    assert settlement.status == 200, settlement.json
    assert settlement.json["mode"] == "minimal" and settlement.json["count"] == 2
    assert sorted((t["from"], t["to"], t["amount"]) for t in settlement.json["transfers"]) == sorted(
        [(owner, member, "30.00"), (admin, member, "30.00")])
    statuses = _statuses(api, group, bill["id"])
    assert statuses[member] == ("paid", "30.00") and statuses[owner] == ("due", "0.00")


def test_settlement_is_minimal_or_with_the_bill_holder(api: Api, group: Cast) -> None:
    owner, admin, member = _ids(group)
    first = issued(api, group, NINETY)
    # the owner paid the utility; admin paid the second bill in full
    second = issued(api, group, {"period": PERIOD, "total": "60.00", "method": "equal"})
    assert pay(api, group.group_id, group.token("owner"),
               {"from": owner, "to": "utility", "amount": "90.00", "bill_id": first["id"]}).status == 201
    assert pay(api, group.group_id, group.token("admin"),
               {"from": admin, "to": "utility", "amount": "60.00", "bill_id": second["id"]}).status == 201
    # owner +60 -20 = 40, admin -30 +40 = 10, member -50
    assert balances(api, group.group_id, group.token("member")) == {
        owner: "40.00", admin: "10.00", member: "-50.00", "utility": "0.00"}
    minimal = api.get(f"/groups/{group.group_id}/settlement", token=group.token("member")).json
    assert minimal["count"] == 2
    holder = api.get(f"/groups/{group.group_id}/settlement?mode=bill_holder&payee={owner}",
                     token=group.token("member")).json
    assert sorted((t["from"], t["to"], t["amount"]) for t in holder["transfers"]) == sorted(
        [(member, owner, "50.00"), (owner, admin, "10.00")])
    # the group chooses "everyone settles with the bill holder"; members cannot change that
    policy = {"mode": "bill_holder", "payee": owner}
    assert api.call("PUT", f"/groups/{group.group_id}/settlement", policy, token=group.token("member")).status == 403
    chosen = api.call("PUT", f"/groups/{group.group_id}/settlement", policy, token=group.token("admin"))
    assert chosen.status == 200, chosen.json
    assert api.get(f"/groups/{group.group_id}/settlement", token=group.token("viewer")).json == holder
    assert api.call("PUT", f"/groups/{group.group_id}/settlement", {"mode": "minimal"},
                    token=group.token("admin")).status == 400  # no version
    assert api.get(f"/groups/{group.group_id}/settlement?mode=minimal&payee={owner}",
                   token=group.token("viewer")).status == 400


def test_share_status_is_partial_then_overdue_as_the_clock_moves(api: Api, group: Cast) -> None:
    owner, admin, member = _ids(group)
    bill = issued(api, group, NINETY)  # issued 2027-11-02 in Berlin, 14 days of terms
    assert bill["due_on"] == "2027-11-16"
    assert pay(api, group.group_id, group.token("admin"), {"from": admin, "to": owner, "amount": "10.00"}).status == 201
    assert _statuses(api, group, bill["id"])[admin] == ("partially_paid", "10.00")
    freeze(api, datetime(2027, 11, 16, 22, 59, tzinfo=UTC))  # 23:59 on the due day in Berlin
    for role in ("viewer", "admin"):
        relogin(api, group.people[role])
    assert _statuses(api, group, bill["id"])[admin] == ("partially_paid", "10.00")
    api.clock.advance(timedelta(minutes=1).total_seconds())  # midnight in Berlin
    statuses = _statuses(api, group, bill["id"])
    assert statuses[admin] == ("overdue", "10.00") and statuses[member] == ("overdue", "0.00")


def test_group_with_unpaid_bills_cannot_be_deleted_until_paid(api: Api, group: Cast) -> None:
    owner, admin, member = _ids(group)
    bill = issued(api, group, NINETY)
    token = group.token("owner")
    assert api.get(f"/groups/{group.group_id}", token=token).json["unpaid_bills"] == 1
    refused = api.call("DELETE", f"/groups/{group.group_id}", token=token)
    assert refused.status == 409 and refused.json["type"].endswith("/group-has-unpaid-bills")
    for who in (owner, admin, member):
        assert pay(api, group.group_id, token, {"from": who, "to": "utility", "amount": "30.00",
                                                "bill_id": bill["id"]}).status == 201
    assert api.get(f"/groups/{group.group_id}/bills/{bill['id']}", token=token).json["is_settled"] is True
    assert api.get(f"/groups/{group.group_id}", token=token).json["unpaid_bills"] == 0
    assert api.call("DELETE", f"/groups/{group.group_id}", token=token).status == 204


def test_payee_owes_nothing_to_themselves(api: Api, group: Cast) -> None:
    owner, admin, member = _ids(group)
    bill = issued(api, group, NINETY | {"payee": owner})
    assert _statuses(api, group, bill["id"])[owner] == ("paid", "30.00")
    assert balances(api, group.group_id, group.token("viewer")) == {owner: "60.00", admin: "-30.00",
                                                                   member: "-30.00"}


def test_currency_change_is_refused_once_a_bill_is_issued(api: Api, group: Cast) -> None:
    token = group.token("owner")
    path = f"/groups/{group.group_id}"
    before = api.get(path, token=token).json
    changed = api.patch(path, {"currency": "CHF", "version": before["version"]}, token=token)
    assert changed.status == 200, changed.json  # no bill yet: the currency may still change
    api.patch(path, {"currency": "EUR", "version": changed.json["version"]}, token=token)
    issued(api, group, NINETY)
    current = api.get(path, token=token).json
    refused = api.patch(path, {"currency": "CHF", "version": current["version"]}, token=token)
    assert refused.status == 409 and refused.json["type"].endswith("/currency-locked"), refused.json
    renamed = api.patch(path, {"name": "Still fine", "version": current["version"]}, token=token)
    assert renamed.status == 200 and renamed.json["currency"] == "EUR"


def test_issue_retried_after_a_crash_counts_the_bill_once(api: Api, group: Cast) -> None:
    # GIVEN a bill issued while an earlier attempt had already counted it in the group (crash after that write)
    token = group.token("owner")
    created = api.post(f"/groups/{group.group_id}/bills", NINETY, token=token)
    bill_id = created.json["id"]
    base = f"/groups/{group.group_id}/bills/{bill_id}"
    reviewed = api.post(f"{base}/review", headers={"If-Match": created.header("ETag") or ""}, token=token)
    unpaid_bills.track_bills(api.container, group.group_id, unpaid=[bill_id], issuing=True)
    done = api.post(f"{base}/issue", headers={"If-Match": reviewed.header("ETag") or ""}, token=token)
    assert done.status == 200, done.json
    # THEN it is one unpaid bill, and paying it in full leaves none
    assert api.get(f"/groups/{group.group_id}", token=token).json["unpaid_bills"] == 1
    for who in _ids(group):
        assert pay(api, group.group_id, token, {"from": who, "to": "utility", "amount": "30.00"}).status == 201
    assert api.get(f"/groups/{group.group_id}", token=token).json["unpaid_bills"] == 0


def test_reversed_payment_makes_a_settled_bill_unpaid_again(api: Api, group: Cast) -> None:
    owner, admin, member = _ids(group)
    token = group.token("owner")
    bill = issued(api, group, NINETY)
    for who in (owner, admin, member):
        assert pay(api, group.group_id, token, {"from": who, "to": "utility", "amount": "30.00",
                                                "bill_id": bill["id"]}).status == 201
    assert api.get(f"/groups/{group.group_id}", token=token).json["unpaid_bills"] == 0
    # WHEN the admin's payment turns out wrong and is reversed (the utility pays it back)
    assert pay(api, group.group_id, token, {"from": "utility", "to": admin, "amount": "30.00",
                                            "bill_id": bill["id"]}).status == 201
    # THEN the admin's share is open again, the bill is unsettled and counted, and the group cannot be deleted
    assert _statuses(api, group, bill["id"])[admin] == ("due", "0.00")
    assert api.get(f"/groups/{group.group_id}/bills/{bill['id']}", token=token).json["is_settled"] is False
    assert api.get(f"/groups/{group.group_id}", token=token).json["unpaid_bills"] == 1
    assert api.call("DELETE", f"/groups/{group.group_id}", token=token).status == 409


def test_member_may_record_only_their_own_outstanding_share(api: Api, group: Cast) -> None:
    owner, admin, member = _ids(group)
    bill = issued(api, group, NINETY | {"payee": owner})  # the owner paid the utility; the others owe the owner
    token = group.token("member")
    for body in (
        {"from": member, "to": admin, "amount": "10.00"},  # the admin holds no bill the member owes
        {"from": member, "to": owner, "amount": "30.01"},  # more than the member still owes the owner
        {"from": admin, "to": owner, "amount": "30.00"},  # someone else's payment
    ):
        refused = pay(api, group.group_id, token, body)
        assert refused.status == 403 and refused.json["type"].endswith("/forbidden"), (body, refused.json)
    assert pay(api, group.group_id, token, {"from": member, "to": owner, "amount": "20.00"}).status == 201
    over = pay(api, group.group_id, token, {"from": member, "to": owner, "amount": "10.01"})
    assert over.status == 403, over.json  # 10.00 left
    assert pay(api, group.group_id, token, {"from": member, "to": "utility", "amount": "10.00",
                                            "bill_id": bill["id"]}).status == 201
    assert pay(api, group.group_id, group.token("admin"), {"from": member, "to": admin, "amount": "5.00"}).status == 201


def test_settlement_payee_must_be_a_member_or_the_utility(api: Api, group: Cast) -> None:
    issued(api, group, NINETY)
    base = f"/groups/{group.group_id}/settlement?mode=bill_holder&payee="
    refused = api.get(base + "nobody", token=group.token("viewer"))
    assert refused.status == 400 and [e["field"] for e in refused.json["errors"]] == ["payee"], refused.json
    assert api.get(base + "utility", token=group.token("viewer")).status == 200


def test_replaying_a_payment_completes_an_audit_intent_left_by_a_crash(api: Api, group: Cast) -> None:
    owner, admin, _ = _ids(group)
    issued(api, group, NINETY)
    body = {"from": admin, "to": "utility", "amount": "30.00"}
    first = pay(api, group.group_id, group.token("owner"), body, key="crash-0000001")
    assert first.status == 201
    # GIVEN the process died after inserting the payment and before appending its audit entry
    collection = ledger.payment_collection(api.container)
    stored = collection.get(first.json["id"])
    assert stored is not None
    lost = audit.intent(api.container, group_id=group.group_id, actor_id=owner, action="payment.record",
                        target=f"payment:{stored['_id']}", before=None, after={"amount": "30.00"}, client_ip="t")
    collection.update(stored["_id"], {"audit_pending": lost}, expected_version=stored["version"])
    # WHEN the client retries with the same key
    again = pay(api, group.group_id, group.token("owner"), body, key="crash-0000001")
    # THEN the answer is the replay and the intent is in the chain, no longer in the document
    assert again.status == 200 and again.json == first.json
    entries = audit.page(api.container, group.group_id, cursor=None, limit=50)[0]
    assert lost["op_id"] in [e["op_id"] for e in entries]
    assert (collection.get(stored["_id"]) or {}).get("audit_pending") is None
