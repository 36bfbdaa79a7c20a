"""Bills of a group, the use cases: draft, edit, review, issue (once, then immutable), delete, adjust; read.

A bill is one document that embeds everything that must agree: what was asked (``request``), the terms it is split by
(``inputs``: lines, rules, participants with weights, presence and consumption, in the shape of ``POST
/splits/preview``, ``services.bill_documents``), the allocation previewed while it is a draft, and, once issued, one
share per participant with amount (minor units, straight from the allocation), due date and explanation. Shares are
rounded exactly per line by ``domain.allocation`` and so add up to each line and to the bill, inside this one document.

Where each part lives: the inputs are resolved from the group when a draft is written (``services.bill_inputs``:
members, presence, consumption, tariff); which action a bill in which state allows is ``domain.bill_lifecycle``; the
due date and reminder instants are ``domain.due_dates``; the unpaid-bill set is ``services.unpaid_bills``. Every
change embeds its audit intent (``audit.insert_with`` / ``update_with``), so a state change is never without its
audit entry.
"""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from chalicelib.domain.bill_lifecycle import BillAction, BillState, transition
from chalicelib.domain.due_dates import due_dates
from chalicelib.domain.errors import DomainError, NotFound, ValidationFailed, VersionConflict
from chalicelib.domain.ledger import UTILITY, ShareState
from chalicelib.domain.money import format_amount
from chalicelib.domain.split_terms import SplitTerms, allocate
from chalicelib.domain.timestamps import utc_iso, utc_iso_at
from chalicelib.observability import record_event
from chalicelib.services import audit, bill_inputs, groups, unpaid_bills
from chalicelib.services.bill_documents import (
    bill_terms_of,
    charges_document,
    request_document,
    span_document,
    span_of,
    split_document,
    split_terms_of,
)
from chalicelib.services.ledger import Ledger, bill_collection, load, now_iso
from chalicelib.services.splits import split_view

if TYPE_CHECKING:
    from chalicelib.adapters.store.port import Document
    from chalicelib.bootstrap import Container
    from chalicelib.domain.commands import BillTerms, ChangeBill
    from chalicelib.services.access import Membership


# -- views -------------------------------------------------------------------------------------------------------------


def view(bill: Document, states: Mapping[tuple[str, str], ShareState] | None = None) -> dict[str, Any]:
    currency = bill["currency"]
    allocation = bill.get("allocation") or {}
    shares = None
    if bill["state"] == BillState.ISSUED:
        shares = []
        for share in bill.get("shares") or []:
            item = {k: share[k] for k in ("participant", "amount", "lines", "explanation")} | {"due_on": bill["due_on"]}
            state = (states or {}).get((bill["_id"], share["participant"]))
            if state is not None:
                item["status"] = state.status.value
                item["paid"] = format_amount(state.paid, currency)
            shares.append(item)
    elif allocation:
        shares = [
            {"participant": s["id"], "amount": s["amount"], "lines": s["lines"], "due_on": None,
             "explanation": _explanation(s)}
            for s in allocation.get("shares", [])
        ]
    return {
        "id": bill["_id"], "group_id": bill["group_id"], "state": bill["state"], "kind": bill["kind"],
        "direction": bill.get("direction", "charge"), "adjusts": bill.get("adjusts"), "title": bill.get("title"),
        "period": bill["period"], "currency": currency, "payee": bill["payee"], "inputs": bill["inputs"],
        "estimated": bool(bill.get("estimated_participants")),
        "estimated_participants": bill.get("estimated_participants") or [],
        "source": bill.get("source", "request"), "problem": bill.get("problem"),
        "needs_amounts": bool(bill.get("needs_amounts")),
        "total": allocation.get("total"), "allocated": allocation.get("allocated"), "lines": allocation.get("lines"),
        "shares": shares, "issued_at": bill.get("issued_at"), "due_on": bill.get("due_on"),
        "is_settled": bool(bill.get("is_settled")), "created_at": bill["created_at"],
        "updated_at": bill["updated_at"], "version": bill["version"],
    }


