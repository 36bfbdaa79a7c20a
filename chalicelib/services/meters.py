"""Meters of a group: create, list, change, remove, and replace (the old and the new meter stay linked).

The stored meter (its fields, ``load``, the view) is ``services.meter_records``. Digits, multiplier and installation
freeze once the meter has readings (they would rewrite history); a meter with readings cannot be deleted, it is removed
(``removed_at``). Every change rebuilds the group's reading-reminder roster (``reminder_schedule.sync_group``).
"""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any

from chalicelib.domain.errors import Conflict, ValidationFailed, VersionConflict
from chalicelib.domain.money import format_decimal, parse_quantity
from chalicelib.domain.readings import MeterKind, parse_reading_value
from chalicelib.domain.timestamps import parse_utc_iso, utc_iso, utc_iso_at
from chalicelib.observability import record_event
from chalicelib.services import audit, reminder_schedule
from chalicelib.services.meter_records import (
    MAX_METERS_PER_GROUP,
    check_participant,
    group_meters,
    load,
    meter_collection,
    view,
)
from chalicelib.services.reading_records import reading_collection

if TYPE_CHECKING:
    from chalicelib.adapters.store.port import Document
    from chalicelib.bootstrap import Container
    from chalicelib.domain.commands import AddMeter, ChangeMeter

_QUANTITY_PLACES = 12
_FROZEN_WITH_READINGS = ("digits", "multiplier", "installed_at", "initial_value")
#: The only fields a PATCH may set to ``null``: it unassigns the meter or undoes its removal.
_NULLABLE = frozenset({"participant_id", "removed_at"})


class MeterHasReadings(Conflict):
    code = "meter-has-readings"
    title = "The meter has readings"


def _canonical_quantity(text: str, field: str) -> str:
    return format_decimal(parse_quantity(text, field=field), _QUANTITY_PLACES)


def create(
    container: Container, *, group_id: str, actor_id: str, request: AddMeter, client_ip: str
) -> dict[str, Any]:
    """A new meter; with ``replaces``, the old meter is removed at this one's installation and linked both ways."""
    if request.removed_at is not None and request.removed_at <= request.installed_at:
        raise ValidationFailed("removed_at must be after installed_at", field="removed_at")
    multiplier = parse_quantity(request.multiplier, field="multiplier")
    if multiplier <= 0:
        raise ValidationFailed("the multiplier must be positive", field="multiplier")
    initial = None
    if request.initial_value is not None:
        value = parse_reading_value(request.initial_value, digits=request.digits, field="initial_value")
        initial = format_decimal(value, _QUANTITY_PLACES)
    check_participant(container, group_id, request.participant_id)
    if meter_collection(container).count({"group_id": group_id}) >= MAX_METERS_PER_GROUP:
        raise Conflict(f"a group has at most {MAX_METERS_PER_GROUP} meters")
    old = load(container, group_id=group_id, meter_id=request.replaces) if request.replaces else None
    if old is not None and (old.get("replaced_by") or parse_utc_iso(old["installed_at"]) >= request.installed_at):
        raise ValidationFailed("that meter was already replaced or was installed after this one", field="replaces")
    now = utc_iso(container.clock())
    document: Document = {
        "_id": uuid.uuid4().hex,
        "group_id": group_id,
        "serial": request.serial,
        "kind": MeterKind(request.kind).value,
        "unit": request.unit,
        "digits": request.digits,
        "multiplier": format_decimal(multiplier, _QUANTITY_PLACES),
        "participant_id": request.participant_id,
        "installed_at": utc_iso_at(request.installed_at),
        "removed_at": utc_iso_at(request.removed_at) if request.removed_at else None,
        "initial_value": initial,
        "replaces": old["_id"] if old else None,
        "replaced_by": None,
        "last_reading_at": None,
        "created_by": actor_id,
        "created_at": now,
    }
    stored = meter_collection(container).insert(document)
    if old is not None:
        changes: dict[str, Any] = {"replaced_by": stored["_id"]}
        if not old.get("removed_at") or parse_utc_iso(old["removed_at"]) > request.installed_at:
            changes["removed_at"] = document["installed_at"]
        meter_collection(container).update(old["_id"], changes, expected_version=old["version"])
    audit.record(container, group_id=group_id, actor_id=actor_id, action="meter.create",
                 target=f"meter:{stored['_id']}", before=None, after=view(stored), client_ip=client_ip)
    record_event("meter.created", group_id=group_id, meter_id=stored["_id"], kind=document["kind"])
    _resync_reminders(container, group_id)
    return view(stored)


def list_for_group(container: Container, *, group_id: str) -> list[dict[str, Any]]:
    return [view(document) for document in group_meters(container, group_id=group_id)]


def has_readings(container: Container, meter_id: str) -> bool:
    return reading_collection(container).find_one({"meter_id": meter_id}) is not None


def update(
    container: Container, *, group_id: str, meter_id: str, actor_id: str, request: ChangeMeter, client_ip: str
) -> dict[str, Any]:
    """Change the fields sent; ``null`` clears the participant or the removal."""
    sent = request.sent
    document = load(container, group_id=group_id, meter_id=meter_id)
    if request.version is not None and request.version != document["version"]:
        raise VersionConflict(f"the meter is at version {document['version']}")
    changes: dict[str, Any] = {}
    for name in sorted(sent):
        value = getattr(request, name)
        if value is None:
            if name not in _NULLABLE:
                raise ValidationFailed("must not be null", field=name)
            changes[name] = None
        elif name in ("multiplier", "initial_value"):
            changes[name] = _canonical_quantity(value, name)
        elif name in ("installed_at", "removed_at"):
            changes[name] = utc_iso_at(value)
        else:
            changes[name] = value
    if "participant_id" in changes:
        check_participant(container, group_id, changes["participant_id"])
    if any(name in changes for name in _FROZEN_WITH_READINGS) and has_readings(container, meter_id):
        raise MeterHasReadings("digits, multiplier and installation cannot change once the meter has readings")
    merged = {**document, **changes}
    if merged.get("removed_at") and parse_utc_iso(merged["removed_at"]) <= parse_utc_iso(merged["installed_at"]):
        raise ValidationFailed("removed_at must be after installed_at", field="removed_at")
    if not changes:
        return view(document)
    stored = meter_collection(container).update(meter_id, changes, expected_version=document["version"])
    audit.record(container, group_id=group_id, actor_id=actor_id, action="meter.update", target=f"meter:{meter_id}",
                 before={k: document.get(k) for k in changes}, after=changes, client_ip=client_ip)
    _resync_reminders(container, group_id)
    return view(stored)


def delete(container: Container, *, group_id: str, meter_id: str, actor_id: str, client_ip: str) -> None:
    """Delete a meter that has no readings (one with readings is removed instead: PATCH ``removed_at``)."""
    document = load(container, group_id=group_id, meter_id=meter_id)
    if has_readings(container, meter_id):
        raise MeterHasReadings("a meter with readings cannot be deleted; set removed_at instead")
    meter_collection(container).delete(meter_id, expected_version=document["version"])
    if document.get("replaces"):
        old = meter_collection(container).get(document["replaces"])
        if old is not None and old.get("replaced_by") == meter_id:
            meter_collection(container).update(old["_id"], {"replaced_by": None}, expected_version=old["version"])
    audit.record(container, group_id=group_id, actor_id=actor_id, action="meter.delete", target=f"meter:{meter_id}",
                 before=view(document), after=None, client_ip=client_ip)
    _resync_reminders(container, group_id)


def _resync_reminders(container: Container, group_id: str) -> None:
    reminder_schedule.sync_group(container, group_id)
