"""A bill's inputs, resolved from its group: who shares it, present when, with which weights and how much consumption.

``resolve`` turns what a request says (``BillTerms``) into the terms the bill is split by (``SplitTerms``):

* the currency and, without ``method`` and ``lines``, the rule of the group's ``default_allocation_key``;
* participants: the group's owners, admins and members (viewers only watch), former members included, with their
  weights and their stays from the membership history (the days between joining and leaving, as local dates in the
  group's time zone, ``proration.local_stays``). A member present on no day of the period is not on the bill; one
  present for all of it carries no stays. ``presence`` (user id -> stays) replaces the history of those members;
  explicit ``participants`` replace everything and must be paying members of the group, current or former;
* consumption, when a rule splits by it: each participant's sub-meter consumption over the period from the meter
  readings (``services.consumption``: a meter that changed hands counts for each holder up to or from the interim
  reading; estimated values are reported), unless the participant or ``consumption`` (user id -> units) gives it.

The recurring drafts (``jobs.bill_drafts``) take their terms from here too: priced by the group's tariff from the
period's consumption (``tariff_terms``), or the last issued bill's lines waiting for the invoice's amounts
(``invoice_terms``).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from chalicelib.adapters.store.port import find_all
from chalicelib.domain.allocation import ByConsumption
from chalicelib.domain.bill_lifecycle import BillState
from chalicelib.domain.commands import BillTerms
from chalicelib.domain.errors import DomainError, ValidationFailed
from chalicelib.domain.money import format_amount, format_decimal
from chalicelib.domain.proration import Span, local_stays
from chalicelib.domain.split_terms import ChargeTerms, LineRuleTerms, LineTerms, Method, ParticipantTerms, SplitTerms
from chalicelib.domain.tariffs import tariff_lines
from chalicelib.domain.timestamps import parse_utc_iso
from chalicelib.services import consumption
from chalicelib.services.access import membership_collection, membership_stays
from chalicelib.services.bill_documents import bill_terms_of
from chalicelib.services.billing_profile import to_tariff
from chalicelib.services.ledger import bill_collection

if TYPE_CHECKING:
    from chalicelib.adapters.store.port import Document
    from chalicelib.bootstrap import Container

PAYING_ROLES = ("owner", "admin", "member")
_QUANTITY_PLACES = 12
_NOT_PAYING = "not a paying member (owner, admin, member) of this group, now or before"


@dataclass(frozen=True)
class ResolvedInputs:
    """The terms a bill is split by; ``source`` says where consumption came from ("request" or "readings") and
    ``estimated_participants`` whose value read from the meters is an estimate."""

    terms: SplitTerms
    source: str
    estimated_participants: tuple[str, ...]


def group_zone(group: Document) -> ZoneInfo:
    return ZoneInfo(str(group.get("timezone") or "UTC"))


def period_bounds(group: Document, period: Span) -> tuple[datetime, datetime]:
    """The period's first local midnight and the local midnight after its last day, as UTC instants."""
    zone = group_zone(group)
    return (datetime.combine(period.start, time(0), tzinfo=zone).astimezone(UTC),
            datetime.combine(period.end + timedelta(days=1), time(0), tzinfo=zone).astimezone(UTC))


def resolve(container: Container, group: Document, terms: BillTerms) -> ResolvedInputs:
    """The terms ``terms`` asks for, completed from the group, its memberships and its meter readings."""
    period = terms.period
    if period is None:
        raise ValidationFailed("a bill needs its period", field="period")
    if period.end < period.start:
        raise ValidationFailed(f"ends on {period.end} before it starts on {period.start}", field="period.to")
    charges = terms.charges
    if charges.rule.method is None and charges.lines is None:
        charges = _with_default_rule(charges, group)
    presence: Mapping[str, tuple[Span, ...]] = terms.presence or {}
    if terms.participants:
        paying = {member["user_id"] for member in _paying_memberships(container, group["_id"])}
        for index, participant in enumerate(terms.participants):
            if participant.id not in paying:
                raise ValidationFailed(_NOT_PAYING, field=f"participants[{index}].id")
        participants = [dataclasses.replace(p, present=presence[p.id]) if p.id in presence else p
                        for p in terms.participants]
    else:
        participants = _member_participants(container, group, period, presence)
    if not participants:
        raise ValidationFailed("the group has no paying members in this period; give participants",
                               field="participants")
    requested: Mapping[str, str | Mapping[str, str]] = terms.consumption or {}
    given, source, estimated = requested, "request", list[str]()
    if charges.uses_consumption() and any(p.consumption is None and p.id not in given for p in participants):
        measured, estimated = _meter_consumption(container, group, period)
        source = "readings"
        given = {**measured, **given}
    participants = [dataclasses.replace(p, consumption=given[p.id]) if p.consumption is None and p.id in given else p
                    for p in participants]
    split = SplitTerms(currency=group["currency"], charges=charges, participants=tuple(participants), period=period)
    return ResolvedInputs(split, source, tuple(who for who in estimated if who not in requested))


