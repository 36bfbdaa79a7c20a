"""Sessions: JWT access tokens, rotating refresh tokens with reuse detection, and revocation that really revokes.

A session is one refresh-token family (one document). The refresh token is ``<session id>.<secret>``; only a SHA-256 of
the secret is stored. Refreshing rotates the secret; presenting an already-rotated secret is reuse (stolen token) and
revokes the whole family (RFC 9700 4.14.2). Access tokens (15 min) carry the session id; every request checks, in one
round trip to the denylist port (``container.denylist``, Redis), that neither the token's ``jti`` nor its session has
been revoked (ASVS V7.4.1). When the denylist cannot be reached the request is refused with a 503 (fail closed).

Two tabs, one session: tabs share the browser's refresh cookie, so when two of them refresh at once both present the
same secret, and one of them rotates it first. For ``REFRESH_GRACE_SECONDS`` after a rotation the secret it retired
gets the same successor again (with a fresh access token) instead of counting as reuse; after that, it is reuse as
before. The successor is not stored anywhere, not even encrypted: it is derived, ``HMAC(pepper, session id, retired
secret)``, so whoever presents the retired secret within the window (and only they) can be given it again, and the
session document keeps nothing but hashes (its ``grace`` records which hash and until when). Every decision is made on
the one session document and written with its ``version`` (``retry_on_conflict``: a refresh that lost the race decides
again on what the winner wrote), so concurrent refreshes agree without a transaction.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from chalicelib.adapters.jwt_codec import TokenKind
from chalicelib.adapters.store.port import CollectionSpec, Index
from chalicelib.domain.errors import AuthenticationFailed
from chalicelib.domain.timestamps import utc_iso
from chalicelib.observability import record_event
from chalicelib.services.concurrency import retry_on_conflict

if TYPE_CHECKING:
    from chalicelib.adapters.store.port import Collection, Document
    from chalicelib.bootstrap import Container

SESSIONS = CollectionSpec("sessions", indexes=(Index(("user_id",)),), expires_field="expires_at")
REMEMBERED_ROTATIONS = 20
REFRESH_GRACE_SECONDS = 30
_SUCCESSOR_LABEL = b"sharemeter refresh-token successor v1\0"
_INVALID = "invalid or expired token"


@dataclass(frozen=True)
class Principal:
    user_id: str
    session_id: str
    token_id: str
    expires_at: int


def _session_collection(container: Container) -> Collection:
    return container.store.collection(SESSIONS)


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def authenticate(container: Container, access_token: str) -> Principal:
    """Verify an access token (signature, claims, typ) and that it and its session are still live."""
    claims = container.tokens.verify(access_token, TokenKind.ACCESS)
    session_id = str(claims.extra.get("sid", ""))
    if not session_id:
        raise AuthenticationFailed(_INVALID)
    if container.denylist.is_denied(session_id, claims.jti):
        raise AuthenticationFailed(_INVALID)
    return Principal(user_id=claims.sub, session_id=session_id, token_id=claims.jti, expires_at=claims.exp)


def start(container: Container, user: Document, *, client_ip: str, user_agent: str) -> dict[str, Any]:
    """Open a new session for ``user`` and return its first token pair."""
    now = container.clock()
    session_id = uuid.uuid4().hex
    secret = secrets.token_urlsafe(32)
    _session_collection(container).insert(
        {
            "_id": session_id,
            "user_id": user["_id"],
            "secret_hash": _digest(secret),
            "rotated_hashes": [],
            "revoked": False,
            "created_at": utc_iso(now),
            "last_used_at": utc_iso(now),
            "client_ip": client_ip,
            "user_agent": user_agent,
            "expires_at": int(now) + container.settings.refresh_token_ttl,
        }
    )
    record_event("session.started", user_id=user["_id"], session_id=session_id)
    return _token_pair(container, user["_id"], session_id, secret)


def _token_pair(container: Container, user_id: str, session_id: str, secret: str) -> dict[str, Any]:
    ttl = container.settings.access_token_ttl
    access = container.tokens.issue(TokenKind.ACCESS, user_id, ttl, {"sid": session_id})
    return {
        "access_token": access.token,
        "refresh_token": f"{session_id}.{secret}",
        "token_type": "Bearer",
        "expires_in": ttl,
    }


def refresh(container: Container, refresh_token: str) -> dict[str, Any]:
    """Rotate: the presented secret is retired and a new pair issued. Reusing a retired secret revokes the family,
    except within ``REFRESH_GRACE_SECONDS`` of its retirement, which answers with the same successor (module doc)."""
    session_id, _, secret = refresh_token.partition(".")
    if not session_id or not secret:
        raise AuthenticationFailed(_INVALID)
    sessions = _session_collection(container)
    digest = _digest(secret)
    successor = _successor(container, session_id, secret)

    def attempt() -> dict[str, Any]:
        session = sessions.get(session_id)
        if session is None or session["revoked"]:
            raise AuthenticationFailed(_INVALID)
        now = container.clock()
        if hmac.compare_digest(digest, session["secret_hash"]):
            changes = {
                "secret_hash": _digest(successor),
                "rotated_hashes": [*session["rotated_hashes"], digest][-REMEMBERED_ROTATIONS:],
                "grace": {"hash": digest, "until": int(now) + REFRESH_GRACE_SECONDS},
                "last_used_at": utc_iso(now),
            }
            sessions.update(session_id, changes, expected_version=session["version"])
            return _token_pair(container, session["user_id"], session_id, successor)
        if _is_retired_within_grace(session, digest, successor, now):
            record_event("session.refresh_replayed", session_id=session_id)
            return _token_pair(container, session["user_id"], session_id, successor)
        if any(hmac.compare_digest(digest, old) for old in session["rotated_hashes"]):
            revoke(container, session_id, reason="refresh-token-reuse")
        raise AuthenticationFailed(_INVALID)

    return retry_on_conflict(attempt, what="the session")


def _successor(container: Container, session_id: str, secret: str) -> str:
    """The secret that replaces ``secret`` in this session: derived, so a replay within the grace window gets it
    again without it ever being stored (a keyed hash: unpredictable without both the pepper and ``secret``)."""
    message = _SUCCESSOR_LABEL + session_id.encode() + b"\0" + secret.encode()
    mac = hmac.new(container.settings.code_pepper.bytes(), message, hashlib.sha256).digest()
    return base64.urlsafe_b64encode(mac).rstrip(b"=").decode()


def _is_retired_within_grace(session: Document, digest: str, successor: str, now: float) -> bool:
    """``digest`` is the secret this session retired last, less than the grace window ago, for ``successor``."""
    grace = session.get("grace") or {}
    return (
        hmac.compare_digest(digest, str(grace.get("hash", "")))
        and now < float(grace.get("until", 0))
        and hmac.compare_digest(session["secret_hash"], _digest(successor))
    )


def revoke(container: Container, session_id: str, *, reason: str) -> None:
    """End one session: its refresh token stops working now, and its access tokens on their next request."""
    sessions = _session_collection(container)

    def attempt() -> None:
        session = sessions.get(session_id)
        if session is not None and not session["revoked"]:
            changes = {"revoked": True, "revoked_reason": reason}
            sessions.update(session_id, changes, expected_version=session["version"])

    retry_on_conflict(attempt, what="the session")  # never a session left live because refreshes kept winning
    container.denylist.deny_session(session_id, seconds=container.settings.access_token_ttl + 60)
    record_event("session.revoked", session_id=session_id, reason=reason)


def revoke_all(container: Container, user_id: str, *, reason: str) -> None:
    """End every session of the user (password change, 2FA change, account disabled)."""
    cursor: str | None = None
    while True:
        page = _session_collection(container).find_page({"user_id": user_id}, limit=100, cursor=cursor)
        for session in page.items:
            if not session["revoked"]:
                revoke(container, session["_id"], reason=reason)
        cursor = page.next_cursor
        if cursor is None:
            return


def deny_access_token(container: Container, principal: Principal) -> None:
    """Put the access token's ``jti`` on the denylist until it would have expired anyway."""
    remaining = max(1, principal.expires_at - int(container.clock()) + 60)
    container.denylist.deny_token(principal.session_id, principal.token_id, seconds=remaining)


def logout(container: Container, principal: Principal) -> None:
    """End the session, then deny the token too; a logout that failed midway is repeated with the same token."""
    revoke(container, principal.session_id, reason="logout")
    deny_access_token(container, principal)
