"""Request and response models of bills, payments, balances, settlement and tariffs of a group.

A bill takes the same rule fields and lines as ``POST /splits/preview`` (``chalicelib.schemas.splits``); the currency
is the group's, and participants with their weights, presence and consumption come from the group unless the request
gives them. Amounts are decimal strings, never JSON numbers. ``to_command`` / ``to_terms`` map a request into what the
services take (``chalicelib.domain.commands``).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field, StringConstraints

from chalicelib.domain.commands import (
    BillTerms,
    ChangeBill,
    PriceBlock,
    RecordPayment,
    SetSettlementPolicy,
    SetTariff,
)
from chalicelib.schemas.common import DecimalString, Label
from chalicelib.schemas.splits import (
    MAX_LINES,
    MAX_PARTICIPANTS,
    LineIn,
    LineRuleIn,
    MethodName,
    ParticipantIn,
    SpanIn,
    TransferOut,  # the same transfer as the settle-up preview
    _Strict,
    charge_terms,
)

BillState = Literal["draft", "review", "issued"]
Direction = Literal["charge", "credit"]
Consumption = dict[Label, DecimalString | dict[Label, DecimalString]]


class _BillFields(LineRuleIn):
    """What a bill is made of. With neither ``method`` nor ``lines`` the group's default allocation key applies."""

    title: Label | None = None
    period: SpanIn | None = Field(default=None, description="billing period, both dates included, group's zone")
    total: DecimalString | None = Field(default=None, description="the utility's total; with lines, their sum")
    method: MethodName | None = None
    lines: list[LineIn] | None = Field(default=None, min_length=1, max_length=MAX_LINES)
    participants: list[ParticipantIn] | None = Field(
        default=None, max_length=MAX_PARTICIPANTS,
        description="explicit participants (preview shape); default: the group's members as of the period",
    )
    presence: dict[Label, Annotated[list[SpanIn], Field(max_length=50)]] | None = Field(
        default=None, max_length=MAX_PARTICIPANTS,
        description="stays by participant (user id), overriding the membership history; [] = present no day",
    )
    consumption: Consumption | None = Field(
        default=None, max_length=MAX_PARTICIPANTS,
        description="units by participant (user id), overriding the meter readings of the period",
    )
    payee: Label | None = Field(
        default=None, description='who the shares are owed to: "utility" (default) or the member who paid the bill'
    )

    def to_terms(self) -> BillTerms:
        return BillTerms(
            title=self.title, period=None if self.period is None else self.period.to_span(),
            charges=charge_terms(self, self.method, self.total, self.lines),
            participants=None if self.participants is None else tuple(p.to_terms() for p in self.participants),
            presence=None if self.presence is None else {
                who: tuple(stay.to_span() for stay in stays) for who, stays in self.presence.items()
            },
            consumption=self.consumption, payee=self.payee,
        )


class BillCreate(_BillFields):
    period: SpanIn = Field(description="billing period, both dates included, in the group's time zone")


class BillUpdate(_BillFields):
    """Only the fields sent change; ``null`` clears an optional field. Drafts only."""

    version: int | None = Field(default=None, ge=1)

    def to_command(self) -> ChangeBill:
        return ChangeBill(terms=self.to_terms(), sent=frozenset(self.model_fields_set - {"version"}))


class AdjustmentCreate(_BillFields):
    """A correcting bill for an issued one: ``charge`` adds to what people owe, ``credit`` gives it back."""

    direction: Direction = "charge"


class PaymentCreate(_Strict):
    payer: Label = Field(alias="from", description='user id of who paid, or "utility"')
    payee: Label = Field(alias="to", description='user id of who received it, or "utility" (paid the utility directly)')
    amount: DecimalString
    bill_id: Label | None = Field(default=None, description="the bill whose share this pays, if any")
    note: Annotated[str, StringConstraints(max_length=200)] | None = None

    def to_command(self) -> RecordPayment:
        return RecordPayment(payer=self.payer, payee=self.payee, amount=self.amount, bill_id=self.bill_id,
                             note=self.note)


class SettlementPolicy(_Strict):
    mode: Literal["minimal", "bill_holder"]
    payee: Label | None = Field(default=None, description="bill_holder: the user id everyone settles with")

    def to_command(self) -> SetSettlementPolicy:
        return SetSettlementPolicy(mode=self.mode, payee=self.payee)


class BlockIn(_Strict):
    price: DecimalString = Field(description="price per unit in currency units, e.g. 0.30")
    up_to: DecimalString | None = Field(default=None, description="running total of units this block covers")


class TariffIn(_Strict):
    billed_by: Literal["invoice", "tariff"] = Field(
        description="tariff: bills are drafted from readings and these prices; invoice: from the utility's invoice"
    )
    prices: dict[Label, list[BlockIn]] = Field(
        default_factory=dict, max_length=10,
        description='blocks per meter kind; "" or the group unit for a single meter kind',
    )
    standing_charge: DecimalString | None = Field(default=None, description="per billing period, before tax")
    tax_rate: DecimalString | None = Field(default=None, description="e.g. 0.19")
    version: int | None = Field(default=None, ge=1)

    def to_command(self) -> SetTariff:
        return SetTariff(
            billed_by=self.billed_by, standing_charge=self.standing_charge, tax_rate=self.tax_rate,
            prices={kind: tuple(PriceBlock(price=b.price, up_to=b.up_to) for b in blocks)
                    for kind, blocks in self.prices.items()},
        )


# -- responses (documentation of the dicts the services return) -------------------------------------------------------


class BillShareOut(BaseModel):
    participant: str
    amount: str
    due_on: str | None
    status: str | None = None
    paid: str | None = None
    lines: list[dict[str, Any]]
    explanation: str


class BillOut(BaseModel):
    id: str
    group_id: str
    state: BillState
    kind: Literal["bill", "adjustment"]
    direction: Direction
    adjusts: str | None
    title: str | None
    period: dict[str, str]
    currency: str
    payee: str
    inputs: dict[str, Any]
    estimated: bool
    estimated_participants: list[str] = Field(description="whose consumption is an estimate")
    source: str
    problem: str | None = Field(description="why a drafted bill cannot be reviewed yet (incomplete inputs)")
    needs_amounts: bool = Field(description="a draft copied from the last bill waits for this period's amounts")
    total: str | None
    allocated: str | None
    lines: list[dict[str, Any]] | None
    shares: list[BillShareOut] | None
    issued_at: str | None
    due_on: str | None
    is_settled: bool
    created_at: str
    updated_at: str
    version: int


class BillPage(BaseModel):
    items: list[BillOut]
    next_cursor: str | None


class PaymentOut(BaseModel):
    id: str
    payer: str = Field(alias="from")
    payee: str = Field(alias="to")
    amount: str
    bill_id: str | None
    note: str | None
    recorded_by: str
    recorded_at: str


class PaymentPage(BaseModel):
    items: list[PaymentOut]
    next_cursor: str | None


class BalanceOut(BaseModel):
    participant: str
    owed: str
    owed_to: str
    paid: str
    received: str
    balance: str


class BalancesOut(BaseModel):
    currency: str
    balances: list[BalanceOut]


class SettlementOut(BaseModel):
    currency: str
    mode: Literal["minimal", "bill_holder"]
    payee: str | None
    transfers: list[TransferOut]
    count: int


class TariffOut(BaseModel):
    billed_by: Literal["invoice", "tariff"]
    prices: dict[str, list[dict[str, Any]]]
    standing_charge: str | None
    tax_rate: str | None
    settlement: dict[str, Any]
    next_draft_at: str | None = Field(description="when the bill-drafts job next drafts this group's bill")
    version: int
