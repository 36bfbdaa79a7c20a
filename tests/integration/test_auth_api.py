"""Accounts and authentication through the HTTP API, on real local backends (ASVS 5.0 level 2)."""

from __future__ import annotations

import base64
import json

import pyotp

from chalicelib.services import sessions
from tests.integration.conftest import Api

PASSWORD = "correct horse battery staple"
PROBLEMS = "https://sharemeter.dev/problems/"


def _forge_unsigned(token: str) -> str:
    header = base64.urlsafe_b64encode(json.dumps({"alg": "none", "typ": "at+jwt"}).encode()).rstrip(b"=").decode()
    return f"{header}.{token.split('.')[1]}."


def test_register_verify_login_and_profile_round_trip(api: Api) -> None:
    assert api.post("/auth/register", {"email": "Ann@Example.org", "password": PASSWORD, "name": "Ann"}).status == 201
    refused = api.post("/auth/login", {"email": "ann@example.org", "password": PASSWORD})
    assert refused.status == 403 and refused.json["type"] == PROBLEMS + "email-not-verified"
    code = api.last_code("ann@example.org", "verify-email")
    assert api.post("/auth/verify-email", {"email": "ann@example.org", "code": code}).status == 200
    tokens = api.post("/auth/login", {"email": "ANN@example.org", "password": PASSWORD})
    assert tokens.status == 200 and tokens.json["token_type"] == "Bearer" and tokens.json["expires_in"] == 900
    me = api.get("/me", token=tokens.json["access_token"])
    assert me.status == 200
    assert me.json["email"] == "ann@example.org" and me.json["email_verified"] is True
    assert "password_hash" not in me.body.decode()


def test_verification_code_is_single_use(api: Api) -> None:
    api.post("/auth/register", {"email": "once@example.org", "password": PASSWORD, "name": "Once"})
    code = api.last_code("once@example.org", "verify-email")
    assert api.post("/auth/verify-email", {"email": "once@example.org", "code": code}).status == 200
    again = api.post("/auth/verify-email", {"email": "once@example.org", "code": code})
    assert again.status == 400 and again.json["type"] == PROBLEMS + "invalid-code"


def test_verification_link_opens_the_apps_page_and_its_token_verifies_the_email(api: Api) -> None:
    api.post("/auth/register", {"email": "link@example.org", "password": PASSWORD, "name": "Link"})
    page, query = api.last_link("link@example.org", "verify-email")
    assert page == "http://127.0.0.1:5173/verify-email" and list(query) == ["token"]  # PUBLIC_APP_URL's page
    assert api.post("/auth/verify-email", {"token": query["token"]}).status == 200
    assert api.post("/auth/login", {"email": "link@example.org", "password": PASSWORD}).status == 200


def test_v6_3_8_registering_a_known_email_answers_the_same_and_tells_the_owner(api: Api) -> None:
    api.register_verified("taken@example.org")
    fresh = api.post("/auth/register", {"email": "new@example.org", "password": PASSWORD, "name": "N"})
    again = api.post("/auth/register", {"email": "taken@example.org", "password": PASSWORD, "name": "X"})
    assert (again.status, again.json) == (fresh.status, fresh.json)
    templates = [m["template"] for m in api.outbox("taken@example.org")]
    assert templates[0] == "existing-account"
    assert templates.count("verify-email") == 1


def test_v6_3_8_unknown_email_and_wrong_password_fail_identically(api: Api) -> None:
    api.register_verified("known@example.org")
    unknown = api.post("/auth/login", {"email": "nobody@example.org", "password": PASSWORD})
    wrong = api.post("/auth/login", {"email": "known@example.org", "password": "not the password"})
    assert unknown.status == wrong.status == 401
    strip = lambda r: {k: v for k, v in r.json.items() if k != "correlation_id"}  # noqa: E731
    assert strip(unknown) == strip(wrong)


def test_v6_2_common_and_short_passwords_are_refused_with_the_field_named(api: Api) -> None:
    for password in ("password", "short"):
        reply = api.post("/auth/register", {"email": "weak@example.org", "password": password, "name": "W"})
        assert reply.status == 400
        assert reply.json["errors"][0]["field"] == "password"


