"""Signed JWTs for our own tokens, following RFC 8725 (JWT Best Current Practices) and OWASP ASVS 5.0 V9.

What the codec guarantees, each with its source:

* One algorithm, fixed by configuration, never read from the token: HS256 (RFC 8725 §3.1, §3.2; ASVS V9.1.2). ``none``
  and every asymmetric algorithm are refused, so an RS256 token or a "public key as HMAC secret" token cannot be
  accepted (RFC 8725 §2.1, §2.2). The signature is checked before any claim is trusted (ASVS V9.1.1).
* The key is the configured secret, at least 32 bytes (RFC 7518 §3.2: an HS256 key must be at least as long as the
  hash output; RFC 8725 §3.5). Headers that name keys (``kid``, ``jku``, ``jwk``, ``x5u``, ``x5c``) are ignored: no
  key is ever fetched or chosen from the token (ASVS V9.1.3). ``crit`` with anything we do not understand is refused.
* Every kind of token has its own ``typ`` header (RFC 8725 §3.11 explicit typing; RFC 9068 §2.1 ``at+jwt`` for access
  tokens) and a token is only accepted as the kind it was issued for, so an MFA-pending or password-reset token can
  never be used as an access token (RFC 8725 §3.12 cross-JWT confusion; ASVS V9.2.2).
* ``iss``, ``aud``, ``exp``, ``iat``, ``sub`` and ``jti`` are required; ``iss`` and ``aud`` must equal the configured
  values (RFC 8725 §3.8, §3.9; ASVS V9.2.3, V9.2.4); ``exp``/``nbf``/``iat`` are checked against the injected clock
  with a small leeway (RFC 7519 §4.1.4; ASVS V9.2.1).
* Every failure raises ``InvalidToken`` (an ``AuthenticationFailed``) whose detail is always "invalid or expired
  token"; the specific reason is on ``.reason`` for logs and is never sent to clients. No token, claim value or key
  appears in any message.

Single-use tokens (password reset, email verification) need their ``jti`` recorded by the caller (a denylist in
Redis until ``exp``): a signature cannot say "already used".
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import Enum
from types import MappingProxyType
from typing import Any

import jwt
from jwt.algorithms import HMACAlgorithm
from jwt.exceptions import InvalidKeyError, PyJWTError

from chalicelib.domain.errors import AuthenticationFailed

ALGORITHM = "HS256"
ALLOWED_ALGORITHMS: tuple[str, ...] = (ALGORITHM,)
MIN_SECRET_BYTES = 32
DEFAULT_LEEWAY_SECONDS = 5
MAX_TOKEN_CHARS = 8192
REGISTERED_CLAIMS = frozenset({"iss", "aud", "exp", "iat", "nbf", "sub", "jti"})
REQUIRED_CLAIMS: tuple[str, ...] = ("iss", "aud", "exp", "iat", "sub", "jti")
GENERIC_DETAIL = "invalid or expired token"


class TokenKind(Enum):
    """What a token is for; the value is its JOSE ``typ`` header (RFC 8725 §3.11)."""

    ACCESS = "at+jwt"  # RFC 9068 §2.1
    MFA_PENDING = "mfa+jwt"  # password accepted, second factor still due
    EMAIL_VERIFICATION = "verify+jwt"
    PASSWORD_RESET = "reset+jwt"  # noqa: S105 (a media type, not a password)

    @property
    def typ(self) -> str:
        return self.value


@dataclass(frozen=True)
class IssuedToken:
    token: str = field(repr=False)  # a bearer credential: keep it out of reprs and logs
    jti: str
    expires_at: int  # seconds since the epoch (the ``exp`` claim)


@dataclass(frozen=True)
class Claims:
    """A verified token's claims. ``extra`` holds every non-registered claim, read-only."""

    kind: TokenKind
    sub: str
    jti: str
    iat: int
    exp: int
    extra: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))


class InvalidToken(AuthenticationFailed):
    """A token was refused. ``detail`` is always the generic text; ``reason`` is a short machine word for logs."""

    def __init__(self, reason: str) -> None:
        super().__init__(GENERIC_DETAIL)
        self.reason = reason


