"""Tariffs turn consumption into bill lines, rounded once per line, half up."""

from __future__ import annotations

from fractions import Fraction

import pytest

from chalicelib.domain.allocation import ByConsumption, Equal
from chalicelib.domain.errors import ValidationFailed
from chalicelib.domain.tariffs import Block, Tariff, round_half_up, tariff_lines

# Minor units per kWh: 30.00 ct for the first 100 kWh, 25.125 ct beyond.
POWER = (Block(Fraction(30), Fraction(100)), Block(Fraction(25125, 1000)))


def test_tiered_blocks_price_each_band_and_tax_is_added_per_line() -> None:
    tariff = Tariff({"power": POWER}, standing_charge=1000, tax_rate=Fraction(19, 100))
    power, standing = tariff_lines(tariff, {"power": Fraction(150)})
    # (100 x 30 + 50 x 25.125) x 1.19 = 4256.25 x 1.19 = 5064.9375 -> 5065
    assert (power.name, power.amount, power.parts[0].rule) == ("power", 5065, ByConsumption("power"))
    assert (standing.name, standing.amount, standing.parts[0].rule) == ("standing charge", 1190, Equal())


def test_round_half_up_rounds_halves_up() -> None:
    assert [round_half_up(Fraction(n, 2)) for n in (1, 3, 5)] == [1, 2, 3]


def test_tariff_without_price_for_a_meter_or_open_last_block_is_refused() -> None:
    with pytest.raises(ValidationFailed) as error:
        tariff_lines(Tariff({"power": POWER}), {"gas": Fraction(1)})
    assert error.value.field == "consumption.gas"
    with pytest.raises(ValidationFailed, match="last block"):
        tariff_lines(Tariff({"power": (Block(Fraction(30), Fraction(100)),)}), {"power": Fraction(101)})
