"""Bills of a group: drafted, reviewed by a person, issued once, then immutable; corrections are adjusting bills.

A bill is one document that embeds everything that must agree: its inputs (the same shape as ``POST /splits/preview``:
lines, rules, participants with weights, presence and consumption), the allocation previewed while it is a draft, and,
once issued, one share per participant with amount, due date and explanation. Shares are rounded exactly per line by
``domain.allocation`` and so add up to each line and to the bill, inside this one document.

Life cycle: ``draft`` (editable with ``If-Match``; deletable) -> ``review`` (frozen inputs waiting for an admin; editing
sends it back to draft) -> ``issued`` (allocation computed once and stored; never changes again). Every change embeds
its audit intent (``audit.insert_with`` / ``update_with``), so a state change is never without its audit entry.

Inputs are resolved when the draft is written: the group's currency and default allocation key, its members (owners,
admins and members; viewers only watch) with their weights, presence from their membership history (the days between
joining and leaving, in the group's time zone; former members too), and consumption from the meter readings of the
period (``services.consumption``: a meter that changed hands counts for each holder up to or from the interim reading;
estimated values are marked). A request may instead give participants, presence and/or consumption explicitly;
explicit participants must be paying members of the group (current or former), never outsiders.

Issuing adds the bill to the group's ``unpaid_bill_ids`` (before the write; this also locks the group's currency) so
the group cannot be deleted while it is unpaid, and then ``unpaid_bills.refresh_settled`` recomputes, from the derived
share statuses, each issued bill's ``is_settled`` and its place in that set (``services.unpaid_bills``).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator, Mapping
from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from pydantic import ValidationError

from chalicelib.adapters.store.port import find_all
from chalicelib.domain.errors import Conflict, DomainError, NotFound, ValidationFailed, VersionConflict
from chalicelib.domain.ledger import UTILITY, ShareState
from chalicelib.domain.money import format_amount, format_decimal, parse_amount
from chalicelib.domain.proration import Span, local_stays
from chalicelib.domain.timestamps import utc_iso, utc_iso_at
from chalicelib.observability import record_event
from chalicelib.schemas.splits import SplitPreviewRequest
from chalicelib.services import audit, consumption, groups, unpaid_bills
from chalicelib.services.access import Membership, membership_collection, membership_stays
from chalicelib.services.ledger import ISSUED, Ledger, bill_collection, load, now_iso
from chalicelib.services.splits import preview_split

if TYPE_CHECKING:
    from chalicelib.adapters.store.port import Document
    from chalicelib.bootstrap import Container
    from chalicelib.schemas.bills import AdjustmentCreate, BillCreate, BillUpdate

DRAFT, REVIEW, DELETED = "draft", "review", "deleted"
PAYING_ROLES = ("owner", "admin", "member")
#: Request fields of a bill that pass straight into the preview-shaped inputs.
RULE_FIELDS = tuple(name for name in SplitPreviewRequest.model_fields if name not in ("currency", "participants",
                                                                                        "period"))
DUE_SOON_DAYS = 3
REMINDER_HOUR = 9
_QUANTITY_PLACES = 12


class BillNotEditable(Conflict):
    code = "bill-not-editable"
    title = "The bill cannot change in its current state"


# -- resolving inputs --------------------------------------------------------------------------------------------------


def _local_midnight(day: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time(0), tzinfo=zone).astimezone(UTC)


def _zone(group: Document) -> ZoneInfo:
    return ZoneInfo(str(group.get("timezone") or "UTC"))


def _default_rule(group: Document) -> dict[str, Any]:
    key = str(group.get("default_allocation_key") or "consumption")
    if key in ("equal", "consumption"):
        return {"method": key}
    return {"method": "weights", "key": key}


def uses_consumption(inputs: Mapping[str, Any]) -> bool:
    methods = [inputs.get("method")]
    for container in [inputs, *(inputs.get("lines") or [])]:
        methods.append(container.get("method"))
        methods.extend(part.get("method") for part in container.get("parts") or [])
    return "consumption" in methods


def _instant(stamp: str) -> datetime:
    return datetime.fromisoformat(stamp.replace("Z", "+00:00"))


def _stays_view(stays: tuple[Span, ...]) -> list[dict[str, str]]:
    return [{"from": stay.start.isoformat(), "to": stay.end.isoformat()} for stay in stays]


def _paying_memberships(container: Container, group_id: str) -> Iterator[Document]:
    """Every membership of the group with a paying role, active or not (one index, pages of 500)."""
    for member in find_all(membership_collection(container), {"group_id": group_id}):
        if member["role"] in PAYING_ROLES:
            yield member


def _member_participants(
    container: Container, group: Document, period: Mapping[str, str], presence: Mapping[str, list[Mapping[str, str]]]
) -> list[dict[str, Any]]:
    """The group's paying members present in the period, with their weights and their stays.

    Each member's stays come from the membership's history (``access.membership_stays``: every join and leave,
    including members who have left or were removed since), as local dates in the group's time zone
    (``proration.local_stays``: from the day they joined through the day before they left). A member present on no
    day of the period is not part of the bill; one present for all of it carries no ``present``. ``presence`` (user id
    -> stays) replaces the history of those members, former ones included; an empty list keeps them on the bill with
    no day present (they pay their consumption only).
    """
    span = Span(date.fromisoformat(period["from"]), date.fromisoformat(period["to"]))
    zone = _zone(group)
    found: list[dict[str, Any]] = []
    given = set(presence)
    for member in _paying_memberships(container, group["_id"]):
        who = member["user_id"]
        if who in presence:
            given.discard(who)
            entry: dict[str, Any] = {"id": who, "present": [dict(stay) for stay in presence[who]]}
        else:
            intervals = [(_instant(str(s["joined_at"])), _instant(s["left_at"]) if s["left_at"] else None)
                         for s in membership_stays(member)]
            stays = local_stays(intervals, zone, span)
            if not stays:
                continue
            entry = {"id": who} if stays == (span,) else {"id": who, "present": _stays_view(stays)}
        entry["weights"] = {k: v for k, v in (member.get("weights") or {}).items() if v is not None}
        found.append(entry)
    if given:
        who = sorted(given)[0]
        raise ValidationFailed("not a paying member (owner, admin, member) of this group, now or before",
                               field=f"presence.{who}")
    return sorted(found, key=lambda p: str(p["id"]))


def period_bounds(group: Document, period: Mapping[str, str]) -> tuple[datetime, datetime]:
    """The period's first local midnight and the local midnight after its last day, as UTC instants."""
    zone = _zone(group)
    return (_local_midnight(date.fromisoformat(period["from"]), zone),
            _local_midnight(date.fromisoformat(period["to"]) + timedelta(days=1), zone))


