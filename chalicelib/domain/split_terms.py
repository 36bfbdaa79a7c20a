"""The terms of a split as given: what is charged and by which rule, among whom, over which period.

One input type for every split: ``POST /splits/preview`` maps its request into ``SplitTerms`` at the HTTP edge, and a
bill resolves its inputs into one from the group (``services.bill_inputs``), stores it and reads it back to issue.
Amounts and quantities stay the exact decimal strings they were given as, because an amount becomes minor units only
with its currency, and a bill learns its currency from the group, not from the request.

``allocate`` turns terms into the engine's exact input (``allocation.Bill``: minor units, fractions, stays) and
allocates it. Every refusal names the field at fault by its path in the terms, which is the request's path:
``lines[0].parts[1].fraction``, ``participants[2].weights.area``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from fractions import Fraction
from types import MappingProxyType

from chalicelib.domain.allocation import (
    SINGLE_METER,
    Bill,
    BillAllocation,
    ByConsumption,
    ByWeight,
    Equal,
    Line,
    Part,
    Participant,
    Rule,
    Unmetered,
    allocate_bill,
    at,
)
from chalicelib.domain.errors import ValidationFailed
from chalicelib.domain.money import currency_exponent, parse_amount, parse_quantity
from chalicelib.domain.proration import Proration, Span

#: The name of the one line of the simple contract (a total and one rule).
SIMPLE_LINE_NAME = "total"
_NOTHING: Mapping[str, str] = MappingProxyType({})


class Method(StrEnum):
    EQUAL = "equal"
    WEIGHTS = "weights"
    CONSUMPTION = "consumption"
    BLEND = "blend"


@dataclass(frozen=True, kw_only=True)
class RuleTerms:
    """The fields of one allocation rule, shared by a blend part, a line and the simple contract."""

    key: str | None = None
    meter: str | None = None
    main_meter: str | None = None
    unmetered: Unmetered | None = None
    allow_negative_loss: bool | None = None


@dataclass(frozen=True, kw_only=True)
class PartTerms(RuleTerms):
    """One part of a blend: ``fraction`` of the line by ``method``."""

    method: Method
    fraction: str


@dataclass(frozen=True, kw_only=True)
class LineRuleTerms(RuleTerms):
    """A line's rule: its method (a blend has parts), fixed charges first, a common deduction, a proration."""

    method: Method | None = None
    parts: tuple[PartTerms, ...] | None = None
    fixed_charges: str | None = None
    common_deduction: str | None = None
    proration: Proration | None = None


@dataclass(frozen=True, kw_only=True)
class LineTerms(LineRuleTerms):
    name: str
    amount: str
    method: Method


@dataclass(frozen=True, kw_only=True)
class ChargeTerms:
    """What is charged and how: ``total`` by ``rule`` (the simple contract) or ``lines``, each with its own rule.

    With lines, ``total`` is optional (their sum when given) and ``rule`` carries only ``proration``, the default of
    every line.
    """

    rule: LineRuleTerms = field(default_factory=LineRuleTerms)
    total: str | None = None
    lines: tuple[LineTerms, ...] | None = None

    def uses_consumption(self) -> bool:
        """Whether any rule splits by consumption (so the participants need it)."""
        rules: list[LineRuleTerms] = [self.rule, *(self.lines or ())]
        methods = {rule.method for rule in rules} | {part.method for rule in rules for part in rule.parts or ()}
        return Method.CONSUMPTION in methods


@dataclass(frozen=True, kw_only=True)
class ParticipantTerms:
    """Someone who shares the bill: consumption (one meter's units, or units by meter kind), weights, stays.

    ``present`` None means present for the whole period.
    """

    id: str
    consumption: str | Mapping[str, str] | None = None
    weights: Mapping[str, str] = field(default_factory=lambda: _NOTHING)
    present: tuple[Span, ...] | None = None


@dataclass(frozen=True, kw_only=True)
class SplitTerms:
    currency: str
    charges: ChargeTerms
    participants: tuple[ParticipantTerms, ...]
    period: Span | None = None


def allocate(terms: SplitTerms) -> BillAllocation:
    """Allocate ``terms`` exactly; ``ValidationFailed`` names the field at fault."""
    currency_exponent(terms.currency)
    charges = terms.charges
    lines = _simple_line(charges, terms.currency) if charges.lines is None else _lines(charges, terms.currency)
    bill = Bill(
        lines=lines,
        participants=tuple(_participant(participant, index) for index, participant in enumerate(terms.participants)),
        period=terms.period,
        proration=charges.rule.proration or Proration.DAYS,
    )
    allocation = allocate_bill(bill)
    claimed = None if charges.lines is None else charges.total
    if claimed is not None and parse_amount(claimed, terms.currency, field="total") != allocation.total:
        raise ValidationFailed("must equal the sum of the lines", field="total")
    return allocation


