"""Reminder selection with a frozen clock, across time zones, never twice (chalicelib.domain.reminders)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given
from hypothesis import strategies as st

from chalicelib.domain.billing_cycles import cycle_boundary
from chalicelib.domain.reminders import (
    MeterReader,
    ReminderKind,
    after_sending,
    current_window,
    due_reminders,
    next_due_at,
    reading_window,
)

BERLIN = ZoneInfo("Europe/Berlin")
TOKYO = ZoneInfo("Asia/Tokyo")
NEW_YORK = ZoneInfo("America/New_York")
# the window for the boundary 2026-03-31 with 3 days in Berlin: Mar 29 00:00 CET .. Apr 1 00:00 CEST
WINDOW = reading_window(date(2026, 3, 31), 3, BERLIN)


def person(tz: ZoneInfo = BERLIN, *, submitted: bool = False, reminded: frozenset[ReminderKind] = frozenset(),
           user: str = "u1") -> MeterReader:
    return MeterReader(user, "m1", tz, submitted, reminded)


def test_window_spans_local_midnights_across_a_dst_change() -> None:
    assert WINDOW.opens_at == datetime(2026, 3, 28, 23, tzinfo=UTC)  # CET
    assert WINDOW.closes_at == datetime(2026, 3, 31, 22, tzinfo=UTC)  # CEST


def test_cycle_boundary_clamps_to_short_months() -> None:
    assert cycle_boundary(date(2026, 2, 2), 31) == date(2026, 2, 28)
    assert cycle_boundary(date(2026, 3, 1), 31) == date(2026, 3, 31)
    assert cycle_boundary(date(2026, 12, 16), 15) == date(2027, 1, 15)


def test_current_window_is_the_open_one_or_the_next() -> None:
    inside = current_window(datetime(2026, 3, 30, 12, tzinfo=UTC), billing_cycle="monthly", window_days=3,
                            timezone=BERLIN)
    assert inside == WINDOW
    before = current_window(datetime(2026, 3, 10, tzinfo=UTC), billing_cycle="monthly", window_days=3,
                            timezone=BERLIN)
    assert before == WINDOW and not before.is_open(datetime(2026, 3, 10, tzinfo=UTC))


def test_opening_reminder_at_a_sensible_local_hour_only() -> None:
    early = datetime(2026, 3, 29, 5, tzinfo=UTC)  # 07:00 in Berlin
    assert due_reminders(WINDOW, early, [person()]) == []
    morning = datetime(2026, 3, 29, 8, tzinfo=UTC)  # 10:00 CEST
    [reminder] = due_reminders(WINDOW, morning, [person()])
    assert reminder.kind is ReminderKind.OPENING


def test_same_instant_selects_by_each_participants_own_time_zone() -> None:
    now = datetime(2026, 3, 29, 8, tzinfo=UTC)  # Berlin 10:00, Tokyo 17:00, New York 04:00
    people = [person(BERLIN, user="berlin"), person(TOKYO, user="tokyo"), person(NEW_YORK, user="new-york")]
    assert {r.user_id for r in due_reminders(WINDOW, now, people)} == {"berlin", "tokyo"}


def test_nothing_outside_the_window_or_after_submission() -> None:
    assert due_reminders(WINDOW, datetime(2026, 3, 28, 12, tzinfo=UTC), [person()]) == []
    assert due_reminders(WINDOW, datetime(2026, 4, 1, 10, tzinfo=UTC), [person()]) == []
    assert due_reminders(WINDOW, datetime(2026, 3, 29, 10, tzinfo=UTC), [person(submitted=True)]) == []


def test_closing_reminder_again_when_the_window_is_about_to_close() -> None:
    reminded = frozenset({ReminderKind.OPENING})
    assert due_reminders(WINDOW, datetime(2026, 3, 30, 10, tzinfo=UTC), [person(reminded=reminded)]) == []
    [closing] = due_reminders(WINDOW, datetime(2026, 3, 31, 10, tzinfo=UTC), [person(reminded=reminded)])
    assert closing.kind is ReminderKind.CLOSING


def test_first_seen_inside_the_closing_lead_gets_one_message_not_two() -> None:
    now = datetime(2026, 3, 31, 10, tzinfo=UTC)
    [only] = due_reminders(WINDOW, now, [person()])
    assert only.kind is ReminderKind.CLOSING
    assert after_sending(person(), only.kind) == frozenset(ReminderKind)


def test_next_due_waits_for_the_local_morning() -> None:
    late = datetime(2026, 3, 29, 19, 30, tzinfo=UTC)  # 21:30 in Berlin
    assert next_due_at(WINDOW, late, [person()]) == datetime(2026, 3, 30, 7, tzinfo=UTC)  # 09:00 CEST
    assert next_due_at(WINDOW, late, [person(submitted=True)]) is None
    both = frozenset(ReminderKind)
    assert next_due_at(WINDOW, late, [person(reminded=both)]) is None


@given(
    hours=st.lists(st.integers(0, 24 * 5), min_size=1, max_size=60),
    tz=st.sampled_from([BERLIN, TOKYO, NEW_YORK, ZoneInfo("Pacific/Kiritimati"), ZoneInfo("Pacific/Pago_Pago")]),
)
def test_never_twice_and_only_at_sensible_hours(hours: list[int], tz: ZoneInfo) -> None:
    # hourly runs in any order of minutes: each kind at most once per window, always between 09:00 and 20:00 local
    start = WINDOW.opens_at - timedelta(hours=24)
    participant = person(tz)
    sent: list[ReminderKind] = []
    for at in sorted({start + timedelta(hours=h, minutes=17) for h in hours}):
        for reminder in due_reminders(WINDOW, at, [participant]):
            assert 9 <= at.astimezone(tz).hour < 20
            assert WINDOW.is_open(at)
            sent.append(reminder.kind)
            participant = MeterReader(participant.user_id, participant.meter_id, tz, False,
                                      after_sending(participant, reminder.kind))
    assert len(sent) == len(set(sent)) <= 2


def test_quarterly_cycles_end_in_the_last_month_of_each_quarter() -> None:
    assert cycle_boundary(date(2026, 4, 1), 31, every_months=3) == date(2026, 6, 30)
