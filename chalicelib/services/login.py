"""Signing in: password check with brute-force protection, then a second factor when the user has one.

Failures answer the same whatever was wrong (unknown email, wrong password), and an unknown email still costs a password
hash (ASVS V6.3.8). A growing per-account lockout and per-IP and per-account rate limits slow guessing (V6.3.1); the
lockout only delays password login, so it cannot keep the owner out of password reset.
"""

from __future__ import annotations

from contextlib import suppress
from typing import TYPE_CHECKING, Any

from chalicelib.adapters.jwt_codec import TokenKind
from chalicelib.adapters.store.port import CollectionSpec
from chalicelib.domain.errors import AuthenticationFailed, Forbidden, NotFound, RateLimited, VersionConflict
from chalicelib.domain.otp import codes_match, verify_totp
from chalicelib.observability import record_event
from chalicelib.services import audit, challenges, sessions
from chalicelib.services.accounts import EmailNotVerified
from chalicelib.services.throttle import throttle
from chalicelib.services.users import find_by_email, get_user, mfa_methods, normalize_email, user_collection

if TYPE_CHECKING:
    from chalicelib.adapters.store.port import Collection, Document
    from chalicelib.bootstrap import Container
    from chalicelib.domain.commands import VerifySecondFactor

PENDING_MFA = CollectionSpec("mfa_attempts", expires_field="expires_at")
MAX_MFA_TRIES = 5
_BAD_LOGIN = "invalid email or password"
_BAD_CODE = "invalid, used or expired code"


class AccountDisabled(Forbidden):
    code = "account-disabled"
    title = "Account disabled"


def _mfa_attempt_collection(container: Container) -> Collection:
    return container.store.collection(PENDING_MFA)


def login(container: Container, email: str, password: str, *, client_ip: str, user_agent: str) -> dict[str, Any]:
    throttle(container, "login:ip", client_ip)
    account_key = normalize_email(email)
    locked_for = container.lockout.locked_for(account_key)
    if locked_for > 0:
        raise RateLimited("too many failed sign-ins; try again later", retry_after_seconds=locked_for)
    user = find_by_email(container, email)
    if user is None:
        container.passwords.dummy_verify()
        container.lockout.record_failure(account_key)
        audit.record_security(container, actor_id=None, event="login.failed", client_ip=client_ip,
                              detail={"email": account_key, "reason": "unknown-account"})
        raise AuthenticationFailed(_BAD_LOGIN)
    if not container.passwords.verify(user["password_hash"], password):
        container.lockout.record_failure(account_key)
        record_event("login.failed", user_id=user["_id"])
        audit.record_security(container, actor_id=user["_id"], event="login.failed", client_ip=client_ip,
                              detail={"reason": "wrong-password"})
        raise AuthenticationFailed(_BAD_LOGIN)
    container.lockout.clear(account_key)
    if user.get("status") == "disabled":
        raise AccountDisabled("this account is disabled")
    if not user["email_verified"]:
        raise EmailNotVerified("verify your email address first; POST /auth/verify-email/resend sends a new code")
    if container.passwords.needs_rehash(user["password_hash"]):
        with suppress(VersionConflict):  # a concurrent login rehashed it first; either hash is right
            user_collection(container).update(
                user["_id"], {"password_hash": container.passwords.hash(password)}, expected_version=user["version"]
            )
    methods = mfa_methods(user)
    if methods:
        return _mfa_challenge(container, user, methods)
    record_event("login.succeeded", user_id=user["_id"], mfa=False)
    audit.record_security(container, actor_id=user["_id"], event="login.succeeded", client_ip=client_ip,
                          detail={"mfa": False})
    return sessions.start(container, user, client_ip=client_ip, user_agent=user_agent)


def _mfa_challenge(container: Container, user: Document, methods: list[str]) -> dict[str, Any]:
    issued = container.tokens.issue(TokenKind.MFA_PENDING, user["_id"], container.settings.mfa_token_ttl, {})
    _mfa_attempt_collection(container).insert(
        {"_id": issued.jti, "user_id": user["_id"], "tries": 0, "expires_at": int(issued.expires_at)}
    )
    return {"mfa_required": True, "mfa_token": issued.token, "methods": methods}


