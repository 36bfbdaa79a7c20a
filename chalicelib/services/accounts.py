"""Account use cases: registration, email and phone verification, profile, password change and reset, disabling.

No answer reveals whether an email is registered (ASVS V6.3.8): registration and reset requests answer the same for
known and unknown addresses, and the owner of a known address is told by email instead.
"""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any

from chalicelib.adapters.store.port import DuplicateKey
from chalicelib.domain.errors import AuthenticationFailed, Conflict, Forbidden, ValidationFailed, VersionConflict
from chalicelib.domain.passwords import check_password
from chalicelib.domain.timestamps import utc_iso
from chalicelib.domain.timezones import check_time_zone
from chalicelib.observability import record_event
from chalicelib.services import app_links, challenges, sessions
from chalicelib.services.concurrency import retry_on_conflict
from chalicelib.services.notifications import notify_user
from chalicelib.services.throttle import is_allowed, throttle
from chalicelib.services.users import (
    DEFAULT_PREFERENCES,
    find_by_email,
    get_user,
    normalize_email,
    profile,
    user_collection,
)

if TYPE_CHECKING:
    from chalicelib.adapters.store.port import Document
    from chalicelib.bootstrap import Container
    from chalicelib.domain.commands import ChangePassword, ChangeProfile, Register, ResetPassword
    from chalicelib.services.sessions import Principal



class EmailTaken(Conflict):
    code = "email-taken"
    title = "Email address already in use"


class EmailNotVerified(Forbidden):
    code = "email-not-verified"
    title = "Email address not verified"


def register(container: Container, request: Register, *, client_ip: str) -> None:
    throttle(container, "register:ip", client_ip)
    email = normalize_email(request.email)
    check_password(request.password, email=email)
    check_time_zone(request.timezone)
    password_hash = container.passwords.hash(request.password)  # hashed even for a known email: same timing
    existing = find_by_email(container, email)
    if existing is not None:
        if is_allowed(container, "code-send:recipient", email):
            _notice(container, existing, "existing-account")  # never a 503 that a new address would not get
        return
    now = container.clock()
    user: Document = {
        "_id": uuid.uuid4().hex,
        "email": email,
        "email_verified": False,
        "name": request.name,
        "phone": request.phone,
        "phone_verified": False,
        "locale": request.locale,
        "timezone": request.timezone,
        "password_hash": password_hash,
        "status": "active",
        "mfa": {},
        "notification_preferences": DEFAULT_PREFERENCES,
        "created_at": utc_iso(now),
    }
    try:
        user_collection(container).insert(user)
    except DuplicateKey:  # registered concurrently: answer as for any known email
        return
    record_event("user.registered", user_id=user["_id"])
    challenges.issue(
        container, user_id=user["_id"], purpose="verify-email", channel="email", recipient=email,
        link_page=app_links.VERIFY_EMAIL,
    )
    if request.phone:
        challenges.issue(container, user_id=user["_id"], purpose="verify-phone", channel="sms", recipient=request.phone)


def verify_email(container: Container, *, email: str | None, code: str | None, token: str | None) -> None:
    if token:
        user_id = challenges.consume_link(container, purpose="verify-email", token=token)
        user = get_user(container, user_id)
    elif email and code:
        user_or_none = find_by_email(container, email)
        throttle(container, "code-verify:account", normalize_email(email))
        if user_or_none is None:
            raise challenges.InvalidCode("the code is wrong, used or expired", field="code")
        user = user_or_none
        challenges.consume(container, user_id=user["_id"], purpose="verify-email", code=code)
    else:
        raise ValidationFailed("send either email and code, or the link's token", field="code")
    _update(container, user, {"email_verified": True})
    record_event("user.email_verified", user_id=user["_id"])


def resend_verification(container: Container, email: str, *, client_ip: str) -> None:
    throttle(container, "code-send:ip", client_ip)
    user = find_by_email(container, email)
    if user is None or user["email_verified"] or not is_allowed(container, "code-send:recipient", user["email"]):
        return  # the same answer in every case: nothing tells which addresses have unverified accounts
    challenges.issue(
        container, user_id=user["_id"], purpose="verify-email", channel="email", recipient=user["email"],
        link_page=app_links.VERIFY_EMAIL,
    )


def verify_phone(container: Container, principal: Principal, code: str) -> dict[str, Any]:
    user = get_user(container, principal.user_id)
    throttle(container, "code-verify:account", user["_id"])
    challenges.consume(container, user_id=user["_id"], purpose="verify-phone", code=code)
    return profile(_update(container, user, {"phone_verified": True}))


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
    updated = _update(container, user, changes)
    if phone_changed and change.phone:
        challenges.issue(container, user_id=user["_id"], purpose="verify-phone", channel="sms", recipient=change.phone)
        _notice(container, user, "phone-changed")
    return profile(updated)


def reauthenticate(container: Container, user: Document, password: str) -> None:
    """Ask for the password again before a sensitive change, throttled per account like a login (ASVS V6.3.1)."""
    throttle(container, "reauth:account", user["_id"])
    if not container.passwords.verify(user["password_hash"], password):
        raise AuthenticationFailed("the password is wrong")


