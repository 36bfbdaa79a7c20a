"""Exact allocation of a bill over the people who share it, in integer minor units.

The core is the largest-remainder method on exact rationals: every participant first gets the floor of their exact
share, then the few units still missing go one each to the largest remainders. Ties between equal remainders go to
the participant id that sorts first (Python string order), so the result never depends on the order of the input.
Shares therefore add up exactly to the amount, and each is within one minor unit of its exact value.

A bill is a list of lines ("heating", "hot water", ...). Each line has its own rule, made of parts that each carry a
fraction of the line (a blend, e.g. 70 % by heat consumption and 30 % by area); a plain rule is one part of fraction 1.
A line may first take a common deduction (a fraction the owner absorbs) and fixed charges (split equally), and a
consumption part may read a main meter whose unmetered remainder goes to the owner, pro rata or equally. Each line is
rounded once, from the exact sum of all its parts, so every line adds up on its own and so does the whole bill.

Arithmetic is integer only: weights are scaled to integers per basis, every pool's price per weight unit is brought to
one common denominator per line, and the exact share of a participant is one integer numerator over it.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from fractions import Fraction
from functools import cached_property
from types import MappingProxyType

from chalicelib.domain.errors import ValidationFailed
from chalicelib.domain.proration import Proration, Span, presence, validate_span, validate_stays

#: The meter key of a consumption given as one plain decimal string instead of an object keyed by meter kind.
SINGLE_METER = ""
_NO_QUANTITIES: Mapping[str, Fraction] = MappingProxyType({})


def round_exact(
    numerators: Sequence[int], denominator: int, total: int, tie_keys: Sequence[str] | None = None
) -> list[int]:
    """Round the exact values ``numerators[i] / denominator``, which add up to ``total``, to integers adding up to it.

    Everyone gets the floor; the units still missing go to the largest remainders. Equal remainders go to the smaller
    ``tie_keys[i]``; entries beyond the keys (the owner's remainder) rank after every keyed one; without keys, the
    lower index wins. Only the tied entries are ever sorted by key.
    """
    if sum(numerators) != total * denominator:
        raise ValueError("the exact values do not add up to the total")
    shares = [value // denominator for value in numerators]
    missing = total - sum(shares)
    if missing:
        remainders = [value % denominator for value in numerators]
        threshold = sorted(remainders, reverse=True)[missing - 1]
        shares = [share + (remainder > threshold) for share, remainder in zip(shares, remainders, strict=True)]
        missing = total - sum(shares)
        tied = [index for index, remainder in enumerate(remainders) if remainder == threshold]
        if tie_keys is not None:
            keyed = len(tie_keys)
            tied.sort(key=lambda index: (0, tie_keys[index]) if index < keyed else (1, ""))
        for index in tied[:missing]:
            shares[index] += 1
    return shares


class Unmetered(StrEnum):
    """Who pays what a main meter measured beyond the sum of the sub-meters (losses, common use)."""

    OWNER = "owner"
    PRO_RATA = "pro_rata"
    EQUAL = "equal"


@dataclass(frozen=True)
class Equal:
    """Everyone the same, prorated by presence when the bill has a period."""


@dataclass(frozen=True)
class ByWeight:
    """In proportion to a named participant weight (area, occupants, ...), times presence when prorated."""

    key: str


@dataclass(frozen=True)
class ByConsumption:
    """In proportion to what the participant's meter measured; optionally priced against a main meter."""

    meter: str | None = None
    main_meter: Fraction | None = None
    unmetered: Unmetered = Unmetered.OWNER
    allow_negative_loss: bool = False


Rule = Equal | ByWeight | ByConsumption


def at(prefix: str, name: str) -> str:
    """The request path of ``name`` under ``prefix`` ("" for the top level)."""
    return f"{prefix}.{name}" if prefix else name


@dataclass(frozen=True)
class Part:
    """A fraction of a line allocated by one rule; ``field`` is its request path for error messages."""

    rule: Rule
    fraction: Fraction = Fraction(1)
    field: str = ""


@dataclass(frozen=True)
class Line:
    """One line of a bill. ``amount`` and ``fixed_charges`` are minor units; ``proration`` None means the bill's."""

    name: str
    amount: int
    parts: tuple[Part, ...]
    fixed_charges: int = 0
    common_deduction: Fraction = Fraction(0)
    proration: Proration | None = None
    field: str = ""


@dataclass(frozen=True)
class Participant:
    """Someone who shares the bill. ``stays`` None means present for the whole period."""

    id: str
    consumption: Mapping[str, Fraction] = field(default_factory=lambda: _NO_QUANTITIES)
    weights: Mapping[str, Fraction] = field(default_factory=lambda: _NO_QUANTITIES)
    stays: tuple[Span, ...] | None = None
    field: str = ""


@dataclass(frozen=True)
class Bill:
    lines: tuple[Line, ...]
    participants: tuple[Participant, ...]
    period: Span | None = None
    proration: Proration = Proration.DAYS


@dataclass(frozen=True, eq=False)
class Basis:
    """What a pool is divided by, per participant in the bill's order.

    ``quantities`` are the inputs (1, a weight, meter units), ``presence`` the days or degree days when prorated;
    ``weights`` are ``quantity x presence`` scaled to integers by ``scale``.
    """

    quantities: tuple[Fraction, ...]
    presence: tuple[Fraction, ...] | None
    weights: list[int]
    scale: int

    @cached_property
    def total(self) -> int:
        return sum(self.weights)

    def total_quantity(self) -> Fraction:
        """Sum of ``quantity x presence``, in input units (m² x days, kWh, ...)."""
        return Fraction(self.total, self.scale)


@dataclass(frozen=True)
class Pool:
    """An exact amount (minor units) of a line split over one basis."""

    label: str
    part: Part | None
    amount: Fraction
    basis: Basis

    def rate(self) -> Fraction:
        """Minor units per unit of ``quantity x presence``."""
        return self.amount / self.basis.total_quantity()

    def exact_share(self, index: int) -> Fraction:
        return self.amount * self.basis.weights[index] / self.basis.total


@dataclass(frozen=True)
class LineAllocation:
    """A line's rounded shares, in the bill's participant order, and the exact values behind them."""

    line: Line
    pools: tuple[Pool, ...]
    shares: tuple[int, ...]
    numerators: tuple[int, ...]
    denominator: int
    unallocated: int

    def exact_share(self, index: int) -> Fraction:
        return Fraction(self.numerators[index], self.denominator)

    def rounding(self, index: int) -> int:
        """Minor units added to the floor of the exact share by the largest-remainder step (0 or 1)."""
        return self.shares[index] - self.numerators[index] // self.denominator


@dataclass(frozen=True)
class BillAllocation:
    participants: tuple[Participant, ...]
    lines: tuple[LineAllocation, ...]

    @property
    def total(self) -> int:
        return sum(line.line.amount for line in self.lines)

    @property
    def allocated(self) -> int:
        return self.total - sum(line.unallocated for line in self.lines)

    def share(self, index: int) -> int:
        return sum(line.shares[index] for line in self.lines)


def allocate_bill(bill: Bill) -> BillAllocation:
    """Allocate every line of ``bill``; raises ``ValidationFailed`` naming the request field at fault."""
    participants, ids = _checked_participants(bill)
    bases = _Bases(participants, bill.period)
    # Participants stay in the order given (walking a million objects in sorted-id order costs cache misses); the id
    # decides only ties, so the shares do not depend on that order. The owner's remainder ranks after everyone.
    return BillAllocation(
        participants=participants,
        lines=tuple(
            _allocate_line(line, bases, line.proration or bill.proration, ids) for line in bill.lines
        ),
    )


def allocate(amount: int, weights: Mapping[str, Fraction | int]) -> dict[str, int]:
    """Split ``amount`` over participant ids by exact weights: a one-line bill with a weights rule, through
    ``allocate_bill`` (the same rounding the routes use); equal remainders go to the id that sorts first."""
    people = tuple(Participant(pid, weights={"weight": Fraction(weight)}) for pid, weight in weights.items())
    result = allocate_bill(Bill((Line("amount", amount, (Part(ByWeight("weight")),)),), people))
    return {person.id: result.share(index) for index, person in enumerate(result.participants)}


def _checked_participants(bill: Bill) -> tuple[tuple[Participant, ...], list[str]]:
    """The participants, in the order given, and their ids (unique)."""
    if not bill.participants:
        raise ValidationFailed("a split needs at least one participant", field="participants")
    if bill.period is not None:
        validate_span(bill.period, field="period")
    ids = [participant.id for participant in bill.participants]
    if len(set(ids)) != len(ids):
        seen: set[str] = set()
        for participant in bill.participants:
            if participant.id in seen:
                raise ValidationFailed(f"{participant.id!r} appears twice", field=at(participant.field, "id"))
            seen.add(participant.id)
    for participant in bill.participants:
        if participant.stays is not None:
            if bill.period is None:
                raise ValidationFailed("stays need a bill period", field=at(participant.field, "present"))
            validate_stays(participant.stays, bill.period, field=at(participant.field, "present"))
    return bill.participants, ids


class _Bases:
    """Builds each basis a bill needs once, however many lines use it."""

    def __init__(self, participants: tuple[Participant, ...], period: Span | None) -> None:
        self._participants = participants
        self._period = period
        self._cache: dict[tuple[str, str, Proration | None], Basis] = {}

    def equal(self, proration: Proration) -> Basis:
        return self._cached(("equal", "", proration), lambda: [Fraction(1)] * len(self._participants), "participants")

    def weights(self, key: str, proration: Proration, field: str) -> Basis:
        def quantities() -> list[Fraction]:
            values = [p.weights.get(key) for p in self._participants]
            absent = next((index for index, value in enumerate(values) if value is None), None)
            if absent is not None:  # name the first participant without one (``is None``: no Fraction.__eq__)
                missing = self._participants[absent]
                self._quantity(missing, missing.weights, key, at(missing.field, f"weights.{key}"))
            return values  # type: ignore[return-value]  # no None left

        return self._cached(("weights", key, proration), quantities, at(field, "key"))

    def consumption(self, meter: str, field: str) -> Basis:
        def quantities() -> list[Fraction]:
            path = at("consumption", meter) if meter else "consumption"
            return [self._quantity(p, p.consumption, meter, at(p.field, path)) for p in self._participants]

        return self._cached(("consumption", meter, None), quantities, at(field, "meter"))

    def only_meter(self, field: str) -> str:
        """The one meter kind the participants report, for a consumption rule that does not name its meter."""
        kinds = sorted({kind for participant in self._participants for kind in participant.consumption})
        if len(kinds) > 1:
            raise ValidationFailed(f"name the meter: participants report {', '.join(kinds)}", field=at(field, "meter"))
        return kinds[0] if kinds else SINGLE_METER

    @staticmethod
    def _quantity(participant: Participant, values: Mapping[str, Fraction], key: str, path: str) -> Fraction:
        value = values.get(key)
        if value is None:
            raise ValidationFailed(f"{participant.id!r} has no value for this rule", field=path)
        return value

    def _cached(
        self, key: tuple[str, str, Proration | None], make: Callable[[], list[Fraction]], error_field: str
    ) -> Basis:
        basis = self._cache.get(key)
        if basis is None:
            kind, name, proration = key
            quantities = tuple(make())
            present = None if proration is None else self._presence(proration)
            values = quantities if present is None else tuple(map(Fraction.__mul__, quantities, present))
            scale = math.lcm(*{value.denominator for value in values})
            basis = Basis(quantities, present, [v.numerator * (scale // v.denominator) for v in values], scale)
            if not basis.total:
                raise ValidationFailed(_empty_basis_reason(kind, name, present), field=error_field)
            self._cache[key] = basis
        return basis

    def _presence(self, proration: Proration) -> tuple[Fraction, ...] | None:
        period = self._period
        if period is None:
            return None
        return tuple(presence(p.stays if p.stays is not None else (period,), proration) for p in self._participants)


def _empty_basis_reason(kind: str, name: str, present: tuple[Fraction, ...] | None) -> str:
    if kind == "consumption":
        return "total consumption is zero, so there is nothing to split by"
    if present is not None and not any(present):
        return "nobody was present during the period"
    return f"the weights {name!r} add up to zero" if name else "nothing to split by"


def _allocate_line(line: Line, bases: _Bases, proration: Proration, tie_keys: list[str]) -> LineAllocation:
    if sum(part.fraction for part in line.parts) != 1:
        raise ValidationFailed("the part fractions must add up to exactly 1", field=at(line.field, "parts"))
    if line.common_deduction >= 1:
        raise ValidationFailed("must be less than 1", field=at(line.field, "common_deduction"))
    unallocated = line.amount * line.common_deduction
    allocatable = line.amount - unallocated
    if line.fixed_charges > allocatable:
        raise ValidationFailed("fixed charges exceed what is left to allocate", field=at(line.field, "fixed_charges"))
    pools: list[Pool] = []
    if line.fixed_charges:
        pools.append(Pool("fixed_charges", None, Fraction(line.fixed_charges), bases.equal(proration)))
    for part in line.parts:
        part_pools, owner_part = _part_pools(part, (allocatable - line.fixed_charges) * part.fraction, bases, proration)
        pools.extend(part_pools)
        unallocated += owner_part
    labels = [pool.label for pool in pools]
    if len(set(labels)) != len(labels):
        raise ValidationFailed("two parts use the same rule; merge their fractions", field=at(line.field, "parts"))
    return _rounded_line(line, tuple(pools), unallocated, tie_keys)


def _part_pools(part: Part, amount: Fraction, bases: _Bases, proration: Proration) -> tuple[list[Pool], Fraction]:
    """The pools of one part, and the exact amount it leaves to the owner."""
    match part.rule:
        case Equal():
            return [Pool("equal", part, amount, bases.equal(proration))], Fraction(0)
        case ByWeight(key=key):
            return [Pool(f"weights:{key}", part, amount, bases.weights(key, proration, part.field))], Fraction(0)
        case ByConsumption() as rule:
            meter = rule.meter if rule.meter is not None else bases.only_meter(part.field)
            label = f"consumption:{meter}" if meter else "consumption"
            basis = bases.consumption(meter, part.field)
            if rule.main_meter is None:
                return [Pool(label, part, amount, basis)], Fraction(0)
            return _main_meter_pools(part, rule, rule.main_meter, label, amount, basis, bases, proration)


def _main_meter_pools(
    part: Part,
    rule: ByConsumption,
    main_meter: Fraction,
    label: str,
    amount: Fraction,
    basis: Basis,
    bases: _Bases,
    proration: Proration,
) -> tuple[list[Pool], Fraction]:
    """Price per unit is ``amount / main_meter``; the unmetered rest follows ``rule.unmetered``."""
    field = at(part.field, "main_meter")
    if main_meter <= 0:
        raise ValidationFailed("must be greater than zero", field=field)
    measured = basis.total_quantity()
    loss = main_meter - measured
    if loss < 0 and not rule.allow_negative_loss:
        raise ValidationFailed(
            f"the sub-meters add up to more than the main meter ({measured} > {main_meter}); "
            "set allow_negative_loss to spread the difference back pro rata",
            field=field,
        )
    pools = [Pool(label, part, amount * measured / main_meter, basis)]
    remainder = amount * loss / main_meter
    if loss == 0:
        return pools, Fraction(0)
    if rule.unmetered is Unmetered.OWNER and loss > 0:
        return pools, remainder
    target = bases.equal(proration) if rule.unmetered is Unmetered.EQUAL and loss > 0 else basis
    return [*pools, Pool(f"unmetered:{label}", part, remainder, target)], Fraction(0)


def _rounded_line(line: Line, pools: tuple[Pool, ...], unallocated: Fraction, tie_keys: list[str]) -> LineAllocation:
    """Round the line once: exact shares over one common denominator, the owner's remainder as a last entry."""
    rates = {pool.basis: Fraction(0) for pool in pools}
    for pool in pools:
        rates[pool.basis] += pool.amount / pool.basis.total
    denominator = math.lcm(unallocated.denominator, *(rate.denominator for rate in rates.values()))
    (first, first_rate), *others = ((basis, rate * denominator) for basis, rate in rates.items())
    exact = [int(first_rate) * weight for weight in first.weights]
    for basis, rate in others:
        multiplier = int(rate)
        exact = [value + multiplier * weight for value, weight in zip(exact, basis.weights, strict=True)]
    owner = line.amount * denominator - sum(exact)
    shares = round_exact([*exact, owner] if owner else exact, denominator, line.amount, tie_keys)
    return LineAllocation(
        line=line,
        pools=pools,
        shares=tuple(shares[: len(exact)]),
        numerators=tuple(exact),
        denominator=denominator,
        unallocated=shares[-1] if owner else 0,
    )
