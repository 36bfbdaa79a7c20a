"""Preview a bill split or a settle-up, and explain an allocation: domain terms in, JSON-ready dicts out. Pure, no I/O.

Amounts leave as decimal strings in the terms' currency. Exact values and rates are shown rounded half-even to
four (rates: six) more places than the currency has, with trailing zeros dropped. ``split_view`` is also how a bill
explains its shares (``services.bills``).
"""

from __future__ import annotations

from fractions import Fraction
from typing import TYPE_CHECKING, Any

from chalicelib.domain.errors import ValidationFailed
from chalicelib.domain.money import currency_exponent, format_amount, format_decimal, parse_amount
from chalicelib.domain.settlement import settle_minimal, settle_with_holder
from chalicelib.domain.split_terms import allocate

if TYPE_CHECKING:
    from chalicelib.domain.allocation import BillAllocation, LineAllocation, Pool
    from chalicelib.domain.commands import SettleUp
    from chalicelib.domain.split_terms import SplitTerms

JSON = dict[str, Any]
_EXACT_EXTRA_PLACES = 4
_RATE_EXTRA_PLACES = 6
_QUANTITY_PLACES = 12


def preview_split(terms: SplitTerms) -> JSON:
    """Allocate ``terms`` and explain every share; ``ValidationFailed`` names the field at fault."""
    return split_view(terms, allocate(terms))


def preview_settlement(request: SettleUp) -> JSON:
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


def split_view(terms: SplitTerms, allocation: BillAllocation) -> JSON:
    """The allocation of ``terms`` explained: totals, each line, and every share with its lines and parts."""
    currency = terms.currency
    exponent = currency_exponent(currency)
    index_of = {participant.id: index for index, participant in enumerate(allocation.participants)}
    shares = []
    for participant in terms.participants:
        index = index_of[participant.id]
        lines = [_line_share(line, index, currency, exponent) for line in allocation.lines]
        share: JSON = {"id": participant.id, "amount": format_amount(allocation.share(index), currency), "lines": lines}
        if terms.charges.lines is None:
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
