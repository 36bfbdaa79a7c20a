"""Meter readings: validation, rollover, anomaly flags, and consumption per period with interpolation and estimates.

Pure: no I/O, no clock. Quantities are exact ``Fraction``s parsed from decimal strings (never floats); times are aware
``datetime``s in UTC.

A meter's *register* shows ``value``; with ``digits`` set it wraps from ``10**digits - 1`` back to 0 (rollover).
*Consumption* between two readings is the register advance times ``multiplier`` (a current-transformer ratio).

Rules (docs/readings.md has worked examples):

* a reading in the future (beyond ``FUTURE_TOLERANCE`` of clock skew), before installation or after removal is refused;
* a value that does not fit the register's digits is refused;
* a value lower than the previous reading is a rollover only when the meter has ``digits``, and the implied advance is
  less than half a register turn and, when the meter has a history, its daily rate is at most ``k`` times the median
  daily use; otherwise ``ReadingGoesBackwards``. A replaced meter is a new meter whose history starts fresh, so the new
  meter's first reading is never compared with the old one's;
* a reading whose daily consumption rate exceeds ``k`` times the median of the meter's own interval rates is accepted
  but flagged for review;
* consumption over ``[start, end)`` is the difference of the cumulative consumption at both instants: a reading's own
  value when one falls on the instant, linear interpolation between the readings around it, and an *estimate*
  (extrapolation at the meter's average daily rate) when no reading lies on the far side. Estimates are derived on every
  read, never stored, so a real reading replaces them as soon as it arrives.
"""

from __future__ import annotations

import itertools
import statistics
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from fractions import Fraction

from chalicelib.domain.errors import Conflict, DomainError, ValidationFailed
from chalicelib.domain.money import format_decimal, parse_quantity

#: Readings up to this far ahead of the server clock are accepted (phone clocks drift).
FUTURE_TOLERANCE = timedelta(minutes=5)
_MICROSECONDS_PER_DAY = 86_400_000_000


class MeterKind(StrEnum):
    MAIN = "main"
    SUB = "sub"


class ReadingGoesBackwards(ValidationFailed):
    """Lower than the previous reading (or higher than the next one) and not a plausible rollover."""

    code = "reading-goes-backwards"
    title = "Reading is lower than the previous one"


class ReadingInFuture(ValidationFailed):
    code = "reading-in-future"
    title = "Reading is in the future"


class ReadingOutsideService(ValidationFailed):
    """Taken before the meter was installed or after it was removed."""

    code = "reading-outside-service"
    title = "Reading outside the meter's service dates"


class ReadingExists(Conflict):
    """The meter already has a reading at exactly this instant."""

    code = "reading-exists"
    title = "A reading already exists at this time"


@dataclass(frozen=True)
class Meter:
    """What validation and consumption need to know about one physical meter."""

    id: str
    installed_at: datetime
    removed_at: datetime | None = None
    digits: int | None = None
    multiplier: Fraction = Fraction(1)
    initial_value: Fraction | None = None

    def is_in_service(self, at: datetime) -> bool:
        return self.installed_at <= at and (self.removed_at is None or at <= self.removed_at)


@dataclass(frozen=True)
class Reading:
    taken_at: datetime
    value: Fraction
    id: str = ""


@dataclass(frozen=True)
class AnomalyPolicy:
    """``factor`` is k; no flag until the meter has ``min_intervals`` intervals of history.

    Interval rates use at least ``min_interval_days`` days, so two readings an hour apart do not look like a spike.
    """

    factor: Fraction = Fraction(3)
    min_intervals: int = 3
    min_interval_days: Fraction = Fraction(1)


@dataclass(frozen=True)
class Assessment:
    """The verdict on a new reading: accepted (errors are raised), with what it implies."""

    consumption: Fraction | None  # since the previous reading, multiplier applied; None for a meter's first reading
    is_rollover: bool
    is_flagged: bool
    flag_reason: str | None
    median_daily_use: Fraction | None


def parse_reading_value(value: object, *, digits: int | None, field: str = "value") -> Fraction:
    """The exact register value of a decimal string, refused when it does not fit the meter's ``digits``."""
    quantity = parse_quantity(value, field=field)
    if digits is not None and quantity >= 10**digits:
        raise ValidationFailed(f"the meter's register has {digits} digits; {value} does not fit", field=field)
    return quantity


