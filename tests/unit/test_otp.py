"""One-time passwords as a specification: RFC 4226 (HOTP), RFC 6238 (TOTP), OWASP ASVS 5.0 V6.5."""

from __future__ import annotations

import base64
import math
import re

import pyotp
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chalicelib.domain.otp import (
    RECOVERY_ALPHABET,
    HashAlgorithm,
    codes_match,
    hash_code,
    hotp_value,
    new_numeric_code,
    new_recovery_codes,
    new_totp_secret,
    normalize_code,
    provisioning_uri,
    totp_step,
    verify_hotp,
    verify_totp,
)

PEPPER = b"p" * 32


def b32(raw: bytes) -> str:
    return base64.b32encode(raw).decode().rstrip("=")


RFC_SECRET = b32(b"12345678901234567890")  # RFC 4226 Appendix D, RFC 6238 Appendix B (SHA1)
RFC6238_SEEDS: dict[str, str] = {
    "sha1": RFC_SECRET,
    "sha256": b32(b"12345678901234567890123456789012"),
    "sha512": b32(b"1234567890123456789012345678901234567890123456789012345678901234"),
}

# RFC 4226 Appendix D: HOTP values for counters 0..9.
RFC4226_VECTORS = ["755224", "287082", "359152", "969429", "338314", "254676", "287922", "162583", "399871", "520489"]

# RFC 6238 Appendix B: (time, TOTP, mode); 8 digits, T0 = 0, X = 30.
RFC6238_VECTORS: list[tuple[int, str, HashAlgorithm]] = [
    (59, "94287082", "sha1"),
    (59, "46119246", "sha256"),
    (59, "90693936", "sha512"),
    (1111111109, "07081804", "sha1"),
    (1111111109, "68084774", "sha256"),
    (1111111109, "25091201", "sha512"),
    (1111111111, "14050471", "sha1"),
    (1111111111, "67062674", "sha256"),
    (1111111111, "99943326", "sha512"),
    (1234567890, "89005924", "sha1"),
    (1234567890, "91819424", "sha256"),
    (1234567890, "93441116", "sha512"),
    (2000000000, "69279037", "sha1"),
    (2000000000, "90698825", "sha256"),
    (2000000000, "38618901", "sha512"),
    (20000000000, "65353130", "sha1"),
    (20000000000, "77737706", "sha256"),
    (20000000000, "47863826", "sha512"),
]


# --- RFC test vectors -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("counter", "expected"), list(enumerate(RFC4226_VECTORS)))
def test_rfc4226_appendix_d_hotp_vectors(counter: int, expected: str) -> None:
    assert hotp_value(RFC_SECRET, counter) == expected


@pytest.mark.parametrize(("when", "expected", "algorithm"), RFC6238_VECTORS)
def test_rfc6238_appendix_b_totp_vectors(when: int, expected: str, algorithm: HashAlgorithm) -> None:
    assert hotp_value(RFC6238_SEEDS[algorithm], totp_step(when), digits=8, algorithm=algorithm) == expected


@pytest.mark.parametrize(("when", "expected"), [(t, v) for t, v, a in RFC6238_VECTORS if a == "sha1"])
def test_rfc6238_sha1_rows_verify_as_six_digit_codes(when: int, expected: str) -> None:
    # A 6-digit TOTP is the 8-digit value mod 10^6, i.e. its last six digits (RFC 4226 §5.3).
    assert verify_totp(RFC_SECRET, expected[-6:], when, None) == totp_step(when)


def test_rfc6238_step_is_30_seconds_from_epoch() -> None:
    assert [totp_step(t) for t in (0, 29.999, 30, 59, 60)] == [0, 0, 1, 1, 2]


# --- TOTP window and replay (RFC 6238 §5.2; ASVS V6.5.1, V6.5.5) ------------------------------------------------------


NOW = 1_750_000_015.0
STEP = totp_step(NOW)


