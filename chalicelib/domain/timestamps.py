"""UTC timestamps as the store keeps them: ISO-8601 with microseconds and a ``Z``, which sort as text."""

from __future__ import annotations

from datetime import UTC, datetime


def utc_iso(epoch_seconds: float) -> str:
    return datetime.fromtimestamp(epoch_seconds, UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")


def utc_iso_at(moment: datetime) -> str:
    """``utc_iso`` of an aware datetime in any zone (converted to UTC first). A naive datetime is refused."""
    if moment.tzinfo is None:
        raise ValueError("an aware datetime is required")
    return moment.astimezone(UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")


def parse_utc_iso(stamp: str) -> datetime:
    """The aware datetime of a stored timestamp (``...Z`` or with an offset)."""
    return datetime.fromisoformat(stamp.replace("Z", "+00:00"))