def _explanation(share: Mapping[str, Any]) -> str:
    return "; ".join(line["explanation"] for line in share["lines"])


def _state_map(ledger: Ledger, now: str) -> dict[tuple[str, str], ShareState]:
    return {(s.share.bill_id, s.share.debtor): s for s in ledger.states(now)}


# -- reading -----------------------------------------------------------------------------------------------------------


def load_bill(container: Container, group_id: str, bill_id: str) -> Document:
    bill = bill_collection(container).get(bill_id) if len(bill_id) <= 64 else None
    if bill is None or bill["group_id"] != group_id or bill["state"] == BillState.DELETED:
        raise NotFound("no such bill")
    return bill


def get(container: Container, membership: Membership, bill_id: str) -> dict[str, Any]:
    bill = load_bill(container, membership.group_id, bill_id)
    is_issued = bill["state"] == BillState.ISSUED
    states = _state_map(load(container, membership.group_id), now_iso(container)) if is_issued else None
    return view(bill, states)


def list_bills(container: Container, membership: Membership, *, cursor: str | None, limit: int) -> dict[str, Any]:
    """Newest first, one keyset page at a time; issued bills carry each share's status as of now."""
    page = bill_collection(container).find_page(
        {"group_id": membership.group_id}, order_by="created_at", descending=True, limit=limit, cursor=cursor
    )
    items = [b for b in page.items if b["state"] != BillState.DELETED]
    states = None
    if any(b["state"] == BillState.ISSUED for b in items):
        states = _state_map(load(container, membership.group_id), now_iso(container))
    return {"items": [view(b, states) for b in items], "next_cursor": page.next_cursor}


# -- drafting ----------------------------------------------------------------------------------------------------------


def _check_payee(payee: str, terms: SplitTerms) -> None:
    if payee != UTILITY and payee not in {p.id for p in terms.participants}:
        raise ValidationFailed('the payee must be "utility" or one of the participants', field="payee")


def _evaluated(container: Container, group: Document, terms: BillTerms, *, strict: bool) -> dict[str, Any]:
    """Resolve and preview; with ``strict`` a problem is raised, otherwise stored on the draft for the admin."""
    try:
        resolved = bill_inputs.resolve(container, group, terms)
        payee = terms.payee or UTILITY
        _check_payee(payee, resolved.terms)
        allocation = split_view(resolved.terms, allocate(resolved.terms))
    except DomainError as error:
        if strict:
            raise
        inputs = {**charges_document(terms.charges), "currency": group["currency"],
                  "period": span_document(terms.period)}
        return {"inputs": inputs, "source": "request", "estimated_participants": [], "payee": UTILITY,
                "allocation": None, "problem": f"{error.field}: {error.detail}" if error.field else error.detail}
    return {"inputs": split_document(resolved.terms), "source": resolved.source,
            "estimated_participants": list(resolved.estimated_participants), "payee": payee,
            "allocation": allocation, "problem": None}


def insert_draft(
    container: Container, group: Document, terms: BillTerms, *, actor_id: str, client_ip: str,
    kind: str = "bill", adjusts: str | None = None, direction: str = "charge", strict: bool = True,
    draft_key: str | None = None, source: str | None = None, needs_amounts: bool = False,
) -> Document:
    """Store a new draft (audited) and return the document.

    ``needs_amounts``: a recurring draft waiting for the invoice's amounts; it cannot go to review until the lines or
    the total are edited.
    """
    evaluated = _evaluated(container, group, terms, strict=strict)
    now = utc_iso(container.clock())
    bill: Document = {
        "_id": uuid.uuid4().hex, "group_id": group["_id"], "state": BillState.DRAFT.value, "kind": kind,
        "direction": direction, "adjusts": adjusts, "title": terms.title, "period": span_document(terms.period),
        "currency": group["currency"], "request": request_document(terms), **evaluated, "is_settled": False,
        "created_by": actor_id, "created_at": now, "updated_at": now,
    }
    if source is not None:
        bill["source"] = source
    if needs_amounts:
        bill["needs_amounts"] = True
    if draft_key is not None:
        bill["draft_key"] = draft_key
    pending = audit.intent(
        container, group_id=group["_id"], actor_id=actor_id, action=f"{kind}.draft", target=f"bill:{bill['_id']}",
        before=None, after={"period": bill["period"], "kind": kind, "adjusts": adjusts}, client_ip=client_ip,
    )
    stored = audit.insert_with(container, bill_collection(container), bill, pending)
    record_event("bill.drafted", group_id=group["_id"], kind=kind)
    return stored


