"""Money as integer minor units of an ISO 4217 currency, and exact decimal strings in and out.

Every amount crosses the API as a decimal string ("10000.00", "500" for JPY, "1.250" for KWD) and lives inside the
domain as an ``int`` count of minor units. Quantities (meter units, weights, fractions) become exact ``Fraction``s.
JSON numbers are refused everywhere: a float has already lost the exact value before we could see it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from fractions import Fraction
from types import MappingProxyType

from chalicelib.domain.errors import ValidationFailed

#: Largest amount accepted, in minor units (10 trillion EUR); anything above is a typo or an attack.
MAX_MINOR_UNITS = 10**15
#: Largest quantity accepted (meter units, weights) and its finest precision.
MAX_QUANTITY = 10**15
MAX_QUANTITY_PLACES = 12

#: Longest decimal string accepted (a 10**15 amount with 12 decimals and a sign fits).
MAX_DECIMAL_LENGTH = 40
#: A plain decimal string. ASCII digits only: ``\d`` would also accept Arabic-Indic and other Unicode digits.
DECIMAL_PATTERN = r"-?[0-9]+(?:\.[0-9]+)?"
_DECIMAL_TEXT = re.compile(DECIMAL_PATTERN)

_EXPONENT_0 = "BIF CLP DJF GNF ISK JPY KMF KRW PYG RWF UGX UYI VND VUV XAF XOF XPF"
_EXPONENT_3 = "BHD IQD JOD KWD LYD OMR TND"
_EXPONENT_4 = "CLF UYW"
_EXPONENT_2 = (
    "AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BMD BND BOB BOV BRL BSD BTN BWP BYN BZD CAD CDF CHE CHF "
    "CHW CNY COP COU CRC CUP CVE CZK DKK DOP DZD EGP ERN ETB EUR FJD FKP GBP GEL GHS GIP GMD GTQ GYD HKD HNL HTG HUF "
    "IDR ILS INR IRR JMD KES KGS KHR KPW KYD KZT LAK LBP LKR LRD LSL MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK MXN "
    "MXV MYR MZN NAD NGN NIO NOK NPR NZD PAB PEN PGK PHP PKR PLN QAR RON RSD RUB SAR SBD SCR SDG SEK SGD SHP SLE SOS "
    "SRD SSP STN SVC SYP SZL THB TJS TMT TOP TRY TTD TWD TZS UAH USD USN UYU UZS VED VES WST XCD XCG YER ZAR ZMW ZWG"
)

#: Active ISO 4217 codes and their minor-unit exponent (ISO 4217 list one; funds and metals without a minor unit,
#: such as XAU or XDR, are left out because nobody splits a utility bill in them).
CURRENCY_EXPONENTS: Mapping[str, int] = MappingProxyType(
    {
        code: exponent
        for exponent, codes in ((0, _EXPONENT_0), (2, _EXPONENT_2), (3, _EXPONENT_3), (4, _EXPONENT_4))
        for code in codes.split()
    }
)


def currency_exponent(currency: str, *, field: str = "currency") -> int:
    """The number of decimal places of ``currency``; an unknown code is a ``ValidationFailed`` at ``field``."""
    exponent = CURRENCY_EXPONENTS.get(currency)
    if exponent is None:
        raise ValidationFailed(f"{currency!r} is not an active ISO 4217 currency code", field=field)
    return exponent


def _split_decimal(value: object, *, field: str) -> tuple[bool, str, str]:
    """(is_negative, whole digits, fraction digits) of a decimal string, or ``ValidationFailed``."""
    if not isinstance(value, str):
        kind = type(value).__name__
        raise ValidationFailed(f'must be a decimal string such as "12.50", not a JSON {kind}', field=field)
    if len(value) > MAX_DECIMAL_LENGTH or not _DECIMAL_TEXT.fullmatch(value):
        raise ValidationFailed(
            f'{value[:MAX_DECIMAL_LENGTH]!r} is not a plain decimal string such as "12.50" '
            "(no exponent, no thousands separator, no NaN or Infinity)",
            field=field,
        )
    whole, _, fraction = value.removeprefix("-").partition(".")
    return value.startswith("-"), whole, fraction


def parse_amount(value: object, currency: str, *, field: str, signed: bool = False) -> int:
    """Minor units of a decimal string in ``currency``: ``"12.50"`` EUR is 1250, ``"500"`` JPY is 500.

    Refuses non-strings, more decimal places than the currency has, negative amounts (unless ``signed``) and amounts
    beyond ``MAX_MINOR_UNITS``.
    """
    exponent = currency_exponent(currency)
    is_negative, whole, fraction = _split_decimal(value, field=field)
    if len(fraction) > exponent:
        raise ValidationFailed(f"{currency} amounts have at most {exponent} decimal places, got {value}", field=field)
    minor = int(whole + fraction.ljust(exponent, "0"))
    if minor > MAX_MINOR_UNITS:
        raise ValidationFailed(f"{value} {currency} is larger than this service accepts", field=field)
    if is_negative and minor:
        if not signed:
            raise ValidationFailed(f"must not be negative, got {value}", field=field)
        return -minor
    return minor


def parse_quantity(value: object, *, field: str) -> Fraction:
    """The exact non-negative value of a decimal string quantity (meter units, a weight, a fraction)."""
    is_negative, whole, fraction = _split_decimal(value, field=field)
    if is_negative and int(whole + fraction):
        raise ValidationFailed(f"must not be negative, got {value}", field=field)
    if len(fraction) > MAX_QUANTITY_PLACES:
        raise ValidationFailed(f"has more than {MAX_QUANTITY_PLACES} decimal places", field=field)
    quantity = Fraction(int(whole + fraction), 10 ** len(fraction))
    if quantity > MAX_QUANTITY:
        raise ValidationFailed(f"{value} is larger than this service accepts", field=field)
    return quantity


def format_amount(minor: int, currency: str) -> str:
    """The decimal string of ``minor`` units: 1000000 EUR is ``"10000.00"``, 500 JPY ``"500"``, 1250 KWD ``"1.250"``."""
    exponent = currency_exponent(currency)
    sign = "-" if minor < 0 else ""
    whole, fraction = divmod(abs(minor), 10**exponent)
    return f"{sign}{whole}.{fraction:0{exponent}d}" if exponent else f"{sign}{whole}"


def format_decimal(value: Fraction, places: int) -> str:
    """``value`` rounded half-even to ``places`` decimals, trailing zeros dropped: 14, 0.3, 3333.3333 (rates, units)."""
    scaled = round(value * 10**places)
    sign = "-" if scaled < 0 else ""
    whole, fraction = divmod(abs(scaled), 10**places)
    digits = f"{fraction:0{places}d}".rstrip("0") if places else ""
    return f"{sign}{whole}.{digits}" if digits else f"{sign}{whole}"
