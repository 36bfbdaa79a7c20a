"""The reading-reminder schedule: one small document per group that has meters to read, indexed by when it is next due.

``{_id: group_id, roster: [{meter_id, user_id}], due_at, window_boundary, reminded: {meter_id: [kinds]}}``. The meters
service calls ``sync_group`` whenever a group's meters or their assignments change (due immediately, so the next job
run recomputes the exact time). The job (``chalicelib.jobs.reading_reminders``) reads only documents with
``due_at <= now`` and moves each one to the next instant anybody in it can be due, so its cost follows due groups and
participants, not all of them. ``reminded`` is keyed by the window (``window_boundary``): a new window starts empty.
A group whose roster empties keeps its document (empty roster, due ``NEVER``), so refilling the roster inside the same
window does not send that window's reminders again.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from chalicelib.adapters.store.port import CollectionSpec, DuplicateKey, Index
from chalicelib.domain.errors import VersionConflict
from chalicelib.domain.timestamps import utc_iso
from chalicelib.services import meter_records
from chalicelib.services.concurrency import retry_on_conflict

if TYPE_CHECKING:
    from chalicelib.adapters.store.port import Collection, Document
    from chalicelib.bootstrap import Container

SCHEDULES = CollectionSpec("reading_reminder_schedules", indexes=(Index(("due_at",)),))
#: ``due_at`` of a schedule with nobody to remind: later than any run.
NEVER = "9999-12-31T00:00:00.000000Z"


def schedule_collection(container: Container) -> Collection:
    return container.store.collection(SCHEDULES)


def roster_of(meter_documents: list[Document], now: str) -> list[dict[str, Any]]:
    """(meter, user) pairs to remind: assigned meters that are not removed by ``now``."""
    return [
        {"meter_id": m["_id"], "user_id": m["participant_id"]}
        for m in meter_documents
        if m.get("participant_id") and (not m.get("removed_at") or m["removed_at"] > now)
    ]


def sync_group(container: Container, group_id: str) -> None:
    """Rebuild the group's roster from its meters and make it due now (never, while nobody has a meter)."""
    now = utc_iso(container.clock())
    roster = roster_of(meter_records.group_meters(container, group_id=group_id), now)
    collection = schedule_collection(container)

    def attempt() -> None:
        document = collection.get(group_id)
        if not roster:
            if document is not None:  # kept with its ``reminded`` record for a refill in the same window
                collection.update(group_id, {"roster": [], "due_at": NEVER}, expected_version=document["version"])
        elif document is None:
            collection.insert({"_id": group_id, "roster": roster, "due_at": now, "window_boundary": None,
                               "reminded": {}})
        else:
            collection.update(group_id, {"roster": roster, "due_at": min(document["due_at"], now)},
                              expected_version=document["version"])

    retry_on_conflict(attempt, what="the reading-reminder schedule", retry_on=(DuplicateKey, VersionConflict))
