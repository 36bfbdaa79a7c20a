"""Argon2id password storage (OWASP ASVS 5.0 V11.4.2, V6.2.8, V6.3.8)."""

from __future__ import annotations

import contextlib
from typing import Literal

import argon2
import pytest

from chalicelib.adapters.password_hasher import (
    DEFAULT_PARAMETERS,
    MAX_PASSWORD_BYTES,
    Argon2Parameters,
    PasswordHasher,
)

CHEAP = Argon2Parameters(time_cost=1, memory_cost_kib=64, parallelism=1)


@pytest.fixture
def hasher() -> PasswordHasher:
    return PasswordHasher(CHEAP)


def test_v11_4_2_default_parameters_meet_owasp_argon2id_baseline() -> None:
    assert DEFAULT_PARAMETERS.memory_cost_kib >= 19_456
    assert DEFAULT_PARAMETERS.time_cost >= 2
    encoded = PasswordHasher().hash("correct horse battery")
    assert encoded.startswith("$argon2id$v=19$m=19456,t=2,p=1$")


def test_hash_verifies_and_salts(hasher: PasswordHasher) -> None:
    first, second = hasher.hash("correct horse battery"), hasher.hash("correct horse battery")
    assert first != second
    assert hasher.verify(first, "correct horse battery")
    assert hasher.verify(second, "correct horse battery")


def test_mismatch_returns_false_without_raising(hasher: PasswordHasher) -> None:
    assert not hasher.verify(hasher.hash("correct horse battery"), "correct horse batterY")


def test_v6_2_8_no_truncation_or_case_folding(hasher: PasswordHasher) -> None:
    encoded = hasher.hash("Correct Horse Battery " * 4)
    assert not hasher.verify(encoded, "Correct Horse Battery " * 3)
    assert not hasher.verify(encoded, ("Correct Horse Battery " * 4).lower())
    assert not hasher.verify(encoded, ("Correct Horse Battery " * 4).strip())


def test_unicode_passwords_round_trip(hasher: PasswordHasher) -> None:
    encoded = hasher.hash("Grüße 🌧️ пароль")
    assert hasher.verify(encoded, "Grüße 🌧️ пароль")


def test_lone_surrogates_hash_without_raising(hasher: PasswordHasher) -> None:
    encoded = hasher.hash("abc\ud800def")
    assert hasher.verify(encoded, "abc\ud800def")
    assert not hasher.verify(encoded, "abcdef")


@pytest.mark.parametrize("stored", ["", "not-a-hash", "$argon2id$v=19$m=64,t=1,p=1$garbage", "$2b$12$" + "a" * 53])
def test_malformed_or_foreign_hash_is_a_mismatch(hasher: PasswordHasher, stored: str) -> None:
    assert not hasher.verify(stored, "anything at all")
    assert hasher.needs_rehash(stored)


def test_over_long_password_refused_by_hash_and_false_for_verify(hasher: PasswordHasher) -> None:
    too_long = "x" * (MAX_PASSWORD_BYTES + 1)
    with pytest.raises(ValueError) as info:
        hasher.hash(too_long)
    assert "x" * 10 not in str(info.value)
    assert not hasher.verify(hasher.hash("x" * MAX_PASSWORD_BYTES), too_long)


def test_needs_rehash_when_parameters_change(hasher: PasswordHasher) -> None:
    encoded = hasher.hash("correct horse battery")
    assert not hasher.needs_rehash(encoded)
    stronger = PasswordHasher(Argon2Parameters(time_cost=2, memory_cost_kib=128, parallelism=1))
    assert stronger.needs_rehash(encoded)
    assert stronger.verify(encoded, "correct horse battery")  # old hashes still verify during the rollout


def test_dummy_verify_matches_nothing_and_does_not_raise(hasher: PasswordHasher) -> None:
    hasher.dummy_verify()
    hasher.dummy_verify("some password")
    hasher.dummy_verify("x" * 5000)


def test_invalid_parameters_refused() -> None:
    with pytest.raises(ValueError):
        Argon2Parameters(salt_len=8)
    with pytest.raises(ValueError):
        Argon2Parameters(time_cost=0)


class _CountingArgon2(argon2.PasswordHasher):
    """The real argon2-cffi hasher, recording the cost parameters of every hash it verifies against."""

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.verified: list[argon2.Parameters] = []

    def verify(self, hash: str | bytes, password: str | bytes) -> Literal[True]:
        with contextlib.suppress(argon2.exceptions.InvalidHashError):
            self.verified.append(argon2.extract_parameters(hash if isinstance(hash, str) else hash.decode()))
        return super().verify(hash, password)


def test_v6_3_8_unknown_account_and_malformed_hash_cost_one_full_argon2_verification() -> None:
    """Deterministic form of the timing property: every failure path does exactly one Argon2 verification at the
    configured cost, so an unknown account, a malformed stored hash and a wrong password take the same work."""
    hasher = PasswordHasher(CHEAP)
    counting = _CountingArgon2(
        time_cost=CHEAP.time_cost, memory_cost=CHEAP.memory_cost_kib, parallelism=CHEAP.parallelism,
        hash_len=CHEAP.hash_len, salt_len=CHEAP.salt_len, type=argon2.Type.ID,
    )
    hasher._hasher = counting  # the real library, observed
    stored = hasher.hash("correct horse battery")
    for attempt in (
        lambda: hasher.verify(stored, "wrong password!"),
        lambda: hasher.dummy_verify("wrong password!"),
        lambda: hasher.verify("", "wrong password!"),
        lambda: hasher.verify("$2b$12$notargon2atall", "wrong password!"),
        lambda: hasher.verify(stored, "x" * 5000),
    ):
        counting.verified.clear()
        attempt()
        assert [(p.type, p.time_cost, p.memory_cost) for p in counting.verified] == [
            (argon2.Type.ID, CHEAP.time_cost, CHEAP.memory_cost_kib)
        ]
