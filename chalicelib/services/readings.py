"""Readings: idempotent submission, history pages, and admin corrections that keep the original and are audited.

The stored reading is ``services.reading_records`` (one document per reading, unique per meter and instant and per
idempotency key, the claim of ``services.idempotency``): a retried submission gets the stored reading back (and
completes the meter's ``last_reading_at`` a crash may have left behind); the same key with a different reading (meter,
instant or value) is ``IdempotencyKeyReused``. A correction rewrites ``value`` in the same document,
keeps ``original_value`` and appends to ``corrections``, with the audit intent embedded in that one write.

A flagged reading has ``review_status`` "pending" until an admin accepts or rejects it (``services.reading_reviews``);
a rejected reading is kept but not counted (``reading_records.counted_history``).
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from chalicelib.adapters.store.port import DuplicateKey, Range
from chalicelib.domain.errors import Forbidden, NotFound, VersionConflict
from chalicelib.domain.money import format_decimal
from chalicelib.domain.policy import Role
from chalicelib.domain.readings import ReadingExists, assess_reading, parse_reading_value
from chalicelib.domain.timestamps import parse_utc_iso, utc_iso, utc_iso_at
from chalicelib.observability import record_event
from chalicelib.services import audit, idempotency, meter_records
from chalicelib.services.reading_records import (
    assessment_fields,
    counted_history,
    is_counted,
    meter_history,
    reading_collection,
    to_domain,
    view,
)

if TYPE_CHECKING:
    from chalicelib.adapters.store.port import Document
    from chalicelib.bootstrap import Container
    from chalicelib.services.access import Membership

_PLACES = 12


def check_may_submit(membership: Membership, meter: Document) -> None:
    """Members record readings of their own meters only; admins and owners of any meter."""
    if membership.role is Role.MEMBER and meter.get("participant_id") != membership.user_id:
        raise Forbidden("members record readings of the meters assigned to them only")


def record(
    container: Container,
    membership: Membership,
    *,
    meter_id: str,
    value: str,
    taken_at: datetime,
    note: str | None,
    idempotency_key: str | None,
) -> tuple[dict[str, Any], bool]:
    """Validate and store one reading; (reading, created). A replay of the same ``Idempotency-Key`` returns the stored
    reading with ``created`` False."""
    group_id = membership.group_id
    meter = meter_records.load(container, group_id=group_id, meter_id=meter_id)
    check_may_submit(membership, meter)
    domain_meter = meter_records.to_domain(meter)
    quantity = parse_reading_value(value, digits=domain_meter.digits)
    canonical = format_decimal(quantity, _PLACES)
    key = idempotency.header_key(idempotency_key, required=False)
    claim = None
    if key is not None:
        request = {"meter_id": meter_id, "taken_at": utc_iso_at(taken_at), "value": canonical}
        claim = idempotency.Claim({"idempotency_key": f"{membership.user_id}:{key}"}, idempotency.fingerprint(request))

    def write(claimed: Mapping[str, Any]) -> Document:
        history = counted_history(container, meter_id)
        now = datetime.fromtimestamp(container.clock(), tz=UTC)
        assessment = assess_reading(domain_meter, history, quantity, taken_at, now=now)
        document: Document = {
            "_id": uuid.uuid4().hex,
            "group_id": group_id,
            "meter_id": meter_id,
            "value": canonical,
            "original_value": canonical,
            "taken_at": utc_iso_at(taken_at),
            "note": note,
            "source": "api",
            "submitted_by": membership.user_id,
            "submitted_at": utc_iso(container.clock()),
            "corrections": [],
            **assessment_fields(assessment),
            **claimed,
        }
        return reading_collection(container).insert(document)

    def finish(stored: Document) -> Document:
        meter_records.note_reading(container, meter_id, stored["taken_at"])
        return stored

    try:
        outcome = idempotency.once(reading_collection(container), claim, write=write, finish=finish)
    except DuplicateKey:
        when = utc_iso_at(taken_at)
        raise ReadingExists(f"the meter already has a reading at {when}", field="taken_at") from None
    stored = outcome.document
    if not outcome.replayed:
        record_event("reading.recorded", group_id=group_id, meter_id=meter_id, is_flagged=stored["is_flagged"],
                     is_rollover=stored["is_rollover"])
    return view(stored), not outcome.replayed


def history(
    container: Container,
    *,
    group_id: str,
    meter_id: str,
    since: datetime | None,
    until: datetime | None,
    cursor: str | None,
    limit: int,
) -> dict[str, Any]:
    """One page of a meter's readings, newest first, ``since <= taken_at < until``."""
    meter_records.load(container, group_id=group_id, meter_id=meter_id)
    bounds = Range(utc_iso_at(since) if since else None, utc_iso_at(until) if until else None)
    page = reading_collection(container).find_page(
        {"meter_id": meter_id}, order_by="taken_at", descending=True, bounds=bounds, limit=limit, cursor=cursor
    )
    return {"items": [view(d) for d in page.items], "next_cursor": page.next_cursor}


def correct(
    container: Container,
    membership: Membership,
    *,
    meter_id: str,
    reading_id: str,
    value: str,
    reason: str,
    expected_version: int | None,
    client_ip: str,
) -> dict[str, Any]:
    """An admin's correction: revalidated against the neighbours, original kept, audited in the same write."""
    group_id = membership.group_id
    meter = meter_records.load(container, group_id=group_id, meter_id=meter_id)
    document = reading_collection(container).get(reading_id)
    if document is None or document["meter_id"] != meter_id:
        raise NotFound("no such reading")
    if expected_version is not None and expected_version != document["version"]:
        raise VersionConflict(f"the reading is at version {document['version']}")
    domain_meter = meter_records.to_domain(meter)
    quantity = parse_reading_value(value, digits=domain_meter.digits)
    others = [to_domain(d) for d in meter_history(container, meter_id) if d["_id"] != reading_id and is_counted(d)]
    taken_at = parse_utc_iso(document["taken_at"])
    assessment = assess_reading(domain_meter, others, quantity, taken_at, now=taken_at)
    canonical = format_decimal(quantity, _PLACES)
    now = utc_iso(container.clock())
    correction = {"from": document["value"], "to": canonical, "by": membership.user_id, "at": now, "reason": reason}
    changes: dict[str, Any] = {
        "value": canonical,
        "corrections": [*document.get("corrections", []), correction],
        **assessment_fields(assessment),
    }
    if document.get("audit_pending"):
        audit.complete(container, document["audit_pending"])
    pending = audit.intent(
        container, group_id=group_id, actor_id=membership.user_id, action="reading.correct",
        target=f"reading:{reading_id}", before={"value": document["value"]},
        after={"value": canonical, "reason": reason}, client_ip=client_ip,
    )
    stored = reading_collection(container).update(reading_id, {**changes, "audit_pending": pending},
                                        expected_version=document["version"])
    audit.complete(container, pending)
    record_event("reading.corrected", group_id=group_id, meter_id=meter_id)
    return view(stored)
