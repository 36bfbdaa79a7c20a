"""Allocation engine: exactness properties of the core and of whole bills, and one spec per rule."""

from __future__ import annotations

import random
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chalicelib.domain.allocation import (
    Bill,
    BillAllocation,
    ByConsumption,
    ByWeight,
    Equal,
    Line,
    Part,
    Participant,
    Unmetered,
    allocate,
    allocate_bill,
)
from chalicelib.domain.errors import ValidationFailed

ids = st.text(alphabet="abcdefghij", min_size=1, max_size=4)
weights = st.dictionaries(
    ids, st.fractions(min_value=0, max_value=10**6, max_denominator=1000), min_size=1, max_size=30
).filter(lambda w: sum(w.values()) > 0)


@settings(max_examples=1500)
@given(amount=st.integers(min_value=0, max_value=10**15), weights=weights)
def test_allocate_shares_add_up_nonnegative_and_within_one_unit(amount: int, weights: dict[str, Fraction]) -> None:
    shares = allocate(amount, weights)
    total_weight = sum(weights.values())
    assert sum(shares.values()) == amount
    for person, share in shares.items():
        exact = amount * weights[person] / total_weight
        assert share >= 0
        assert abs(share - exact) < 1


@settings(max_examples=500)
@given(amount=st.integers(min_value=0, max_value=10**9), weights=weights, seed=st.integers())
def test_allocate_does_not_depend_on_input_order(amount: int, weights: dict[str, Fraction], seed: int) -> None:
    items = list(weights.items())
    random.Random(seed).shuffle(items)
    assert allocate(amount, dict(items)) == allocate(amount, weights)


def test_allocate_gives_leftover_units_to_larger_remainders_first() -> None:
    # 100 by 1:2 -> 33.33 and 66.67: the larger remainder (.67) gets the unit.
    assert allocate(100, {"a": 1, "b": 2}) == {"a": 33, "b": 67}


def test_allocate_breaks_equal_remainders_by_id_ascending() -> None:
    assert allocate(100, {"c": 1, "b": 1, "a": 1}) == {"a": 34, "b": 33, "c": 33}
    assert allocate(2, {"z": 1, "y": 1, "x": 1}) == {"x": 1, "y": 1, "z": 0}


@pytest.mark.parametrize("weights", [{"a": 0, "b": 0}, {}, {"a": 1, "b": -1}])
def test_allocate_refuses_weights_without_a_positive_sum(weights: dict[str, int]) -> None:
    with pytest.raises(ValidationFailed):
        allocate(10, weights)


def _person(pid: str, heat: int = 0, area: int = 0, occupants: int = 1) -> Participant:
    return Participant(
        pid, consumption={"heat": Fraction(heat)}, weights={"area": Fraction(area), "occupants": Fraction(occupants)}
    )


def _one_line(
    rule: Equal | ByWeight | ByConsumption, amount: int, people: tuple[Participant, ...], *, fixed_charges: int = 0
) -> dict[str, int]:
    line = Line("bill", amount, (Part(rule),), fixed_charges=fixed_charges)
    result = allocate_bill(Bill(lines=(line,), participants=people))
    return {p.id: result.share(i) for i, p in enumerate(result.participants)}


PEOPLE = (
    _person("ann", heat=500, area=60, occupants=2),
    _person("bob", heat=300, area=40, occupants=1),
    _person("cy", heat=200, area=100, occupants=1),
)


def test_equal_splits_the_same_and_gives_the_odd_unit_to_the_first_id() -> None:
    assert _one_line(Equal(), 10_000, PEOPLE) == {"ann": 3334, "bob": 3333, "cy": 3333}


def test_weights_split_by_the_named_participant_weight() -> None:
    assert _one_line(ByWeight("area"), 10_000, PEOPLE) == {"ann": 3000, "bob": 2000, "cy": 5000}
    assert _one_line(ByWeight("occupants"), 10_000, PEOPLE) == {"ann": 5000, "bob": 2500, "cy": 2500}


def test_consumption_splits_by_meter_units() -> None:
    assert _one_line(ByConsumption("heat"), 10_000, PEOPLE) == {"ann": 5000, "bob": 3000, "cy": 2000}


