"""Stored meters: the ``meters`` collection, one meter by id or a group's meters, the domain value and the view.

A meter is one document in ``meters``: serial (unique in its group), kind (main/sub), unit, digits, multiplier (a
decimal string), the assigned participant's user id, installation and removal instants, an optional installation value,
and the replacement links ``replaces``/``replaced_by``. ``last_reading_at`` (the newest reading's instant) lets the
reminder job see who has read without reading the readings (``note_reading`` advances it). The use cases that change
meters are ``services.meters`` (create, change, delete) and ``services.meter_assignments`` (tenant changes).
"""

from __future__ import annotations

from collections.abc import Iterable
from fractions import Fraction
from typing import TYPE_CHECKING, Any

from chalicelib.adapters.store.port import CollectionSpec, Index
from chalicelib.domain.errors import NotFound, ValidationFailed
from chalicelib.domain.readings import Meter, MeterKind
from chalicelib.domain.timestamps import parse_utc_iso
from chalicelib.services.access import ACTIVE, membership_collection, membership_id
from chalicelib.services.concurrency import retry_on_conflict

if TYPE_CHECKING:
    from chalicelib.adapters.store.port import Collection, Document
    from chalicelib.bootstrap import Container

METERS = CollectionSpec(
    "meters", indexes=(Index(("group_id", "serial"), unique=True), Index(("group_id", "created_at")))
)
MAX_METERS_PER_GROUP = 500


def meter_collection(container: Container) -> Collection:
    return container.store.collection(METERS)


def to_domain(document: Document) -> Meter:
    removed = document.get("removed_at")
    initial = document.get("initial_value")
    return Meter(
        id=document["_id"],
        installed_at=parse_utc_iso(document["installed_at"]),
        removed_at=parse_utc_iso(removed) if removed else None,
        digits=document.get("digits"),
        multiplier=Fraction(document.get("multiplier", "1")),
        initial_value=Fraction(initial) if initial is not None else None,
    )


def view(document: Document) -> dict[str, Any]:
    return {
        "id": document["_id"],
        "group_id": document["group_id"],
        "serial": document["serial"],
        "kind": document["kind"],
        "unit": document["unit"],
        "digits": document.get("digits"),
        "multiplier": document.get("multiplier", "1"),
        "participant_id": document.get("participant_id"),
        "installed_at": document["installed_at"],
        "removed_at": document.get("removed_at"),
        "initial_value": document.get("initial_value"),
        "replaces": document.get("replaces"),
        "replaced_by": document.get("replaced_by"),
        "last_reading_at": document.get("last_reading_at"),
        "assignments": document.get("assignments") or [],
        "created_at": document["created_at"],
        "version": document["version"],
    }


def load(container: Container, *, group_id: str, meter_id: str) -> Document:
    """The meter, or ``NotFound`` when it does not exist or belongs to another group (no existence leak)."""
    document = meter_collection(container).get(meter_id)
    if document is None or document["group_id"] != group_id:
        raise NotFound("no such meter")
    return document


def group_meters(container: Container, *, group_id: str) -> list[Document]:
    """Every meter of the group, oldest first (a group has at most ``MAX_METERS_PER_GROUP``)."""
    page = meter_collection(container).find_page(
        {"group_id": group_id}, order_by="created_at", limit=MAX_METERS_PER_GROUP
    )
    return page.items


def held_sub_meters(meter_documents: Iterable[Document], now: str) -> dict[str, list[str]]:
    """Each participant's sub-meters in service at ``now`` (user id -> meter ids, in the order given).

    The meter's ``participant_id`` is the one record of who holds it; a member's ``sub_meter_id`` is read from here.
    """
    held: dict[str, list[str]] = {}
    for meter in meter_documents:
        holder, removed = meter.get("participant_id"), meter.get("removed_at")
        if holder and meter["kind"] == MeterKind.SUB.value and (not removed or removed > now):
            held.setdefault(holder, []).append(meter["_id"])
    return held


def check_participant(container: Container, group_id: str, user_id: str | None) -> None:
    """``ValidationFailed`` unless ``user_id`` is an active member of the group (``None``, nobody, passes)."""
    if user_id is None:
        return
    member = membership_collection(container).get(membership_id(group_id, user_id))
    if member is None or member.get("status") != ACTIVE:
        raise ValidationFailed("not a participant of this group", field="participant_id")


def note_reading(container: Container, meter_id: str, taken_at: str) -> None:
    """Advance ``last_reading_at`` to ``taken_at`` if that is newer (optimistic retries; never moves back)."""
    collection = meter_collection(container)

    def attempt() -> None:
        document = collection.get(meter_id)
        if document is not None and (document.get("last_reading_at") or "") < taken_at:
            collection.update(meter_id, {"last_reading_at": taken_at}, expected_version=document["version"])

    retry_on_conflict(attempt, what="the meter")
