"""The unpaid-bill set: which issued bills still have something outstanding, on each bill and on its group.

Two documents carry it, each change one conditional write: the bill's ``is_settled`` (and, while unpaid, its
``next_reminder_at``), and the group's ``unpaid_bill_ids`` (which a group delete checks, see ``services.groups``).
``track_bills`` adds ids to or removes them from the group's set; it also sets ``has_issued_bills`` before the first
issue (locking the currency). ``refresh_settled`` recomputes both from the derived share statuses after every payment or
issue: a bill whose shares are all paid leaves the set, one that turns unpaid again (a reversed payment) comes back
with its next reminder restored. Every step is idempotent, so a crash between the bill and the group write is repaired
by the next refresh.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from chalicelib.domain.due_dates import next_reminder
from chalicelib.domain.errors import VersionConflict
from chalicelib.domain.ledger import ShareStatus
from chalicelib.services.concurrency import retry_on_conflict
from chalicelib.services.groups import group_collection, load
from chalicelib.services.ledger import Ledger, bill_collection, now_iso

if TYPE_CHECKING:
    from chalicelib.adapters.store.port import Document
    from chalicelib.bootstrap import Container


def track_bills(
    container: Container, group_id: str, *, unpaid: Iterable[str] = (), paid: Iterable[str] = (),
    issuing: bool = False,
) -> Document:
    """Add ``unpaid`` to and remove ``paid`` from ``unpaid_bill_ids`` in one conditional write (idempotent).

    ``issuing``: a bill of the group is about to be issued, so ``has_issued_bills`` is set (locking the currency).
    Call it *before* writing an issued bill (a concurrent delete then either sees the bill or makes the issue fail
    with ``NotFound``), and with the derived status of issued bills afterwards. Returns the group as written.
    """
    collection = group_collection(container)
    adding, removing = set(unpaid), set(paid)

    def attempt() -> Document:
        group = load(container, group_id)
        current = list(group.get("unpaid_bill_ids") or [])
        wanted = sorted((set(current) - removing) | adding)
        changes: dict[str, Any] = {}
        if wanted != sorted(current):
            changes["unpaid_bill_ids"] = wanted
        if issuing and not group.get("has_issued_bills"):
            changes["has_issued_bills"] = True
        if not changes:
            return group
        return collection.update(group_id, changes, expected_version=group["version"])

    return retry_on_conflict(attempt, what="the group")


def refresh_settled(container: Container, ledger: Ledger, group_id: str | None = None) -> int:
    """Recompute every issued bill's ``is_settled`` and the group's unpaid set from the derived share statuses.

    Idempotent: a bill is settled when no share is open (paid or credit), unsettled again when one is; the group's
    ``unpaid_bill_ids`` gets the open bills and loses the others in one conditional write. Returns how many bills
    changed ``is_settled``.
    """
    open_by_bill: dict[str, bool] = {bill["_id"]: False for bill in ledger.bills}
    for state in ledger.states(now_iso(container)):
        is_open = state.status not in (ShareStatus.PAID, ShareStatus.CREDIT)
        open_by_bill[state.share.bill_id] = open_by_bill.get(state.share.bill_id, False) or is_open
    changed = 0
    for bill in ledger.bills:
        if bool(bill.get("is_settled")) == (not open_by_bill[bill["_id"]]):
            continue
        if _mark_settled(container, bill, settled=not open_by_bill[bill["_id"]]):
            changed += 1
    owner = group_id or (ledger.bills[0]["group_id"] if ledger.bills else None)
    if owner is not None:
        track_bills(container, owner, unpaid=[b for b, is_open in open_by_bill.items() if is_open],
                           paid=[b for b, is_open in open_by_bill.items() if not is_open])
    return changed


def _mark_settled(container: Container, bill: Document, *, settled: bool) -> bool:
    """Set ``is_settled`` (and the next reminder) in one conditional write; False if it already had that value."""
    current: Document | None = bill

    def attempt() -> bool:
        nonlocal current
        if current is None or bool(current.get("is_settled")) == settled:
            return False
        reminder = None if settled else _next_reminder(current)
        changes: dict[str, Any] = {"is_settled": settled, "next_reminder_at": reminder}
        try:
            bill_collection(container).update(current["_id"], changes, expected_version=current["version"])
        except VersionConflict:
            current = bill_collection(container).get(bill["_id"])  # e.g. the reminder job marked a reminder meanwhile
            raise
        return True

    return retry_on_conflict(attempt, what="the bill")


def _next_reminder(bill: Document) -> str | None:
    """The reminder still to send to a bill that is unpaid again: due-soon unless one was sent, then overdue."""
    kind = next_reminder(kind for kinds in (bill.get("reminded") or {}).values() for kind in kinds)
    return None if kind is None else str(bill[f"{kind}_reminder_at"])