def code_at(step: int, secret: str = RFC_SECRET) -> str:
    return hotp_value(secret, step)


@pytest.mark.parametrize("offset", [-1, 0, 1])
def test_rfc6238_5_2_one_step_either_side_accepted(offset: int) -> None:
    assert verify_totp(RFC_SECRET, code_at(STEP + offset), NOW, None) == STEP + offset


@pytest.mark.parametrize("offset", [-3, -2, 2, 3])
def test_rfc6238_5_2_codes_outside_the_window_refused(offset: int) -> None:
    assert verify_totp(RFC_SECRET, code_at(STEP + offset), NOW, None) is None


def test_window_edges_follow_the_clock_exactly() -> None:
    start = STEP * 30.0
    code = code_at(STEP - 1)
    assert verify_totp(RFC_SECRET, code, start + 29.999, None) == STEP - 1  # still within one step
    assert verify_totp(RFC_SECRET, code, start + 30.0, None) is None  # now two steps old


def test_v6_5_1_replay_of_the_same_code_refused() -> None:
    step = verify_totp(RFC_SECRET, code_at(STEP), NOW, None)
    assert step == STEP
    assert verify_totp(RFC_SECRET, code_at(STEP), NOW, step) is None
    assert verify_totp(RFC_SECRET, code_at(STEP), NOW + 10, step) is None


def test_v6_5_1_older_code_refused_after_a_newer_one_was_used() -> None:
    assert verify_totp(RFC_SECRET, code_at(STEP - 1), NOW, STEP) is None


def test_next_step_accepted_after_the_current_one_was_used() -> None:
    assert verify_totp(RFC_SECRET, code_at(STEP + 1), NOW, STEP) == STEP + 1


def test_wrong_code_refused() -> None:
    good = code_at(STEP)
    wrong = f"{(int(good) + 1) % 1_000_000:06d}"
    if wrong in {code_at(STEP - 1), code_at(STEP + 1)}:  # pragma: no cover - astronomically unlikely
        pytest.skip("neighbouring step collides")
    assert verify_totp(RFC_SECRET, wrong, NOW, None) is None


def test_spaces_in_a_typed_code_are_ignored() -> None:
    code = code_at(STEP)
    assert verify_totp(RFC_SECRET, f" {code[:3]} {code[3:]} ", NOW, None) == STEP


@pytest.mark.parametrize("code", ["", "12345", "1234567", "12a456", "١٢٣٤٥٦", "123456" * 20, "-12345"])
def test_malformed_codes_refused(code: str) -> None:
    assert verify_totp(RFC_SECRET, code, NOW, None) is None


def test_invalid_secret_raises_without_echoing_it() -> None:
    with pytest.raises(ValueError) as info:
        verify_totp("not base32!!", "123456", NOW, None)
    assert "not base32" not in str(info.value)
    with pytest.raises(ValueError):
        hotp_value(b32(b"short"), 0)  # 40 bits


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=80), st.floats(min_value=0, max_value=4e9), st.none() | st.integers(0, 2**40))
def test_verify_totp_never_raises_for_any_typed_input(code: str, now: float, last: int | None) -> None:
    result = verify_totp(RFC_SECRET, code, now, last)
    assert result is None or (last is None or result > last)


# --- HOTP look-ahead (RFC 4226 §7.4) ----------------------------------------------------------------------------------


def test_rfc4226_7_4_look_ahead_resynchronises() -> None:
    assert verify_hotp(RFC_SECRET, RFC4226_VECTORS[3], 0) == 3
    assert verify_hotp(RFC_SECRET, RFC4226_VECTORS[3], 4) is None  # already used: counter moved past it
    assert verify_hotp(RFC_SECRET, RFC4226_VECTORS[9], 0, look_ahead=5) is None


# --- seeds and enrolment (ASVS V6.5.3) --------------------------------------------------------------------------------


