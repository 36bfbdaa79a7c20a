"""Preview a bill split or a settle-up: validated request models in, JSON-ready dicts out. Pure, no I/O.

Amounts leave as decimal strings in the request's currency. Exact values and rates are shown rounded half-even to
four (rates: six) more places than the currency has, with trailing zeros dropped.
"""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction
from typing import Any

from chalicelib.domain.allocation import (
    SINGLE_METER,
    Bill,
    BillAllocation,
    ByConsumption,
    ByWeight,
    Equal,
    Line,
    LineAllocation,
    Part,
    Participant,
    Pool,
    Rule,
    Unmetered,
    allocate_bill,
    at,
)
from chalicelib.domain.errors import ValidationFailed
from chalicelib.domain.money import currency_exponent, format_amount, format_decimal, parse_amount, parse_quantity
from chalicelib.domain.proration import Proration, Span
from chalicelib.domain.settlement import settle_minimal, settle_with_holder
from chalicelib.schemas.splits import (
    LineIn,
    LineRuleIn,
    ParticipantIn,
    PartIn,
    RuleFieldsIn,
    SettlementPreviewRequest,
    SpanIn,
    SplitPreviewRequest,
)

JSON = dict[str, Any]
_SIMPLE_LINE_NAME = "total"
_EXACT_EXTRA_PLACES = 4
_RATE_EXTRA_PLACES = 6
_QUANTITY_PLACES = 12


def preview_split(request: SplitPreviewRequest) -> JSON:
    """Allocate the bill of ``request`` and explain every share; ``ValidationFailed`` names the field at fault."""
    currency = request.currency
    currency_exponent(currency)
    lines = _simple_line(request) if request.lines is None else _lines(request, request.lines)
    bill = Bill(
        lines=lines,
        participants=tuple(_participant(participant, index) for index, participant in enumerate(request.participants)),
        period=_span(request.period),
        proration=Proration(request.proration or Proration.DAYS),
    )
    allocation = allocate_bill(bill)
    claimed = None if request.lines is None or request.total is None else request.total
    if claimed is not None and parse_amount(claimed, currency, field="total") != allocation.total:
        raise ValidationFailed("must equal the sum of the lines", field="total")
    return _split_response(request, allocation)


def preview_settlement(request: SettlementPreviewRequest) -> JSON:
    """Transfers that settle ``request.balances``: the fewest, or everyone with the bill holder (``payee``)."""
    currency = request.currency
    balances = {
        person: parse_amount(value, currency, field=f"balances.{person}", signed=True)
        for person, value in request.balances.items()
    }
    if request.mode == "bill_holder":
        if request.payee is None:
            raise ValidationFailed("bill_holder mode needs the payee everyone settles with", field="payee")
        transfers = settle_with_holder(balances, request.payee)
    else:
        if request.payee is not None:
            raise ValidationFailed("a payee is only used in bill_holder mode", field="payee")
        transfers = settle_minimal(balances)
    return {
        "currency": currency,
        "transfers": [
            {"from": transfer.payer, "to": transfer.payee, "amount": format_amount(transfer.amount, currency)}
            for transfer in transfers
        ],
        "count": len(transfers),
    }


def _simple_line(request: SplitPreviewRequest) -> tuple[Line, ...]:
    if request.method is None:
        raise ValidationFailed("give a method (with total), or lines", field="method")
    if request.total is None:
        raise ValidationFailed("the simple contract needs the total to split", field="total")
    return (_line(request, request.method, _SIMPLE_LINE_NAME, request.total, request.currency, ""),)


def _lines(request: SplitPreviewRequest, lines: Sequence[LineIn]) -> tuple[Line, ...]:
    for name in (*LineRuleIn.model_fields, "method"):
        if name != "proration" and getattr(request, name) is not None:
            raise ValidationFailed("belongs on a line when lines are given", field=name)
    return tuple(
        _line(line, line.method, line.name, line.amount, request.currency, f"lines[{index}]")
        for index, line in enumerate(lines)
    )


def _line(rule: LineRuleIn, method: str, name: str, amount: str, currency: str, field: str) -> Line:
    fixed = rule.fixed_charges
    deduction = _optional_quantity(rule.common_deduction, at(field, "common_deduction"))
    return Line(
        name=name,
        amount=parse_amount(amount, currency, field=at(field, "amount" if field else "total")),
        parts=_parts(rule, method, field),
        fixed_charges=0 if fixed is None else parse_amount(fixed, currency, field=at(field, "fixed_charges")),
        common_deduction=deduction or Fraction(0),
        proration=None if rule.proration is None else Proration(rule.proration),
        field=field,
    )


def _parts(rule: LineRuleIn, method: str, field: str) -> tuple[Part, ...]:
    if method != "blend":
        if rule.parts is not None:
            raise ValidationFailed("parts are only for the blend method", field=at(field, "parts"))
        return (Part(_rule(rule, method, field), Fraction(1), field),)
    if not rule.parts:
        raise ValidationFailed("a blend needs parts", field=at(field, "parts"))
    _refuse_misplaced(rule, "blend", field)
    return tuple(_part(part, at(field, f"parts[{index}]")) for index, part in enumerate(rule.parts))


