"""Route group ``twofa``: finishing a sign-in with a second factor, and managing second factors."""

from __future__ import annotations

from typing import Any

from chalice.app import Blueprint

from chalicelib.http import RequestContext, route
from chalicelib.schemas.auth import (
    Accepted,
    CodeRequest,
    MfaMethodChange,
    MfaSendRequest,
    MfaVerifyRequest,
    PasswordConfirmation,
    RecoveryCodes,
    TokenPair,
    TotpSetup,
)
from chalicelib.services import login, mfa

bp = Blueprint(__name__)
TAGS = ("two-factor",)


@route(bp, "/auth/mfa/send", "POST", body=MfaSendRequest, response=Accepted, status=202, auth=False, tags=TAGS,
       summary="Send an SMS or email sign-in code for this login attempt", errors=(400, 401, 429))
def send_code(ctx: RequestContext, body: MfaSendRequest) -> dict[str, str]:
    login.send_code(ctx.container, body.mfa_token, body.method)
    return {"status": "code_sent"}


@route(bp, "/auth/mfa/verify", "POST", body=MfaVerifyRequest, response=TokenPair, auth=False, tags=TAGS,
       refresh_cookie="issue", summary="Finish signing in with a TOTP, SMS, email or recovery code",
       errors=(400, 401, 429))
def verify(ctx: RequestContext, body: MfaVerifyRequest) -> dict[str, Any]:
    return login.verify(ctx.container, body.to_command(), client_ip=ctx.client_ip, user_agent=ctx.user_agent)


@route(bp, "/auth/totp/setup", "POST", body=PasswordConfirmation, response=TotpSetup, tags=TAGS,
       summary="Start authenticator-app enrolment (password required): secret, otpauth URI, QR code",
       errors=(400, 401, 429))
def setup_totp(ctx: RequestContext, body: PasswordConfirmation) -> dict[str, Any]:
    return mfa.setup_totp(ctx.container, ctx.require_principal(), body.password)


@route(bp, "/auth/totp/confirm", "POST", body=CodeRequest, response=RecoveryCodes, tags=TAGS, refresh_cookie="issue",
       summary="Turn the authenticator app on with a first code; returns recovery codes once", errors=(400, 401))
def confirm_totp(ctx: RequestContext, body: CodeRequest) -> dict[str, Any]:
    return mfa.confirm_totp(
        ctx.container, ctx.require_principal(), body.code, client_ip=ctx.client_ip, user_agent=ctx.user_agent
    )


@route(bp, "/auth/mfa/methods", "POST", body=MfaMethodChange, response=TokenPair, tags=TAGS, refresh_cookie="issue",
       summary="Turn SMS or email codes on or off, or the authenticator app off (password required)",
       errors=(400, 401))
def change_method(ctx: RequestContext, body: MfaMethodChange) -> dict[str, Any]:
    return mfa.change_method(
        ctx.container, ctx.require_principal(), body.to_command(), client_ip=ctx.client_ip, user_agent=ctx.user_agent
    )
