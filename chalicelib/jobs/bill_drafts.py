"""Scheduled job: draft each period's bill on the day the group's reading window closes. Never issues anything.

Runs hourly (``app.py``: ``bill_drafts``, its own Lambda). It reads only the billing profiles whose ``next_draft_at``
has come (``services.billing_profile``), so its cost follows the groups due, not all groups. For each:

* a tariff-billed group gets a draft priced by its tariff (``bill_inputs.tariff_terms`` with
  ``domain.tariffs.tariff_lines``: the consumption line from the group's total consumption of the period, the standing
  charge, tax included per line), allocated by each participant's sub-meter consumption; values estimated from
  missing readings are marked on the draft;
* an invoice-billed group gets a draft with the lines (and rules) of its last issued bill, amounts at zero and marked
  ``needs_amounts`` (``bill_inputs.invoice_terms``), and the period's consumption filled in; an admin enters the
  invoice's amounts.

An admin reviews and issues the draft. The draft is keyed ``auto:<last day of the period>`` (a unique index), so a
repeated or concurrent run drafts each period once; the profile then moves to the next period's closing instant.
A draft whose inputs are incomplete (no readings, nobody to bill) is still stored, with the problem, for the admin.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from chalicelib.adapters.store.port import DuplicateKey, Range
from chalicelib.domain.errors import VersionConflict
from chalicelib.domain.proration import Span
from chalicelib.domain.timestamps import utc_iso_at
from chalicelib.observability import record_event
from chalicelib.services import bill_inputs, bills
from chalicelib.services.billing_profile import cycle_at, profile_collection
from chalicelib.services.groups import group_collection

if TYPE_CHECKING:
    from chalicelib.adapters.store.port import Document
    from chalicelib.bootstrap import Container

PAGE_SIZE = 100
ACTOR = "system:bill_drafts"


@dataclass
class BillDraftSummary:
    groups: int = 0
    drafts: int = 0
    already_drafted: int = 0
    with_problems: int = 0
    conflicts: int = 0


def run(container: Container, now: datetime) -> BillDraftSummary:
    """Draft every bill whose reading window has closed by ``now`` (aware)."""
    summary = BillDraftSummary()
    bounds = Range(high=utc_iso_at(now + timedelta(microseconds=1)))
    cursor = None
    while True:
        page = profile_collection(container).find_page({}, order_by="next_draft_at", bounds=bounds, limit=PAGE_SIZE,
                                             cursor=cursor)
        groups = {g["_id"]: g for g in group_collection(container).get_many([p["_id"] for p in page.items])}
        for profile in page.items:
            summary.groups += 1
            _draft_group(container, profile, groups.get(profile["_id"]), now, summary)
        if page.next_cursor is None:
            break
        cursor = page.next_cursor
    record_event("bill_drafts.run", groups=summary.groups, drafts=summary.drafts)
    return summary


def _draft_group(container: Container, profile: Document, group: Document | None, now: datetime,
                 summary: BillDraftSummary) -> None:
    cycle = None if group is None or group.get("status") != "active" else cycle_at(group, now)
    if group is None or cycle is None:
        _move(container, profile, {"next_draft_at": None}, summary)
        return
    first, last, closes = cycle
    boundary = last.isoformat()
    if profile.get("last_drafted_boundary") != boundary:
        period = Span(first, last)
        by_tariff = profile.get("billed_by") == "tariff"
        terms = (bill_inputs.tariff_terms(container, group, profile, period) if by_tariff
                 else bill_inputs.invoice_terms(container, group, period))
        try:
            draft = bills.insert_draft(
                container, group, terms, actor_id=ACTOR, client_ip="scheduler", strict=False,
                draft_key=f"auto:{boundary}", source="tariff" if by_tariff else "previous_bill",
                needs_amounts=not by_tariff,
            )
        except DuplicateKey:
            summary.already_drafted += 1
        else:
            summary.drafts += 1
            summary.with_problems += bool(draft.get("problem"))
    _move(container, profile, {"next_draft_at": utc_iso_at(closes), "last_drafted_boundary": boundary}, summary)


def _move(container: Container, profile: Document, changes: dict[str, Any], summary: BillDraftSummary) -> None:
    try:
        profile_collection(container).update(profile["_id"], changes, expected_version=profile["version"])
    except VersionConflict:
        summary.conflicts += 1  # another run (or a tariff change) moved it; the draft key keeps drafts single