def _part(part: PartIn, field: str) -> Part:
    return Part(_rule(part, part.method, field), parse_quantity(part.fraction, field=at(field, "fraction")), field)


def _rule(fields: RuleFieldsIn, method: str, field: str) -> Rule:
    _refuse_misplaced(fields, method, field)
    if method == "equal":
        return Equal()
    if method == "weights":
        if fields.key is None:
            raise ValidationFailed("the weights method needs the key of the participant weight", field=at(field, "key"))
        return ByWeight(fields.key)
    return ByConsumption(
        meter=fields.meter,
        main_meter=_optional_quantity(fields.main_meter, at(field, "main_meter")),
        unmetered=Unmetered(fields.unmetered or Unmetered.OWNER),
        allow_negative_loss=bool(fields.allow_negative_loss),
    )


def _refuse_misplaced(fields: RuleFieldsIn, method: str, field: str) -> None:
    """A rule field given to a method that does not use it is an error, not silently ignored."""
    allowed = {
        "key": method == "weights",
        "meter": method == "consumption",
        "main_meter": method == "consumption",
        "unmetered": fields.main_meter is not None,
        "allow_negative_loss": fields.main_meter is not None,
    }
    for name, is_allowed in allowed.items():
        if not is_allowed and getattr(fields, name) is not None:
            raise ValidationFailed(f"not used by the {method} method", field=at(field, name))


def _optional_quantity(value: str | None, field: str) -> Fraction | None:
    return None if value is None else parse_quantity(value, field=field)


def _participant(participant: ParticipantIn, index: int) -> Participant:
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
        stays=None if participant.present is None else tuple(Span(s.start, s.end) for s in participant.present),
        field=field,
    )


def _span(span: SpanIn | None) -> Span | None:
    return None if span is None else Span(span.start, span.end)


def _split_response(request: SplitPreviewRequest, allocation: BillAllocation) -> JSON:
    currency = request.currency
    exponent = currency_exponent(currency)
    index_of = {participant.id: index for index, participant in enumerate(allocation.participants)}
    shares = []
    for participant in request.participants:
        index = index_of[participant.id]
        lines = [_line_share(line, index, currency, exponent) for line in allocation.lines]
        share: JSON = {"id": participant.id, "amount": format_amount(allocation.share(index), currency), "lines": lines}
        if request.lines is None:
            share["breakdown"] = {part["label"]: part for part in lines[0]["parts"]}
        shares.append(share)
    return {
        "currency": currency,
        "total": format_amount(allocation.total, currency),
        "allocated": format_amount(allocation.allocated, currency),
        "lines": [
            {
                "name": line.line.name,
                "amount": format_amount(line.line.amount, currency),
                "allocated": format_amount(line.line.amount - line.unallocated, currency),
            }
            for line in allocation.lines
        ],
        "shares": shares,
    }


def _money(minor: Fraction, exponent: int, extra_places: int = _EXACT_EXTRA_PLACES) -> str:
    """An exact amount of minor units in currency units, rounded to a few more places than the currency has."""
    return format_decimal(minor / 10**exponent, exponent + extra_places)


def _line_share(line: LineAllocation, index: int, currency: str, exponent: int) -> JSON:
    parts = [_part_share(pool, index, exponent) for pool in line.pools]
    amount = format_amount(line.shares[index], currency)
    rounding = line.rounding(index)
    terms = " + ".join(
        f"{part['exact']} ({part['label']}: {part['quantity']}"
        + (f" x {part['presence']} present" if part.get("presence") else "")
        + f" of {part['total']} at {part['rate']})"
        for part in parts
    )
    return {
        "name": line.line.name,
        "amount": amount,
        "exact": _money(line.exact_share(index), exponent),
        "rounding": rounding,
        "parts": parts,
        "explanation": f"{line.line.name}: {amount} {currency} = {terms}"
        + (f", rounded up by {rounding} minor unit" if rounding else ""),
    }


def _part_share(pool: Pool, index: int, exponent: int) -> JSON:
    basis = pool.basis
    part: JSON = {"label": pool.label}
    if pool.part is not None:
        part["fraction"] = format_decimal(pool.part.fraction, _QUANTITY_PLACES)
    part.update(
        pool=_money(pool.amount, exponent),
        quantity=format_decimal(basis.quantities[index], _QUANTITY_PLACES),
        total=format_decimal(basis.total_quantity(), _QUANTITY_PLACES),
        rate=_money(pool.rate(), exponent, _RATE_EXTRA_PLACES),
        exact=_money(pool.exact_share(index), exponent),
    )
    if basis.presence is not None:
        part["presence"] = format_decimal(basis.presence[index], _RATE_EXTRA_PLACES)
    return part