def request_email_change(container: Container, principal: Principal, new_email: str, password: str) -> None:
    """Re-authenticate, then send a code to the new address; the address changes only when that code comes back.

    Whether the new address is taken is only told at confirmation, to the person who controls its inbox.
    """
    user = get_user(container, principal.user_id)
    reauthenticate(container, user, password)
    email = normalize_email(new_email)
    throttle(container, "code-send:recipient", email)
    _update(container, user, {"pending_email": email})
    challenges.issue(container, user_id=user["_id"], purpose="change-email", channel="email", recipient=email)


def confirm_email_change(container: Container, principal: Principal, code: str) -> dict[str, Any]:
    user = get_user(container, principal.user_id)
    throttle(container, "code-verify:account", user["_id"])
    pending = user.get("pending_email")
    if not pending:
        raise ValidationFailed("ask for an email change first (POST /me/email)", field="code")
    challenges.consume(container, user_id=user["_id"], purpose="change-email", code=code)
    try:
        updated = _update(container, user, {"email": pending, "email_verified": True, "pending_email": None})
    except DuplicateKey:
        _update(container, user, {"pending_email": None})
        raise EmailTaken("this email address belongs to another account") from None
    _notice(container, user, "email-changed")  # to the address it was changed from
    record_event("user.email_changed", user_id=user["_id"])
    return profile(updated)


def change_password(
    container: Container, principal: Principal, change: ChangePassword, *, client_ip: str, user_agent: str
) -> dict[str, Any]:
    """Re-authenticate with the current password, then replace it and sign out every session (ASVS V6.2.3)."""
    user = get_user(container, principal.user_id)
    reauthenticate(container, user, change.current_password)
    check_password(change.new_password, email=user["email"])
    user = _update(container, user, {"password_hash": container.passwords.hash(change.new_password)})
    sessions.revoke_all(container, user["_id"], reason="password-changed")
    _notice(container, user, "password-changed")
    record_event("user.password_changed", user_id=user["_id"])
    return sessions.start(container, user, client_ip=client_ip, user_agent=user_agent)


def request_password_reset(container: Container, email: str, *, client_ip: str) -> None:
    """Send a reset code and link if the account exists; the answer is the same either way."""
    throttle(container, "code-send:ip", client_ip)
    user = find_by_email(container, email)
    if user is None or user.get("status") == "disabled":
        return
    if not is_allowed(container, "code-send:recipient", user["email"]):
        return
    challenges.issue(
        container, user_id=user["_id"], purpose="password-reset", channel="email", recipient=user["email"],
        link_page=app_links.RESET_PASSWORD, link_query={"email": user["email"]},
    )


def reset_password(container: Container, request: ResetPassword) -> None:
    """Set a new password from a reset code or link. It never signs in: a second factor is still asked at login.

    A successful reset clears the login lockout, so lockout cannot keep the real owner out (ASVS V6.3.1).
    """
    user = find_by_email(container, request.email)
    throttle(container, "reset:account", normalize_email(request.email))
    if user is not None:
        check_password(request.new_password, email=user["email"])  # a refused password does not spend the code
    if request.token:
        user_id = challenges.consume_link(container, purpose="password-reset", token=request.token)
        if user is None or user["_id"] != user_id:
            raise challenges.InvalidCode("the link is invalid, used or expired", field="token")
    elif request.code:
        if user is None:
            raise challenges.InvalidCode("the code is wrong, used or expired", field="code")
        challenges.consume(container, user_id=user["_id"], purpose="password-reset", code=request.code)
    else:
        raise ValidationFailed("send the reset code or the link's token", field="code")
    user = _update(
        container,
        user,
        {"password_hash": container.passwords.hash(request.new_password), "email_verified": True},
    )
    container.lockout.clear(user["email"])  # the login lockout is keyed by the normalized email
    sessions.revoke_all(container, user["_id"], reason="password-reset")
    _notice(container, user, "password-changed")
    record_event("user.password_reset", user_id=user["_id"])


def disable_account(container: Container, principal: Principal, password: str) -> None:
    user = get_user(container, principal.user_id)
    reauthenticate(container, user, password)
    _update(container, user, {"status": "disabled"})
    sessions.revoke_all(container, user["_id"], reason="account-disabled")
    _notice(container, user, "account-disabled")
    record_event("user.disabled", user_id=user["_id"])


def _notice(container: Container, user: Document, template: str) -> None:
    """A security notice to the account email, after the change it reports has happened: a refusal is logged there,
    never turned into an error for a change that was made."""
    notify_user(container, user, template, context="accounts", to_account_email=True)


def _update(container: Container, user: Document, changes: dict[str, Any]) -> Document:
    """Apply ``changes`` (plain field values) to the user, re-reading and retrying if another request changed it."""
    collection = user_collection(container)

    def attempt() -> Document:
        nonlocal user  # the next attempt writes against the version read last
        try:
            return collection.update(user["_id"], changes, expected_version=user["version"])
        except VersionConflict:
            user = get_user(container, user["_id"])
            raise

    return retry_on_conflict(attempt, what="the account")