def create(container: Container, membership: Membership, *, terms: BillTerms, client_ip: str) -> dict[str, Any]:
    group = groups.load(container, membership.group_id)
    return view(insert_draft(container, group, terms, actor_id=membership.user_id, client_ip=client_ip))


def create_adjustment(
    container: Container, membership: Membership, bill_id: str, *, terms: BillTerms, direction: str, client_ip: str
) -> dict[str, Any]:
    """A draft that corrects an issued bill: same period and payee unless given; ``credit`` gives money back."""
    original = load_bill(container, membership.group_id, bill_id)
    transition(BillState(original["state"]), BillAction.ADJUST)
    group = groups.load(container, membership.group_id)
    terms = dataclasses.replace(
        terms, period=terms.period or span_of(original["period"]), payee=terms.payee or original["payee"],
        title=terms.title or f"Adjustment of {original.get('title') or original['_id']}",
    )
    stored = insert_draft(container, group, terms, actor_id=membership.user_id, client_ip=client_ip,
                          kind="adjustment", adjusts=original["_id"], direction=direction)
    return view(stored)


def _require_version(bill: Document, expected: int | None) -> int:
    if expected is None:
        raise ValidationFailed("send the version you edited, as If-Match or in the body", field="version")
    if bill["version"] != expected:
        raise VersionConflict(f"the bill is at version {bill['version']}, not {expected}")
    return expected


def update(
    container: Container, membership: Membership, bill_id: str, *, change: ChangeBill, expected_version: int | None,
    client_ip: str,
) -> dict[str, Any]:
    """Change a draft (a bill in review goes back to draft); issued bills never change."""
    bill = load_bill(container, membership.group_id, bill_id)
    state = transition(BillState(bill["state"]), BillAction.EDIT)
    version = _require_version(bill, expected_version)
    if "period" in change.sent and change.terms.period is None:
        raise ValidationFailed("must not be null", field="period")
    terms = bill_terms_of({**bill["request"], **request_document(change.terms, only=change.sent)})
    group = groups.load(container, membership.group_id)
    evaluated = _evaluated(container, group, terms, strict=True)
    changes = {"request": request_document(terms), **evaluated, "title": terms.title,
               "period": span_document(terms.period), "state": state.value, "updated_at": utc_iso(container.clock())}
    if bill.get("needs_amounts") and change.sent & {"lines", "total"}:
        changes["needs_amounts"] = False
    pending = audit.intent(
        container, group_id=bill["group_id"], actor_id=membership.user_id, action="bill.update",
        target=f"bill:{bill_id}", before={"state": bill["state"]},
        after={"state": state.value, "changed": sorted(change.sent)}, client_ip=client_ip,
    )
    stored = audit.update_with(container, bill_collection(container), bill, changes, pending, expected_version=version)
    return view(stored)


def submit_for_review(
    container: Container, membership: Membership, bill_id: str, *, expected_version: int | None, client_ip: str
) -> dict[str, Any]:
    bill = load_bill(container, membership.group_id, bill_id)
    state = transition(BillState(bill["state"]), BillAction.REVIEW)
    if bill.get("needs_amounts"):
        raise ValidationFailed("enter the invoice's amounts (lines or total) before review", field="lines")
    if bill.get("problem") or not bill.get("allocation"):
        raise ValidationFailed(f"the draft is incomplete: {bill.get('problem') or 'no allocation'}", field="lines")
    version = _require_version(bill, expected_version)
    pending = audit.intent(
        container, group_id=bill["group_id"], actor_id=membership.user_id, action="bill.review",
        target=f"bill:{bill_id}", before={"state": bill["state"]}, after={"state": state.value}, client_ip=client_ip,
    )
    changes = {"state": state.value, "reviewed_by": membership.user_id, "updated_at": utc_iso(container.clock())}
    stored = audit.update_with(container, bill_collection(container), bill, changes, pending, expected_version=version)
    return view(stored)


