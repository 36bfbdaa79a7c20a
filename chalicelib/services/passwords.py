"""Passwords: changing one (the current password again) and resetting a forgotten one by email code or link.

A change or a reset signs out every session (ASVS V6.2.3); a reset never signs in (a second factor is still asked at
login) and clears the login lockout, so the lockout cannot keep the real owner out (ASVS V6.3.1). Asking for a reset
answers the same for known and unknown addresses (ASVS V6.3.8).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from chalicelib.domain.errors import ValidationFailed
from chalicelib.domain.passwords import check_password
from chalicelib.observability import record_event
from chalicelib.services import app_links, challenges, sessions
from chalicelib.services.accounts import reauthenticate, security_notice
from chalicelib.services.throttle import is_allowed, throttle
from chalicelib.services.users import find_by_email, get_user, normalize_email, update_user

if TYPE_CHECKING:
    from chalicelib.bootstrap import Container
    from chalicelib.domain.commands import ChangePassword, ResetPassword
    from chalicelib.services.sessions import Principal


def change_password(
    container: Container, principal: Principal, change: ChangePassword, *, client_ip: str, user_agent: str
) -> dict[str, Any]:
    """Re-authenticate with the current password, then replace it and sign out every session (ASVS V6.2.3)."""
    user = get_user(container, principal.user_id)
    reauthenticate(container, user, change.current_password)
    check_password(change.new_password, email=user["email"])
    user = update_user(container, user, {"password_hash": container.passwords.hash(change.new_password)})
    sessions.revoke_all(container, user["_id"], reason="password-changed")
    security_notice(container, user, "password-changed")
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
    user = update_user(
        container,
        user,
        {"password_hash": container.passwords.hash(request.new_password), "email_verified": True},
    )
    container.lockout.clear(user["email"])  # the login lockout is keyed by the normalized email
    sessions.revoke_all(container, user["_id"], reason="password-reset")
    security_notice(container, user, "password-changed")
    record_event("user.password_reset", user_id=user["_id"])
