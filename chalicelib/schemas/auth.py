"""Request and response models of the auth and profile routes."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, RootModel

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


class TokenPair(BaseModel):
    access_token: str
    refresh_token: str
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


class LoginResult(RootModel[TokenPair | MfaChallenge]):
    """Tokens, or (with 2FA on) a challenge to answer at ``POST /auth/mfa/verify``."""


class RefreshRequest(StrictModel):
    refresh_token: OpaqueToken


class LogoutRequest(StrictModel):
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
    refresh_token: str
    token_type: Literal["Bearer"] = "Bearer"  # noqa: S105 (a scheme name)
    expires_in: int


class MfaMethodChange(StrictModel):
    method: Literal["totp", "sms", "email"]
    enabled: bool
    password: Password


class PasswordChange(StrictModel):
    current_password: Password
    new_password: Password


class PasswordReset(StrictModel):
    email: Email
    code: OneTimeCode | None = None
    token: OpaqueToken | None = None
    new_password: Password


class PasswordConfirmation(StrictModel):
    password: Password


class EmailChange(StrictModel):
    new_email: Email
    password: Password


class NotificationPreferences(StrictModel):
    channels: list[Literal["email", "sms", "voice"]] | None = None
    reading_reminders: bool | None = None
    payment_reminders: bool | None = None
    quiet_hours_start: int | None = None
    quiet_hours_end: int | None = None


class ProfileUpdate(StrictModel):
    name: Name | None = None
    phone: Phone | None = None
    locale: Locale | None = None
    timezone: TimeZoneName | None = None
    notification_preferences: NotificationPreferences | None = None


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
