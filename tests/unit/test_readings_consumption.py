"""Consumption per period: interpolation at boundaries, estimates and their replacement, replacement, common use."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from fractions import Fraction

from hypothesis import given
from hypothesis import strategies as st

from chalicelib.domain.readings import (
    Meter,
    Reading,
    common_consumption,
    consumption_by_holder,
    cumulative,
)

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def day(n: float) -> datetime:
    return T0 + timedelta(days=n)


def test_boundary_between_two_readings_is_interpolated_linearly() -> None:
    # GIVEN readings of 100 on Jan 1 and 400 on Jan 31 (10 a day) WHEN the period ends on Jan 21
    meter = Meter("m", installed_at=T0)
    readings = [Reading(day(0), Fraction(100)), Reading(day(30), Fraction(400))]
    [[first, second]] = consumption_by_holder(meter, readings, [day(0), day(20), day(30)], ())
    # THEN the 300 units split 200/100 by time, and nothing is an estimate
    assert (first.quantity, second.quantity) == (200, 100)
    assert not first.is_estimated and not second.is_estimated


def test_interpolation_is_exact_with_uneven_fractions() -> None:
    meter = Meter("m", installed_at=T0)
    readings = [Reading(day(0), Fraction(0)), Reading(day(3), Fraction(10))]
    [[period]] = consumption_by_holder(meter, readings, [day(0), day(1)], ())
    assert period.quantity == Fraction(10, 3)


def test_missing_reading_is_estimated_then_replaced_by_the_real_one() -> None:
    meter = Meter("m", installed_at=T0)
    readings = [Reading(day(0), Fraction(0)), Reading(day(10), Fraction(100))]
    # no reading yet at day 20: extrapolated at the average 10 a day
    [[estimate]] = consumption_by_holder(meter, readings, [day(10), day(20)], ())
    assert estimate.is_estimated and estimate.quantity == 100
    # the real reading arrives: the same question now has a measured answer
    readings.append(Reading(day(20), Fraction(130)))
    [[measured]] = consumption_by_holder(meter, readings, [day(10), day(20)], ())
    assert not measured.is_estimated and measured.quantity == 130 - 100


def test_new_meter_without_history_uses_the_fallback_rate_for_estimates() -> None:
    meter = Meter("m", installed_at=day(0), initial_value=Fraction(0))
    [[estimate]] = consumption_by_holder(meter, [], [day(0), day(5)], (), fallback_rate=Fraction(7))
    assert estimate.is_estimated and estimate.quantity == 35


def test_new_meter_without_readings_or_initial_value_estimates_at_the_fallback_rate() -> None:
    # GIVEN a replacement meter with no installation value and no readings yet, the old meter used 7 a day
    meter = Meter("m", installed_at=day(0))
    # WHEN its consumption is asked for days 2..5 THEN it is estimated at the old meter's rate
    [[estimate]] = consumption_by_holder(meter, [], [day(2), day(5)], (), fallback_rate=Fraction(7))
    assert estimate.is_estimated and estimate.quantity == 21
    # and without a rate there is nothing to estimate with
    [[unknown]] = consumption_by_holder(meter, [], [day(2), day(5)], ())
    assert unknown.is_estimated and unknown.quantity == 0


def test_replaced_meter_consumption_is_the_sum_of_both_service_spans() -> None:
    old = Meter("old", installed_at=day(-10), removed_at=day(15))
    new = Meter("new", installed_at=day(15), initial_value=Fraction(0))
    old_readings = [Reading(day(-10), Fraction(5_000)), Reading(day(15), Fraction(5_250))]
    new_readings = [Reading(day(30), Fraction(150))]
    boundaries = [day(0), day(30)]
    [[old_part]] = consumption_by_holder(old, old_readings, boundaries, ())
    [[new_part]] = consumption_by_holder(new, new_readings, boundaries, ())
    assert old_part.quantity == 150  # days 0..15 of 25 days at 10 a day, interpolated
    assert new_part.quantity == 150  # 0 at installation, 150 on day 30
    assert not old_part.is_estimated and not new_part.is_estimated


def test_rollover_is_unrolled_in_cumulative_consumption() -> None:
    meter = Meter("m", installed_at=T0, digits=4, multiplier=Fraction(2))
    readings = [Reading(day(0), Fraction(9_990)), Reading(day(1), Fraction(5)), Reading(day(2), Fraction(20))]
    assert [p.total for p in cumulative(meter, readings)] == [0, 30, 60]


def test_period_outside_the_service_dates_is_zero_and_not_estimated() -> None:
    meter = Meter("m", installed_at=day(40))
    [[period]] = consumption_by_holder(meter, [Reading(day(40), Fraction(1))], [day(0), day(30)], ())
    assert period.quantity == 0 and not period.is_estimated


def test_common_consumption_is_main_minus_sub_meters() -> None:
    assert common_consumption(Fraction(1_000), [Fraction(300), Fraction("450.5")]) == Fraction("249.5")
    assert common_consumption(Fraction(100), [Fraction(120)]) == -20


@given(
    steps=st.lists(st.tuples(st.integers(1, 40), st.integers(0, 500)), min_size=1, max_size=15),
    cuts=st.lists(st.integers(0, 600), min_size=1, max_size=6),
)
def test_periods_add_up_to_the_whole_span(steps: list[tuple[int, int]], cuts: list[int]) -> None:
    meter = Meter("m", installed_at=T0)
    readings, at, value = [Reading(T0, Fraction(0))], 0, 0
    for gap, used in steps:
        at, value = at + gap, value + used
        readings.append(Reading(day(at), Fraction(value)))
    boundaries = [day(0), *sorted(day(c) for c in set(cuts) if 0 < c < at), day(at)]
    [periods] = consumption_by_holder(meter, readings, boundaries, ())
    assert sum(p.quantity for p in periods) == value
    assert not any(p.is_estimated for p in periods)
