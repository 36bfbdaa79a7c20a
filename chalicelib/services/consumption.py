"""Consumption of a group's meters per period: what bills and the consumption chart are built from.

Derived on every read from the stored readings (``chalicelib.domain.readings``): boundaries between readings are
interpolated linearly, boundaries beyond the readings are estimated at the meter's average daily rate (or its
predecessor's when the meter is new) and marked ``is_estimated``. Nothing estimated is stored, so a real reading
replaces an estimate the moment it is recorded. Participants are the users meters are assigned to; a participant's
consumption is the sum of their sub-meters (a replaced meter and its successor both count, each in its own service
span). A meter that changed hands (``services.meter_assignments``: a tenant change with an interim reading) counts
for each holder from one change to the next, split at the interim reading, not by time: one ``MeterUsage`` per
holder. The main meters' sum minus the sub-meters' sum is ``common`` (unmetered) consumption.

Cost: one page of meters, then one history read per meter; no per-reading round trips.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from fractions import Fraction
from typing import TYPE_CHECKING, Any, Literal
from zoneinfo import ZoneInfo

from chalicelib.domain.errors import ValidationFailed
from chalicelib.domain.money import format_decimal
from chalicelib.domain.readings import (
    MeterKind,
    PeriodConsumption,
    average_daily_rate,
    common_consumption,
    consumption_by_holder,
    cumulative,
)
from chalicelib.domain.timestamps import parse_utc_iso
from chalicelib.domain.timezones import is_time_zone
from chalicelib.services import meter_records, reading_records
from chalicelib.services.groups import group_collection

if TYPE_CHECKING:
    from chalicelib.adapters.store.port import Document
    from chalicelib.bootstrap import Container

Granularity = Literal["day", "week", "month"]
MAX_BUCKETS = 400
_PLACES = 6


@dataclass(frozen=True)
class MeterUsage:
    meter_id: str
    serial: str
    kind: MeterKind
    participant_id: str | None  # the assigned user's id (the holder over ``since``..``until``)
    unit: str
    periods: tuple[PeriodConsumption, ...]
    since: datetime | None = None  # the tenant change from which this holder had the meter (None: from the start)
    until: datetime | None = None  # the tenant change at which they handed it over (None: still theirs)

    @property
    def quantity(self) -> Fraction:
        return sum((p.quantity for p in self.periods), Fraction(0))

    @property
    def is_estimated(self) -> bool:
        return any(p.is_estimated for p in self.periods)


@dataclass(frozen=True)
class Usage:
    """A quantity and whether any part of it is an estimate."""

    quantity: Fraction
    is_estimated: bool


@dataclass(frozen=True)
class GroupUsage:
    """Consumption of a group over ``boundaries`` (period i is ``[boundaries[i], boundaries[i+1])``)."""

    boundaries: tuple[datetime, ...]
    meters: tuple[MeterUsage, ...]

    def participants(self) -> list[str]:
        return sorted({m.participant_id for m in self.meters if m.kind is MeterKind.SUB and m.participant_id})

    def by_participant(self, period: int | None = None) -> dict[str, Usage]:
        """Each participant's sub-meter consumption in one period (all periods when ``period`` is None)."""
        result: dict[str, Usage] = {}
        for participant in self.participants():
            mine = [m for m in self.meters if m.kind is MeterKind.SUB and m.participant_id == participant]
            result[participant] = _total(mine, period)
        return result

    def sub_meters(self, period: int | None = None) -> Usage:
        return _total([m for m in self.meters if m.kind is MeterKind.SUB], period)

    def main(self, period: int | None = None) -> Usage | None:
        mains = [m for m in self.meters if m.kind is MeterKind.MAIN]
        return _total(mains, period) if mains else None

    def common(self, period: int | None = None) -> Usage | None:
        """Main minus sub-meters (unmetered use, losses); None without a main meter."""
        main = self.main(period)
        if main is None:
            return None
        subs = self.sub_meters(period)
        return Usage(common_consumption(main.quantity, [subs.quantity]), main.is_estimated or subs.is_estimated)

    def total(self, period: int | None = None) -> Usage:
        """The main meters' consumption, or the sub-meters' sum when the group has no main meter."""
        return self.main(period) or self.sub_meters(period)


def _total(usages: Sequence[MeterUsage], period: int | None) -> Usage:
    periods = [m.periods[period] for m in usages] if period is not None else [p for m in usages for p in m.periods]
    return Usage(sum((p.quantity for p in periods), Fraction(0)), any(p.is_estimated for p in periods))


