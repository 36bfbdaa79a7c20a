"""Request and response models of POST /splits/preview and POST /settlements/preview.

Requests are strict: unknown fields are refused, and every amount or quantity is a decimal string ("12.50"), never a
JSON number, so no value passes through a float. Rules that need several fields at once (blend fractions adding up to
1, a total matching its lines, weights present for every participant) are checked by the service and the domain,
which name the failing field with a path such as ``lines[0].parts[1].fraction``.

The response models document the JSON the services return (they feed the OpenAPI description); the services build
plain dicts and the tests hold those dicts to these models. ``to_terms`` / ``to_command`` map a request into the domain
terms the services take (``chalicelib.domain.split_terms``, ``chalicelib.domain.commands``).
"""

from __future__ import annotations

import re
from datetime import date
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from chalicelib.domain.allocation import Unmetered
from chalicelib.domain.commands import SettleUp
from chalicelib.domain.proration import Proration, Span
from chalicelib.domain.split_terms import (
    ChargeTerms,
    LineRuleTerms,
    LineTerms,
    Method,
    ParticipantTerms,
    PartTerms,
    SplitTerms,
)
from chalicelib.schemas.common import CurrencyCode, DecimalString, Label

MAX_PARTICIPANTS = 10_000
MAX_LINES = 200
MAX_BALANCES = 10_000

_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def _iso_date(value: object) -> object:
    """A ``YYYY-MM-DD`` string becomes a date; anything else (a number, another format) is refused."""
    if not isinstance(value, str) or not _ISO_DATE.fullmatch(value):
        raise ValueError("must be a date string such as 2026-01-31")
    return date.fromisoformat(value)


IsoDate = Annotated[date, BeforeValidator(_iso_date)]

PartMethod = Literal["equal", "weights", "consumption"]
MethodName = Literal["equal", "weights", "consumption", "blend"]
UnmeteredName = Literal["owner", "pro_rata", "equal"]
ProrationName = Literal["days", "degree_days"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)


class SpanIn(_Strict):
    """An inclusive date range: ``to`` is the last day counted (2026-01-01 to 2026-12-31 is 365 days)."""

    start: IsoDate = Field(alias="from")
    end: IsoDate = Field(alias="to", description="last day included")

    def to_span(self) -> Span:
        return Span(self.start, self.end)


class RuleFieldsIn(_Strict):
    """Fields of one allocation rule, shared by a blend part, a line and the one-line (simple) request."""

    key: Label | None = Field(default=None, description="weights: which participant weight (area, occupants, ...)")
    meter: Label | None = Field(default=None, description="consumption: meter kind, if there are several")
    main_meter: DecimalString | None = Field(default=None, description="consumption: the main meter's units")
    unmetered: UnmeteredName | None = Field(
        default=None, description="who pays main meter minus sub-meters; default owner"
    )
    allow_negative_loss: bool | None = Field(default=None, description="sub-meters above the main meter: spread back")


class PartIn(RuleFieldsIn):
    method: PartMethod
    fraction: DecimalString = Field(description="share of the line, e.g. 0.7; a blend's fractions add up to 1")

    def to_terms(self) -> PartTerms:
        return PartTerms(method=Method(self.method), fraction=self.fraction, **_rule_fields(self))


class LineRuleIn(RuleFieldsIn):
    parts: list[PartIn] | None = Field(default=None, min_length=1, max_length=10, description="blend only")
    fixed_charges: DecimalString | None = Field(default=None, description="split equally first; the rest by method")
    common_deduction: DecimalString | None = Field(default=None, description="fraction the owner absorbs, e.g. 0.10")
    proration: ProrationName | None = Field(default=None, description="presence weighting; default days")


class LineIn(LineRuleIn):
    name: Label
    amount: DecimalString
    method: MethodName

    def to_terms(self) -> LineTerms:
        return LineTerms(name=self.name, amount=self.amount, **_line_rule_fields(self, self.method))


class ParticipantIn(_Strict):
    id: Label
    consumption: DecimalString | dict[Label, DecimalString] | None = Field(
        default=None, description="one meter's units, or units by meter kind"
    )
    weights: dict[Label, DecimalString] = Field(default_factory=dict, max_length=20)
    present: list[SpanIn] | None = Field(
        default=None, max_length=50, description="stays inside the period; absent means the whole period"
    )

    def to_terms(self) -> ParticipantTerms:
        return ParticipantTerms(
            id=self.id, consumption=self.consumption, weights=self.weights,
            present=None if self.present is None else tuple(stay.to_span() for stay in self.present),
        )