def test_v6_5_3_totp_secret_is_160_random_bits() -> None:
    secrets_ = {new_totp_secret() for _ in range(50)}
    assert len(secrets_) == 50
    for secret in secrets_:
        assert re.fullmatch(r"[A-Z2-7]{32}", secret)
        assert len(base64.b32decode(secret)) == 20


def test_provisioning_uri_round_trips_through_an_authenticator_parser() -> None:
    secret = new_totp_secret()
    uri = provisioning_uri(secret, "jane@example.org", "Sharemeter")
    assert uri.startswith("otpauth://totp/Sharemeter:jane%40example.org?")
    parsed = pyotp.parse_uri(uri)
    assert isinstance(parsed, pyotp.TOTP)
    assert parsed.secret == secret
    assert parsed.issuer == "Sharemeter"
    assert parsed.digits == 6
    assert parsed.interval == 30


# --- out-of-band codes (ASVS V6.5.3, V6.5.4; V11.2.4) -----------------------------------------------------------------


def test_v6_5_4_numeric_codes_are_six_digits_by_default() -> None:
    codes = [new_numeric_code() for _ in range(200)]
    assert all(re.fullmatch(r"[0-9]{6}", c) for c in codes)
    assert len(set(codes)) > 190


def test_numeric_code_length_bounds() -> None:
    assert len(new_numeric_code(8)) == 8
    for bad in (4, 5, 11):
        with pytest.raises(ValueError):
            new_numeric_code(bad)


def test_code_hash_is_keyed_and_prefixed() -> None:
    stored = hash_code("123456", PEPPER)
    assert stored.startswith("hmac-sha256:")
    assert len(stored) == len("hmac-sha256:") + 64
    assert "123456" not in stored
    assert stored == hash_code("123456", PEPPER)
    assert stored != hash_code("123456", b"q" * 32)


def test_codes_match_only_the_right_code_and_pepper() -> None:
    stored = hash_code("042917", PEPPER)
    assert codes_match(stored, "042917", PEPPER)
    assert codes_match(stored, " 042 917 ", PEPPER)
    assert not codes_match(stored, "042918", PEPPER)
    assert not codes_match(stored, "42917", PEPPER)
    assert not codes_match(stored, "042917", b"q" * 32)
    assert not codes_match(stored, "0" * 100, PEPPER)
    assert not codes_match("", "042917", PEPPER)


def test_short_pepper_refused() -> None:
    with pytest.raises(ValueError):
        hash_code("123456", b"short")


# --- recovery codes (ASVS V6.5.2, V6.5.3) -----------------------------------------------------------------------------


def test_v6_5_2_recovery_codes_have_at_least_112_bits_so_a_keyed_hash_suffices() -> None:
    codes = new_recovery_codes()
    assert len(codes) == 10
    assert len(set(codes)) == 10
    alphabet = re.escape(RECOVERY_ALPHABET)
    for code in codes:
        assert re.fullmatch(rf"[{alphabet}]{{5}}(-[{alphabet}]{{5}}){{4}}", code)
    bits = len(normalize_code(codes[0])) * math.log2(len(RECOVERY_ALPHABET))
    assert bits >= 112


def test_recovery_codes_match_when_typed_loosely() -> None:
    code = "7kq20-x9d41-0hc8w-vz3pn-b5r6j"
    stored = hash_code(code, PEPPER)
    assert codes_match(stored, "7KQ2O X9D4L 0HC8W VZ3PN B5R6J", PEPPER)  # O read as 0, L read as 1
    assert codes_match(stored, "7kq20x9d410hc8wvz3pnb5r6j", PEPPER)
    assert not codes_match(stored, "7kq20-x9d41-0hc8w-vz3pn-b5r6k", PEPPER)


def test_recovery_code_count_bounds() -> None:
    assert len(new_recovery_codes(1)) == 1
    with pytest.raises(ValueError):
        new_recovery_codes(0)