def usage(container: Container, *, group_id: str, boundaries: Sequence[datetime]) -> GroupUsage:
    """Consumption of every meter of the group in each period between consecutive ``boundaries`` (aware, ascending)."""
    if len(boundaries) < 2 or any(a >= b for a, b in itertools.pairwise(boundaries)):
        raise ValidationFailed("periods need at least two ascending boundaries", field="to")
    documents = meter_records.group_meters(container, group_id=group_id)
    histories = {d["_id"]: reading_records.counted_history(container, d["_id"]) for d in documents}  # not rejected
    rates = _daily_rates(documents, histories)
    result = []
    for document in documents:
        meter = meter_records.to_domain(document)
        predecessor = document.get("replaces")
        fallback = rates.get(predecessor) if predecessor else None
        handovers = document.get("assignments") or []
        cuts = [parse_utc_iso(h["at"]) for h in handovers]
        holders = [*(h["previous_participant_id"] for h in handovers), document.get("participant_id")]
        spans = consumption_by_holder(meter, histories[document["_id"]], boundaries, cuts, fallback_rate=fallback)
        edges: list[datetime | None] = [None, *cuts, None]
        for index, periods in enumerate(spans):
            result.append(MeterUsage(document["_id"], document["serial"], MeterKind(document["kind"]), holders[index],
                                     document["unit"], tuple(periods), since=edges[index], until=edges[index + 1]))
    return GroupUsage(tuple(boundaries), tuple(result))


def period_usage(container: Container, *, group_id: str, start: datetime, end: datetime) -> GroupUsage:
    """Consumption over one billing period ``[start, end)``: what the bills service allocates."""
    return usage(container, group_id=group_id, boundaries=[start, end])


def _daily_rates(documents: Sequence[Document], histories: Mapping[str, list[Any]]) -> dict[str, Fraction]:
    rates = {}
    for document in documents:
        rate = average_daily_rate(cumulative(meter_records.to_domain(document), histories[document["_id"]]))
        if rate is not None:
            rates[document["_id"]] = rate
    return rates


def local_boundaries(start: date, end: date, granularity: Granularity, timezone: ZoneInfo) -> list[datetime]:
    """Local midnights from ``start`` to ``end`` (exclusive end date included as last boundary) by day/week/month."""
    if end <= start:
        raise ValidationFailed("to must be after from", field="to")
    days: list[date] = [start]
    while days[-1] < end:
        current = days[-1]
        if granularity == "day":
            following = current + timedelta(days=1)
        elif granularity == "week":
            following = current + timedelta(days=7)
        else:
            following = date(current.year + current.month // 12, current.month % 12 + 1, 1)
        days.append(min(following, end))
        if len(days) > MAX_BUCKETS + 1:
            raise ValidationFailed(f"at most {MAX_BUCKETS} points per chart; choose a coarser granularity",
                                   field="granularity")
    return [datetime.combine(d, time(0), tzinfo=timezone).astimezone(UTC) for d in days]




def group_timezone(container: Container, group_id: str) -> str:
    """The group's IANA time zone (UTC when unset or unknown)."""
    group = group_collection(container).get(group_id) or {}
    name = str(group.get("timezone") or "UTC")
    return name if is_time_zone(name) else "UTC"


def chart(
    container: Container, *, group_id: str, start: date, end: date, granularity: Granularity, timezone: str
) -> dict[str, Any]:
    """Per-participant, common and total series over ``[start, end)`` local dates, ready for a chart."""
    zone = ZoneInfo(timezone)
    boundaries = local_boundaries(start, end, granularity, zone)
    group_usage = usage(container, group_id=group_id, boundaries=boundaries)
    periods = range(len(boundaries) - 1)
    unit = group_usage.meters[0].unit if group_usage.meters else None

    def series(values: list[Usage | None]) -> dict[str, Any]:
        return {
            "values": [format_decimal(v.quantity, _PLACES) if v else None for v in values],
            "estimated": [bool(v and v.is_estimated) for v in values],
        }

    per_participant = [group_usage.by_participant(p) for p in periods]
    return {
        "from": start.isoformat(),
        "to": end.isoformat(),
        "granularity": granularity,
        "timezone": timezone,
        "unit": unit,
        "periods": [{"start": boundaries[p].isoformat().replace("+00:00", "Z"),
                     "end": boundaries[p + 1].isoformat().replace("+00:00", "Z")} for p in periods],
        "participants": [{"participant_id": participant, **series([per_participant[p][participant] for p in periods])}
                         for participant in group_usage.participants()],
        "common": series([group_usage.common(p) for p in periods]),
        "total": series([group_usage.total(p) for p in periods]),
    }
