"""JWT codec attacks and checks (RFC 8725, RFC 9068, OWASP ASVS 5.0 V9.1 and V9.2)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from hypothesis import given, settings
from hypothesis import strategies as st

from chalicelib.adapters.jwt_codec import (
    GENERIC_DETAIL,
    Claims,
    InvalidToken,
    JwtCodec,
    TokenKind,
)
from chalicelib.domain.errors import AuthenticationFailed

SECRET = b"k" * 16 + b"0123456789abcdef"  # 32 bytes
ISSUER = "https://api.sharemeter.test"
AUDIENCE = "sharemeter-api"
NOW = 1_750_000_000.0


class Clock:
    def __init__(self, now: float = NOW) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def codec(clock: Clock) -> JwtCodec:
    return JwtCodec(SECRET, ISSUER, AUDIENCE, clock)


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def json_b64(value: dict[str, Any]) -> str:
    return b64(json.dumps(value, separators=(",", ":")).encode())


def claims(**overrides: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "iss": ISSUER,
        "aud": AUDIENCE,
        "sub": "user-1",
        "iat": int(NOW),
        "exp": int(NOW) + 300,
        "jti": "j" * 22,
    }
    base.update(overrides)
    return {k: v for k, v in base.items() if v is not None}


def hs256(header: dict[str, Any], payload: dict[str, Any], key: bytes = SECRET) -> str:
    """Sign by hand, so that tests can build tokens the library would refuse to build."""
    signing_input = f"{json_b64(header)}.{json_b64(payload)}"
    signature = hmac.new(key, signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{b64(signature)}"


def refused(codec: JwtCodec, token: str, kind: TokenKind = TokenKind.ACCESS) -> InvalidToken:
    with pytest.raises(InvalidToken) as info:
        codec.verify(token, kind)
    assert info.value.detail == GENERIC_DETAIL
    assert str(info.value) == GENERIC_DETAIL
    return info.value


@pytest.fixture(scope="module")
def rsa_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


# --- issue and verify -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", list(TokenKind))
def test_round_trip_for_every_kind(codec: JwtCodec, kind: TokenKind) -> None:
    issued = codec.issue(kind, "user-1", 600, {"scope": "read", "mfa": True})
    got = codec.verify(issued.token, kind)
    assert got == Claims(
        kind=kind, sub="user-1", jti=issued.jti, iat=int(NOW), exp=int(NOW) + 600, extra=got.extra
    )
    assert dict(got.extra) == {"scope": "read", "mfa": True}
    assert issued.expires_at == int(NOW) + 600
    assert jwt.get_unverified_header(issued.token) == {"alg": "HS256", "typ": kind.typ}


def test_rfc9068_access_token_typ_is_at_jwt() -> None:
    assert TokenKind.ACCESS.typ == "at+jwt"


def test_rfc9068_typ_with_application_prefix_and_any_case_accepted(codec: JwtCodec) -> None:
    token = hs256({"alg": "HS256", "typ": "application/AT+JWT"}, claims())
    assert codec.verify(token, TokenKind.ACCESS).sub == "user-1"


def test_v11_5_1_jti_is_unique_and_128_bits(codec: JwtCodec) -> None:
    jtis = {codec.issue(TokenKind.ACCESS, "u", 60).jti for _ in range(50)}
    assert len(jtis) == 50
    assert all(len(base64.urlsafe_b64decode(j + "==")) == 16 for j in jtis)


def test_extra_claims_cannot_override_registered_claims(codec: JwtCodec) -> None:
    for name in ("iss", "aud", "exp", "iat", "nbf", "sub", "jti"):
        with pytest.raises(ValueError):
            codec.issue(TokenKind.ACCESS, "user-1", 60, {name: "x"})


@pytest.mark.parametrize("ttl", [0, -5, True])
def test_ttl_must_be_positive(codec: JwtCodec, ttl: int) -> None:
    with pytest.raises(ValueError):
        codec.issue(TokenKind.ACCESS, "user-1", ttl)


def test_empty_subject_refused_on_issue(codec: JwtCodec) -> None:
    with pytest.raises(ValueError):
        codec.issue(TokenKind.ACCESS, "", 60)


def test_secrets_stay_out_of_reprs(codec: JwtCodec) -> None:
    issued = codec.issue(TokenKind.ACCESS, "user-1", 60)
    assert issued.token not in repr(issued)
    assert SECRET.decode() not in repr(codec)


# --- keys (RFC 7518 §3.2, RFC 8725 §3.5) -----------------------------------------------------------------------------


def test_rfc7518_3_2_short_key_refused(clock: Clock) -> None:
    with pytest.raises(ValueError):
        JwtCodec(b"x" * 31, ISSUER, AUDIENCE, clock)


def test_rfc8725_2_2_pem_public_key_refused_as_hmac_secret(clock: Clock, rsa_key: rsa.RSAPrivateKey) -> None:
    pem = rsa_key.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    with pytest.raises(ValueError):
        JwtCodec(pem, ISSUER, AUDIENCE, clock)


def test_str_secret_refused(clock: Clock) -> None:
    with pytest.raises(ValueError):
        JwtCodec("s" * 40, ISSUER, AUDIENCE, clock)  # type: ignore[arg-type]


# --- algorithm (RFC 8725 §2.1, §3.1; ASVS V9.1.1, V9.1.2) -------------------------------------------------------------


@pytest.mark.parametrize("alg", ["none", "None", "NONE", "nOnE"])
def test_v9_1_2_alg_none_refused(codec: JwtCodec, alg: str) -> None:
    token = f"{json_b64({'alg': alg, 'typ': 'at+jwt'})}.{json_b64(claims())}."
    assert refused(codec, token).reason == "algorithm"


def test_v9_1_2_alg_none_with_our_signature_still_refused(codec: JwtCodec) -> None:
    good = hs256({"alg": "HS256", "typ": "at+jwt"}, claims())
    _header, payload, signature = good.split(".")
    token = f"{json_b64({'alg': 'none', 'typ': 'at+jwt'})}.{payload}.{signature}"
    refused(codec, token)


def test_rfc8725_2_2_rs256_token_refused(codec: JwtCodec, rsa_key: rsa.RSAPrivateKey) -> None:
    token = jwt.encode(claims(), rsa_key, algorithm="RS256", headers={"typ": "at+jwt"})
    assert refused(codec, token).reason == "algorithm"


def test_rfc8725_2_2_hs256_signed_with_rsa_public_key_pem_refused(
    codec: JwtCodec, rsa_key: rsa.RSAPrivateKey
) -> None:
    """Key confusion: an attacker signs HS256 with the (public) PEM, hoping a verifier uses it as an HMAC key."""
    pem = rsa_key.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    token = hs256({"alg": "HS256", "typ": "at+jwt"}, claims(), key=pem)
    assert refused(codec, token).reason == "signature"


@pytest.mark.parametrize("alg", ["HS384", "HS512", "ES256", "PS256", "EdDSA"])
def test_v9_1_2_algorithms_outside_the_allowlist_refused(codec: JwtCodec, alg: str) -> None:
    token = hs256({"alg": alg, "typ": "at+jwt"}, claims())
    assert refused(codec, token).reason == "algorithm"


def test_v9_1_1_tampered_payload_refused(codec: JwtCodec) -> None:
    header, _, signature = codec.issue(TokenKind.ACCESS, "user-1", 300).token.split(".")
    forged = f"{header}.{json_b64(claims(sub='admin'))}.{signature}"
    assert refused(codec, forged).reason == "signature"


def test_v9_1_1_tampered_signature_refused(codec: JwtCodec) -> None:
    token = codec.issue(TokenKind.ACCESS, "user-1", 300).token
    flipped = token[:-2] + ("A" if token[-2] != "A" else "B") + token[-1]
    refused(codec, flipped)


def test_v9_1_1_token_from_another_secret_refused(codec: JwtCodec, clock: Clock) -> None:
    other = JwtCodec(b"z" * 32, ISSUER, AUDIENCE, clock)
    refused(codec, other.issue(TokenKind.ACCESS, "user-1", 300).token)


# --- key-selecting headers (ASVS V9.1.3) ------------------------------------------------------------------------------


def test_v9_1_3_kid_and_jku_headers_ignored_for_key_selection(codec: JwtCodec) -> None:
    header = {"alg": "HS256", "typ": "at+jwt", "kid": "../../dev/null", "jku": "https://attacker.example/jwks.json"}
    assert codec.verify(hs256(header, claims()), TokenKind.ACCESS).sub == "user-1"


def test_v9_1_3_attacker_key_named_by_jku_jwk_or_kid_refused(codec: JwtCodec) -> None:
    attacker = b"a" * 32
    header = {
        "alg": "HS256",
        "typ": "at+jwt",
        "kid": "attacker",
        "jku": "https://attacker.example/jwks.json",
        "jwk": {"kty": "oct", "k": b64(attacker)},
    }
    assert refused(codec, hs256(header, claims(), key=attacker)).reason == "signature"


def test_unknown_crit_header_refused(codec: JwtCodec) -> None:
    refused(codec, hs256({"alg": "HS256", "typ": "at+jwt", "crit": ["exp-policy"], "exp-policy": 1}, claims()))


# --- type (RFC 8725 §3.11, §3.12; ASVS V9.2.2) ------------------------------------------------------------------------


def test_v9_2_2_mfa_token_refused_as_access_token(codec: JwtCodec) -> None:
    mfa = codec.issue(TokenKind.MFA_PENDING, "user-1", 300).token
    assert refused(codec, mfa, TokenKind.ACCESS).reason == "type"


@pytest.mark.parametrize("issued_as", [k for k in TokenKind if k is not TokenKind.PASSWORD_RESET])
def test_v9_2_2_only_reset_tokens_reset_passwords(codec: JwtCodec, issued_as: TokenKind) -> None:
    token = codec.issue(issued_as, "user-1", 300).token
    refused(codec, token, TokenKind.PASSWORD_RESET)


@pytest.mark.parametrize("typ", [None, "JWT", "at+jwt2", "application/jwt", 7])
def test_v9_2_2_missing_or_generic_typ_refused(codec: JwtCodec, typ: object) -> None:
    header: dict[str, Any] = {"alg": "HS256"}
    if typ is not None:
        header["typ"] = typ
    assert refused(codec, hs256(header, claims())).reason == "type"


# --- audience and issuer (RFC 8725 §3.8, §3.9; ASVS V9.2.3, V9.2.4) ---------------------------------------------------


def test_v9_2_3_wrong_audience_refused(codec: JwtCodec, clock: Clock) -> None:
    other = JwtCodec(SECRET, ISSUER, "billing-api", clock)
    assert refused(codec, other.issue(TokenKind.ACCESS, "user-1", 300).token).reason == "audience"


def test_v9_2_4_audience_list_refused(codec: JwtCodec) -> None:
    refused(codec, hs256({"alg": "HS256", "typ": "at+jwt"}, claims(aud=[AUDIENCE, "other"])))


def test_rfc8725_3_8_wrong_issuer_refused(codec: JwtCodec, clock: Clock) -> None:
    other = JwtCodec(SECRET, "https://evil.test", AUDIENCE, clock)
    assert refused(codec, other.issue(TokenKind.ACCESS, "user-1", 300).token).reason == "issuer"


# --- required claims --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("missing", ["iss", "aud", "exp", "iat", "sub", "jti"])
def test_missing_required_claim_refused(codec: JwtCodec, missing: str) -> None:
    token = hs256({"alg": "HS256", "typ": "at+jwt"}, claims(**{missing: None}))
    refused(codec, token)


@pytest.mark.parametrize(
    "bad",
    [{"sub": 42}, {"sub": ""}, {"jti": 7}, {"exp": "1750000300"}, {"exp": 1750000300.5}, {"iat": True}, {"nbf": "x"}],
)
def test_badly_typed_claims_refused(codec: JwtCodec, bad: dict[str, Any]) -> None:
    refused(codec, hs256({"alg": "HS256", "typ": "at+jwt"}, claims(**bad)))


# --- time (RFC 7519 §4.1.4; ASVS V9.2.1) ------------------------------------------------------------------------------


def test_v9_2_1_expired_token_refused(codec: JwtCodec, clock: Clock) -> None:
    issued = codec.issue(TokenKind.ACCESS, "user-1", 60)
    clock.now = NOW + 60 + 5
    assert refused(codec, issued.token).reason == "expired"


def test_v9_2_1_leeway_is_small(codec: JwtCodec, clock: Clock) -> None:
    issued = codec.issue(TokenKind.ACCESS, "user-1", 60)
    clock.now = NOW + 64
    assert codec.verify(issued.token, TokenKind.ACCESS).sub == "user-1"
    clock.now = NOW + 65
    refused(codec, issued.token)


def test_v9_2_1_token_from_the_future_refused(codec: JwtCodec) -> None:
    token = hs256({"alg": "HS256", "typ": "at+jwt"}, claims(iat=int(NOW) + 60, exp=int(NOW) + 600))
    assert refused(codec, token).reason == "not-yet-valid"


def test_v9_2_1_nbf_in_the_future_refused(codec: JwtCodec) -> None:
    token = hs256({"alg": "HS256", "typ": "at+jwt"}, claims(nbf=int(NOW) + 60))
    assert refused(codec, token).reason == "not-yet-valid"


# --- malformed input --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("token", ["", "abc", "a.b.c", "a.b", "....", "x" * 9000])
def test_malformed_tokens_refused(codec: JwtCodec, token: str) -> None:
    refused(codec, token)


def test_every_refusal_is_authentication_failed_with_stable_code(codec: JwtCodec) -> None:
    error = refused(codec, "not-a-token")
    assert isinstance(error, AuthenticationFailed)
    assert error.code == "authentication-failed"
    assert "not-a-token" not in str(error)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=300))
def test_arbitrary_input_only_ever_raises_invalid_token(text: str) -> None:
    codec = JwtCodec(SECRET, ISSUER, AUDIENCE, Clock())
    with pytest.raises(InvalidToken):
        codec.verify(text, TokenKind.ACCESS)
