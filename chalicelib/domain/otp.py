"""One-time passwords and codes: TOTP/HOTP second factors, codes sent by SMS or email, and recovery codes.

Pure apart from the CSPRNG (``secrets``); the caller supplies the time and stores what must be remembered.

* TOTP (RFC 6238): HMAC-SHA1, 30-second steps from the Unix epoch, 6 digits, accepting one step either side for clock
  drift (RFC 6238 §5.2). ``verify_totp`` returns the matched time step; the caller stores it and passes it back as
  ``last_used_step``, and a code for that step or any earlier one is refused, so a code works once (OWASP ASVS 5.0
  V6.5.1) and its useful lifetime is one step, 30 s (V6.5.5). ``now`` must be the server's clock, never the client's
  (V6.5.8). Seeds are 160 random bits (RFC 4226 §4 R6; V6.5.3).
* HOTP (RFC 4226): ``verify_hotp`` with a bounded look-ahead window for resynchronisation (RFC 4226 §7.4); the
  caller stores the returned counter + 1.
* Codes sent out of band: ``new_numeric_code`` (6 digits = 19.9 bits by default; V6.5.4 asks for about 20, which is
  why 6 is the minimum accepted) from the CSPRNG (V6.5.3). Store only ``hash_code(code, pepper)`` (HMAC-SHA256 under
  a server-side key), compare with ``codes_match`` in constant time (V11.2.4), expire within 10 minutes (V6.5.5),
  delete on use (V6.5.1) and rate-limit the checks (V6.6.3): the caller does those.
* Recovery codes (lookup secrets): ``new_recovery_codes`` makes codes of 25 Crockford base32 characters, 125 bits
  each. V6.5.2 allows a plain (keyed) hash only for lookup secrets of at least 112 bits, so they are stored with
  ``hash_code`` like the codes above and need no slow password hash. Input is forgiving: case, spaces, hyphens and
  the look-alikes i/l (for 1) and o (for 0) are normalised.

No code, secret or hash appears in any exception message.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import re
import secrets
from typing import Literal

import pyotp

HashAlgorithm = Literal["sha1", "sha256", "sha512"]

TOTP_PERIOD_SECONDS = 30
TOTP_DIGITS = 6
TOTP_WINDOW_STEPS = 1
TOTP_SECRET_BYTES = 20  # 160 bits, RFC 4226 §4 R6
HOTP_LOOK_AHEAD = 10
MIN_PEPPER_BYTES = 32
RECOVERY_CODE_GROUPS = 5
RECOVERY_CODE_GROUP_LENGTH = 5
RECOVERY_ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz"  # Crockford base32: no i, l, o, u
MAX_CODE_CHARS = 64
_CODE_HASH_PREFIX = "hmac-sha256:"
_DIGESTS = {"sha1": hashlib.sha1, "sha256": hashlib.sha256, "sha512": hashlib.sha512}
_LOOKALIKES = str.maketrans({"i": "1", "l": "1", "o": "0"})
_SEPARATORS = re.compile(r"[\s\-]+")


# --- TOTP and HOTP (RFC 6238, RFC 4226) ------------------------------------------------------------------------------


def new_totp_secret() -> str:
    """A fresh 160-bit TOTP seed as unpadded upper-case base32 (32 characters), the form authenticator apps expect."""
    return base64.b32encode(secrets.token_bytes(TOTP_SECRET_BYTES)).decode("ascii").rstrip("=")


def provisioning_uri(secret_b32: str, account_name: str, issuer: str) -> str:
    """The ``otpauth://totp/...`` URI (Key URI format) to show as a QR code once, during enrolment. It contains the
    secret: never log it, never send it anywhere but to the enrolling user."""
    _decode_secret(secret_b32)
    if not account_name or not issuer:
        raise ValueError("account name and issuer are required")
    totp = pyotp.TOTP(secret_b32, digits=TOTP_DIGITS, interval=TOTP_PERIOD_SECONDS)
    return str(totp.provisioning_uri(name=account_name, issuer_name=issuer))


def totp_step(now: float) -> int:
    """The RFC 6238 time step ``T = floor((now - T0) / X)`` with ``T0 = 0`` and ``X = 30``."""
    return int(now // TOTP_PERIOD_SECONDS)


def hotp_value(secret_b32: str, counter: int, *, digits: int = TOTP_DIGITS, algorithm: HashAlgorithm = "sha1") -> str:
    """``HOTP(K, C)`` of RFC 4226 §5.3 as a zero-padded decimal string; TOTP is ``hotp_value(K, totp_step(now))``."""
    _decode_secret(secret_b32)
    if isinstance(counter, bool) or not isinstance(counter, int) or counter < 0:
        raise ValueError("counter must be a non-negative integer")
    otp = pyotp.HOTP(secret_b32, digits=digits, digest=_DIGESTS[algorithm])
    return str(otp.generate_otp(counter))


def verify_totp(secret_b32: str, code: str, now: float, last_used_step: int | None) -> int | None:
    """The time step that ``code`` matches within one step of ``now``, or None.

    Steps at or before ``last_used_step`` are never accepted (replay protection, ASVS V6.5.1): store the returned step
    and pass it back next time. If a code matches several steps the latest is returned, so all are spent at once.
    """
    candidate = _digits_or_none(code, TOTP_DIGITS)
    current = totp_step(now)
    floor = -1 if last_used_step is None else last_used_step
    matched: int | None = None
    for step in range(current - TOTP_WINDOW_STEPS, current + TOTP_WINDOW_STEPS + 1):
        if step < 0:
            continue
        expected = hotp_value(secret_b32, step)
        # Every step in the window is computed and compared, whatever matched, so timing says nothing.
        equal = hmac.compare_digest(expected, candidate or "x" * TOTP_DIGITS)
        if equal and candidate is not None and step > floor:
            matched = step
    return matched


def verify_hotp(secret_b32: str, code: str, counter: int, *, look_ahead: int = HOTP_LOOK_AHEAD) -> int | None:
    """The counter in ``[counter, counter + look_ahead]`` that ``code`` matches, or None (RFC 4226 §7.2, §7.4).

    ``counter`` is the next unused counter; store the returned value + 1 so the code cannot be used again.
    """
    if not 0 <= look_ahead <= 100:
        raise ValueError("look_ahead must be between 0 and 100")
    candidate = _digits_or_none(code, TOTP_DIGITS)
    matched: int | None = None
    for value in range(counter, counter + look_ahead + 1):
        equal = hmac.compare_digest(hotp_value(secret_b32, value), candidate or "x" * TOTP_DIGITS)
        if equal and candidate is not None and matched is None:
            matched = value
    return matched


# --- codes sent by SMS / email, and recovery codes -------------------------------------------------------------------


def new_numeric_code(digits: int = 6) -> str:
    """A uniformly random decimal code of ``digits`` digits (6..10) from the CSPRNG, leading zeros kept."""
    if not 6 <= digits <= 10:
        raise ValueError("digits must be between 6 and 10")
    return f"{secrets.randbelow(10**digits):0{digits}d}"


def new_recovery_codes(n: int = 10) -> list[str]:
    """``n`` distinct recovery codes like ``"7kq2m-x9d4t-0hc8w-vz3pn-b5r6j"`` (125 bits each, CSPRNG).

    Show them to the user once; store only ``hash_code(code, pepper)`` for each and delete a hash when it is used.
    """
    if not 1 <= n <= 100:
        raise ValueError("n must be between 1 and 100")
    codes: list[str] = []
    while len(codes) < n:
        groups = (
            "".join(secrets.choice(RECOVERY_ALPHABET) for _ in range(RECOVERY_CODE_GROUP_LENGTH))
            for _ in range(RECOVERY_CODE_GROUPS)
        )
        code = "-".join(groups)
        if code not in codes:
            codes.append(code)
    return codes


def normalize_code(code: str) -> str:
    """The canonical form of a typed code: lower case, without spaces or hyphens, i/l read as 1 and o as 0."""
    return _SEPARATORS.sub("", code).casefold().translate(_LOOKALIKES)


def hash_code(code: str, pepper: bytes) -> str:
    """``"hmac-sha256:" + hex(HMAC-SHA256(pepper, normalize_code(code)))``: what to store for a one-time code.

    ``pepper`` is a server-side secret of at least 32 bytes kept outside the database (``Settings``), so a leaked
    database alone does not let anyone test guesses offline. The prefix names the scheme so it can change later.
    """
    if not isinstance(pepper, bytes) or len(pepper) < MIN_PEPPER_BYTES:
        raise ValueError(f"pepper must be at least {MIN_PEPPER_BYTES} bytes")
    digest = hmac.new(pepper, normalize_code(code).encode("utf-8", "surrogatepass"), hashlib.sha256).hexdigest()
    return _CODE_HASH_PREFIX + digest


def codes_match(stored_hash: str, code: str, pepper: bytes) -> bool:
    """True when ``code`` hashes to ``stored_hash`` under ``pepper``; constant-time comparison (ASVS V11.2.4)."""
    if not isinstance(code, str) or len(code) > MAX_CODE_CHARS:
        code = ""
    return hmac.compare_digest(hash_code(code, pepper).encode(), stored_hash.encode("utf-8", "surrogatepass"))


# --- helpers ---------------------------------------------------------------------------------------------------------


def _decode_secret(secret_b32: str) -> bytes:
    try:
        raw = base64.b32decode(secret_b32 + "=" * (-len(secret_b32) % 8), casefold=True)
    except (binascii.Error, ValueError, TypeError):
        raise ValueError("invalid base32 OTP secret") from None
    if len(raw) < 16:
        raise ValueError("OTP secret must be at least 128 bits")
    return raw


def _digits_or_none(code: str, digits: int) -> str | None:
    if not isinstance(code, str) or len(code) > MAX_CODE_CHARS:
        return None
    compact = _SEPARATORS.sub("", code)
    if len(compact) != digits or not compact.isascii() or not compact.isdigit():
        return None
    return compact
