"""Billing cycles: the boundary day each of a group's cycles ends with, and the days a cycle covers. Pure.

A cycle ends on its *boundary* day, a local date in the group's time zone: the last day of every month (``monthly``)
or of March, June, September and December (``quarterly``). Both schedules that hang off a cycle take it from here:
the reading window (the ``reading_window_days`` local days that end with the boundary, ``domain.reminders``) and the
recurring bill draft (the period that ends with the boundary, drafted once its reading window has closed).

A ``custom`` cycle (``billing_cycle_days`` long) has no boundary: the day its cycles count from is not stored, so no
day can be said to end one. Such a group therefore gets neither reading reminders nor drafted bills. (The reminders
used to assume month ends for it while the drafts did nothing; a month-end reminder asks for readings on days that
bound none of the group's bills, so the drafts' answer, "no known boundary", is the right one for both.)
"""

from __future__ import annotations

import calendar
from datetime import date, timedelta
from types import MappingProxyType

from chalicelib.domain.proration import Span

#: Months per cycle of the cycles whose boundary is known; a custom cycle is not here.
CYCLE_MONTHS = MappingProxyType({"monthly": 1, "quarterly": 3})
#: Cycles end on the last day of their month (day 31, or the month's last day when shorter).
MONTH_END = 31


def cycle_boundary(on_or_after: date, anchor_day: int, every_months: int = 1) -> date:
    """The first boundary on or after ``on_or_after``: day ``anchor_day`` (or the month's last day when shorter) of a
    month divisible by ``every_months`` (1: every month; 3: March, June, September, December)."""
    year, month = on_or_after.year, on_or_after.month
    while True:
        if month % every_months == 0:
            day = min(anchor_day, calendar.monthrange(year, month)[1])
            candidate = date(year, month, day)
            if candidate >= on_or_after:
                return candidate
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)


def current_boundary(billing_cycle: str, today: date) -> date | None:
    """The boundary of the cycle that local day ``today`` lies in (the first on or after it); None for a cycle
    without a known boundary (custom)."""
    every = CYCLE_MONTHS.get(billing_cycle)
    return None if every is None else cycle_boundary(today, MONTH_END, every)


def previous_boundary(billing_cycle: str, boundary: date) -> date:
    """The boundary of the cycle before the one that ends on ``boundary`` (a cycle with a known boundary)."""
    every = CYCLE_MONTHS[billing_cycle]
    month_index = boundary.year * 12 + boundary.month - 1 - every
    return cycle_boundary(date(month_index // 12, month_index % 12 + 1, 1), MONTH_END, every)


def cycle_ending(billing_cycle: str, boundary: date) -> Span:
    """The days of the cycle that ends on ``boundary``, both included: from the day after the previous boundary."""
    return Span(previous_boundary(billing_cycle, boundary) + timedelta(days=1), boundary)