def _meter_consumption(container: Container, group: Document, period: Mapping[str, str]) -> tuple[dict[str, str],
                                                                                                   list[str]]:
    """Sub-meter consumption per participant over the period, and who of them has an estimated value."""
    start, end = period_bounds(group, period)
    usage = consumption.period_usage(container, group_id=group["_id"], start=start, end=end)
    by_participant = usage.by_participant()
    values = {who: format_decimal(u.quantity, _QUANTITY_PLACES) for who, u in by_participant.items()}
    estimated = sorted(who for who, u in by_participant.items() if u.is_estimated)
    return values, estimated


def resolve(container: Container, group: Document, request: Mapping[str, Any]) -> dict[str, Any]:
    """The preview-shaped inputs of a bill, plus how they were obtained (``source``, ``estimated``)."""
    period = request["period"]
    if period["to"] < period["from"]:
        raise ValidationFailed(f"ends on {period['to']} before it starts on {period['from']}", field="period.to")
    inputs: dict[str, Any] = {name: request[name] for name in RULE_FIELDS if request.get(name) is not None}
    if "method" not in inputs and "lines" not in inputs:
        inputs.update(_default_rule(group))
    inputs["currency"] = group["currency"]
    inputs["period"] = period
    explicit = request.get("participants")
    presence: Mapping[str, list[Mapping[str, str]]] = request.get("presence") or {}
    if explicit:
        participants = [dict(p) for p in explicit]
        paying = {member["user_id"] for member in _paying_memberships(container, group["_id"])}
        for index, participant in enumerate(participants):
            if participant.get("id") not in paying:
                raise ValidationFailed("not a paying member (owner, admin, member) of this group, now or before",
                                       field=f"participants[{index}].id")
        for participant in participants:
            if participant["id"] in presence:
                participant["present"] = [dict(stay) for stay in presence[participant["id"]]]
    else:
        participants = _member_participants(container, group, period, presence)
    if not participants:
        raise ValidationFailed("the group has no paying members in this period; give participants",
                               field="participants")
    given: Mapping[str, Any] = request.get("consumption") or {}
    source, estimated = "request", list[str]()
    if uses_consumption(inputs) and any("consumption" not in p and p["id"] not in given for p in participants):
        measured, estimated = _meter_consumption(container, group, period)
        source = "readings"
        given = {**measured, **given}
    for participant in participants:
        if "consumption" not in participant and participant["id"] in given:
            participant["consumption"] = given[participant["id"]]
    inputs["participants"] = participants
    estimated = [who for who in estimated if who not in (request.get("consumption") or {})]
    return {"inputs": inputs, "source": source, "estimated_participants": estimated}