def test_v6_2_long_passphrases_of_64_characters_and_more_are_allowed(api: Api) -> None:
    long_password = "a sentence that is long enough to pass any rule we have — " * 2
    assert 64 < len(long_password) <= 128
    api.register_verified("passphrase@example.org", password=long_password)


def test_totp_enrolment_then_login_needs_the_code_and_refuses_replay(api: Api) -> None:
    api.token = api.register_verified("totp@example.org")
    setup = api.post("/auth/totp/setup", {"password": PASSWORD})
    assert setup.status == 200 and setup.json["otpauth_uri"].startswith("otpauth://totp/")
    assert setup.json["qr_svg"].startswith("data:image/svg+xml")
    authenticator = pyotp.TOTP(setup.json["secret"])
    confirmed = api.post("/auth/totp/confirm", {"code": authenticator.at(api.clock())})
    assert confirmed.status == 200 and len(confirmed.json["recovery_codes"]) == 10
    api.token = None

    api.clock.advance(30)
    challenge = api.post("/auth/login", {"email": "totp@example.org", "password": PASSWORD}).json
    assert challenge["mfa_required"] is True and "totp" in challenge["methods"]
    code = authenticator.at(api.clock())
    ok = api.post("/auth/mfa/verify", {"mfa_token": challenge["mfa_token"], "code": code, "method": "totp"})
    assert ok.status == 200 and "access_token" in ok.json

    second = api.post("/auth/login", {"email": "totp@example.org", "password": PASSWORD}).json
    replay = api.post("/auth/mfa/verify", {"mfa_token": second["mfa_token"], "code": code, "method": "totp"})
    assert replay.status == 401


def test_recovery_code_signs_in_once(api: Api) -> None:
    api.token = api.register_verified("recover@example.org")
    secret = api.post("/auth/totp/setup", {"password": PASSWORD}).json["secret"]
    codes = api.post("/auth/totp/confirm", {"code": pyotp.TOTP(secret).at(api.clock())}).json["recovery_codes"]
    api.token = None
    for expected in (200, 401):
        challenge = api.post("/auth/login", {"email": "recover@example.org", "password": PASSWORD}).json
        answer = {"mfa_token": challenge["mfa_token"], "code": codes[0], "method": "recovery"}
        reply = api.post("/auth/mfa/verify", answer)
        assert reply.status == expected


def test_mfa_pending_token_is_refused_as_an_access_token(api: Api) -> None:
    api.token = api.register_verified("pending@example.org")
    secret = api.post("/auth/totp/setup", {"password": PASSWORD}).json["secret"]
    api.post("/auth/totp/confirm", {"code": pyotp.TOTP(secret).at(api.clock())})
    api.token = None
    mfa_token = api.post("/auth/login", {"email": "pending@example.org", "password": PASSWORD}).json["mfa_token"]
    assert api.get("/me", token=mfa_token).status == 401


def test_email_code_second_factor_is_bound_to_the_attempt_and_allows_five_tries(api: Api) -> None:
    api.token = api.register_verified("emailmfa@example.org")
    enabled = api.post("/auth/mfa/methods", {"method": "email", "enabled": True, "password": PASSWORD})
    assert enabled.status == 200
    api.token = None
    challenge = api.post("/auth/login", {"email": "emailmfa@example.org", "password": PASSWORD}).json
    assert challenge["methods"] == ["email"]
    assert api.post("/auth/mfa/send", {"mfa_token": challenge["mfa_token"], "method": "email"}).status == 202
    code = api.last_code("emailmfa@example.org", "login-code")
    wrong = "000000" if code != "000000" else "111111"
    for _ in range(5):
        reply = api.post("/auth/mfa/verify", {"mfa_token": challenge["mfa_token"], "code": wrong, "method": "email"})
        assert reply.status == 401
    exhausted = api.post("/auth/mfa/verify", {"mfa_token": challenge["mfa_token"], "code": code, "method": "email"})
    assert exhausted.status == 401