def delete(
    container: Container, membership: Membership, bill_id: str, *, expected_version: int | None, client_ip: str
) -> None:
    bill = load_bill(container, membership.group_id, bill_id)
    state = transition(BillState(bill["state"]), BillAction.DELETE)
    version = _require_version(bill, expected_version)
    pending = audit.intent(
        container, group_id=bill["group_id"], actor_id=membership.user_id, action="bill.delete",
        target=f"bill:{bill_id}", before={"state": bill["state"]}, after={"state": state.value}, client_ip=client_ip,
    )
    stored = audit.update_with(container, bill_collection(container), bill, {"state": state.value}, pending,
                               expected_version=version)
    bill_collection(container).delete(bill_id, expected_version=stored["version"])


# -- issuing -----------------------------------------------------------------------------------------------------------


def _due_fields(group: Document, issued_at: float) -> dict[str, str]:
    """The bill's due date (local) and, as stored timestamps, the overdue and reminder instants."""
    dates = due_dates(datetime.fromtimestamp(issued_at, UTC), bill_inputs.group_zone(group),
                      int(group.get("payment_terms_days", 14)))
    return {
        "due_on": dates.due_on.isoformat(),
        "overdue_at": utc_iso_at(dates.overdue_at),
        "due_soon_reminder_at": utc_iso_at(dates.due_soon_reminder_at),
        "overdue_reminder_at": utc_iso_at(dates.overdue_reminder_at),
    }


def issue(
    container: Container, membership: Membership, bill_id: str, *, expected_version: int | None, client_ip: str
) -> dict[str, Any]:
    """Allocate once and freeze: one share per participant with amount, due date and explanation."""
    bill = load_bill(container, membership.group_id, bill_id)
    state = transition(BillState(bill["state"]), BillAction.ISSUE)
    _require_version(bill, expected_version)
    group = groups.load(container, membership.group_id)
    terms = split_terms_of(bill["inputs"])
    result = allocate(terms)
    allocation = split_view(terms, result)
    index_of = {participant.id: index for index, participant in enumerate(result.participants)}
    shares = [
        {"participant": s["id"], "amount": s["amount"], "minor": result.share(index_of[s["id"]]), "lines": s["lines"],
         "explanation": _explanation(s)}
        for s in allocation["shares"]
    ]
    now = container.clock()
    dates = _due_fields(group, now)
    is_credit = bill.get("direction") == "credit"
    outstanding = not is_credit and any(s["minor"] > 0 and s["participant"] != bill["payee"] for s in shares)
    changes: dict[str, Any] = {
        "state": state.value, "allocation": allocation, "shares": shares, **dates, "issued_at": utc_iso(now),
        "issued_by": membership.user_id, "is_settled": not outstanding,
        "next_reminder_at": dates["due_soon_reminder_at"] if outstanding else None, "reminded": {},
        "updated_at": utc_iso(now),
    }
    pending = audit.intent(
        container, group_id=bill["group_id"], actor_id=membership.user_id, action="bill.issue",
        target=f"bill:{bill_id}", before={"state": bill["state"]},
        after={"state": state.value, "total": allocation["total"], "due_on": dates["due_on"]}, client_ip=client_ip,
    )
    unpaid_bills.track_bills(container, bill["group_id"], unpaid=[bill_id] if outstanding else [], issuing=True)
    try:
        stored = audit.update_with(container, bill_collection(container), bill, changes, pending,
                                   expected_version=bill["version"])
    except DomainError:
        if outstanding:
            unpaid_bills.track_bills(container, bill["group_id"], paid=[bill_id])  # never issued: not unpaid
        raise
    record_event("bill.issued", group_id=bill["group_id"], shares=len(shares))
    ledger = load(container, bill["group_id"])
    unpaid_bills.refresh_settled(container, ledger, bill["group_id"])
    return view(stored, _state_map(ledger, now_iso(container)))
