"""Password storage with Argon2id (OWASP ASVS 5.0 V11.4.2; OWASP Password Storage Cheat Sheet; RFC 9106).

``DEFAULT_PARAMETERS`` are the OWASP cheat sheet's Argon2id baseline (m = 19 MiB, t = 2, p = 1), 16-byte random salt,
32-byte tag. They are injectable so that tests can use cheap ones; production keeps the default and ``needs_rehash``
tells the login service when a stored hash was made with other (older or weaker) parameters, so stronger settings can
be rolled out by rehashing on the next successful login (crypto agility, V11.2.2).

The password is hashed exactly as received (ASVS V6.2.8): it is encoded to UTF-8 and nothing is trimmed, folded or
truncated. Lone surrogates, which plain UTF-8 cannot encode, are encoded with ``surrogatepass`` so that every ``str``
has exactly one byte form and ``verify`` never raises.

Timing: ``verify`` compares the tag in constant time (inside libargon2) and does the full Argon2 work even when the
stored hash is malformed; ``dummy_verify`` does the same work against an internal hash so that a login for an unknown
account costs as much as one for a known account (no account enumeration by timing, V6.3.8).
"""

from __future__ import annotations

import contextlib
import threading
from dataclasses import dataclass

import argon2
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

MAX_PASSWORD_BYTES = 1024
"""Longest password accepted, in UTF-8 bytes (the policy allows 128 code points, at most 512 bytes). A bound on the
pre-hash work an attacker can ask for; longer input is refused, never truncated."""


@dataclass(frozen=True)
class Argon2Parameters:
    """Argon2id cost parameters. ``memory_cost_kib`` is in KiB, as libargon2 and the PHC string ``m=`` use."""

    time_cost: int = 2
    memory_cost_kib: int = 19_456
    parallelism: int = 1
    hash_len: int = 32
    salt_len: int = 16

    def __post_init__(self) -> None:
        if self.time_cost < 1 or self.parallelism < 1 or self.memory_cost_kib < 8 * self.parallelism:
            raise ValueError("invalid Argon2 parameters")
        if self.hash_len < 16 or self.salt_len < 16:
            raise ValueError("Argon2 tag and salt must be at least 16 bytes")


DEFAULT_PARAMETERS = Argon2Parameters()
"""OWASP Password Storage Cheat Sheet, Argon2id: m=19456 KiB, t=2, p=1."""


class PasswordHasher:
    """Hash and verify passwords with Argon2id. Thread-safe; build one per process and reuse it."""

    def __init__(self, parameters: Argon2Parameters = DEFAULT_PARAMETERS) -> None:
        self.parameters = parameters
        self._hasher = argon2.PasswordHasher(
            time_cost=parameters.time_cost,
            memory_cost=parameters.memory_cost_kib,
            parallelism=parameters.parallelism,
            hash_len=parameters.hash_len,
            salt_len=parameters.salt_len,
            type=argon2.Type.ID,
        )
        self._dummy_hash: str | None = None
        self._dummy_lock = threading.Lock()

    def hash(self, password: str) -> str:
        """A PHC string ``$argon2id$v=19$m=...,t=...,p=...$salt$tag`` with a fresh random salt.

        Raises ``ValueError`` (with no part of the password in it) when the password exceeds ``MAX_PASSWORD_BYTES``;
        the password policy refuses such passwords before this is called.
        """
        secret = _encode(password)
        if len(secret) > MAX_PASSWORD_BYTES:
            raise ValueError("password too long to hash")
        return self._hasher.hash(secret)

    def verify(self, password_hash: str, password: str) -> bool:
        """True when ``password`` matches ``password_hash``; False for a mismatch, a malformed or foreign hash, or an
        over-long password. Never raises for those, and spends one Argon2 computation in every case."""
        secret = _encode(password)
        if len(secret) > MAX_PASSWORD_BYTES:
            self.dummy_verify()
            return False
        try:
            return self._hasher.verify(password_hash, secret)
        except VerifyMismatchError:
            return False
        except (InvalidHashError, VerificationError, ValueError, TypeError):
            # Not an Argon2 hash we can check (empty, truncated, another scheme): no libargon2 work was done,
            # so do it now to keep the response time the same as for a real mismatch.
            self.dummy_verify(password)
            return False

    def needs_rehash(self, password_hash: str) -> bool:
        """True when the hash was not made with this hasher's parameters (or is not a readable Argon2 hash).

        Call after a successful ``verify`` and store ``hash(password)`` when True.
        """
        try:
            return self._hasher.check_needs_rehash(password_hash)
        except (InvalidHashError, VerificationError, ValueError, TypeError):
            return True

    def dummy_verify(self, password: str = "") -> None:
        """Spend the time of one ``verify`` against a hash that matches nothing a user can send.

        Call it when the account does not exist (or has no password) so that the response time does not reveal
        whether the account exists (ASVS V6.3.8). The internal hash is made once per hasher, on first use.
        """
        secret = _encode(password)[:MAX_PASSWORD_BYTES]
        with contextlib.suppress(VerificationError):
            self._hasher.verify(self._get_dummy_hash(), secret)

    def _get_dummy_hash(self) -> str:
        if self._dummy_hash is None:
            with self._dummy_lock:
                if self._dummy_hash is None:
                    # The 1025-byte secret is longer than any password verify() passes on, so nothing matches it.
                    self._dummy_hash = self._hasher.hash(b"\x00" * (MAX_PASSWORD_BYTES + 1))
        return self._dummy_hash


def _encode(password: str) -> bytes:
    return password.encode("utf-8", "surrogatepass")