def test_blend_rounds_each_line_once_from_the_exact_sum_of_its_parts() -> None:
    line = Line(
        "heat", 1_000_000, (Part(ByConsumption("heat"), Fraction(7, 10)), Part(ByWeight("area"), Fraction(3, 10)))
    )
    result = allocate_bill(Bill((line,), PEOPLE))
    # ann: 7000 x 500/1000 + 3000 x 60/200 = 3500 + 900; bob 2100 + 600; cy 1400 + 1500 (in EUR, x100 minor)
    assert result.lines[0].shares == (440_000, 270_000, 290_000)


def test_fixed_charges_are_split_equally_before_the_rule() -> None:
    shares = _one_line(ByConsumption("heat"), 10_000, PEOPLE, fixed_charges=1_200)
    assert shares == {"ann": 400 + 4400, "bob": 400 + 2640, "cy": 400 + 1760}


def test_common_deduction_is_left_to_the_owner_and_reported_as_unallocated() -> None:
    line = Line("water", 10_000, (Part(ByWeight("area")),), common_deduction=Fraction(1, 10))
    result = allocate_bill(Bill((line,), PEOPLE))
    assert result.lines[0].shares == (2700, 1800, 4500)
    assert (result.total, result.allocated, result.lines[0].unallocated) == (10_000, 9_000, 1_000)


def _main_meter(policy: Unmetered, main: int, allow: bool = False) -> BillAllocation:
    rule = ByConsumption("heat", main_meter=Fraction(main), unmetered=policy, allow_negative_loss=allow)
    return allocate_bill(Bill((Line("power", 120_000, (Part(rule),)),), PEOPLE))


def test_main_meter_owner_policy_prices_units_against_the_main_meter() -> None:
    result = _main_meter(Unmetered.OWNER, 1200)  # 100.00 per unit; 200 unmetered units stay with the owner
    assert result.lines[0].shares == (50_000, 30_000, 20_000)
    assert result.allocated == 100_000


def test_main_meter_pro_rata_policy_spreads_the_remainder_by_consumption() -> None:
    assert _main_meter(Unmetered.PRO_RATA, 1200).lines[0].shares == (60_000, 36_000, 24_000)


def test_main_meter_equal_policy_splits_the_remainder_equally() -> None:
    shares = _main_meter(Unmetered.EQUAL, 1200).lines[0].shares
    assert shares == (50_000 + 6667, 30_000 + 6667, 20_000 + 6666)


def test_sub_meters_above_the_main_meter_are_refused_unless_negative_loss_allowed() -> None:
    with pytest.raises(ValidationFailed, match="allow_negative_loss") as error:
        _main_meter(Unmetered.OWNER, 800)
    assert error.value.field == "main_meter"
    assert _main_meter(Unmetered.OWNER, 800, allow=True).lines[0].shares == (60_000, 36_000, 24_000)


def test_zero_total_consumption_is_refused_with_the_rule_field() -> None:
    people = (_person("a"), _person("b"))
    with pytest.raises(ValidationFailed, match="consumption is zero") as error:
        allocate_bill(
            Bill((Line("x", 100, (Part(ByConsumption("heat"), field="lines[2]"),), field="lines[2]"),), people)
        )
    assert error.value.field == "lines[2].meter"


def test_missing_weight_is_refused_with_the_participant_path() -> None:
    people = (_person("a", area=1), Participant("b", weights={}, field="participants[1]"))
    with pytest.raises(ValidationFailed) as error:
        allocate_bill(Bill((Line("x", 100, (Part(ByWeight("area")),)),), people))
    assert error.value.field == "participants[1].weights.area"


def test_duplicate_ids_and_empty_participants_are_refused() -> None:
    line = Line("x", 100, (Part(Equal()),))
    with pytest.raises(ValidationFailed) as error:
        allocate_bill(Bill((line,), (Participant("a"), Participant("a", field="participants[1]"))))
    assert error.value.field == "participants[1].id"
    with pytest.raises(ValidationFailed) as error:
        allocate_bill(Bill((line,), ()))
    assert error.value.field == "participants"


def test_blend_fractions_must_add_up_to_exactly_one() -> None:
    parts = (Part(Equal(), Fraction(7, 10)), Part(ByWeight("area"), Fraction(1, 5)))
    with pytest.raises(ValidationFailed) as error:
        allocate_bill(Bill((Line("x", 100, parts, field="lines[0]"),), PEOPLE))
    assert error.value.field == "lines[0].parts"


