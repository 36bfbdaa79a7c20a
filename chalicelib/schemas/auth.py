"""Request and response models of the auth and profile routes."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, Field, RootModel, model_validator

from chalicelib.domain.commands import (
    ChangeMfaMethod,
    ChangePassword,
    ChangePreferences,
    ChangeProfile,
    Register,
    ResetPassword,
    VerifySecondFactor,
)
from chalicelib.schemas.common import (
    Email,
    Locale,
    Name,
    OneTimeCode,
    OpaqueToken,
    Password,
    Phone,
    StrictModel,
    TimeZoneName,
)

MfaMethod = Literal["totp", "sms", "email", "recovery"]
CodeChannel = Literal["sms", "email"]


class RegisterRequest(StrictModel):
    email: Email
    password: Password
    name: Name
    phone: Phone | None = None
    locale: Locale = "en"
    timezone: TimeZoneName = "UTC"

    def to_command(self) -> Register:
        return Register(**self.model_dump())


class Accepted(BaseModel):
    status: str


class VerifyEmailRequest(StrictModel):
    email: Email | None = None
    code: OneTimeCode | None = None
    token: OpaqueToken | None = None


class EmailOnly(StrictModel):
    email: Email


class LoginRequest(StrictModel):
    email: Email
    password: Password


REFRESH_TOKEN_FIELD = Field(
    default=None, description="absent when the request sent X-Token-Transport: cookie (the sm_refresh cookie has it)"
)


class TokenPair(BaseModel):
    access_token: str
    refresh_token: str | None = REFRESH_TOKEN_FIELD
    token_type: Literal["Bearer"] = "Bearer"  # noqa: S105 (a scheme name)
    expires_in: int


class MfaChallenge(BaseModel):
    mfa_required: Literal[True] = True
    mfa_token: str
    methods: list[MfaMethod]


class MfaSendRequest(StrictModel):
    mfa_token: OpaqueToken
    method: CodeChannel


class MfaVerifyRequest(StrictModel):
    mfa_token: OpaqueToken
    code: OneTimeCode
    method: MfaMethod

    def to_command(self) -> VerifySecondFactor:
        return VerifySecondFactor(mfa_token=self.mfa_token, code=self.code, method=self.method)


class LoginResult(RootModel[TokenPair | MfaChallenge]):
    """Tokens, or (with 2FA on) a challenge to answer at ``POST /auth/mfa/verify``."""


class RefreshRequest(StrictModel):
    """``{}`` from a browser: with ``X-Token-Transport: cookie`` the ``sm_refresh`` cookie carries the token."""

    refresh_token: OpaqueToken | None = None


class TotpSetup(BaseModel):
    secret: str
    otpauth_uri: str
    qr_svg: str


class CodeRequest(StrictModel):
    code: OneTimeCode


class RecoveryCodes(BaseModel):
    recovery_codes: list[str]
    access_token: str
    refresh_token: str | None = REFRESH_TOKEN_FIELD
    token_type: Literal["Bearer"] = "Bearer"  # noqa: S105 (a scheme name)
    expires_in: int


class MfaMethodChange(StrictModel):
    method: Literal["totp", "sms", "email"]
    enabled: bool
    password: Password

    def to_command(self) -> ChangeMfaMethod:
        return ChangeMfaMethod(method=self.method, enabled=self.enabled, password=self.password)


class PasswordChange(StrictModel):
    current_password: Password
    new_password: Password

    def to_command(self) -> ChangePassword:
        return ChangePassword(current_password=self.current_password, new_password=self.new_password)


class PasswordReset(StrictModel):
    email: Email
    code: OneTimeCode | None = None
    token: OpaqueToken | None = None
    new_password: Password

    def to_command(self) -> ResetPassword:
        return ResetPassword(email=self.email, code=self.code, token=self.token, new_password=self.new_password)


class PasswordConfirmation(StrictModel):
    password: Password


class EmailChange(StrictModel):
    new_email: Email
    password: Password


Hour = Annotated[int, Field(ge=0, le=23)]


class NotificationPreferences(StrictModel):
    channels: list[Literal["email", "sms"]] | None = Field(default=None, min_length=1, max_length=2)
    reading_reminders: bool | None = None
    payment_reminders: bool | None = None
    quiet_hours_start: Hour | None = None
    quiet_hours_end: Hour | None = None

    @model_validator(mode="after")
    def _quiet_hours_leave_time_to_send(self) -> NotificationPreferences:
        if self.quiet_hours_start is not None and self.quiet_hours_start == self.quiet_hours_end:
            raise ValueError("quiet hours must start and end at different hours")
        return self

    def to_command(self) -> ChangePreferences:
        return ChangePreferences(
            channels=None if self.channels is None else tuple(self.channels), reading_reminders=self.reading_reminders,
            payment_reminders=self.payment_reminders, quiet_hours_start=self.quiet_hours_start,
            quiet_hours_end=self.quiet_hours_end,
        )


class ProfileUpdate(StrictModel):
    name: Name | None = None
    phone: Phone | None = None
    locale: Locale | None = None
    timezone: TimeZoneName | None = None
    notification_preferences: NotificationPreferences | None = None

    def to_command(self) -> ChangeProfile:
        preferences = self.notification_preferences
        return ChangeProfile(name=self.name, phone=self.phone, locale=self.locale, timezone=self.timezone,
                             preferences=None if preferences is None else preferences.to_command())


class Profile(BaseModel):
    id: str
    email: str
    email_verified: bool
    name: str
    phone: str | None
    phone_verified: bool
    locale: str
    timezone: str
    mfa_methods: list[str]
    notification_preferences: dict[str, object]
    created_at: str
