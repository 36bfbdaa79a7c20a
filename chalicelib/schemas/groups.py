"""Request and response models of groups, participants, invitations and the audit log.

Request models are strict (``StrictModel``: unknown fields refused, no coercion), so a body can set only the fields
named here: never an id, owner list, version counter or role through the back door, and never a ``{"$ne": null}``
where a string, number or enum is expected.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from chalicelib.domain.commands import ChangeGroup, ChangeMember, ChangeWeights, CreateGroup, Invite
from chalicelib.domain.money import DECIMAL_PATTERN
from chalicelib.schemas.common import (
    CurrencyCode,
    Email,
    Name,
    ObjectId,
    OpaqueToken,
    Phone,
    StrictModel,
    TimeZoneName,
    Unit,
)

UtilityType = Literal["electricity", "water", "gas", "heat", "other"]
BillingCycle = Literal["monthly", "quarterly", "custom"]
AllocationKey = Literal["equal", "consumption", "area", "occupants", "custom"]
RoleName = Literal["owner", "admin", "member", "viewer"]
WeightValue = Annotated[str, StringConstraints(max_length=32, pattern=rf"^{DECIMAL_PATTERN}$")]
Cursor = Annotated[str, StringConstraints(min_length=1, max_length=512)]
ReadingWindowDays = Annotated[int, Field(ge=0, le=31)]
PaymentTermsDays = Annotated[int, Field(ge=0, le=120)]
CycleDays = Annotated[int, Field(ge=1, le=366)]
Version = Annotated[int, Field(ge=1)]


class GroupCreate(StrictModel):
    name: Name
    utility_type: UtilityType
    unit: Unit
    currency: CurrencyCode
    billing_cycle: BillingCycle = "monthly"
    billing_cycle_days: CycleDays | None = Field(default=None, description="length of a custom billing cycle")
    default_allocation_key: AllocationKey = "consumption"
    reading_window_days: ReadingWindowDays = Field(default=3, description="days before period end to read meters")
    payment_terms_days: PaymentTermsDays = Field(default=14, description="days from issue until a bill is due")
    timezone: TimeZoneName = "UTC"

    def to_command(self) -> CreateGroup:
        return CreateGroup(**self.model_dump())


class GroupUpdate(StrictModel):
    """Only the fields sent change. ``version`` (or ``If-Match``) is the version the change is based on."""

    name: Name | None = None
    utility_type: UtilityType | None = None
    unit: Unit | None = None
    currency: CurrencyCode | None = None
    billing_cycle: BillingCycle | None = None
    billing_cycle_days: CycleDays | None = None
    default_allocation_key: AllocationKey | None = None
    reading_window_days: ReadingWindowDays | None = None
    payment_terms_days: PaymentTermsDays | None = None
    timezone: TimeZoneName | None = None
    version: Version | None = None

    def to_command(self) -> ChangeGroup:
        return ChangeGroup(**self.model_dump(exclude={"version"}), sent=frozenset(self.model_fields_set - {"version"}))


class Group(BaseModel):
    id: str
    name: str
    utility_type: UtilityType
    unit: str
    currency: str
    billing_cycle: BillingCycle
    billing_cycle_days: int | None
    default_allocation_key: AllocationKey
    reading_window_days: int
    payment_terms_days: int
    timezone: str
    unpaid_bills: int
    your_role: RoleName
    created_at: str
    updated_at: str
    version: int


class GroupPage(BaseModel):
    items: list[Group]
    next_cursor: str | None


class PageQuery(BaseModel):
    """``?cursor=...&limit=...`` (query strings are text, so this model converts ``limit``)."""

    model_config = ConfigDict(extra="forbid")

    cursor: Cursor | None = None
    limit: int = Field(default=50, ge=1, le=100)


class VersionQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    version: int | None = Field(default=None, ge=1)


class WeightsIn(StrictModel):
    """Allocation weights as non-negative decimal strings (``"42.5"``); ``null`` clears one."""

    area: WeightValue | None = None
    occupants: WeightValue | None = None
    custom: WeightValue | None = None

    def to_command(self) -> ChangeWeights:
        return ChangeWeights(**self.model_dump(), sent=frozenset(self.model_fields_set))


class WeightsOut(BaseModel):
    area: str | None
    occupants: str | None
    custom: str | None


class MemberUpdate(StrictModel):
    weights: WeightsIn | None = None
    sub_meter_id: ObjectId | None = None
    version: Version | None = None

    def to_command(self) -> ChangeMember:
        return ChangeMember(weights=None if self.weights is None else self.weights.to_command(),
                            sub_meter_id=self.sub_meter_id, sent=frozenset(self.model_fields_set - {"version"}))


class RoleChange(StrictModel):
    role: RoleName
    version: Version | None = None


class Member(BaseModel):
    user_id: str
    name: str
    role: RoleName
    weights: WeightsOut
    sub_meter_id: str | None
    joined_at: str
    version: int


class MemberPage(BaseModel):
    items: list[Member]
    next_cursor: str | None


class InvitationCreate(StrictModel):
    """Invite by ``email`` or by ``phone`` (E.164), exactly one."""

    email: Email | None = None
    phone: Phone | None = None
    role: RoleName = "member"
    weights: WeightsIn | None = None

    @model_validator(mode="after")
    def _one_recipient(self) -> InvitationCreate:
        if (self.email is None) == (self.phone is None):
            raise ValueError("give exactly one of email or phone")
        return self

    def to_command(self) -> Invite:
        return Invite(email=self.email, phone=self.phone, role=self.role,
                      weights=None if self.weights is None else self.weights.to_command())


class Invitation(BaseModel):
    id: str
    group_id: str
    channel: Literal["email", "sms"]
    recipient: str
    role: RoleName
    status: Literal["pending", "accepted", "declined", "revoked"]
    expires_at: str
    created_at: str


class InvitationPage(BaseModel):
    items: list[Invitation]
    next_cursor: str | None


class InvitationToken(StrictModel):
    token: OpaqueToken


class InvitationPreview(BaseModel):
    """The invitation behind a link, for its page before sign-in (``email``: the invited address, to prefill)."""

    group_name: str
    inviter: str
    role: RoleName
    channel: Literal["email", "sms"]
    email: str | None
    expires_at: str


class Joined(BaseModel):
    group_id: str
    role: RoleName


class AuditEntry(BaseModel):
    seq: int
    at: str
    actor: str | None
    action: str
    target: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    client_ip: str
    prev_hash: str
    hash: str


class AuditPage(BaseModel):
    items: list[AuditEntry]
    next_cursor: str | None


class AuditVerification(BaseModel):
    ok: bool
    entries: int
    first_broken_seq: int | None
    reason: str | None
    head_seq: int
