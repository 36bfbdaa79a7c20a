"""Stored readings: the ``readings`` collection, a meter's history, the domain value and the view.

One document per reading. Unique indexes carry two invariants without transactions: ``(meter_id, taken_at)`` (one
reading per meter and instant) and ``idempotency_key`` (``"<user id>:<Idempotency-Key>"``, the claim of
``services.idempotency``; absent when the client sent none). A rejected reading (``review_status`` "rejected",
``services.reading_reviews``) is kept but not counted: ``counted_history`` leaves it out of validation and
consumption. The use cases that write readings are ``services.readings`` (submit, correct),
``services.reading_import`` (CSV) and ``services.reading_reviews``.
"""

from __future__ import annotations

from fractions import Fraction
from typing import TYPE_CHECKING, Any

from chalicelib.adapters.store.port import CollectionSpec, Index
from chalicelib.domain.money import format_decimal
from chalicelib.domain.readings import Assessment, Reading
from chalicelib.domain.timestamps import parse_utc_iso

if TYPE_CHECKING:
    from chalicelib.adapters.store.port import Collection, Document
    from chalicelib.bootstrap import Container

READINGS = CollectionSpec(
    "readings",
    indexes=(
        Index(("meter_id", "taken_at"), unique=True),
        Index(("idempotency_key",), unique=True),
        Index(("group_id", "taken_at")),
        Index(("batch_id",)),
        Index(("group_id", "review_status", "taken_at")),  # the review queue
    ),
)
REJECTED = "rejected"
HISTORY_PAGE = 1000
_PLACES = 12


def reading_collection(container: Container) -> Collection:
    return container.store.collection(READINGS)


def to_domain(document: Document) -> Reading:
    return Reading(parse_utc_iso(document["taken_at"]), Fraction(document["value"]), id=document["_id"])


def view(document: Document) -> dict[str, Any]:
    return {
        "id": document["_id"],
        "meter_id": document["meter_id"],
        "value": document["value"],
        "original_value": document["original_value"],
        "taken_at": document["taken_at"],
        "consumption": document.get("consumption"),
        "is_rollover": document.get("is_rollover", False),
        "is_flagged": document.get("is_flagged", False),
        "flag_reason": document.get("flag_reason"),
        "note": document.get("note"),
        "source": document.get("source", "api"),
        "submitted_by": document["submitted_by"],
        "submitted_at": document["submitted_at"],
        "corrections": document.get("corrections", []),
        "review_status": document.get("review_status"),
        "review": document.get("review"),
        "has_photo": bool(document.get("photo_key")),
        "version": document["version"],
    }


def meter_history(container: Container, meter_id: str) -> list[Document]:
    """Every reading of one meter, oldest first (pages of ``HISTORY_PAGE``)."""
    collection = reading_collection(container)
    items: list[Document] = []
    cursor = None
    while True:
        page = collection.find_page({"meter_id": meter_id}, order_by="taken_at", limit=HISTORY_PAGE, cursor=cursor)
        items.extend(page.items)
        if page.next_cursor is None:
            return items
        cursor = page.next_cursor


def is_counted(document: Document) -> bool:
    """Whether a reading counts for validation and consumption: every reading except a rejected one."""
    return document.get("review_status") != REJECTED


def counted_history(container: Container, meter_id: str) -> list[Reading]:
    """The readings of one meter that count (rejected ones left out), oldest first, as domain values."""
    return [to_domain(d) for d in meter_history(container, meter_id) if is_counted(d)]


def assessment_fields(assessment: Assessment) -> dict[str, Any]:
    consumption = assessment.consumption
    return {
        "consumption": format_decimal(consumption, _PLACES) if consumption is not None else None,
        "is_rollover": assessment.is_rollover,
        "is_flagged": assessment.is_flagged,
        "flag_reason": assessment.flag_reason,
        "review_status": "pending" if assessment.is_flagged else None,
    }