def test_refresh_rotates_and_reuse_revokes_the_whole_family(api: Api) -> None:
    api.register_verified("rotate@example.org")
    first = api.post("/auth/login", {"email": "rotate@example.org", "password": PASSWORD}).json
    second = api.post("/auth/refresh", {"refresh_token": first["refresh_token"]})
    assert second.status == 200 and second.json["refresh_token"] != first["refresh_token"]
    assert api.get("/me", token=second.json["access_token"]).status == 200
    api.clock.advance(sessions.REFRESH_GRACE_SECONDS)  # within the grace window a replay is a second tab, not theft
    reuse = api.post("/auth/refresh", {"refresh_token": first["refresh_token"]})
    assert reuse.status == 401
    assert api.post("/auth/refresh", {"refresh_token": second.json["refresh_token"]}).status == 401
    assert api.get("/me", token=second.json["access_token"]).status == 401


def test_logout_revokes_access_and_refresh_tokens(api: Api) -> None:
    api.register_verified("logout@example.org")
    pair = api.post("/auth/login", {"email": "logout@example.org", "password": PASSWORD}).json
    assert api.post("/auth/logout", {}, token=pair["access_token"]).status == 204
    assert api.get("/me", token=pair["access_token"]).status == 401
    assert api.post("/auth/refresh", {"refresh_token": pair["refresh_token"]}).status == 401


def test_password_change_revokes_every_session_and_tells_the_user(api: Api) -> None:
    api.register_verified("change@example.org")
    other = api.post("/auth/login", {"email": "change@example.org", "password": PASSWORD}).json
    mine = api.post("/auth/login", {"email": "change@example.org", "password": PASSWORD}).json
    changed = api.post(
        "/auth/password/change",
        {"current_password": PASSWORD, "new_password": "another long passphrase here"},
        token=mine["access_token"],
    )
    assert changed.status == 200
    assert api.get("/me", token=other["access_token"]).status == 401
    assert api.get("/me", token=mine["access_token"]).status == 401
    assert api.get("/me", token=changed.json["access_token"]).status == 200
    assert api.outbox("change@example.org")[0]["template"] == "password-changed"


def test_v6_3_1_failed_logins_lock_out_with_retry_after_but_reset_still_works(api: Api) -> None:
    api.register_verified("locked@example.org")
    statuses = [
        api.post("/auth/login", {"email": "locked@example.org", "password": "wrong guess!"}).status for _ in range(8)
    ]
    assert statuses[0] == 401 and statuses[-1] == 429
    locked = api.post("/auth/login", {"email": "locked@example.org", "password": PASSWORD})
    assert locked.status == 429 and int(locked.header("Retry-After") or 0) >= 1
    assert api.post("/auth/password/forgot", {"email": "locked@example.org"}).status == 202
    code = api.last_code("locked@example.org", "password-reset")
    reset = api.post(
        "/auth/password/reset", {"email": "locked@example.org", "code": code, "new_password": "a brand new passphrase"}
    )
    assert reset.status == 204
    assert api.post("/auth/login", {"email": "locked@example.org", "password": "a brand new passphrase"}).status == 200


def test_password_reset_for_unknown_email_answers_the_same(api: Api) -> None:
    api.register_verified("exists@example.org")
    known = api.post("/auth/password/forgot", {"email": "exists@example.org"})
    unknown = api.post("/auth/password/forgot", {"email": "ghost@example.org"})
    assert (known.status, known.json) == (unknown.status, unknown.json)
    assert api.outbox("ghost@example.org") == []


def test_password_reset_does_not_bypass_two_factor(api: Api) -> None:
    api.token = api.register_verified("reset2fa@example.org")
    secret = api.post("/auth/totp/setup", {"password": PASSWORD}).json["secret"]
    api.post("/auth/totp/confirm", {"code": pyotp.TOTP(secret).at(api.clock())})
    api.token = None
    api.post("/auth/password/forgot", {"email": "reset2fa@example.org"})
    code = api.last_code("reset2fa@example.org", "password-reset")
    new = "fresh passphrase after reset"
    reset = api.post("/auth/password/reset", {"email": "reset2fa@example.org", "code": code, "new_password": new})
    assert reset.status == 204 and reset.body == b""
    assert api.post("/auth/login", {"email": "reset2fa@example.org", "password": new}).json["mfa_required"] is True