def days_between(start: datetime, end: datetime) -> Fraction:
    """Exact days from ``start`` to ``end`` (negative when ``end`` is earlier)."""
    return Fraction((end - start) // timedelta(microseconds=1), _MICROSECONDS_PER_DAY)


def timeline(meter: Meter, readings: Iterable[Reading]) -> list[Reading]:
    """The meter's readings by time, with the installation value as the first point when the meter has one."""
    points = sorted(readings, key=lambda r: r.taken_at)
    if meter.initial_value is not None and not (points and points[0].taken_at <= meter.installed_at):
        points.insert(0, Reading(meter.installed_at, meter.initial_value, id="installation"))
    return points


def register_advance(previous: Fraction, current: Fraction, digits: int | None) -> tuple[Fraction, bool]:
    """(advance, is_rollover) from ``previous`` to ``current``; a lower value only wraps on a meter with digits."""
    if current >= previous:
        return current - previous, False
    if digits is None:
        raise ReadingGoesBackwards(f"{_show(current)} is lower than {_show(previous)}", field="value")
    return Fraction(10**digits) - previous + current, True


def interval_rates(meter: Meter, points: Sequence[Reading], policy: AnomalyPolicy = AnomalyPolicy()) -> list[Fraction]:
    """Daily consumption of each interval between consecutive points (sorted), multiplier applied."""
    rates = []
    for before, after in itertools.pairwise(points):
        advance, _ = register_advance(before.value, after.value, meter.digits)
        days = max(days_between(before.taken_at, after.taken_at), policy.min_interval_days)
        rates.append(advance * meter.multiplier / days)
    return rates


def median_daily_use(
    meter: Meter, points: Sequence[Reading], policy: AnomalyPolicy = AnomalyPolicy()
) -> Fraction | None:
    """The median interval rate, or None while the history is shorter than ``policy.min_intervals``."""
    rates = interval_rates(meter, points, policy)
    if len(rates) < policy.min_intervals:
        return None
    return Fraction(statistics.median(rates))


def assess_reading(
    meter: Meter,
    history: Iterable[Reading],
    value: Fraction,
    taken_at: datetime,
    *,
    now: datetime,
    policy: AnomalyPolicy = AnomalyPolicy(),
) -> Assessment:
    """Check a new reading against the meter and its history (the meter's own, other readings only).

    Raises ``ReadingInFuture``, ``ReadingOutsideService``, ``ValidationFailed`` (digits), ``ReadingExists`` or
    ``ReadingGoesBackwards``; returns what the reading implies, including an anomaly flag.
    """
    [verdict] = assess_batch(meter, history, [Reading(taken_at, value)], now=now, policy=policy)
    if isinstance(verdict, DomainError):
        raise verdict
    return verdict


def assess_batch(
    meter: Meter,
    history: Iterable[Reading],
    batch: Sequence[Reading],
    *,
    now: datetime,
    policy: AnomalyPolicy = AnomalyPolicy(),
) -> list[Assessment | DomainError]:
    """Assess many new readings of one meter at once (a CSV import) in O(n log n): a verdict or an error per reading.

    Each new reading is checked against its neighbours in the timeline of the stored and the new readings together.
    The anomaly baseline is the median of the stored history, or of the merged timeline while the stored history is too
    short (an import onto a new meter).
    """
    verdicts: list[Assessment | DomainError | None] = [None] * len(batch)
    existing = timeline(meter, history)
    instants = {p.taken_at for p in existing}
    merged: list[tuple[Reading, int | None]] = [(p, None) for p in existing]
    for index, reading in enumerate(batch):
        try:
            _check_instant(meter, reading, now, instants)
        except DomainError as error:
            verdicts[index] = error
            continue
        instants.add(reading.taken_at)
        merged.append((reading, index))
    merged.sort(key=lambda item: item[0].taken_at)
    median = _median_or_none(meter, existing, policy)
    if median is None and len(merged) > len(existing):
        median = _median_or_none(meter, [item[0] for item in merged], policy)
    for position, (_reading, place) in enumerate(merged):
        if place is None:
            continue
        try:
            verdicts[place] = _assess_in_place(meter, merged, position, median, policy)
        except DomainError as error:
            verdicts[place] = error
    result: list[Assessment | DomainError] = []
    for index, verdict in enumerate(verdicts):
        if verdict is None:  # each reading fails its instant check or is assessed in place: a gap is a bug
            raise RuntimeError(f"assess_batch left reading {index} of the batch without a verdict")
        result.append(verdict)
    return result


def _check_instant(meter: Meter, reading: Reading, now: datetime, instants: set[datetime]) -> None:
    taken_at, value = reading.taken_at, reading.value
    if taken_at > now + FUTURE_TOLERANCE:
        raise ReadingInFuture(f"taken_at {taken_at.isoformat()} is in the future", field="taken_at")
    if not meter.is_in_service(taken_at):
        removed = f" or after its removal on {meter.removed_at.isoformat()}" if meter.removed_at else ""
        raise ReadingOutsideService(
            f"taken_at is before the meter's installation on {meter.installed_at.isoformat()}{removed}",
            field="taken_at",
        )
    # Callers parse with the meter's digits first, but the domain does not rely on it (the CSV import parses against
    # the meter list it read earlier, so a digits change in between lands here).
    if meter.digits is not None and value >= 10**meter.digits:
        raise ValidationFailed(
            f"the meter's register has {meter.digits} digits; {_show(value)} does not fit", field="value"
        )
    if taken_at in instants:
        raise ReadingExists(f"the meter already has a reading at {taken_at.isoformat()}", field="taken_at")


def _median_or_none(meter: Meter, points: Sequence[Reading], policy: AnomalyPolicy) -> Fraction | None:
    try:
        return median_daily_use(meter, points, policy)
    except ReadingGoesBackwards:
        return None


def _assess_in_place(
    meter: Meter,
    merged: Sequence[tuple[Reading, int | None]],
    position: int,
    median: Fraction | None,
    policy: AnomalyPolicy,
) -> Assessment:
    reading = merged[position][0]
    previous = merged[position - 1][0] if position else None
    consumption: Fraction | None = None
    is_rollover = False
    if previous is not None:
        advance, is_rollover = _checked_advance(meter, previous, reading, median, policy)
        consumption = advance * meter.multiplier
    if position + 1 < len(merged) and merged[position + 1][1] is None:
        # a stored reading follows: it must still follow (a new one that follows is checked in its own turn)
        _checked_advance(meter, reading, merged[position + 1][0], median, policy)
    flag_reason = None
    if consumption is not None and previous is not None and median is not None and median > 0:
        days = max(days_between(previous.taken_at, reading.taken_at), policy.min_interval_days)
        rate = consumption / days
        if rate > policy.factor * median:
            flag_reason = (
                f"daily use {_show(rate, 3)} is more than {_show(policy.factor)} times "
                f"this meter's median of {_show(median, 3)}"
            )
    return Assessment(consumption, is_rollover, flag_reason is not None, flag_reason, median)


def _checked_advance(
    meter: Meter, before: Reading, after: Reading, median: Fraction | None, policy: AnomalyPolicy
) -> tuple[Fraction, bool]:
    if after.value >= before.value:
        return after.value - before.value, False
    when = before.taken_at.isoformat()
    lower = f"{_show(after.value)} is lower than the reading {_show(before.value)} of {when}"
    if meter.digits is None:
        raise ReadingGoesBackwards(f"{lower}; this meter has no digit count, so it cannot roll over", field="value")
    span = Fraction(10**meter.digits)
    if before.value >= span:
        raise ReadingGoesBackwards(f"{lower}; {_show(before.value)} does not fit {meter.digits} digits", field="value")
    advance = span - before.value + after.value
    implied = advance * meter.multiplier
    if advance * 2 >= span:
        raise ReadingGoesBackwards(
            f"{lower}; a rollover of the {meter.digits}-digit register would mean {_show(implied)} units, "
            "more than half a turn",
            field="value",
        )
    if median is not None:
        days = max(days_between(before.taken_at, after.taken_at), policy.min_interval_days)
        if implied / days > policy.factor * median:
            raise ReadingGoesBackwards(
                f"{lower}; a rollover would mean {_show(implied)} units in {_show(days, 2)} days, implausible against "
                f"this meter's median daily use of {_show(median, 3)}",
                field="value",
            )
    return advance, True


# ---------------------------------------------------------------------------------------------------------------------
# Consumption
# ---------------------------------------------------------------------------------------------------------------------


class ValueSource(StrEnum):
    """How a cumulative value at an instant was obtained."""

    READING = "reading"
    INTERPOLATED = "interpolated"
    ESTIMATED = "estimated"


@dataclass(frozen=True)
class Point:
    """Cumulative consumption (multiplier applied) since the meter's first point."""

    at: datetime
    total: Fraction


@dataclass(frozen=True)
class PeriodConsumption:
    start: datetime
    end: datetime
    quantity: Fraction
    is_estimated: bool


def cumulative(meter: Meter, readings: Iterable[Reading]) -> list[Point]:
    """Running consumption at each point of the meter's timeline, rollovers unrolled."""
    points = timeline(meter, readings)
    result: list[Point] = []
    total = Fraction(0)
    for index, point in enumerate(points):
        if index:
            advance, _ = register_advance(points[index - 1].value, point.value, meter.digits)
            total += advance * meter.multiplier
        result.append(Point(point.taken_at, total))
    return result


def average_daily_rate(points: Sequence[Point]) -> Fraction | None:
    """Consumption per day over the whole history; None with fewer than two points in distinct instants."""
    if len(points) < 2:
        return None
    days = days_between(points[0].at, points[-1].at)
    return (points[-1].total - points[0].total) / days if days > 0 else None


def total_at(points: Sequence[Point], at: datetime, rate: Fraction | None) -> tuple[Fraction, ValueSource]:
    """Cumulative consumption at ``at``: a reading, an interpolation, or an extrapolation at ``rate`` (estimated)."""
    if not points:
        return Fraction(0), ValueSource.ESTIMATED
    if at <= points[0].at:
        first = points[0]
        if at == first.at:
            return first.total, ValueSource.READING
        return first.total - (rate or 0) * days_between(at, first.at), ValueSource.ESTIMATED
    if at >= points[-1].at:
        last = points[-1]
        if at == last.at:
            return last.total, ValueSource.READING
        return last.total + (rate or 0) * days_between(last.at, at), ValueSource.ESTIMATED
    low, high = 0, len(points) - 1
    while high - low > 1:  # points[low].at < at < points[high].at
        middle = (low + high) // 2
        if points[middle].at <= at:
            low = middle
        else:
            high = middle
    before, after = points[low], points[high]
    if before.at == at:
        return before.total, ValueSource.READING
    share = days_between(before.at, at) / days_between(before.at, after.at)
    return before.total + (after.total - before.total) * share, ValueSource.INTERPOLATED


def consumption_by_holder(
    meter: Meter,
    readings: Iterable[Reading],
    boundaries: Sequence[datetime],
    cuts: Sequence[datetime],
    *,
    fallback_rate: Fraction | None = None,
) -> list[list[PeriodConsumption]]:
    """Consumption in each period, split at ``cuts``: one list of periods per holder of the meter.

    ``cuts`` are the ascending instants at which the meter changed hands (a tenant change, each with its interim
    reading). Holder 0 has the meter until ``cuts[0]``, holder i from ``cuts[i-1]`` to ``cuts[i]``, the last holder from
    the last cut on. The split takes the cumulative consumption at the cut (the interim reading's value when a reading
    lies on it), so the holders' parts of a period add up to the meter's consumption in that period.
    """
    points = cumulative(meter, readings)
    rate = average_daily_rate(points)
    if rate is None:
        rate = fallback_rate
    edges: list[datetime | None] = [None, *cuts, None]
    result = []
    for since, until in itertools.pairwise(edges):
        periods = []
        for start, end in itertools.pairwise(boundaries):
            low = max(start, meter.installed_at, since or start)
            high = min(end, meter.removed_at or end, until or end)
            if high <= low:
                periods.append(PeriodConsumption(start, end, Fraction(0), False))
                continue
            if not points:  # no reading and no installation value: the rate alone (0 without one)
                quantity = (rate or Fraction(0)) * days_between(low, high)
                periods.append(PeriodConsumption(start, end, quantity, True))
                continue
            low_total, low_source = total_at(points, low, rate)
            high_total, high_source = total_at(points, high, rate)
            is_estimated = ValueSource.ESTIMATED in (low_source, high_source)
            periods.append(PeriodConsumption(start, end, max(high_total - low_total, Fraction(0)), is_estimated))
        result.append(periods)
    return result


def common_consumption(main: Fraction, sub_meters: Iterable[Fraction]) -> Fraction:
    """Main meter minus the sum of sub-meters: unmetered/common use (negative when sub-meters over-read)."""
    return main - sum(sub_meters, Fraction(0))


def _show(value: Fraction, places: int = 12) -> str:
    return format_decimal(value, places)
