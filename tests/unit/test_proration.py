"""Proration by presence: inclusive periods, days or degree days, person-days x weight."""

from __future__ import annotations

from datetime import date, timedelta
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chalicelib.domain.allocation import Bill, ByConsumption, ByWeight, Equal, Line, Part, Participant, allocate_bill
from chalicelib.domain.errors import ValidationFailed
from chalicelib.domain.proration import DEGREE_DAY_PER_MILLE, Proration, Span, degree_days, presence

YEAR = Span(date(2026, 1, 1), date(2026, 12, 31))
LINES = (
    Line("rent share", 123_457, (Part(Equal(), Fraction(1, 3)), Part(ByWeight("area"), Fraction(2, 3)))),
    Line("heating", 98_765, (Part(ByConsumption("heat"), Fraction(7, 10)), Part(ByWeight("area"), Fraction(3, 10)))),
)


def _people(stays: tuple[Span, ...] | None) -> tuple[Participant, ...]:
    return (
        Participant("a", {"heat": Fraction(100)}, {"area": Fraction(50)}, stays),
        Participant("b", {"heat": Fraction(300)}, {"area": Fraction(70)}),
        Participant("c", {"heat": Fraction(50)}, {"area": Fraction(33)}),
    )


def _shares(
    people: tuple[Participant, ...], period: Span | None, proration: Proration = Proration.DAYS
) -> list[tuple[int, ...]]:
    return [line.shares for line in allocate_bill(Bill(LINES, people, period, proration)).lines]


def test_period_end_is_inclusive() -> None:
    assert YEAR.days == 365
    assert Span(date(2024, 2, 1), date(2024, 2, 29)).days == 29


def test_degree_day_table_adds_up_to_one_thousand_per_mille() -> None:
    assert sum(DEGREE_DAY_PER_MILLE.values()) == 1000
    assert degree_days(YEAR) == 1000
    assert degree_days(Span(date(2026, 6, 1), date(2026, 8, 31))) == 40


def test_degree_days_spread_a_month_evenly_over_its_days() -> None:
    assert degree_days(Span(date(2023, 3, 1), date(2023, 3, 14))) == Fraction(130 * 14, 31)
    assert degree_days(Span(date(2024, 2, 1), date(2024, 2, 1))) == Fraction(150, 29)


@pytest.mark.parametrize("proration", list(Proration))
def test_presence_for_the_full_period_equals_no_proration(proration: Proration) -> None:
    without_period = _shares(_people(None), None)
    assert _shares(_people(None), YEAR, proration) == without_period
    assert _shares(_people((YEAR,)), YEAR, proration) == without_period


@settings(max_examples=300, deadline=None)
@given(
    start=st.integers(0, 364),
    length=st.integers(1, 365),
    cut=st.integers(0, 364),
    proration=st.sampled_from(list(Proration)),
)
def test_splitting_a_stay_in_two_changes_nothing(start: int, length: int, cut: int, proration: Proration) -> None:
    first = YEAR.start + timedelta(days=start)
    last = min(first + timedelta(days=length - 1), YEAR.end)
    middle = first + timedelta(days=cut % ((last - first).days + 1))
    whole = (Span(first, last),)
    halves = (Span(first, middle), Span(middle + timedelta(days=1), last)) if middle < last else whole
    assert presence(halves, proration) == presence(whole, proration)
    assert _shares(_people(halves), YEAR, proration) == _shares(_people(whole), YEAR, proration)


def test_weights_are_prorated_as_person_days_times_weight() -> None:
    half_year = (Span(date(2026, 1, 1), date(2026, 7, 1)),)  # 182 days
    people = (
        Participant("a", weights={"area": Fraction(2)}, stays=half_year),
        Participant("b", weights={"area": Fraction(1)}),
    )
    result = allocate_bill(Bill((Line("x", 547_000, (Part(ByWeight("area")),)),), people, YEAR))
    # a: 2 x 182 = 364, b: 1 x 365 = 365 -> 547000 x 364/729 and x 365/729
    assert result.lines[0].shares == (273_125, 273_875)


def test_present_zero_days_owes_nothing_of_prorated_parts_but_pays_own_consumption() -> None:
    people = _people(())
    result = allocate_bill(Bill(LINES, people, YEAR))
    assert result.lines[0].shares[0] == 0
    assert result.lines[1].exact_share(0) == Fraction(98_765 * 7, 10) * 100 / 450


def test_nobody_present_is_refused() -> None:
    people = (Participant("a", stays=()),)
    with pytest.raises(ValidationFailed, match="nobody was present") as error:
        allocate_bill(Bill((Line("x", 100, (Part(Equal()),)),), people, YEAR))
    assert error.value.field == "participants"


@pytest.mark.parametrize(
    ("stays", "field"),
    [
        ((Span(date(2025, 12, 31), date(2026, 1, 5)),), "participants[0].present[0]"),
        (
            (Span(date(2026, 1, 1), date(2026, 3, 1)), Span(date(2026, 3, 1), date(2026, 4, 1))),
            "participants[0].present[1]",
        ),
        ((Span(date(2026, 3, 2), date(2026, 3, 1)),), "participants[0].present[0].to"),
    ],
)
def test_stays_outside_the_period_overlapping_or_reversed_are_refused(stays: tuple[Span, ...], field: str) -> None:
    people = (Participant("a", stays=stays, field="participants[0]"),)
    with pytest.raises(ValidationFailed) as error:
        allocate_bill(Bill((Line("x", 100, (Part(Equal()),)),), people, YEAR))
    assert error.value.field == field


def test_stays_without_a_bill_period_are_refused() -> None:
    people = (Participant("a", stays=(YEAR,), field="participants[0]"),)
    with pytest.raises(ValidationFailed) as error:
        allocate_bill(Bill((Line("x", 100, (Part(Equal()),)),), people))
    assert error.value.field == "participants[0].present"
