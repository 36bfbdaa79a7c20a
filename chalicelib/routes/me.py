"""Route group ``me``: the signed-in user's profile, preferences and account."""

from __future__ import annotations

from typing import Any

from chalice.app import Blueprint

from chalicelib.http import Reply, RequestContext, route
from chalicelib.schemas.auth import Accepted, CodeRequest, EmailChange, PasswordConfirmation, Profile, ProfileUpdate
from chalicelib.services import accounts, profiles

bp = Blueprint(__name__)
TAGS = ("profile",)


@route(bp, "/me", "GET", response=Profile, tags=TAGS, summary="The signed-in user's profile", errors=(401,))
def get_profile(ctx: RequestContext) -> dict[str, Any]:
    return profiles.get_profile(ctx.container, ctx.require_principal())


@route(bp, "/me", "PATCH", body=ProfileUpdate, response=Profile, tags=TAGS,
       summary="Change name, phone, locale, time zone or notification preferences", errors=(400, 401, 409))
def update_profile(ctx: RequestContext, body: ProfileUpdate) -> dict[str, Any]:
    return profiles.update_profile(ctx.container, ctx.require_principal(), body.to_command())


@route(bp, "/me/phone/verify", "POST", body=CodeRequest, response=Profile, tags=TAGS,
       summary="Confirm the phone number with the SMS code", errors=(400, 401, 429))
def verify_phone(ctx: RequestContext, body: CodeRequest) -> dict[str, Any]:
    return profiles.verify_phone(ctx.container, ctx.require_principal(), body.code)


@route(bp, "/me/email", "POST", body=EmailChange, response=Accepted, status=202, tags=TAGS,
       summary="Change the email address: a code goes to the new address (password required)", errors=(400, 401, 429))
def change_email(ctx: RequestContext, body: EmailChange) -> Reply:
    profiles.request_email_change(ctx.container, ctx.require_principal(), body.new_email, body.password)
    return Reply({"status": "code_sent"}, status=202)


@route(bp, "/me/email/verify", "POST", body=CodeRequest, response=Profile, tags=TAGS,
       summary="Confirm the new email address with its code; the old address is told", errors=(400, 401, 409, 429))
def confirm_email(ctx: RequestContext, body: CodeRequest) -> dict[str, Any]:
    return profiles.confirm_email_change(ctx.container, ctx.require_principal(), body.code)


@route(bp, "/me/disable", "POST", body=PasswordConfirmation, status=204, tags=TAGS,
       summary="Disable this account and sign out everywhere (password required)", errors=(400, 401))
def disable(ctx: RequestContext, body: PasswordConfirmation) -> None:
    accounts.disable_account(ctx.container, ctx.require_principal(), body.password)