def allocate(inputs: Mapping[str, Any]) -> dict[str, Any]:
    """The preview of ``inputs`` (``chalicelib.services.splits``): shares, per-line numbers and explanations."""
    try:
        request = SplitPreviewRequest.model_validate(inputs, strict=True)
    except ValidationError as error:
        first = error.errors(include_input=False, include_url=False)[0]
        path = ".".join(str(part) for part in first["loc"])
        raise ValidationFailed(f"{path}: {first['msg']}", field=path) from None
    return preview_split(request)


def _check_payee(payee: str, inputs: Mapping[str, Any]) -> None:
    if payee != UTILITY and payee not in {p["id"] for p in inputs["participants"]}:
        raise ValidationFailed('the payee must be "utility" or one of the participants', field="payee")


# -- views -------------------------------------------------------------------------------------------------------------


def view(bill: Document, states: Mapping[tuple[str, str], ShareState] | None = None) -> dict[str, Any]:
    currency = bill["currency"]
    allocation = bill.get("allocation") or {}
    shares = None
    if bill["state"] == ISSUED:
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
    if bill is None or bill["group_id"] != group_id or bill["state"] == DELETED:
        raise NotFound("no such bill")
    return bill


def get(container: Container, membership: Membership, bill_id: str) -> dict[str, Any]:
    bill = load_bill(container, membership.group_id, bill_id)
    states = _state_map(load(container, membership.group_id), now_iso(container)) if bill["state"] == ISSUED else None
    return view(bill, states)


def list_bills(container: Container, membership: Membership, *, cursor: str | None, limit: int) -> dict[str, Any]:
    """Newest first, one keyset page at a time; issued bills carry each share's status as of now."""
    page = bill_collection(container).find_page(
        {"group_id": membership.group_id}, order_by="created_at", descending=True, limit=limit, cursor=cursor
    )
    items = [b for b in page.items if b["state"] != DELETED]
    states = None
    if any(b["state"] == ISSUED for b in items):
        states = _state_map(load(container, membership.group_id), now_iso(container))
    return {"items": [view(b, states) for b in items], "next_cursor": page.next_cursor}


# -- drafting ----------------------------------------------------------------------------------------------------------


def _request_fields(request: BillCreate | BillUpdate | AdjustmentCreate, *, sent_only: bool) -> dict[str, Any]:
    return request.model_dump(mode="json", by_alias=True, exclude_unset=sent_only,
                              exclude={"version", "direction"})


def _evaluated(container: Container, group: Document, request: Mapping[str, Any], *, strict: bool) -> dict[str, Any]:
    """Resolve and preview; with ``strict`` a problem is raised, otherwise stored on the draft for the admin."""
    try:
        resolved = resolve(container, group, request)
        payee = request.get("payee") or UTILITY
        _check_payee(payee, resolved["inputs"])
        allocation = allocate(resolved["inputs"])
    except DomainError as error:
        if strict:
            raise
        inputs = {name: request[name] for name in RULE_FIELDS if request.get(name) is not None}
        inputs |= {"currency": group["currency"], "period": request["period"]}
        return {"inputs": inputs, "source": "request", "estimated_participants": [], "payee": UTILITY,
                "allocation": None, "problem": f"{error.field}: {error.detail}" if error.field else error.detail}
    return {**resolved, "payee": payee, "allocation": allocation, "problem": None}