class JwtCodec:
    """Issue and verify HS256 JWTs of the kinds in ``TokenKind`` for one issuer and one audience.

    ``clock`` returns seconds since the epoch (``time.time`` in production); it decides ``iat``/``exp`` on issue and
    expiry on verify. Raises ``ValueError`` when the secret is shorter than 32 bytes or looks like an asymmetric key.
    """

    def __init__(
        self,
        secret: bytes,
        issuer: str,
        audience: str,
        clock: Callable[[], float],
        *,
        leeway_seconds: int = DEFAULT_LEEWAY_SECONDS,
    ) -> None:
        if not isinstance(secret, bytes) or len(secret) < MIN_SECRET_BYTES:
            raise ValueError(f"JWT secret must be at least {MIN_SECRET_BYTES} bytes")
        try:
            HMACAlgorithm(HMACAlgorithm.SHA256).prepare_key(secret)
        except InvalidKeyError:
            raise ValueError("JWT secret must not be a PEM or SSH key") from None
        if not issuer or not audience:
            raise ValueError("issuer and audience are required")
        if not 0 <= leeway_seconds <= 60:
            raise ValueError("leeway must be between 0 and 60 seconds")
        self._secret = secret
        self._issuer = issuer
        self._audience = audience
        self._clock = clock
        self._leeway = leeway_seconds

    def __repr__(self) -> str:
        return f"JwtCodec(issuer={self._issuer!r}, audience={self._audience!r}, secret=<redacted>)"

    def issue(
        self,
        kind: TokenKind,
        subject: str,
        ttl_seconds: int,
        extra_claims: Mapping[str, Any] | None = None,
    ) -> IssuedToken:
        """Sign a token of ``kind`` for ``subject`` valid for ``ttl_seconds`` from now, with a fresh 128-bit ``jti``.

        ``extra_claims`` must be JSON-serialisable and must not set registered claims (``ValueError``).
        """
        if not isinstance(kind, TokenKind):
            raise TypeError("kind must be a TokenKind")
        if not isinstance(subject, str) or not subject:
            raise ValueError("subject must be a non-empty string")
        if isinstance(ttl_seconds, bool) or not isinstance(ttl_seconds, int) or ttl_seconds <= 0:
            raise ValueError("ttl_seconds must be a positive integer")
        extra = dict(extra_claims or {})
        clashing = REGISTERED_CLAIMS.intersection(extra)
        if clashing:
            raise ValueError(f"extra_claims must not set registered claims: {sorted(clashing)}")
        now = int(self._clock())
        jti = secrets.token_urlsafe(16)
        payload: dict[str, Any] = {
            **extra,
            "iss": self._issuer,
            "aud": self._audience,
            "sub": subject,
            "iat": now,
            "exp": now + ttl_seconds,
            "jti": jti,
        }
        token = jwt.encode(payload, self._secret, algorithm=ALGORITHM, headers={"typ": kind.typ})
        return IssuedToken(token=token, jti=jti, expires_at=now + ttl_seconds)

    def verify(self, token: str, kind: TokenKind) -> Claims:
        """Return the claims of ``token`` if it is a valid, unexpired token of ``kind``; raise ``InvalidToken``."""
        if not isinstance(token, str) or not token or len(token) > MAX_TOKEN_CHARS:
            raise InvalidToken("malformed")
        try:
            header = jwt.get_unverified_header(token)
        except PyJWTError:
            raise InvalidToken("malformed") from None
        # Checked before the signature only to refuse early; the algorithm list passed to decode() is what binds.
        if header.get("alg") != ALGORITHM:
            raise InvalidToken("algorithm")
        if not _typ_matches(header.get("typ"), kind):
            raise InvalidToken("type")
        try:
            payload = jwt.decode(
                token,
                key=self._secret,
                algorithms=list(ALLOWED_ALGORITHMS),
                audience=self._audience,
                issuer=self._issuer,
                options={
                    "require": list(REQUIRED_CLAIMS),
                    "verify_signature": True,
                    "verify_aud": True,
                    "verify_iss": True,
                    "strict_aud": True,
                    # Time claims are checked below against the injected clock, not the library's wall clock.
                    "verify_exp": False,
                    "verify_iat": False,
                    "verify_nbf": False,
                },
            )
        except jwt.MissingRequiredClaimError:
            raise InvalidToken("missing-claim") from None
        except jwt.InvalidAudienceError:
            raise InvalidToken("audience") from None
        except jwt.InvalidIssuerError:
            raise InvalidToken("issuer") from None
        except jwt.InvalidSignatureError:
            raise InvalidToken("signature") from None
        except PyJWTError:
            raise InvalidToken("malformed") from None
        return self._claims(payload, kind)

    def _claims(self, payload: dict[str, Any], kind: TokenKind) -> Claims:
        sub, jti = payload["sub"], payload["jti"]
        if not isinstance(sub, str) or not sub or not isinstance(jti, str) or not jti:
            raise InvalidToken("claim-type")
        iat, exp, nbf = payload["iat"], payload["exp"], payload.get("nbf")
        if not _is_int(iat) or not _is_int(exp) or (nbf is not None and not _is_int(nbf)):
            raise InvalidToken("claim-type")
        now = self._clock()
        if now >= exp + self._leeway:
            raise InvalidToken("expired")
        if iat > now + self._leeway or (nbf is not None and nbf > now + self._leeway):
            raise InvalidToken("not-yet-valid")
        if exp <= iat:
            raise InvalidToken("claim-type")
        extra = {k: v for k, v in payload.items() if k not in REGISTERED_CLAIMS}
        return Claims(kind=kind, sub=sub, jti=jti, iat=iat, exp=exp, extra=MappingProxyType(extra))


def _typ_matches(typ: object, kind: TokenKind) -> bool:
    """``typ`` is a media type: compare case-insensitively and allow the ``application/`` prefix (RFC 7515 §4.1.9)."""
    if not isinstance(typ, str):
        return False
    value = typ.lower()
    return value == kind.typ or value == "application/" + kind.typ


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)