class SplitPreviewRequest(LineRuleIn):
    """Either the simple contract (``total`` + ``method`` and its fields) or ``lines``, each with its own rule.

    ``proration`` at this level is the default of every line.
    """

    currency: CurrencyCode
    total: DecimalString | None = Field(default=None, description="required without lines; with lines, their sum")
    method: MethodName | None = None
    lines: list[LineIn] | None = Field(default=None, min_length=1, max_length=MAX_LINES)
    participants: list[ParticipantIn] = Field(max_length=MAX_PARTICIPANTS)
    period: SpanIn | None = Field(default=None, description="billing period, both dates included")

    def to_terms(self) -> SplitTerms:
        return SplitTerms(
            currency=self.currency, charges=charge_terms(self, self.method, self.total, self.lines),
            participants=tuple(participant.to_terms() for participant in self.participants),
            period=None if self.period is None else self.period.to_span(),
        )


class SettlementPreviewRequest(_Strict):
    currency: CurrencyCode
    balances: dict[Label, DecimalString] = Field(
        max_length=MAX_BALANCES, description="positive: is owed money; negative: owes; they add up to zero"
    )
    mode: Literal["minimal", "bill_holder"] = "minimal"
    payee: Label | None = Field(default=None, description="bill_holder mode: who everyone settles with")

    def to_command(self) -> SettleUp:
        return SettleUp(currency=self.currency, balances=self.balances, mode=self.mode, payee=self.payee)


def charge_terms(rule: LineRuleIn, method: str | None, total: str | None, lines: list[LineIn] | None) -> ChargeTerms:
    """The charges of a request: the top-level rule (and its ``method``), ``total`` and ``lines``."""
    return ChargeTerms(
        rule=LineRuleTerms(**_line_rule_fields(rule, method)), total=total,
        lines=None if lines is None else tuple(line.to_terms() for line in lines),
    )


def _rule_fields(rule: RuleFieldsIn) -> dict[str, Any]:
    unmetered = None if rule.unmetered is None else Unmetered(rule.unmetered)
    return {"key": rule.key, "meter": rule.meter, "main_meter": rule.main_meter, "unmetered": unmetered,
            "allow_negative_loss": rule.allow_negative_loss}


def _line_rule_fields(rule: LineRuleIn, method: str | None) -> dict[str, Any]:
    return {
        **_rule_fields(rule), "method": None if method is None else Method(method),
        "parts": None if rule.parts is None else tuple(part.to_terms() for part in rule.parts),
        "fixed_charges": rule.fixed_charges, "common_deduction": rule.common_deduction,
        "proration": None if rule.proration is None else Proration(rule.proration),
    }


class PartShareOut(_Strict):
    """One pool of a line and this participant's exact part of it. Money values are in currency units."""

    label: str = Field(description='"equal", "weights:area", "consumption:heat", "unmetered:...", "fixed_charges"')
    fraction: str | None = Field(default=None, description="the part's fraction of the line")
    pool: str = Field(description="exact amount of the line split by this basis")
    quantity: str = Field(description="this participant's units or weight (1 for equal)")
    presence: str | None = Field(default=None, description="days or degree days present, when prorated")
    total: str = Field(description="sum over participants of quantity x presence")
    rate: str = Field(description="pool / total: price per unit of quantity x presence")
    exact: str = Field(description="pool x quantity x presence / total, before rounding")


class LineShareOut(_Strict):
    name: str
    amount: str
    exact: str = Field(description="exact share of the line before rounding")
    rounding: int = Field(description="minor units added by the largest-remainder step (0 or 1)")
    parts: list[PartShareOut]
    explanation: str


class ShareOut(_Strict):
    id: str
    amount: str
    lines: list[LineShareOut]
    breakdown: dict[str, PartShareOut] | None = Field(default=None, description="simple contract: parts by label")


class LineTotalOut(_Strict):
    name: str
    amount: str
    allocated: str


class SplitPreviewResponse(_Strict):
    currency: str
    total: str
    allocated: str = Field(description="total minus what the owner absorbs (common deduction, unmetered)")
    lines: list[LineTotalOut]
    shares: list[ShareOut]


class TransferOut(_Strict):
    payer: str = Field(alias="from")
    payee: str = Field(alias="to")
    amount: str


class SettlementPreviewResponse(_Strict):
    currency: str
    transfers: list[TransferOut]
    count: int
