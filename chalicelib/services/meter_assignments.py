"""Tenant changes on a sub-meter: the meter passes to another participant at an instant, with an interim reading.

``POST /groups/{id}/meters/{meter_id}/assignments {participant_id, at, reading_value}`` records the interim reading
(validated and stored like any other reading: service dates, digits, not backwards, not in the future) and then, in one
conditional write to the meter document, appends the change to the meter's ``assignments`` and sets its
``participant_id`` to the new holder, with the audit intent (``meter.assign``) embedded in that same write.

Invariants, each inside the meter document (no multi-document transaction):

* ``assignments`` is ordered by ``at``, strictly increasing; a new change must come after the last one.
* Each change names who had the meter before it (``previous_participant_id``); who has it after the last change is
  the document's ``participant_id``. So the holders of every span between changes are read from one document, and
  ``services.consumption`` splits the meter's consumption at each change's instant.
* Each change references its interim reading (``reading_id``), which was stored *before* the meter write. Readings are
  never deleted, so the reading a change points to exists; if the meter write fails (a concurrent change), the reading
  stays as an ordinary reading and repeating the request reuses it (same instant and value), finishing the change.

Splitting at the instant of a reading is splitting at the reading: the cumulative consumption at that instant is the
reading's own value (a later correction of the reading moves the split with it), never a time-based interpolation.
"""

from __future__ import annotations

from datetime import datetime
from fractions import Fraction
from typing import TYPE_CHECKING, Any

from chalicelib.domain.errors import DomainError, ValidationFailed
from chalicelib.domain.readings import MeterKind, ReadingExists, parse_reading_value
from chalicelib.domain.timestamps import parse_utc_iso, utc_iso, utc_iso_at
from chalicelib.observability import record_event
from chalicelib.services import audit, meter_records, reading_records, readings, reminder_schedule
from chalicelib.services.concurrency import retry_on_conflict

if TYPE_CHECKING:
    from chalicelib.adapters.store.port import Document
    from chalicelib.bootstrap import Container
    from chalicelib.services.access import Membership

#: The reading service names its own fields; this request calls them differently.
_FIELDS = {"value": "reading_value", "taken_at": "at"}


def _check_order(meter: Document, at: datetime) -> None:
    changes = meter.get("assignments") or []
    if changes and at <= parse_utc_iso(changes[-1]["at"]):
        raise ValidationFailed(f"must be after the meter's last tenant change at {changes[-1]['at']}", field="at")


def _interim_reading(
    container: Container, membership: Membership, *, meter: Document, value: str, at: datetime, note: str | None
) -> dict[str, Any]:
    """Record the interim reading like any other; a reading already at ``at`` with the same value is reused."""
    try:
        reading, _ = readings.record(container, membership, meter_id=meter["_id"], value=value, taken_at=at,
                                            note=note, idempotency_key=None)
        return reading
    except ReadingExists:
        pass  # an interrupted earlier change, or a reading somebody took at that instant: reuse it if it agrees
    except DomainError as error:
        error.field = _FIELDS.get(error.field or "", error.field)
        raise
    existing = reading_records.reading_collection(container).find_one({"meter_id": meter["_id"],
                                                             "taken_at": utc_iso_at(at)})
    wanted = parse_reading_value(value, digits=meter.get("digits"), field="reading_value")
    if existing is None or Fraction(existing["value"]) != wanted:
        raise ReadingExists("the meter already has another reading at this instant; use its value or another instant",
                            field="reading_value")
    return reading_records.view(existing)


def reassign(
    container: Container,
    membership: Membership,
    *,
    meter_id: str,
    participant_id: str | None,
    at: datetime,
    reading_value: str,
    note: str | None,
    client_ip: str,
) -> dict[str, Any]:
    """Hand a sub-meter to ``participant_id`` (``None``: nobody) at ``at``, split at the interim reading; audited."""
    group_id = membership.group_id
    meter = meter_records.load(container, group_id=group_id, meter_id=meter_id)
    if meter["kind"] != MeterKind.SUB.value:
        raise ValidationFailed("only a sub-meter belongs to a participant", field="participant_id")
    meter_records.check_participant(container, group_id, participant_id)
    if participant_id == meter.get("participant_id"):
        raise ValidationFailed("the meter is already assigned to that participant", field="participant_id")
    _check_order(meter, at)
    reading = _interim_reading(container, membership, meter=meter, value=reading_value, at=at, note=note)

    def attempt() -> Document:
        current = meter_records.load(container, group_id=group_id, meter_id=meter_id)  # the reading moved its version
        _check_order(current, at)
        previous = current.get("participant_id")
        if previous == participant_id:
            raise ValidationFailed("the meter is already assigned to that participant", field="participant_id")
        change = {
            "at": utc_iso_at(at), "previous_participant_id": previous, "participant_id": participant_id,
            "reading_id": reading["id"], "reading_value": reading["value"], "by": membership.user_id,
            "recorded_at": utc_iso(container.clock()),
        }
        pending = audit.intent(
            container, group_id=group_id, actor_id=membership.user_id, action="meter.assign",
            target=f"meter:{meter_id}", before={"participant_id": previous},
            after={"participant_id": participant_id, "at": change["at"], "reading_value": reading["value"]},
            client_ip=client_ip,
        )
        changes = {"participant_id": participant_id, "assignments": [*(current.get("assignments") or []), change]}
        return audit.update_with(container, meter_records.meter_collection(container), current, changes, pending,
                                 expected_version=current["version"])

    stored = retry_on_conflict(attempt, what="the meter")
    record_event("meter.reassigned", group_id=group_id, meter_id=meter_id)
    reminder_schedule.sync_group(container, group_id)
    return {"meter": meter_records.view(stored), "reading": reading}