def test_alg_none_and_tampered_tokens_are_refused(api: Api) -> None:
    token = api.register_verified("forge@example.org")
    assert api.get("/me", token=_forge_unsigned(token)).status == 401
    header, payload, signature = token.split(".")
    assert api.get("/me", token=f"{header}.{payload}.{signature[::-1]}").status == 401
    missing = api.get("/me", token=None)
    assert missing.status == 401 and missing.header("WWW-Authenticate") == 'Bearer realm="sharemeter"'


def test_phone_change_needs_sms_verification_and_emails_the_owner(api: Api) -> None:
    api.token = api.register_verified("phone@example.org")
    updated = api.patch("/me", {"phone": "+4915112345678", "timezone": "Europe/Berlin"})
    assert updated.status == 200 and updated.json["phone_verified"] is False
    assert updated.json["timezone"] == "Europe/Berlin"
    code = api.last_code("+4915112345678", "verify-phone")
    verified = api.post("/me/phone/verify", {"code": code})
    assert verified.status == 200 and verified.json["phone_verified"] is True
    assert "phone-changed" in [m["template"] for m in api.outbox("phone@example.org")]


def test_unknown_time_zone_is_a_400_naming_the_field(api: Api) -> None:
    api.token = api.register_verified("tz@example.org")
    reply = api.patch("/me", {"timezone": "Mars/Olympus"})
    assert reply.status == 400 and reply.json["errors"][0]["field"] == "timezone"


def test_disabling_the_account_revokes_sessions_and_blocks_login(api: Api) -> None:
    api.token = api.register_verified("gone@example.org")
    assert api.post("/me/disable", {"password": PASSWORD}).status == 204
    assert api.get("/me").status == 401
    refused = api.post("/auth/login", {"email": "gone@example.org", "password": PASSWORD})
    assert refused.status == 403 and refused.json["type"] == PROBLEMS + "account-disabled"


def test_email_change_needs_the_code_sent_to_the_new_address_and_tells_the_old_one(api: Api) -> None:
    api.token = api.register_verified("old@example.org")
    wrong = api.post("/me/email", {"new_email": "new@example.org", "password": "not my password"})
    assert wrong.status == 401
    assert api.post("/me/email", {"new_email": "New@Example.org", "password": PASSWORD}).status == 202
    assert api.get("/me").json["email"] == "old@example.org"  # nothing changes before the code comes back
    code = api.last_code("new@example.org", "change-email")
    changed = api.post("/me/email/verify", {"code": code})
    assert changed.status == 200 and changed.json["email"] == "new@example.org"
    assert api.outbox("old@example.org")[0]["template"] == "email-changed"
    api.token = None
    assert api.post("/auth/login", {"email": "new@example.org", "password": PASSWORD}).status == 200
    assert api.post("/auth/login", {"email": "old@example.org", "password": PASSWORD}).status == 401


def test_email_change_to_a_taken_address_is_refused_at_confirmation(api: Api) -> None:
    api.register_verified("owner@example.org")
    api.token = api.register_verified("mover@example.org")
    assert api.post("/me/email", {"new_email": "owner@example.org", "password": PASSWORD}).status == 202
    code = api.last_code("owner@example.org", "change-email")
    taken = api.post("/me/email/verify", {"code": code})
    assert taken.status == 409 and taken.json["type"] == PROBLEMS + "email-taken"


def test_password_reset_by_link_token_works_once(api: Api) -> None:
    api.register_verified("linkreset@example.org")
    api.post("/auth/password/forgot", {"email": "linkreset@example.org"})
    page, query = api.last_link("linkreset@example.org", "password-reset")
    assert page == "http://127.0.0.1:5173/reset-password" and query["email"] == "linkreset@example.org"
    token = query["token"]
    new = "a passphrase set from the link"
    reset = {"email": "linkreset@example.org", "token": token, "new_password": new}
    assert api.post("/auth/password/reset", reset).status == 204
    assert api.post("/auth/password/reset", reset | {"new_password": "yet another passphrase"}).status == 400
    assert api.post("/auth/login", {"email": "linkreset@example.org", "password": new}).status == 200
