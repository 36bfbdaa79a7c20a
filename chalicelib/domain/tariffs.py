"""Tariffs: turn what a meter measured into the lines of a bill, for recurring bills priced by the group itself.

A tariff has a price per unit for each meter kind, optionally in tiered blocks ("the first 100 kWh at 0.30, the rest
at 0.25"), a standing charge per period and a tax rate. Each resulting line carries its tax (gross amount), so tax is
split by the same rule as the charge it is levied on. Amounts are rounded once per line, half up (commercial
rounding, as utilities print them), from the exact product of units and prices.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from fractions import Fraction

from chalicelib.domain.allocation import ByConsumption, Equal, Line, Part
from chalicelib.domain.errors import ValidationFailed


@dataclass(frozen=True)
class Block:
    """``price`` in minor units per unit for consumption up to ``up_to`` units in total (``None``: no limit)."""

    price: Fraction
    up_to: Fraction | None = None


@dataclass(frozen=True)
class Tariff:
    prices: Mapping[str, tuple[Block, ...]]
    standing_charge: int = 0
    tax_rate: Fraction = Fraction(0)


def round_half_up(value: Fraction) -> int:
    """Nearest integer, halves away from zero for the non-negative amounts a bill has."""
    return math.floor(value + Fraction(1, 2))


def block_cost(blocks: tuple[Block, ...], units: Fraction, *, field: str) -> Fraction:
    """Exact cost of ``units`` through tiered ``blocks`` (each block's ``up_to`` is a running total)."""
    cost, priced = Fraction(0), Fraction(0)
    for block in blocks:
        ceiling = units if block.up_to is None else min(units, block.up_to)
        if ceiling < priced:
            raise ValidationFailed("block limits must increase", field=field)
        cost += (ceiling - priced) * block.price
        priced = ceiling
    if priced < units:
        raise ValidationFailed("the last block must have no upper limit", field=field)
    return cost


def tariff_lines(tariff: Tariff, consumption: Mapping[str, Fraction]) -> tuple[Line, ...]:
    """Bill lines for the group's total ``consumption`` by meter kind: one per meter kind, plus the standing charge."""
    gross = 1 + tariff.tax_rate
    lines = []
    for meter, units in sorted(consumption.items()):
        blocks = tariff.prices.get(meter)
        if blocks is None:
            raise ValidationFailed(f"the tariff has no price for {meter!r}", field=f"consumption.{meter}")
        amount = round_half_up(block_cost(blocks, units, field=f"prices.{meter}") * gross)
        lines.append(Line(name=meter, amount=amount, parts=(Part(ByConsumption(meter=meter)),)))
    if tariff.standing_charge:
        amount = round_half_up(tariff.standing_charge * gross)
        lines.append(Line(name="standing charge", amount=amount, parts=(Part(Equal()),)))
    return tuple(lines)
