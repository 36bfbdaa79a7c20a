"""One billing-cycle definition for the reading reminders and the bill drafts (chalicelib.domain.billing_cycles)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given
from hypothesis import strategies as st

from chalicelib.domain.billing_cycles import current_boundary, cycle_ending
from chalicelib.domain.proration import Span
from chalicelib.jobs.reading_reminders import group_window
from chalicelib.services.billing_profile import cycle_at

BERLIN = ZoneInfo("Europe/Berlin")
days = st.dates(min_value=date(1990, 1, 1), max_value=date(2100, 12, 31))


def test_monthly_and_quarterly_cycles_end_on_the_last_day_of_their_month() -> None:
    assert current_boundary("monthly", date(2026, 2, 2)) == date(2026, 2, 28)
    assert current_boundary("monthly", date(2026, 3, 31)) == date(2026, 3, 31)
    assert current_boundary("quarterly", date(2026, 4, 1)) == date(2026, 6, 30)
    assert cycle_ending("monthly", date(2027, 1, 31)) == Span(date(2027, 1, 1), date(2027, 1, 31))
    assert cycle_ending("quarterly", date(2027, 3, 31)) == Span(date(2027, 1, 1), date(2027, 3, 31))


def test_a_custom_cycle_has_no_boundary() -> None:
    assert current_boundary("custom", date(2026, 2, 2)) is None


@given(day=days, cycle=st.sampled_from(["monthly", "quarterly"]))
def test_cycles_tile_the_calendar(day: date, cycle: str) -> None:
    """Every day lies in exactly one cycle: the one ending on its boundary, which the next cycle follows directly."""
    boundary = current_boundary(cycle, day)
    assert boundary is not None
    period = cycle_ending(cycle, boundary)
    assert period.start <= day <= period.end == boundary
    following = current_boundary(cycle, boundary + timedelta(days=1))
    assert following is not None and cycle_ending(cycle, following).start == boundary + timedelta(days=1)


@given(moment=st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2090, 1, 1), timezones=st.just(UTC)),
       cycle=st.sampled_from(["monthly", "quarterly", "custom"]))
def test_reminders_and_drafts_agree_on_the_cycle(moment: datetime, cycle: str) -> None:
    """The reading window closes when the drafts' current period closes, and the drafted period ends with the
    boundary of the window before; a custom cycle has neither."""
    group = {"billing_cycle": cycle, "timezone": "Europe/Berlin", "reading_window_days": 3}
    window, drafted = group_window(group, moment), cycle_at(group, moment)
    if cycle == "custom":
        assert window is None and drafted is None
        return
    assert window is not None and drafted is not None
    first, last, closes = drafted
    assert closes == window.closes_at
    previous = group_window(group, datetime.combine(first, datetime.min.time(), tzinfo=BERLIN) + timedelta(hours=12))
    assert previous is not None and previous.boundary == last
