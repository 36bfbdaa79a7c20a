"""The signed-in user's profile: name, phone, locale, time zone, notification preferences, and changing the email.

A new phone number is confirmed by an SMS code, a new email address by a code sent to it (after the password again);
the old address is told about the change.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from chalicelib.adapters.store.port import DuplicateKey
from chalicelib.domain.errors import ValidationFailed
from chalicelib.domain.timezones import check_time_zone
from chalicelib.observability import record_event
from chalicelib.services import challenges
from chalicelib.services.accounts import EmailTaken, reauthenticate, security_notice
from chalicelib.services.throttle import throttle
from chalicelib.services.users import DEFAULT_PREFERENCES, get_user, normalize_email, profile, update_user

if TYPE_CHECKING:
    from chalicelib.bootstrap import Container
    from chalicelib.domain.commands import ChangeProfile
    from chalicelib.services.sessions import Principal


def verify_phone(container: Container, principal: Principal, code: str) -> dict[str, Any]:
    user = get_user(container, principal.user_id)
    throttle(container, "code-verify:account", user["_id"])
    challenges.consume(container, user_id=user["_id"], purpose="verify-phone", code=code)
    return profile(update_user(container, user, {"phone_verified": True}))


def get_profile(container: Container, principal: Principal) -> dict[str, Any]:
    return profile(get_user(container, principal.user_id))


def update_profile(container: Container, principal: Principal, change: ChangeProfile) -> dict[str, Any]:
    user = get_user(container, principal.user_id)
    given = {"name": change.name, "locale": change.locale, "timezone": change.timezone}
    changes: dict[str, Any] = {name: value for name, value in given.items() if value is not None}
    if change.timezone is not None:
        check_time_zone(change.timezone)
    if change.preferences is not None:
        preferences = {**user.get("notification_preferences", DEFAULT_PREFERENCES)}
        preferences.update(change.preferences.given())
        changes["notification_preferences"] = preferences
    phone_changed = change.phone is not None and change.phone != user.get("phone")
    if phone_changed and change.phone:
        if user.get("mfa", {}).get("sms", {}).get("enabled"):
            raise ValidationFailed("turn off SMS sign-in codes before changing your phone number", field="phone")
        throttle(container, "code-send:recipient", change.phone)  # before saving: a 429 leaves the number as it was
        changes |= {"phone": change.phone, "phone_verified": False}
    updated = update_user(container, user, changes)
    if phone_changed and change.phone:
        challenges.issue(container, user_id=user["_id"], purpose="verify-phone", channel="sms", recipient=change.phone)
        security_notice(container, user, "phone-changed")
    return profile(updated)


def request_email_change(container: Container, principal: Principal, new_email: str, password: str) -> None:
    """Re-authenticate, then send a code to the new address; the address changes only when that code comes back.

    Whether the new address is taken is only told at confirmation, to the person who controls its inbox.
    """
    user = get_user(container, principal.user_id)
    reauthenticate(container, user, password)
    email = normalize_email(new_email)
    throttle(container, "code-send:recipient", email)
    update_user(container, user, {"pending_email": email})
    challenges.issue(container, user_id=user["_id"], purpose="change-email", channel="email", recipient=email)


def confirm_email_change(container: Container, principal: Principal, code: str) -> dict[str, Any]:
    user = get_user(container, principal.user_id)
    throttle(container, "code-verify:account", user["_id"])
    pending = user.get("pending_email")
    if not pending:
        raise ValidationFailed("ask for an email change first (POST /me/email)", field="code")
    challenges.consume(container, user_id=user["_id"], purpose="change-email", code=code)
    try:
        updated = update_user(container, user, {"email": pending, "email_verified": True, "pending_email": None})
    except DuplicateKey:
        update_user(container, user, {"pending_email": None})
        raise EmailTaken("this email address belongs to another account") from None
    security_notice(container, user, "email-changed")  # to the address it was changed from
    record_event("user.email_changed", user_id=user["_id"])
    return profile(updated)
