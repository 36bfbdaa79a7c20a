"""Worked examples from published statements and rules, reproduced to the cent."""

from __future__ import annotations

from datetime import date
from fractions import Fraction

from chalicelib.domain.allocation import (
    Bill,
    ByConsumption,
    ByWeight,
    Line,
    Part,
    Participant,
    Unmetered,
    allocate_bill,
)
from chalicelib.domain.proration import Proration, Span

YEAR_2023 = Span(date(2023, 1, 1), date(2023, 12, 31))
OLD_TENANT = (Span(date(2023, 1, 1), date(2023, 3, 14)),)
NEW_TENANT = (Span(date(2023, 3, 15), date(2023, 12, 31)),)


def _shares(bill: Bill) -> dict[str, int]:
    result = allocate_bill(bill)
    return {p.id: result.share(i) for i, p in enumerate(result.participants)}


def _flat(
    pid: str, area: int, *, heat: int = 0, occupants: int = 1, stays: tuple[Span, ...] | None = None
) -> Participant:
    weights = {"area": Fraction(area), "occupants": Fraction(occupants), "sqft": Fraction(area)}
    return Participant(pid, consumption={"heat": Fraction(heat)}, weights=weights, stays=stays)


def test_rubs_occupant_split_of_equal_units_matches_published_example() -> None:
    """realpmsolutions.helpscoutdocs.com "RUBS": two 1000 sqft units, 1 and 3 tenants, $100 bill -> $25 and $75."""
    people = (_flat("unit1", 1000, occupants=1), _flat("unit2", 1000, occupants=3))
    assert _shares(Bill((Line("water", 10_000, (Part(ByWeight("occupants")),)),), people)) == {
        "unit1": 2500,
        "unit2": 7500,
    }


def test_rubs_fifty_fifty_with_common_area_deduction_matches_published_square_footage_part() -> None:
    """vitality.io "RUBs calculations", option 1: the bill less a common-area deduction, half by square footage and
    half by occupants. Their unit A: 750 of 100,000 sqft, $1,800 water allocated, so the sqft half is $900 x .0075 =
    $6.75. With a $2,000 bill and a 10 % deduction, and plain occupant counts (3 of 200) for the other half: $13.50."""
    people = (_flat("unit A", 750, occupants=3), _flat("rest of property", 99_250, occupants=197))
    parts = (Part(ByWeight("sqft"), Fraction(1, 2)), Part(ByWeight("occupants"), Fraction(1, 2)))
    result = allocate_bill(Bill((Line("water", 200_000, parts, common_deduction=Fraction(1, 10)),), people))
    unit_a = [p.id for p in result.participants].index("unit A")
    assert [round(pool.exact_share(unit_a)) for pool in result.lines[0].pools] == [675, 1350]
    assert result.share(unit_a) == 2025
    assert (result.total, result.allocated) == (200_000, 180_000)


def test_heizkosten_70_30_consumption_and_area_per_heizkostenv_section_7() -> None:
    """§ 7 HeizkostenV: 70 % by consumption units (price per unit = consumption costs / all units), 30 % by living
    area (price per m² = base costs / all m²). EUR 10,000; units 1200/2000/800 of 4000; 60/80/100 of 240 m²:
    1.75 EUR per unit and 12.50 EUR per m²."""
    people = (_flat("EG", 60, heat=1200), _flat("OG1", 80, heat=2000), _flat("OG2", 100, heat=800))
    parts = (Part(ByConsumption("heat"), Fraction(7, 10)), Part(ByWeight("area"), Fraction(3, 10)))
    assert _shares(Bill((Line("heating", 1_000_000, parts),), people)) == {
        "EG": 210_000 + 75_000,
        "OG1": 350_000 + 100_000,
        "OG2": 140_000 + 125_000,
    }


def test_heizkosten_base_costs_with_tenant_change_by_degree_days_match_published_statement() -> None:
    """hilfe.immobilien.software "Hausverwaltung" help, Gradtagszahlen example: base costs EUR 620.59 over 200 m²,
    the 60 m² flat changes tenant on 15 March 2023. Published: previous tenant EUR 70.51, next tenant EUR 115.67."""
    people = (
        _flat("other flats", 140),
        _flat("previous tenant", 60, stays=OLD_TENANT),
        _flat("next tenant", 60, stays=NEW_TENANT),
    )
    line = Line("base costs", 62_059, (Part(ByWeight("area")),), proration=Proration.DEGREE_DAYS)
    shares = _shares(Bill((line,), people, period=YEAR_2023))
    assert (shares["previous tenant"], shares["next tenant"]) == (7051, 11567)
    assert sum(shares.values()) == 62_059


def test_heizkosten_50_50_with_tenant_change_uses_meter_readings_and_degree_days() -> None:
    """§ 9b HeizkostenV: at a tenant change the consumption part follows the intermediate reading, the base part is
    prorated with the degree-day table. EUR 5,000, half by units (300 + 500 for the flat's two tenants, 1200 for the
    other flat: 1.25 EUR/unit), half by area (60 + 140 m²). Previous tenant 375.00 + 284.032..., next tenant
    625.00 + 465.967..., other flat 1500.00 + 1750.00; the odd cent goes to the larger remainder (.967)."""
    people = (
        _flat("other flat", 140, heat=1200),
        _flat("previous tenant", 60, heat=300, stays=OLD_TENANT),
        _flat("next tenant", 60, heat=500, stays=NEW_TENANT),
    )
    parts = (Part(ByConsumption("heat"), Fraction(1, 2)), Part(ByWeight("area"), Fraction(1, 2)))
    line = Line("heating", 500_000, parts, proration=Proration.DEGREE_DAYS)
    assert _shares(Bill((line,), people, period=YEAR_2023)) == {
        "other flat": 325_000,
        "previous tenant": 65_903,
        "next tenant": 109_097,
    }


def test_main_meter_statement_prices_sub_meters_at_the_average_cost_per_unit() -> None:
    """Texas-style submetering clause (lawinsider.com "Charges and Calculations"): total charges / consumption
    measured by the master meter = average cost per unit, x the tenant's consumption. USD 412.50 for 55,000 gallons is
    0.0075 per gallon; sub-meters 12,000 / 18,500 / 20,000 -> 90.00 / 138.75 / 150.00 and the 4,500 unmetered gallons
    (33.75) stay with the owner, or are split equally (11.25 each)."""
    people = (_flat("apt1", 1, heat=12_000), _flat("apt2", 1, heat=18_500), _flat("apt3", 1, heat=20_000))

    def statement(policy: Unmetered) -> dict[str, int]:
        rule = ByConsumption("heat", main_meter=Fraction(55_000), unmetered=policy)
        return _shares(Bill((Line("water", 41_250, (Part(rule),)),), people))

    assert statement(Unmetered.OWNER) == {"apt1": 9000, "apt2": 13_875, "apt3": 15_000}
    assert statement(Unmetered.EQUAL) == {"apt1": 10_125, "apt2": 15_000, "apt3": 16_125}