#: The rule fields that belong on a line once lines are given, in the order a refusal names the first one found.
_LINE_ONLY = ("key", "meter", "main_meter", "unmetered", "allow_negative_loss", "parts", "fixed_charges",
              "common_deduction", "method")


def _simple_line(charges: ChargeTerms, currency: str) -> tuple[Line, ...]:
    if charges.rule.method is None:
        raise ValidationFailed("give a method (with total), or lines", field="method")
    if charges.total is None:
        raise ValidationFailed("the simple contract needs the total to split", field="total")
    return (_line(charges.rule, charges.rule.method, SIMPLE_LINE_NAME, charges.total, currency, ""),)


def _lines(charges: ChargeTerms, currency: str) -> tuple[Line, ...]:
    for name in _LINE_ONLY:
        if getattr(charges.rule, name) is not None:
            raise ValidationFailed("belongs on a line when lines are given", field=name)
    return tuple(
        _line(line, line.method, line.name, line.amount, currency, f"lines[{index}]")
        for index, line in enumerate(charges.lines or ())
    )


def _line(rule: LineRuleTerms, method: Method, name: str, amount: str, currency: str, field: str) -> Line:
    fixed = rule.fixed_charges
    deduction = _optional_quantity(rule.common_deduction, at(field, "common_deduction"))
    return Line(
        name=name,
        amount=parse_amount(amount, currency, field=at(field, "amount" if field else "total")),
        parts=_parts(rule, method, field),
        fixed_charges=0 if fixed is None else parse_amount(fixed, currency, field=at(field, "fixed_charges")),
        common_deduction=deduction or Fraction(0),
        proration=rule.proration,
        field=field,
    )


def _parts(rule: LineRuleTerms, method: Method, field: str) -> tuple[Part, ...]:
    if method is not Method.BLEND:
        if rule.parts is not None:
            raise ValidationFailed("parts are only for the blend method", field=at(field, "parts"))
        return (Part(_rule(rule, method, field), Fraction(1), field),)
    if not rule.parts:
        raise ValidationFailed("a blend needs parts", field=at(field, "parts"))
    _refuse_misplaced(rule, method, field)
    return tuple(_part(part, at(field, f"parts[{index}]")) for index, part in enumerate(rule.parts))


def _part(part: PartTerms, field: str) -> Part:
    if part.method is Method.BLEND:
        raise ValidationFailed("a blend part is equal, weights or consumption", field=at(field, "method"))
    return Part(_rule(part, part.method, field), parse_quantity(part.fraction, field=at(field, "fraction")), field)


def _rule(fields: RuleTerms, method: Method, field: str) -> Rule:
    _refuse_misplaced(fields, method, field)
    if method is Method.EQUAL:
        return Equal()
    if method is Method.WEIGHTS:
        if fields.key is None:
            raise ValidationFailed("the weights method needs the key of the participant weight", field=at(field, "key"))
        return ByWeight(fields.key)
    return ByConsumption(
        meter=fields.meter,
        main_meter=_optional_quantity(fields.main_meter, at(field, "main_meter")),
        unmetered=fields.unmetered or Unmetered.OWNER,
        allow_negative_loss=bool(fields.allow_negative_loss),
    )


def _refuse_misplaced(fields: RuleTerms, method: Method, field: str) -> None:
    """A rule field given to a method that does not use it is an error, not silently ignored."""
    allowed = {
        "key": method is Method.WEIGHTS,
        "meter": method is Method.CONSUMPTION,
        "main_meter": method is Method.CONSUMPTION,
        "unmetered": fields.main_meter is not None,
        "allow_negative_loss": fields.main_meter is not None,
    }
    for name, is_allowed in allowed.items():
        if not is_allowed and getattr(fields, name) is not None:
            raise ValidationFailed(f"not used by the {method} method", field=at(field, name))


def _optional_quantity(value: str | None, field: str) -> Fraction | None:
    return None if value is None else parse_quantity(value, field=field)


def _participant(participant: ParticipantTerms, index: int) -> Participant:
    field = f"participants[{index}]"
    consumption, weights = participant.consumption, participant.weights
    if isinstance(consumption, str):
        meters = {SINGLE_METER: parse_quantity(consumption, field=at(field, "consumption"))}
    else:
        meters = {
            kind: parse_quantity(units, field=at(field, f"consumption.{kind}"))
            for kind, units in (consumption or {}).items()
        }
    return Participant(
        id=participant.id,
        consumption=meters,
        weights={key: parse_quantity(units, field=at(field, f"weights.{key}")) for key, units in weights.items()},
        stays=participant.present,
        field=field,
    )
