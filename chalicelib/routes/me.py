"""Route group ``me``: the signed-in user's profile, preferences and account."""

from __future__ import annotations

from typing import Any

from chalice.app import Blueprint

from chalicelib.http import RequestContext, route
from chalicelib.schemas.auth import CodeRequest, PasswordConfirmation, Profile, ProfileUpdate
from chalicelib.services import accounts

bp = Blueprint(__name__)
TAGS = ("profile",)


@route(bp, "/me", "GET", response=Profile, tags=TAGS, summary="The signed-in user's profile", errors=(401,))
def get_profile(ctx: RequestContext) -> dict[str, Any]:
    return accounts.get_profile(ctx.container, ctx.require_principal())


@route(bp, "/me", "PATCH", body=ProfileUpdate, response=Profile, tags=TAGS,
       summary="Change name, phone, locale, time zone or notification preferences", errors=(400, 401, 409))
def update_profile(ctx: RequestContext, body: ProfileUpdate) -> dict[str, Any]:
    return accounts.update_profile(ctx.container, ctx.require_principal(), body)


@route(bp, "/me/phone/verify", "POST", body=CodeRequest, response=Profile, tags=TAGS,
       summary="Confirm the phone number with the SMS code", errors=(400, 401, 429))
def verify_phone(ctx: RequestContext, body: CodeRequest) -> dict[str, Any]:
    return accounts.verify_phone(ctx.container, ctx.require_principal(), body.code)


@route(bp, "/me/disable", "POST", body=PasswordConfirmation, status=204, tags=TAGS,
       summary="Disable this account and sign out everywhere (password required)", errors=(400, 401))
def disable(ctx: RequestContext, body: PasswordConfirmation) -> None:
    accounts.disable_account(ctx.container, ctx.require_principal(), body.password)
