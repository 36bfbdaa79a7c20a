"""Reading validation: rollover, replacement, service dates, anomaly flags (chalicelib.domain.readings)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from chalicelib.domain.errors import ValidationFailed
from chalicelib.domain.readings import (
    AnomalyPolicy,
    Meter,
    Reading,
    ReadingExists,
    ReadingGoesBackwards,
    ReadingInFuture,
    ReadingOutsideService,
    assess_batch,
    assess_reading,
    parse_reading_value,
    register_advance,
)

T0 = datetime(2026, 1, 1, tzinfo=UTC)
NOW = datetime(2026, 6, 1, tzinfo=UTC)


def day(n: float) -> datetime:
    return T0 + timedelta(days=n)


def steady(meter: Meter, start: Fraction, per_day: Fraction, days: int) -> list[Reading]:
    """A reading every ten days at a steady daily use (wrapping at the meter's digits)."""
    span = Fraction(10 ** meter.digits) if meter.digits else None
    readings = []
    for n in range(0, days + 1, 10):
        value = start + per_day * n
        readings.append(Reading(day(n), value % span if span else value, id=f"r{n}"))
    return readings


def test_parse_value_is_exact_and_refuses_floats_and_excess_digits() -> None:
    assert parse_reading_value("12345.678", digits=5) == Fraction(12345678, 1000)
    with pytest.raises(ValidationFailed):
        parse_reading_value(12.5, digits=None)
    with pytest.raises(ValidationFailed, match="5 digits"):
        parse_reading_value("100000", digits=5)
    with pytest.raises(ValidationFailed):
        parse_reading_value("-1", digits=None)


def test_value_wider_than_the_register_is_refused_by_the_domain_itself() -> None:
    # the services parse with the meter's digits first, but the CSV import parses against the meter list it read
    # before loading each meter again, so a digits change in between reaches the domain's own check
    meter = Meter("m", installed_at=T0, digits=3)
    with pytest.raises(ValidationFailed, match="3 digits"):
        assess_reading(meter, [], Fraction(5_000), day(1), now=NOW)
    [verdict] = assess_batch(meter, [], [Reading(day(1), Fraction(5_000))], now=NOW)
    assert isinstance(verdict, ValidationFailed) and verdict.field == "value"


def test_rollover_accepted_when_it_fits_the_digits_and_is_plausible() -> None:
    meter = Meter("m", installed_at=T0, digits=5)
    history = [Reading(day(0), Fraction(99_900)), Reading(day(10), Fraction(99_950))]
    verdict = assess_reading(meter, history, Fraction(30), day(20), now=NOW)
    assert verdict.is_rollover
    assert verdict.consumption == 80


def test_lower_value_refused_when_the_meter_has_no_digits() -> None:
    meter = Meter("m", installed_at=T0)
    with pytest.raises(ReadingGoesBackwards, match="cannot roll over"):
        assess_reading(meter, [Reading(day(0), Fraction(500))], Fraction(499), day(1), now=NOW)


def test_small_step_back_refused_as_rollover_of_more_than_half_a_turn() -> None:
    meter = Meter("m", installed_at=T0, digits=5)
    with pytest.raises(ReadingGoesBackwards, match="half a turn"):
        assess_reading(meter, [Reading(day(0), Fraction(50_000))], Fraction(49_990), day(1), now=NOW)


def test_rollover_refused_when_implausible_against_the_meters_history() -> None:
    meter = Meter("m", installed_at=T0, digits=5)
    history = steady(meter, Fraction(90_000), Fraction(10), 40)  # 10 a day, last value 90 400 on day 40
    # a wrap to 10 000 would mean 19 600 units in one day
    with pytest.raises(ReadingGoesBackwards, match="implausible"):
        assess_reading(meter, history, Fraction(10_000), day(41), now=NOW)


def test_backdated_reading_must_not_exceed_the_next_one() -> None:
    meter = Meter("m", installed_at=T0)
    history = [Reading(day(0), Fraction(100)), Reading(day(10), Fraction(200))]
    assert assess_reading(meter, history, Fraction(150), day(5), now=NOW).consumption == 50
    with pytest.raises(ReadingGoesBackwards):
        assess_reading(meter, history, Fraction(250), day(5), now=NOW)


def test_reading_in_the_future_refused_beyond_clock_skew_tolerance() -> None:
    meter = Meter("m", installed_at=T0)
    assess_reading(meter, [], Fraction(1), NOW + timedelta(minutes=4), now=NOW)
    with pytest.raises(ReadingInFuture):
        assess_reading(meter, [], Fraction(1), NOW + timedelta(minutes=6), now=NOW)


def test_reading_before_installation_or_after_removal_refused() -> None:
    meter = Meter("m", installed_at=day(10), removed_at=day(20))
    with pytest.raises(ReadingOutsideService):
        assess_reading(meter, [], Fraction(1), day(9), now=NOW)
    with pytest.raises(ReadingOutsideService):
        assess_reading(meter, [], Fraction(1), day(21), now=NOW)
    assert assess_reading(meter, [], Fraction(1), day(20), now=NOW).consumption is None


def test_second_reading_at_the_same_instant_is_a_conflict() -> None:
    meter = Meter("m", installed_at=T0)
    with pytest.raises(ReadingExists):
        assess_reading(meter, [Reading(day(1), Fraction(5))], Fraction(6), day(1), now=NOW)


def test_replacement_meter_history_starts_fresh_from_its_initial_value() -> None:
    old = Meter("old", installed_at=T0, removed_at=day(30))
    new = Meter("new", installed_at=day(30), initial_value=Fraction(0))
    # the old meter read 4 000; the new one starts at 0 and its first reading is compared with 0, not 4 000
    assess_reading(old, [Reading(day(0), Fraction(3_000))], Fraction(4_000), day(30), now=NOW)
    verdict = assess_reading(new, [], Fraction(12), day(31), now=NOW)
    assert verdict.consumption == 12
    assert not verdict.is_rollover


def test_multiplier_applies_to_consumption() -> None:
    meter = Meter("m", installed_at=T0, multiplier=Fraction(40))
    verdict = assess_reading(meter, [Reading(day(0), Fraction("10.5"))], Fraction("12.25"), day(1), now=NOW)
    assert verdict.consumption == 70


def test_implausible_jump_is_accepted_but_flagged() -> None:
    meter = Meter("m", installed_at=T0)
    history = steady(meter, Fraction(1_000), Fraction(10), 40)  # 10 a day up to 1 400
    normal = assess_reading(meter, history, Fraction(1_500), day(50), now=NOW)
    assert not normal.is_flagged
    spike = assess_reading(meter, history, Fraction(1_800), day(50), now=NOW)  # 40 a day: 4x the median
    assert spike.is_flagged
    assert spike.flag_reason is not None and "median" in spike.flag_reason


def test_no_flag_without_enough_history() -> None:
    meter = Meter("m", installed_at=T0)
    history = [Reading(day(0), Fraction(0)), Reading(day(10), Fraction(10))]
    assert not assess_reading(meter, history, Fraction(100_000), day(11), now=NOW).is_flagged


def test_anomaly_factor_is_configurable() -> None:
    meter = Meter("m", installed_at=T0)
    history = steady(meter, Fraction(0), Fraction(10), 40)
    strict = AnomalyPolicy(factor=Fraction(3, 2))
    assert assess_reading(meter, history, Fraction(600), day(50), now=NOW, policy=strict).is_flagged


@given(
    digits=st.integers(min_value=3, max_value=8),
    previous=st.integers(min_value=0, max_value=10**8),
    advance=st.integers(min_value=0, max_value=10**8),
)
def test_register_advance_recovers_any_advance_below_one_turn(digits: int, previous: int, advance: int) -> None:
    span = 10**digits
    previous %= span
    advance %= span
    current = (previous + advance) % span
    assert register_advance(Fraction(previous), Fraction(current), digits) == (advance, previous + advance >= span)


@given(values=st.lists(st.integers(min_value=0, max_value=10**6), min_size=2, max_size=12))
def test_a_non_decreasing_series_is_always_accepted_without_rollover(values: list[int]) -> None:
    meter = Meter("m", installed_at=T0)
    values.sort()
    history = [Reading(day(i), Fraction(v)) for i, v in enumerate(values[:-1])]
    verdict = assess_reading(meter, history, Fraction(values[-1]), day(len(values)), now=NOW)
    assert not verdict.is_rollover
    assert verdict.consumption == values[-1] - values[-2]


def test_batch_reports_an_error_per_bad_row_and_verdicts_for_the_rest() -> None:
    meter = Meter("m", installed_at=T0, digits=4)
    history = [Reading(day(0), Fraction(100))]
    batch = [
        Reading(day(20), Fraction(300)),
        Reading(day(10), Fraction(200)),  # out of order in the file: fine
        Reading(day(30), Fraction(250)),  # lower than day 20 and no plausible rollover
        Reading(day(10), Fraction(210)),  # same instant twice
        Reading(NOW + timedelta(days=1), Fraction(400)),
    ]
    verdicts = assess_batch(meter, history, batch, now=NOW)
    assert [type(v).__name__ for v in verdicts] == [
        "Assessment", "Assessment", "ReadingGoesBackwards", "ReadingExists", "ReadingInFuture",
    ]
    first = verdicts[0]
    assert not isinstance(first, Exception) and first.consumption == 100


def test_batch_of_ten_thousand_rows_is_assessed_in_full() -> None:
    """Its speed is measured by ``bench.bench_readings`` (10,000-row import), never by a timed unit test."""
    meter = Meter("m", installed_at=T0)
    batch = [Reading(T0 + timedelta(hours=n), Fraction(n * 2)) for n in range(10_000)]
    verdicts = assess_batch(meter, [], batch, now=NOW + timedelta(days=400))
    assert len(verdicts) == 10_000
    assert not any(isinstance(v, Exception) for v in verdicts)
