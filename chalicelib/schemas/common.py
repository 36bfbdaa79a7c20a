"""Shared pieces of request/response models: strict base, field types, the problem schema."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from chalicelib.domain.money import DECIMAL_PATTERN, MAX_DECIMAL_LENGTH

_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
EMAIL_PATTERN = rf"^[^@\s\x00-\x1f]{{1,64}}@{_LABEL}(?:\.{_LABEL})+$"
E164_PATTERN = r"^\+[1-9][0-9]{6,14}$"
LOCALE_PATTERN = r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8}){0,3}$"

Email = Annotated[str, StringConstraints(strip_whitespace=True, max_length=254, pattern=EMAIL_PATTERN)]
Phone = Annotated[str, StringConstraints(pattern=E164_PATTERN)]
Locale = Annotated[str, StringConstraints(pattern=LOCALE_PATTERN)]
TimeZoneName = Annotated[str, StringConstraints(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_+/-]+$")]
# Passwords: length is checked by the domain policy in code points (ASVS V6.2.1/V6.2.9); the schema only bounds bytes.
Password = Annotated[str, StringConstraints(min_length=1, max_length=1024)]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=120)]
OneTimeCode = Annotated[str, StringConstraints(strip_whitespace=True, min_length=6, max_length=32)]
OpaqueToken = Annotated[str, StringConstraints(min_length=16, max_length=4096)]
#: An id, key, meter kind or line name, as given (1 to 100 characters).
Label = Annotated[str, StringConstraints(min_length=1, max_length=100)]
ObjectId = Annotated[str, StringConstraints(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_-]+$")]
DecimalString = Annotated[
    str,
    StringConstraints(pattern=f"^{DECIMAL_PATTERN}$", max_length=MAX_DECIMAL_LENGTH),
    Field(description='an exact decimal string such as "12.50"; JSON numbers are refused'),
]
CurrencyCode = Annotated[str, StringConstraints(pattern="^[A-Z]{3}$"), Field(description="ISO 4217 code, e.g. EUR")]
Unit = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=16, pattern=r"^[A-Za-z0-9./ ³]+$")
]


class StrictModel(BaseModel):
    """Every request model: unknown fields refused, no type coercion (a number is not a string)."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class FieldError(BaseModel):
    field: str
    detail: str


class Problem(BaseModel):
    """RFC 9457 problem details, as every error response carries them."""

    type: str = Field(description="stable URI naming the kind of problem")
    title: str
    status: int
    detail: str
    correlation_id: str
    errors: list[FieldError] | None = None