def insert_draft(
    container: Container, group: Document, request: Mapping[str, Any], *, actor_id: str, client_ip: str,
    kind: str = "bill", adjusts: str | None = None, direction: str = "charge", strict: bool = True,
    draft_key: str | None = None, source: str | None = None, needs_amounts: bool = False,
) -> Document:
    """Store a new draft (audited) and return the document.

    ``needs_amounts``: a recurring draft waiting for the invoice's amounts; it cannot go to review until the lines or
    the total are edited.
    """
    evaluated = _evaluated(container, group, request, strict=strict)
    now = utc_iso(container.clock())
    bill: Document = {
        "_id": uuid.uuid4().hex, "group_id": group["_id"], "state": DRAFT, "kind": kind, "direction": direction,
        "adjusts": adjusts, "title": request.get("title"), "period": request["period"], "currency": group["currency"],
        "request": dict(request), **evaluated, "is_settled": False, "created_by": actor_id, "created_at": now,
        "updated_at": now,
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


def create(container: Container, membership: Membership, *, request: BillCreate, client_ip: str) -> dict[str, Any]:
    group = groups.load(container, membership.group_id)
    fields = _request_fields(request, sent_only=False)
    return view(insert_draft(container, group, fields, actor_id=membership.user_id, client_ip=client_ip))


def create_adjustment(
    container: Container, membership: Membership, bill_id: str, *, request: AdjustmentCreate, client_ip: str
) -> dict[str, Any]:
    """A draft that corrects an issued bill: same period and payee unless given; ``credit`` gives money back."""
    original = load_bill(container, membership.group_id, bill_id)
    if original["state"] != ISSUED:
        raise BillNotEditable("only an issued bill is corrected by an adjustment; edit the draft instead")
    group = groups.load(container, membership.group_id)
    fields = _request_fields(request, sent_only=False)
    fields["period"] = fields.get("period") or original["period"]
    fields["payee"] = fields.get("payee") or original["payee"]
    fields["title"] = fields.get("title") or f"Adjustment of {original.get('title') or original['_id']}"
    stored = insert_draft(container, group, fields, actor_id=membership.user_id, client_ip=client_ip,
                          kind="adjustment", adjusts=original["_id"], direction=request.direction)
    return view(stored)


def _require_version(bill: Document, expected: int | None) -> int:
    if expected is None:
        raise ValidationFailed("send the version you edited, as If-Match or in the body", field="version")
    if bill["version"] != expected:
        raise VersionConflict(f"the bill is at version {bill['version']}, not {expected}")
    return expected


def update(
    container: Container, membership: Membership, bill_id: str, *, request: BillUpdate, expected_version: int | None,
    client_ip: str,
) -> dict[str, Any]:
    """Change a draft (a bill in review goes back to draft); issued bills never change."""
    bill = load_bill(container, membership.group_id, bill_id)
    if bill["state"] not in (DRAFT, REVIEW):
        raise BillNotEditable("an issued bill is immutable; create an adjustment")
    version = _require_version(bill, expected_version)
    sent = _request_fields(request, sent_only=True)
    if "period" in sent and sent["period"] is None:
        raise ValidationFailed("must not be null", field="period")
    merged = {**bill["request"], **sent}
    group = groups.load(container, membership.group_id)
    evaluated = _evaluated(container, group, merged, strict=True)
    changes = {"request": merged, **evaluated, "title": merged.get("title"), "period": merged["period"],
               "state": DRAFT, "updated_at": utc_iso(container.clock())}
    if bill.get("needs_amounts") and ("lines" in sent or "total" in sent):
        changes["needs_amounts"] = False
    pending = audit.intent(
        container, group_id=bill["group_id"], actor_id=membership.user_id, action="bill.update",
        target=f"bill:{bill_id}", before={"state": bill["state"]}, after={"state": DRAFT, "changed": sorted(sent)},
        client_ip=client_ip,
    )
    stored = audit.update_with(container, bill_collection(container), bill, changes, pending, expected_version=version)
    return view(stored)


def submit_for_review(
    container: Container, membership: Membership, bill_id: str, *, expected_version: int | None, client_ip: str
) -> dict[str, Any]:
    bill = load_bill(container, membership.group_id, bill_id)
    if bill["state"] != DRAFT:
        raise BillNotEditable(f"only a draft goes to review; this bill is {bill['state']}")
    if bill.get("needs_amounts"):
        raise ValidationFailed("enter the invoice's amounts (lines or total) before review", field="lines")
    if bill.get("problem") or not bill.get("allocation"):
        raise ValidationFailed(f"the draft is incomplete: {bill.get('problem') or 'no allocation'}", field="lines")
    version = _require_version(bill, expected_version)
    pending = audit.intent(
        container, group_id=bill["group_id"], actor_id=membership.user_id, action="bill.review",
        target=f"bill:{bill_id}", before={"state": DRAFT}, after={"state": REVIEW}, client_ip=client_ip,
    )
    changes = {"state": REVIEW, "reviewed_by": membership.user_id, "updated_at": utc_iso(container.clock())}
    stored = audit.update_with(container, bill_collection(container), bill, changes, pending, expected_version=version)
    return view(stored)


def delete(
    container: Container, membership: Membership, bill_id: str, *, expected_version: int | None, client_ip: str
) -> None:
    bill = load_bill(container, membership.group_id, bill_id)
    if bill["state"] == ISSUED:
        raise BillNotEditable("an issued bill cannot be deleted; create a credit adjustment")
    version = _require_version(bill, expected_version)
    pending = audit.intent(
        container, group_id=bill["group_id"], actor_id=membership.user_id, action="bill.delete",
        target=f"bill:{bill_id}", before={"state": bill["state"]}, after={"state": DELETED}, client_ip=client_ip,
    )
    stored = audit.update_with(container, bill_collection(container), bill, {"state": DELETED}, pending,
                               expected_version=version)
    bill_collection(container).delete(bill_id, expected_version=stored["version"])


# -- issuing -----------------------------------------------------------------------------------------------------------


def due_dates(group: Document, issued_at: float) -> dict[str, str]:
    """Due date (local), the instant it becomes overdue and the reminder instants, from the group's payment terms."""
    zone = _zone(group)
    issued_on = datetime.fromtimestamp(issued_at, UTC).astimezone(zone).date()
    due_on = issued_on + timedelta(days=int(group.get("payment_terms_days", 14)))
    overdue_at = _local_midnight(due_on + timedelta(days=1), zone)
    soon = datetime.combine(due_on - timedelta(days=DUE_SOON_DAYS), time(REMINDER_HOUR), tzinfo=zone)
    late = datetime.combine(due_on + timedelta(days=1), time(REMINDER_HOUR), tzinfo=zone)
    return {
        "due_on": due_on.isoformat(),
        "overdue_at": utc_iso_at(overdue_at),
        "due_soon_reminder_at": utc_iso_at(soon),
        "overdue_reminder_at": utc_iso_at(late),
    }


def issue(
    container: Container, membership: Membership, bill_id: str, *, expected_version: int | None, client_ip: str
) -> dict[str, Any]:
    """Allocate once and freeze: one share per participant with amount, due date and explanation."""
    bill = load_bill(container, membership.group_id, bill_id)
    if bill["state"] != REVIEW:
        raise BillNotEditable(f"a bill is issued from review (a person checks it first); this one is {bill['state']}")
    _require_version(bill, expected_version)
    group = groups.load(container, membership.group_id)
    allocation = allocate(bill["inputs"])
    currency = bill["currency"]
    shares = [
        {"participant": s["id"], "amount": s["amount"], "minor": parse_amount(s["amount"], currency, field="amount"),
         "lines": s["lines"], "explanation": _explanation(s)}
        for s in allocation["shares"]
    ]
    now = container.clock()
    dates = due_dates(group, now)
    is_credit = bill.get("direction") == "credit"
    outstanding = not is_credit and any(s["minor"] > 0 and s["participant"] != bill["payee"] for s in shares)
    changes: dict[str, Any] = {
        "state": ISSUED, "allocation": allocation, "shares": shares, **dates, "issued_at": utc_iso(now),
        "issued_by": membership.user_id, "is_settled": not outstanding,
        "next_reminder_at": dates["due_soon_reminder_at"] if outstanding else None, "reminded": {},
        "updated_at": utc_iso(now),
    }
    pending = audit.intent(
        container, group_id=bill["group_id"], actor_id=membership.user_id, action="bill.issue",
        target=f"bill:{bill_id}", before={"state": REVIEW},
        after={"state": ISSUED, "total": allocation["total"], "due_on": dates["due_on"]}, client_ip=client_ip,
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
