"""Money: decimal strings in, integer minor units inside, decimal strings out."""

from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chalicelib.domain.errors import ValidationFailed
from chalicelib.domain.money import (
    CURRENCY_EXPONENTS,
    MAX_MINOR_UNITS,
    currency_exponent,
    format_amount,
    format_decimal,
    parse_amount,
    parse_quantity,
)


@pytest.mark.parametrize(
    ("text", "currency", "minor"),
    [
        ("10000.00", "EUR", 1_000_000),
        ("12.5", "USD", 1250),
        ("500", "JPY", 500),
        ("1.250", "KWD", 1250),
        ("0", "GBP", 0),
    ],
)
def test_parse_amount_returns_minor_units_for_currency_exponent(text: str, currency: str, minor: int) -> None:
    assert parse_amount(text, currency, field="total") == minor


@pytest.mark.parametrize(
    ("minor", "currency", "text"),
    [
        (1_000_000, "EUR", "10000.00"),
        (500, "JPY", "500"),
        (1250, "KWD", "1.250"),
        (-5, "EUR", "-0.05"),
        (7, "CLF", "0.0007"),
    ],
)
def test_format_amount_writes_all_minor_digits(minor: int, currency: str, text: str) -> None:
    assert format_amount(minor, currency) == text


@pytest.mark.parametrize("value", [12.5, 12, None, True, ["1.00"], {"amount": "1.00"}])
def test_parse_amount_refuses_non_strings_such_as_json_numbers(value: object) -> None:
    with pytest.raises(ValidationFailed) as error:
        parse_amount(value, "EUR", field="lines[0].amount")
    assert error.value.field == "lines[0].amount"


@pytest.mark.parametrize(
    "text",
    [
        "1e5",
        "1E5",
        "NaN",
        "nan",
        "Infinity",
        "-inf",
        "1,000.00",
        " 1.00",
        "1.00 ",
        "+1.00",
        ".5",
        "5.",
        "",
        "\uff11\uff12",
        "\u0661",
    ],
)
def test_parse_amount_refuses_anything_but_plain_decimals(text: str) -> None:
    with pytest.raises(ValidationFailed, match="plain decimal"):
        parse_amount(text, "EUR", field="total")


def test_parse_amount_refuses_more_places_than_the_currency_has() -> None:
    with pytest.raises(ValidationFailed, match="at most 2 decimal places"):
        parse_amount("10.001", "EUR", field="total")
    with pytest.raises(ValidationFailed, match="at most 0 decimal places"):
        parse_amount("500.0", "JPY", field="total")


def test_parse_amount_refuses_negative_unless_signed() -> None:
    with pytest.raises(ValidationFailed, match="negative"):
        parse_amount("-1.00", "EUR", field="total")
    assert parse_amount("-1.00", "EUR", field="balances.a", signed=True) == -100
    assert parse_amount("-0.00", "EUR", field="total") == 0


def test_parse_amount_refuses_absurd_amounts() -> None:
    assert parse_amount(format_amount(MAX_MINOR_UNITS, "EUR"), "EUR", field="total") == MAX_MINOR_UNITS
    with pytest.raises(ValidationFailed, match="larger"):
        parse_amount(format_amount(MAX_MINOR_UNITS + 1, "EUR"), "EUR", field="total")
    with pytest.raises(ValidationFailed, match="plain decimal"):
        parse_amount("1" * 41, "EUR", field="total")


@pytest.mark.parametrize("code", ["XXX", "eur", "EURO", "", "XAU", "HRK"])
def test_currency_exponent_refuses_unknown_or_inactive_codes(code: str) -> None:
    with pytest.raises(ValidationFailed) as error:
        currency_exponent(code)
    assert error.value.field == "currency"


def test_currency_table_has_the_iso_4217_exponents() -> None:
    expected = {
        "JPY": 0,
        "KRW": 0,
        "USD": 2,
        "EUR": 2,
        "GBP": 2,
        "CHF": 2,
        "KWD": 3,
        "BHD": 3,
        "JOD": 3,
        "OMR": 3,
        "TND": 3,
    }
    assert {code: CURRENCY_EXPONENTS[code] for code in expected} == expected
    assert all(len(code) == 3 and code.isupper() for code in CURRENCY_EXPONENTS)
    assert len(CURRENCY_EXPONENTS) > 150


@settings(max_examples=400)
@given(
    minor=st.integers(min_value=-MAX_MINOR_UNITS, max_value=MAX_MINOR_UNITS),
    currency=st.sampled_from(sorted(CURRENCY_EXPONENTS)),
)
def test_format_then_parse_round_trips_every_amount(minor: int, currency: str) -> None:
    assert parse_amount(format_amount(minor, currency), currency, field="x", signed=True) == minor


def test_parse_quantity_is_exact() -> None:
    assert parse_quantity("0.7", field="f") == Fraction(7, 10)
    assert parse_quantity("1000", field="f") == 1000
    assert parse_quantity("0.000000000001", field="f") == Fraction(1, 10**12)


@pytest.mark.parametrize(("text", "reason"), [("-1", "negative"), ("0.0000000000001", "decimal places"), (0.7, "JSON")])
def test_parse_quantity_refuses_negative_too_precise_or_non_string(text: object, reason: str) -> None:
    with pytest.raises(ValidationFailed, match=reason):
        parse_quantity(text, field="participants[0].weights.area")


def test_format_decimal_rounds_half_even_and_drops_trailing_zeros() -> None:
    assert format_decimal(Fraction(10000, 3), 4) == "3333.3333"
    assert format_decimal(Fraction(14), 4) == "14"
    assert format_decimal(Fraction(1, 8), 2) == "0.12"
    assert format_decimal(Fraction(-3, 10), 4) == "-0.3"
