"""How much of a billing period a participant was present: plain days or heating degree days.

Periods and stays are *inclusive* of both dates, as on a printed bill: 2026-01-01 to 2026-12-31 is 365 days, and a
tenant who moves out on 2026-03-14 and a successor who moves in on 2026-03-15 together cover the year without overlap.

``DEGREE_DAYS`` prorates heating by how cold each month is instead of by calendar days, with the per-mille table that
German heating cost statements use for a tenant change under § 9b HeizkostenV (the "Gradtagszahlen" table of VDI 2067
practice): a January day weighs far more than a July day. Inside a month the month's share is spread evenly over its
days, so a stay of 14 of March's 31 days counts 130 x 14 / 31 per mille.

``local_stays`` turns a membership's history (the instants someone joined and left a group) into such stays: local
dates in the group's time zone, the move-out day belonging to whoever moves in.
"""

from __future__ import annotations

import calendar
import itertools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo
from enum import StrEnum
from fractions import Fraction
from types import MappingProxyType

from chalicelib.domain.errors import ValidationFailed


class Proration(StrEnum):
    """What a day of presence weighs: every day alike, or by the month's heating degree days."""

    DAYS = "days"
    DEGREE_DAYS = "degree_days"


#: Per-mille of a year's heating degree days by month (Gradtagszahlen, § 9b HeizkostenV / VDI 2067 practice).
#: June, July and August share 40 per mille between them, 40/3 each. The twelve months add up to exactly 1000.
DEGREE_DAY_PER_MILLE: Mapping[int, Fraction] = MappingProxyType(
    {
        1: Fraction(170),
        2: Fraction(150),
        3: Fraction(130),
        4: Fraction(80),
        5: Fraction(40),
        6: Fraction(40, 3),
        7: Fraction(40, 3),
        8: Fraction(40, 3),
        9: Fraction(30),
        10: Fraction(80),
        11: Fraction(120),
        12: Fraction(160),
    }
)


@dataclass(frozen=True)
class Span:
    """An inclusive range of dates: a billing period or one stay of a participant."""

    start: date
    end: date

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def contains(self, other: Span) -> bool:
        return self.start <= other.start and other.end <= self.end


def validate_span(span: Span, *, field: str) -> None:
    if span.end < span.start:
        raise ValidationFailed(f"ends on {span.end} before it starts on {span.start}", field=f"{field}.to")


def validate_stays(stays: Sequence[Span], period: Span, *, field: str) -> None:
    """Each stay lies inside ``period`` and no two stays overlap (``field`` is the participant's ``present``)."""
    for index, stay in enumerate(stays):
        validate_span(stay, field=f"{field}[{index}]")
        if not period.contains(stay):
            raise ValidationFailed(
                f"the stay {stay.start}..{stay.end} is outside the period {period.start}..{period.end}",
                field=f"{field}[{index}]",
            )
    ordered = sorted(range(len(stays)), key=lambda i: stays[i].start)
    for before, after in itertools.pairwise(ordered):
        if stays[after].start <= stays[before].end:
            raise ValidationFailed(f"overlaps {field}[{before}]", field=f"{field}[{after}]")


def degree_days(span: Span) -> Fraction:
    """Per-mille heating degree days of an inclusive span, each month's share spread evenly over its days."""
    total = Fraction(0)
    year, month = span.start.year, span.start.month
    while (year, month) <= (span.end.year, span.end.month):
        month_days = calendar.monthrange(year, month)[1]
        first = max(span.start, date(year, month, 1))
        last = min(span.end, date(year, month, month_days))
        total += DEGREE_DAY_PER_MILLE[month] * ((last - first).days + 1) / month_days
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return total


def presence(stays: Sequence[Span], proration: Proration) -> Fraction:
    """How much the stays weigh: days present, or per-mille degree days present."""
    if proration is Proration.DAYS:
        return Fraction(sum(stay.days for stay in stays))
    return sum((degree_days(stay) for stay in stays), Fraction(0))


def local_stays(
    intervals: Sequence[tuple[datetime, datetime | None]], zone: tzinfo, period: Span
) -> tuple[Span, ...]:
    """The inclusive stays inside ``period`` of membership intervals ``[joined, left)`` (aware instants, ``left``
    None while still a member), as local dates in ``zone``.

    A stay starts on the local day of joining and ends on the day before the local day of leaving: the move-out day
    belongs to whoever moves in (a tenant who hands over the keys on 15 March is present through 14 March), so a
    handover never counts one day for both. Joining and leaving on the same day is no stay. Touching or overlapping
    stays are merged, so leaving and re-joining at one instant changes nothing.
    """
    clipped: list[Span] = []
    for joined, left in intervals:
        first = max(joined.astimezone(zone).date(), period.start)
        last = period.end if left is None else min(left.astimezone(zone).date() - timedelta(days=1), period.end)
        if first <= last:
            clipped.append(Span(first, last))
    merged: list[Span] = []
    for stay in sorted(clipped, key=lambda s: s.start):
        if merged and stay.start <= merged[-1].end + timedelta(days=1):
            merged[-1] = Span(merged[-1].start, max(merged[-1].end, stay.end))
        else:
            merged.append(stay)
    return tuple(merged)
