"""Managing second factors: TOTP enrolment with recovery codes, SMS and email codes on or off.

Every change signs out all other sessions and tells the user by email (ASVS V6.2.x / V6.5.x); the caller gets a fresh
session so the device that made the change stays signed in.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from chalicelib.adapters.qr import otpauth_qr_svg_data_uri
from chalicelib.domain.errors import ValidationFailed, VersionConflict
from chalicelib.domain.otp import hash_code, new_recovery_codes, new_totp_secret, provisioning_uri
from chalicelib.observability import record_event
from chalicelib.services import sessions
from chalicelib.services.accounts import reauthenticate
from chalicelib.services.login import accept_totp
from chalicelib.services.notifications import notify_user
from chalicelib.services.users import get_user, user_collection

if TYPE_CHECKING:
    from chalicelib.adapters.store.port import Document
    from chalicelib.bootstrap import Container
    from chalicelib.domain.commands import ChangeMfaMethod
    from chalicelib.services.sessions import Principal

ISSUER = "sharemeter"


def setup_totp(container: Container, principal: Principal, password: str) -> dict[str, Any]:
    """Create a pending TOTP secret (encrypted at rest) and return it with its otpauth URI and QR code.

    Needs the password again: a stolen access token alone must not be able to bind a second factor it controls.
    """
    user = get_user(container, principal.user_id)
    reauthenticate(container, user, password)
    if user.get("mfa", {}).get("totp", {}).get("enabled"):
        raise ValidationFailed("an authenticator app is already set up; turn it off first", field="method")
    secret = new_totp_secret()
    sealed = container.cipher.encrypt(secret, {"user": user["_id"], "field": "totp"})
    _set_mfa(container, user, "totp", {"secret": sealed, "enabled": False})
    uri = provisioning_uri(secret, user["email"], ISSUER)
    return {"secret": secret, "otpauth_uri": uri, "qr_svg": otpauth_qr_svg_data_uri(uri)}


def confirm_totp(
    container: Container, principal: Principal, code: str, *, client_ip: str, user_agent: str
) -> dict[str, Any]:
    """Turn TOTP on with a first valid code; returns recovery codes, shown this once, and a fresh session."""
    user = get_user(container, principal.user_id)
    totp = user.get("mfa", {}).get("totp")
    if not totp or totp.get("enabled"):
        raise ValidationFailed("start with POST /auth/totp/setup", field="code")
    if not accept_totp(container, user, code):
        raise ValidationFailed("the code is wrong or was already used", field="code")
    user = get_user(container, principal.user_id)
    codes = new_recovery_codes()
    pepper = container.settings.code_pepper.bytes()
    mfa = {
        **user["mfa"],
        "totp": {**user["mfa"]["totp"], "enabled": True},
        "recovery_codes": [hash_code(c, pepper) for c in codes],
    }
    user = user_collection(container).update(user["_id"], {"mfa": mfa}, expected_version=user["version"])
    pair = _after_change(container, user, "authenticator app turned on", client_ip=client_ip, user_agent=user_agent)
    return {"recovery_codes": codes, **pair}


def change_method(
    container: Container, principal: Principal, change: ChangeMfaMethod, *, client_ip: str, user_agent: str
) -> dict[str, Any]:
    """Turn SMS or email codes on or off, or TOTP off; needs the password again."""
    user = get_user(container, principal.user_id)
    reauthenticate(container, user, change.password)
    if change.enabled:
        if change.method == "totp":
            raise ValidationFailed("turn TOTP on with /auth/totp/setup and /auth/totp/confirm", field="method")
        if change.method == "sms" and not (user.get("phone") and user.get("phone_verified")):
            raise ValidationFailed("verify a phone number before turning on SMS codes", field="method")
        user = _set_mfa(container, user, change.method, {"enabled": True})
    else:
        mfa = {k: v for k, v in user.get("mfa", {}).items() if k != change.method}
        if not any(v.get("enabled") for k, v in mfa.items() if k in ("totp", "sms", "email")):
            mfa.pop("recovery_codes", None)
        user = user_collection(container).update(user["_id"], {"mfa": mfa}, expected_version=user["version"])
    verb = "turned on" if change.enabled else "turned off"
    return _after_change(container, user, f"{change.method} {verb}", client_ip=client_ip, user_agent=user_agent)


def _set_mfa(container: Container, user: Document, method: str, value: dict[str, Any]) -> Document:
    mfa = {**user.get("mfa", {}), method: value}
    try:
        return user_collection(container).update(user["_id"], {"mfa": mfa}, expected_version=user["version"])
    except VersionConflict:
        raise VersionConflict("your account changed meanwhile; try again") from None


def _after_change(
    container: Container, user: Document, change: str, *, client_ip: str, user_agent: str
) -> dict[str, Any]:
    sessions.revoke_all(container, user["_id"], reason="mfa-changed")
    notify_user(container, user, "mfa-changed", {"change": change}, context="mfa", to_account_email=True)
    record_event("user.mfa_changed", user_id=user["_id"], change=change)
    return sessions.start(container, user, client_ip=client_ip, user_agent=user_agent)
