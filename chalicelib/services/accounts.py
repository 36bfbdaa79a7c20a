"""Accounts: registration, email verification, asking for the password again, security notices, disabling.

No answer reveals whether an email is registered (ASVS V6.3.8): registration answers the same for known and unknown
addresses, and the owner of a known address is told by email instead. The profile and contact changes are
``services.profiles``, password change and reset ``services.passwords``, the users collection ``services.users``.
"""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING

from chalicelib.adapters.store.port import DuplicateKey
from chalicelib.domain.errors import AuthenticationFailed, Conflict, Forbidden, ValidationFailed
from chalicelib.domain.passwords import check_password
from chalicelib.domain.timestamps import utc_iso
from chalicelib.domain.timezones import check_time_zone
from chalicelib.observability import record_event
from chalicelib.services import app_links, challenges, sessions
from chalicelib.services.notifications import notify_user
from chalicelib.services.throttle import is_allowed, throttle
from chalicelib.services.users import (
    DEFAULT_PREFERENCES,
    find_by_email,
    get_user,
    normalize_email,
    update_user,
    user_collection,
)

if TYPE_CHECKING:
    from chalicelib.adapters.store.port import Document
    from chalicelib.bootstrap import Container
    from chalicelib.domain.commands import Register
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
            security_notice(container, existing, "existing-account")  # never a 503 that a new address would not get
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
    update_user(container, user, {"email_verified": True})
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


def reauthenticate(container: Container, user: Document, password: str) -> None:
    """Ask for the password again before a sensitive change, throttled per account like a login (ASVS V6.3.1)."""
    throttle(container, "reauth:account", user["_id"])
    if not container.passwords.verify(user["password_hash"], password):
        raise AuthenticationFailed("the password is wrong")


def disable_account(container: Container, principal: Principal, password: str) -> None:
    user = get_user(container, principal.user_id)
    reauthenticate(container, user, password)
    update_user(container, user, {"status": "disabled"})
    sessions.revoke_all(container, user["_id"], reason="account-disabled")
    security_notice(container, user, "account-disabled")
    record_event("user.disabled", user_id=user["_id"])


def security_notice(container: Container, user: Document, template: str) -> None:
    """A security notice to the account email, after the change it reports has happened: a refusal is logged there,
    never turned into an error for a change that was made."""
    notify_user(container, user, template, context="accounts", to_account_email=True)


