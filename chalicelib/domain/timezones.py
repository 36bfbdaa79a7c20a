"""IANA time-zone names: one check for every place a user or group names a zone."""

from __future__ import annotations

from functools import cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from chalicelib.domain.errors import ValidationFailed


@cache
def is_time_zone(name: str) -> bool:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


def check_time_zone(name: str, field: str = "timezone") -> None:
    """Raise ``ValidationFailed`` naming ``field`` unless ``name`` is an IANA zone such as ``Europe/Berlin``."""
    if not is_time_zone(name):
        raise ValidationFailed(f"{name!r} is not an IANA time zone name such as Europe/Berlin", field=field)