def _attempt(container: Container, mfa_token: str) -> tuple[Document, Document]:
    """The live login attempt behind ``mfa_token`` and its user; a disabled or vanished account ends it (401)."""
    claims = container.tokens.verify(mfa_token, TokenKind.MFA_PENDING)
    attempt = _mfa_attempt_collection(container).get(claims.jti)
    if attempt is None or attempt["user_id"] != claims.sub or attempt["tries"] >= MAX_MFA_TRIES:
        raise AuthenticationFailed("the sign-in attempt expired; sign in again")
    try:
        user = get_user(container, attempt["user_id"])
    except NotFound:
        raise AuthenticationFailed("the sign-in attempt expired; sign in again") from None
    return attempt, user


def send_code(container: Container, mfa_token: str, method: str) -> None:
    """Send an SMS or email sign-in code bound to this login attempt."""
    attempt, user = _attempt(container, mfa_token)
    if method not in mfa_methods(user):
        raise AuthenticationFailed(f"{method} codes are not enabled for this account")
    recipient = user["phone"] if method == "sms" else user["email"]
    throttle(container, "code-send:recipient", recipient)
    challenges.issue(
        container, user_id=user["_id"], purpose="login-code", channel=method, recipient=recipient,  # type: ignore[arg-type]
        bound_to=attempt["_id"],
    )


def verify(container: Container, request: VerifySecondFactor, *, client_ip: str, user_agent: str) -> dict[str, Any]:
    """Finish a login with a second factor. Five wrong codes end the attempt; each code works once."""
    attempt, user = _attempt(container, request.mfa_token)
    throttle(container, "code-verify:account", user["_id"])
    if request.method not in mfa_methods(user) or not _second_factor_ok(container, user, attempt, request):
        _count_try(container, attempt)
        record_event("login.mfa_failed", user_id=user["_id"], method=request.method)
        audit.record_security(container, actor_id=user["_id"], event="login.mfa_failed", client_ip=client_ip,
                              detail={"method": request.method})
        raise AuthenticationFailed(_BAD_CODE)
    try:
        _mfa_attempt_collection(container).delete(attempt["_id"], expected_version=attempt["version"])
    except VersionConflict:
        raise AuthenticationFailed(_BAD_CODE) from None
    record_event("login.succeeded", user_id=user["_id"], mfa=True, method=request.method)
    audit.record_security(container, actor_id=user["_id"], event="login.succeeded", client_ip=client_ip,
                          detail={"mfa": True, "method": request.method})
    return sessions.start(container, user, client_ip=client_ip, user_agent=user_agent)


def _count_try(container: Container, attempt: Document) -> None:
    with suppress(VersionConflict):  # a concurrent try was counted; this one failed anyway
        tries = {"tries": attempt["tries"] + 1}
        _mfa_attempt_collection(container).update(attempt["_id"], tries, expected_version=attempt["version"])


def _second_factor_ok(container: Container, user: Document, attempt: Document, request: VerifySecondFactor) -> bool:
    if request.method == "totp":
        return accept_totp(container, user, request.code)
    if request.method == "recovery":
        return _use_recovery_code(container, user, request.code)
    try:
        challenges.consume(
            container, user_id=user["_id"], purpose="login-code", code=request.code, bound_to=attempt["_id"]
        )
    except challenges.InvalidCode:
        return False
    return True


def accept_totp(container: Container, user: Document, code: str) -> bool:
    """Check a TOTP code and remember its time step, so the same code is refused next time (RFC 6238 5.2)."""
    totp = user.get("mfa", {}).get("totp", {})
    secret = container.cipher.decrypt(totp["secret"], {"user": user["_id"], "field": "totp"})
    step = verify_totp(secret, code, container.clock(), totp.get("last_step"))
    if step is None:
        return False
    mfa = {**user["mfa"], "totp": {**totp, "last_step": step}}
    try:
        user_collection(container).update(user["_id"], {"mfa": mfa}, expected_version=user["version"])
    except VersionConflict:
        return False  # the same code raced another request: only one may use it
    return True


def _use_recovery_code(container: Container, user: Document, code: str) -> bool:
    pepper = container.settings.code_pepper.bytes()
    stored: list[str] = user.get("mfa", {}).get("recovery_codes", [])
    normalized = code.strip().lower()
    remaining = [h for h in stored if not codes_match(h, normalized, pepper)]
    if len(remaining) == len(stored):
        return False
    try:
        user_collection(container).update(
            user["_id"], {"mfa": {**user["mfa"], "recovery_codes": remaining}}, expected_version=user["version"]
        )
    except VersionConflict:
        return False
    return True