def _with_default_rule(charges: ChargeTerms, group: Document) -> ChargeTerms:
    key = str(group.get("default_allocation_key") or "consumption")
    if key in (Method.EQUAL, Method.CONSUMPTION):
        rule = dataclasses.replace(charges.rule, method=Method(key))
    else:
        rule = dataclasses.replace(charges.rule, method=Method.WEIGHTS, key=key)
    return dataclasses.replace(charges, rule=rule)


def _paying_memberships(container: Container, group_id: str) -> Iterator[Document]:
    """Every membership of the group with a paying role, active or not (one index, pages of 500)."""
    for member in find_all(membership_collection(container), {"group_id": group_id}):
        if member["role"] in PAYING_ROLES:
            yield member


def _member_participants(
    container: Container, group: Document, period: Span, presence: Mapping[str, tuple[Span, ...]]
) -> list[ParticipantTerms]:
    """The group's paying members present in the period, with their weights and their stays, by id.

    Each member's stays come from the membership's history (``access.membership_stays``: every join and leave,
    including members who have left or were removed since), as local dates in the group's time zone
    (``proration.local_stays``: from the day they joined through the day before they left). ``presence`` (user id
    -> stays) replaces the history of those members, former ones included; no stays keeps them on the bill with no
    day present (they pay their consumption only).
    """
    zone = group_zone(group)
    found: list[ParticipantTerms] = []
    given = set(presence)
    for member in _paying_memberships(container, group["_id"]):
        who = member["user_id"]
        weights = {k: v for k, v in (member.get("weights") or {}).items() if v is not None}
        if who in presence:
            given.discard(who)
            found.append(ParticipantTerms(id=who, weights=weights, present=presence[who]))
            continue
        intervals = [(parse_utc_iso(str(s["joined_at"])), parse_utc_iso(s["left_at"]) if s["left_at"] else None)
                     for s in membership_stays(member)]
        stays = local_stays(intervals, zone, period)
        if stays:
            found.append(ParticipantTerms(id=who, weights=weights, present=None if stays == (period,) else stays))
    if given:
        raise ValidationFailed(_NOT_PAYING, field=f"presence.{sorted(given)[0]}")
    return sorted(found, key=lambda participant: participant.id)


def _meter_consumption(container: Container, group: Document, period: Span) -> tuple[dict[str, str], list[str]]:
    """Sub-meter consumption per participant over the period, and who of them has an estimated value."""
    start, end = period_bounds(group, period)
    usage = consumption.period_usage(container, group_id=group["_id"], start=start, end=end)
    by_participant = usage.by_participant()
    values = {who: format_decimal(u.quantity, _QUANTITY_PLACES) for who, u in by_participant.items()}
    estimated = sorted(who for who, u in by_participant.items() if u.is_estimated)
    return values, estimated


# -- recurring drafts --------------------------------------------------------------------------------------------------


def draft_title(group: Document, period: Span) -> str:
    return f"{group.get('name', 'Bill')} {period.start.isoformat()} to {period.end.isoformat()}"


def tariff_terms(container: Container, group: Document, profile: Document, period: Span) -> BillTerms:
    """Lines priced by the tariff from the group's total consumption; shares by sub-meter consumption."""
    title = draft_title(group, period)
    try:
        start, end = period_bounds(group, period)
        usage = consumption.period_usage(container, group_id=group["_id"], start=start, end=end)
        kind = next(iter(profile.get("prices") or {"": []}))
        lines = tariff_lines(to_tariff(profile, group["currency"]), {kind: usage.total().quantity})
    except DomainError:
        nothing = ChargeTerms(rule=LineRuleTerms(method=Method.CONSUMPTION), total="0")
        return BillTerms(title=title, period=period, charges=nothing)
    priced = tuple(
        LineTerms(name=line.name, amount=format_amount(line.amount, group["currency"]),
                  method=Method.CONSUMPTION if isinstance(line.parts[0].rule, ByConsumption) else Method.EQUAL)
        for line in lines
    )
    return BillTerms(title=title, period=period, charges=ChargeTerms(lines=priced))


def invoice_terms(container: Container, group: Document, period: Span) -> BillTerms:
    """The last issued bill's lines and rules with zero amounts (waiting for the invoice) and payee; participants
    and consumption are this period's."""
    title = draft_title(group, period)
    last = bill_collection(container).find_page(
        {"group_id": group["_id"]}, order_by="created_at", descending=True, limit=50
    ).items
    previous = next((b for b in last if b["state"] == BillState.ISSUED and b.get("kind") == "bill"), None)
    zero = format_amount(0, group["currency"])
    if previous is None:
        return BillTerms(title=title, period=period, charges=ChargeTerms(total=zero))
    charges = bill_terms_of(previous["request"]).charges
    if charges.lines:
        charges = dataclasses.replace(charges, lines=tuple(dataclasses.replace(line, amount=zero)
                                                           for line in charges.lines))
    else:
        charges = dataclasses.replace(charges, total=zero)
    return BillTerms(title=title, period=period, charges=charges, payee=previous["payee"])
