"""Payments on a group's ledger, balances and settle-up.

A payment is one document; its ``Idempotency-Key`` (required) is a unique index per group, the claim of
``services.idempotency``, so sending the same request twice records it once (the second answer replays the first; the
same key with a different payment is ``IdempotencyKeyReused``, 409). A member who
pays the utility directly is recorded as a payment to ``utility``: it credits them, and settle-up then has the others
pay them. After each payment every issued bill's settled state and the group's unpaid set are recomputed from the
derived share statuses (``unpaid_bills.refresh_settled``), which lets the group be deleted once nothing is unpaid.

Who may record what: with ``payment.record`` (owners, admins) any payment between parties of the group. With only
``payment.create`` (members paying their own share) the payer must be the caller, the payee the creditor of one of the
caller's outstanding shares (the bill holder) or ``utility``, and the amount at most what the caller still owes that
payee (all of it for ``utility``); anything else is ``Forbidden``.

A payment document is written once. What follows the insert (its audit entry, the bills' settled state and the
group's unpaid set) runs again on every replay, so a crash in between is completed when the client sends the same
``Idempotency-Key`` again.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from chalicelib.adapters.store.port import find_all
from chalicelib.domain.bill_lifecycle import BillState
from chalicelib.domain.errors import Forbidden, ValidationFailed
from chalicelib.domain.ledger import UTILITY, balances
from chalicelib.domain.money import format_amount, parse_amount
from chalicelib.domain.settlement import settle_minimal, settle_with_holder
from chalicelib.domain.timestamps import utc_iso
from chalicelib.observability import record_event
from chalicelib.services import audit, billing_profile, groups, idempotency, unpaid_bills
from chalicelib.services.access import ACTIVE, membership_collection
from chalicelib.services.ledger import Ledger, load, now_iso, payment_collection

if TYPE_CHECKING:
    from chalicelib.adapters.store.port import Document
    from chalicelib.bootstrap import Container
    from chalicelib.domain.commands import RecordPayment
    from chalicelib.services.access import Membership

def view(payment: Document) -> dict[str, Any]:
    return {
        "id": payment["_id"], "from": payment["payer"], "to": payment["payee"], "amount": payment["amount"],
        "bill_id": payment.get("bill_id"), "note": payment.get("note"), "recorded_by": payment["recorded_by"],
        "recorded_at": payment["recorded_at"],
    }


def _fields(request: RecordPayment) -> dict[str, Any]:
    """The payment as the client sent it (its body's names), for the idempotency fingerprint."""
    return {"from": request.payer, "to": request.payee, "amount": request.amount, "bill_id": request.bill_id,
            "note": request.note}


def _active_members(container: Container, group_id: str) -> set[str]:
    return {m["user_id"] for m in find_all(membership_collection(container), {"group_id": group_id, "status": ACTIVE})}


def _check_own_payment(ledger: Ledger, membership: Membership, request: RecordPayment, minor: int, now: str) -> None:
    """A member without ``payment.record`` pays only their own outstanding shares (see the module docstring)."""
    if request.payer != membership.user_id:
        raise Forbidden("you may record only payments you make; recording others' needs payment.record")
    owed: dict[str, int] = {}
    for state in ledger.states(now):
        if state.share.debtor == membership.user_id and state.outstanding > 0:
            owed[state.share.creditor] = owed.get(state.share.creditor, 0) + state.outstanding
    if request.payee != UTILITY and request.payee not in owed:
        raise Forbidden('pay "utility" or the holder of a bill you owe; other payments need payment.record')
    limit = sum(owed.values()) if request.payee == UTILITY else owed[request.payee]
    if minor > limit:
        raise Forbidden("the amount is more than you still owe this payee; larger payments need payment.record")


def record(
    container: Container, membership: Membership, *, request: RecordPayment, idempotency_key: str | None,
    client_ip: str, own_share_only: bool = False,
) -> tuple[dict[str, Any], bool]:
    """Record a payment; returns its view and whether it was newly recorded (False: a replay of the same key).

    ``own_share_only``: the caller has ``payment.create`` but not ``payment.record``.
    """
    group_id = membership.group_id
    key = idempotency.header_key(idempotency_key, required=True)
    claim = idempotency.Claim({"group_id": group_id, "idempotency_key": key},
                              idempotency.fingerprint(_fields(request)))

    def write(claimed: Mapping[str, Any]) -> Document:
        group = groups.load(container, group_id)
        currency = group["currency"]
        minor = parse_amount(request.amount, currency, field="amount")
        if minor <= 0:
            raise ValidationFailed("must be greater than zero", field="amount")
        if request.payer == request.payee:
            raise ValidationFailed("a payment goes from one party to another", field="to")
        ledger = load(container, group_id)
        known = _active_members(container, group_id) | {UTILITY}
        known |= {s.debtor for s in ledger.shares} | {s.creditor for s in ledger.shares}
        for field, party in (("from", request.payer), ("to", request.payee)):
            if party not in known:
                raise ValidationFailed('must be a participant of the group or "utility"', field=field)
        issued_ids = {b["_id"] for b in ledger.bills if b["state"] == BillState.ISSUED}
        if request.bill_id is not None and request.bill_id not in issued_ids:
            raise ValidationFailed("no issued bill of this group has this id", field="bill_id")
        if own_share_only:
            _check_own_payment(ledger, membership, request, minor, now_iso(container))
        payment: Document = {
            "_id": uuid.uuid4().hex, "group_id": group_id, "payer": request.payer, "payee": request.payee,
            "minor": minor, "amount": format_amount(minor, currency), "bill_id": request.bill_id, "note": request.note,
            "recorded_by": membership.user_id, "recorded_at": utc_iso(container.clock()), **claimed,
        }
        pending = audit.intent(
            container, group_id=group_id, actor_id=membership.user_id, action="payment.record",
            target=f"payment:{payment['_id']}", before=None,
            after={"from": request.payer, "to": request.payee, "amount": payment["amount"], "bill_id": request.bill_id},
            client_ip=client_ip,
        )
        return audit.insert_with(container, payment_collection(container), payment, pending)

    def finish(stored: Document) -> Document:
        """What follows the insert, again on every replay: the audit entry, the bills' settled state."""
        stored = audit.finish(container, payment_collection(container), stored)
        unpaid_bills.refresh_settled(container, load(container, group_id), group_id)
        return stored

    outcome = idempotency.once(payment_collection(container), claim, write=write, finish=finish)
    if not outcome.replayed:
        record_event("payment.recorded", group_id=group_id)
    return view(outcome.document), not outcome.replayed


def list_payments(container: Container, membership: Membership, *, cursor: str | None, limit: int) -> dict[str, Any]:
    page = payment_collection(container).find_page(
        {"group_id": membership.group_id}, order_by="recorded_at", descending=True, limit=limit, cursor=cursor
    )
    return {"items": [view(p) for p in page.items], "next_cursor": page.next_cursor}


def group_balances(container: Container, membership: Membership) -> dict[str, Any]:
    """Per party: shares owed and owed to it, payments made and received, and the balance (positive: is owed)."""
    currency = groups.load(container, membership.group_id)["currency"]
    ledger = load(container, membership.group_id)
    positions = balances(ledger.shares, ledger.entries)
    return {
        "currency": currency,
        "balances": [
            {"participant": party, "owed": format_amount(p.owed, currency),
             "owed_to": format_amount(p.owed_to, currency), "paid": format_amount(p.paid, currency),
             "received": format_amount(p.received, currency), "balance": format_amount(p.balance, currency)}
            for party, p in positions.items()
        ],
    }


def settlement(
    container: Container, membership: Membership, *, mode: str | None = None, payee: str | None = None
) -> dict[str, Any]:
    """Transfers that settle the ledger: the fewest (exact up to 20 people), or everyone with the bill holder.

    Without ``mode`` the group's settlement policy applies (``billing_profile``; default minimal).
    """
    currency = groups.load(container, membership.group_id)["currency"]
    policy = billing_profile.settlement_policy(container, membership.group_id)
    chosen_mode = mode or policy["mode"]
    holder = payee or (policy.get("payee") if chosen_mode == "bill_holder" else None)
    ledger = load(container, membership.group_id)
    positions = {party: p.balance for party, p in balances(ledger.shares, ledger.entries).items()}
    if chosen_mode == "bill_holder":
        if holder is None:
            raise ValidationFailed("bill_holder mode needs the payee everyone settles with", field="payee")
        if holder != UTILITY and holder not in _active_members(container, membership.group_id):
            raise ValidationFailed('must be a member of the group or "utility"', field="payee")
        positions.setdefault(holder, 0)
        transfers = settle_with_holder(positions, holder)
    else:
        if payee is not None:
            raise ValidationFailed("a payee is only used in bill_holder mode", field="payee")
        transfers = settle_minimal(positions)
    return {
        "currency": currency, "mode": chosen_mode, "payee": holder,
        "transfers": [{"from": t.payer, "to": t.payee, "amount": format_amount(t.amount, currency)}
                      for t in transfers],
        "count": len(transfers),
    }
