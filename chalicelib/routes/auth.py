"""Route group ``auth``: registration, verification, sign-in, token refresh, sign-out, passwords."""

from __future__ import annotations

from typing import Any

from chalice.app import Blueprint

from chalicelib.http import RequestContext, route, token_cookie
from chalicelib.schemas.auth import (
    Accepted,
    EmailOnly,
    LoginRequest,
    LoginResult,
    PasswordChange,
    PasswordReset,
    RefreshRequest,
    RegisterRequest,
    TokenPair,
    VerifyEmailRequest,
)
from chalicelib.services import accounts, login, passwords, sessions
from chalicelib.services.throttle import throttle

bp = Blueprint(__name__)
TAGS = ("auth",)


@route(bp, "/auth/register", "POST", body=RegisterRequest, response=Accepted, status=201, auth=False, tags=TAGS,
       summary="Create an account; a verification code goes to the email (and phone)", errors=(400, 429))
def register(ctx: RequestContext, body: RegisterRequest) -> dict[str, str]:
    accounts.register(ctx.container, body.to_command(), client_ip=ctx.client_ip)
    return {"status": "verification_sent"}


@route(bp, "/auth/verify-email", "POST", body=VerifyEmailRequest, response=Accepted, auth=False, tags=TAGS,
       summary="Confirm an email address with its code or link token", errors=(400, 429))
def verify_email(ctx: RequestContext, body: VerifyEmailRequest) -> dict[str, str]:
    accounts.verify_email(ctx.container, email=body.email, code=body.code, token=body.token)
    return {"status": "verified"}


@route(bp, "/auth/verify-email/resend", "POST", body=EmailOnly, response=Accepted, status=202, auth=False,
       tags=TAGS, summary="Send a new verification code (same answer for unknown addresses)", errors=(400, 429))
def resend_verification(ctx: RequestContext, body: EmailOnly) -> dict[str, str]:
    accounts.resend_verification(ctx.container, body.email, client_ip=ctx.client_ip)
    return {"status": "verification_sent"}


@route(bp, "/auth/login", "POST", body=LoginRequest, response=LoginResult, auth=False, tags=TAGS,
       refresh_cookie="issue", summary="Sign in with email and password; answers with tokens or an MFA challenge",
       errors=(400, 401, 403, 429))
def sign_in(ctx: RequestContext, body: LoginRequest) -> dict[str, Any]:
    return login.login(ctx.container, body.email, body.password, client_ip=ctx.client_ip, user_agent=ctx.user_agent)


@route(bp, "/auth/refresh", "POST", body=RefreshRequest, response=TokenPair, auth=False, tags=TAGS,
       refresh_cookie="rotate", errors=(400, 401, 403, 429),
       summary="Rotate the refresh token (body, or the sm_refresh cookie); reusing an old one revokes the session")
def refresh(ctx: RequestContext, body: RefreshRequest) -> dict[str, Any]:
    throttle(ctx.container, "refresh:ip", ctx.client_ip)
    return sessions.refresh(ctx.container, token_cookie.refresh_token_from(ctx.request, body.refresh_token))


@route(bp, "/auth/logout", "POST", status=204, tags=TAGS, refresh_cookie="clear",
       summary="Sign out this session: its access and refresh tokens stop working", errors=(401,))
def logout(ctx: RequestContext) -> None:
    sessions.logout(ctx.container, ctx.require_principal())


@route(bp, "/auth/logout-all", "POST", status=204, tags=TAGS, summary="Sign out every session of this account",
       errors=(401,), refresh_cookie="clear")
def logout_all(ctx: RequestContext) -> None:
    sessions.revoke_all(ctx.container, ctx.require_principal().user_id, reason="logout-all")


@route(bp, "/auth/password/change", "POST", body=PasswordChange, response=TokenPair, tags=TAGS, refresh_cookie="issue",
       summary="Change the password; every session is signed out and this one renewed", errors=(400, 401, 429))
def change_password(ctx: RequestContext, body: PasswordChange) -> dict[str, Any]:
    return passwords.change_password(
        ctx.container, ctx.require_principal(), body.to_command(), client_ip=ctx.client_ip, user_agent=ctx.user_agent
    )


@route(bp, "/auth/password/forgot", "POST", body=EmailOnly, response=Accepted, status=202, auth=False, tags=TAGS,
       summary="Email a password reset code and link (same answer for unknown addresses)", errors=(400, 429))
def forgot_password(ctx: RequestContext, body: EmailOnly) -> dict[str, str]:
    passwords.request_password_reset(ctx.container, body.email, client_ip=ctx.client_ip)
    return {"status": "reset_sent"}


@route(bp, "/auth/password/reset", "POST", body=PasswordReset, status=204, auth=False, tags=TAGS,
       summary="Set a new password with the reset code or link; sign in afterwards (2FA still applies)",
       errors=(400, 429))
def reset_password(ctx: RequestContext, body: PasswordReset) -> None:
    passwords.reset_password(ctx.container, body.to_command())