def test_consumption_rule_without_meter_is_refused_when_participants_have_several() -> None:
    people = (Participant("a", consumption={"heat": Fraction(1), "water": Fraction(2)}),)
    with pytest.raises(ValidationFailed, match="heat, water") as error:
        allocate_bill(Bill((Line("x", 100, (Part(ByConsumption(), field="lines[0]"),)),), people))
    assert error.value.field == "lines[0].meter"


# --- whole bills, random -----------------------------------------------------------------------------------------

participant_lists = st.lists(
    st.tuples(st.integers(0, 5000), st.integers(1, 300), st.integers(0, 6)), min_size=1, max_size=12
).map(lambda rows: tuple(_person(f"p{index:02d}", heat=h, area=a, occupants=o) for index, (h, a, o) in enumerate(rows)))
rules: st.SearchStrategy[Equal | ByWeight | ByConsumption] = st.sampled_from(
    [Equal(), ByWeight("area"), ByConsumption("heat")]
)


@st.composite
def lines(draw: st.DrawFn) -> Line:
    amount = draw(st.integers(0, 10**9))
    count = draw(st.integers(1, 3))
    chosen = draw(st.lists(rules, min_size=count, max_size=count, unique=True))
    cuts = sorted(draw(st.lists(st.fractions(0, 1, max_denominator=100), min_size=count - 1, max_size=count - 1)))
    bounds = [Fraction(0), *cuts, Fraction(1)]
    parts = tuple(Part(rule, bounds[i + 1] - bounds[i]) for i, rule in enumerate(chosen))
    fixed = draw(st.integers(0, amount))
    deduction = draw(st.sampled_from([Fraction(0), Fraction(1, 10), Fraction(1, 3)]))
    return Line(
        "line",
        amount,
        parts,
        fixed_charges=min(fixed, amount - amount // 3 - 1) if amount > 3 else 0,
        common_deduction=deduction,
    )


def _reference_exact(line: Line, people: tuple[Participant, ...]) -> list[Fraction]:
    """Straight from the rules with Fractions: deduction, then fixed charges equally, then each part by its basis."""
    variable = line.amount * (1 - line.common_deduction) - line.fixed_charges
    exact = [Fraction(line.fixed_charges, len(people))] * len(people)
    for part in line.parts:
        match part.rule:
            case Equal():
                basis = [Fraction(1)] * len(people)
            case ByWeight(key=key):
                basis = [p.weights[key] for p in people]
            case ByConsumption(meter=meter):
                basis = [p.consumption[meter or "heat"] for p in people]
        exact = [e + variable * part.fraction * b / sum(basis) for e, b in zip(exact, basis, strict=True)]
    return exact


@settings(max_examples=400, deadline=None)
@given(
    people=participant_lists.filter(lambda ps: sum(p.consumption["heat"] for p in ps) > 0),
    bill_lines=st.lists(lines(), min_size=1, max_size=4),
    seed=st.integers(),
)
def test_every_line_and_the_bill_add_up_each_share_within_one_unit(
    people: tuple[Participant, ...], bill_lines: list[Line], seed: int
) -> None:
    result = allocate_bill(Bill(tuple(bill_lines), people))
    ordered = result.participants
    for allocation in result.lines:
        assert sum(allocation.shares) + allocation.unallocated == allocation.line.amount
        reference = _reference_exact(allocation.line, ordered)
        for index, share in enumerate(allocation.shares):
            assert share >= 0
            assert allocation.exact_share(index) == reference[index]
            assert abs(share - reference[index]) < 1
    assert sum(result.share(i) for i in range(len(ordered))) == result.allocated
    shuffled = list(people)
    random.Random(seed).shuffle(shuffled)
    again = allocate_bill(Bill(tuple(bill_lines), tuple(shuffled)))
    by_id = [dict(zip((p.id for p in result.participants), line.shares, strict=True)) for line in result.lines]
    again_by_id = [dict(zip((p.id for p in again.participants), line.shares, strict=True)) for line in again.lines]
    assert again_by_id == by_id  # every participant's share of every line, whatever order they were listed in
