"""What each use case is asked to do: plain, validated values, free of any transport.

The HTTP edge maps each of its pydantic request models into one of these (``to_command`` on the model) and a service
takes it, so no service knows a request model and a job can ask for the same thing without one. A command
that changes only what was sent (a PATCH) says which fields were sent in ``sent``; ``None`` in a sent field means
"clear it".
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from chalicelib.domain.proration import Span
from chalicelib.domain.split_terms import ChargeTerms, ParticipantTerms


@dataclass(frozen=True, kw_only=True)
class Changes:
    """Base of a partial change: ``sent`` names the fields the request set."""

    sent: frozenset[str] = frozenset()

    def sent_values(self) -> dict[str, Any]:
        """The sent fields and their values (``None``: clear it), by name."""
        return {name: getattr(self, name) for name in sorted(self.sent)}


# -- accounts ----------------------------------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class Register:
    email: str
    password: str
    name: str
    phone: str | None
    locale: str
    timezone: str


@dataclass(frozen=True, kw_only=True)
class ChangePreferences:
    """Notification preferences to change; ``None`` leaves one as it is."""

    channels: tuple[str, ...] | None = None
    reading_reminders: bool | None = None
    payment_reminders: bool | None = None
    quiet_hours_start: int | None = None
    quiet_hours_end: int | None = None

    def given(self) -> dict[str, Any]:
        """The preferences to set, as stored (``channels`` a list)."""
        values = {"channels": None if self.channels is None else list(self.channels),
                  "reading_reminders": self.reading_reminders, "payment_reminders": self.payment_reminders,
                  "quiet_hours_start": self.quiet_hours_start, "quiet_hours_end": self.quiet_hours_end}
        return {name: value for name, value in values.items() if value is not None}


@dataclass(frozen=True, kw_only=True)
class ChangeProfile:
    """Profile fields to change; ``None`` leaves one as it is."""

    name: str | None = None
    phone: str | None = None
    locale: str | None = None
    timezone: str | None = None
    preferences: ChangePreferences | None = None


@dataclass(frozen=True, kw_only=True)
class ChangePassword:
    current_password: str
    new_password: str


@dataclass(frozen=True, kw_only=True)
class ResetPassword:
    """A new password with the emailed code or the link's token (one of them)."""

    email: str
    code: str | None
    token: str | None
    new_password: str


@dataclass(frozen=True, kw_only=True)
class VerifySecondFactor:
    mfa_token: str
    code: str
    method: str


@dataclass(frozen=True, kw_only=True)
class ChangeMfaMethod:
    method: str
    enabled: bool
    password: str


# -- groups and members ------------------------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class CreateGroup:
    name: str
    utility_type: str
    unit: str
    currency: str
    billing_cycle: str
    billing_cycle_days: int | None
    default_allocation_key: str
    reading_window_days: int
    payment_terms_days: int
    timezone: str


@dataclass(frozen=True, kw_only=True)
class ChangeGroup(Changes):
    name: str | None = None
    utility_type: str | None = None
    unit: str | None = None
    currency: str | None = None
    billing_cycle: str | None = None
    billing_cycle_days: int | None = None
    default_allocation_key: str | None = None
    reading_window_days: int | None = None
    payment_terms_days: int | None = None
    timezone: str | None = None


@dataclass(frozen=True, kw_only=True)
class ChangeWeights(Changes):
    """Allocation weights as exact decimal strings; a sent ``None`` clears one."""

    area: str | None = None
    occupants: str | None = None
    custom: str | None = None


@dataclass(frozen=True, kw_only=True)
class ChangeMember(Changes):
    weights: ChangeWeights | None = None
    sub_meter_id: str | None = None


@dataclass(frozen=True, kw_only=True)
class Invite:
    """Invite by email or by phone (exactly one)."""

    email: str | None
    phone: str | None
    role: str
    weights: ChangeWeights | None


# -- meters ------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class AddMeter:
    serial: str
    kind: str
    unit: str
    digits: int | None
    multiplier: str
    participant_id: str | None
    installed_at: datetime
    removed_at: datetime | None
    initial_value: str | None
    replaces: str | None


@dataclass(frozen=True, kw_only=True)
class ChangeMeter(Changes):
    """``version``: the meter version the change is based on (None: not checked)."""

    serial: str | None = None
    unit: str | None = None
    digits: int | None = None
    multiplier: str | None = None
    participant_id: str | None = None
    installed_at: datetime | None = None
    removed_at: datetime | None = None
    initial_value: str | None = None
    version: int | None = None


# -- bills, payments, billing ------------------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class BillTerms:
    """What a bill request says: its charges and, optionally, who shares them and how.

    Without ``participants`` the group's paying members of the period share the bill; ``presence`` (user id -> stays)
    and ``consumption`` (user id -> units) override what the membership history and the meter readings say.
    """

    title: str | None = None
    period: Span | None = None
    charges: ChargeTerms = field(default_factory=ChargeTerms)
    participants: tuple[ParticipantTerms, ...] | None = None
    presence: Mapping[str, tuple[Span, ...]] | None = None
    consumption: Mapping[str, str | Mapping[str, str]] | None = None
    payee: str | None = None


@dataclass(frozen=True, kw_only=True)
class ChangeBill(Changes):
    """A draft's changes: the fields named in ``sent`` (request names: ``total``, ``lines``, ``participants`` ...)
    take their value in ``terms``."""

    terms: BillTerms


@dataclass(frozen=True, kw_only=True)
class RecordPayment:
    payer: str
    payee: str
    amount: str
    bill_id: str | None
    note: str | None


@dataclass(frozen=True, kw_only=True)
class PriceBlock:
    """A price per unit (currency units) for consumption up to ``up_to`` units in total (None: no limit)."""

    price: str
    up_to: str | None


@dataclass(frozen=True, kw_only=True)
class SetTariff:
    billed_by: str
    prices: Mapping[str, tuple[PriceBlock, ...]]
    standing_charge: str | None
    tax_rate: str | None


@dataclass(frozen=True, kw_only=True)
class SetSettlementPolicy:
    mode: str
    payee: str | None


@dataclass(frozen=True, kw_only=True)
class SettleUp:
    """Balances (decimal strings, positive: is owed) to settle: minimally, or everyone with ``payee``."""

    currency: str
    balances: Mapping[str, str]
    mode: str
    payee: str | None
