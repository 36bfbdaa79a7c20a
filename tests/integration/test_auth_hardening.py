"""Regressions found in review: each test fails on the code before its fix (ASVS 5.0 ids where one applies)."""

from __future__ import annotations

from dataclasses import replace

import pytest

from chalicelib.bootstrap import bootstrap
from chalicelib.settings import Settings, SettingsError
from tests.integration.conftest import Api

PASSWORD = "correct horse battery staple"
PROBLEMS = "https://sharemeter.dev/problems/"


def test_v6_4_3_a_stolen_access_token_alone_cannot_enrol_an_authenticator(api: Api) -> None:
    api.token = api.register_verified("victim@example.org")
    assert api.post("/auth/totp/setup").status == 400  # no password at all
    assert api.post("/auth/totp/setup", {"password": "not the password"}).status == 401
    assert api.post("/auth/totp/setup", {"password": PASSWORD}).status == 200


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/auth/mfa/methods", {"method": "email", "enabled": True, "password": "wrong guess here"}),
        ("/me/disable", {"password": "wrong guess here"}),
        ("/auth/totp/setup", {"password": "wrong guess here"}),
    ],
)
def test_v6_3_1_password_reconfirmation_is_throttled(api: Api, path: str, body: dict[str, object]) -> None:
    api.token = api.register_verified("guessed@example.org")
    statuses = [api.post(path, body).status for _ in range(8)]
    assert statuses[0] == 401 and statuses[-1] == 429


def test_v6_3_8_resending_verification_answers_the_same_for_known_and_unknown(api: Api) -> None:
    api.post("/auth/register", {"email": "pending@example.org", "password": PASSWORD, "name": "P"})
    # four resends exceed the per-recipient budget (3 at once) while staying inside the per-IP one (5 at once)
    known = [api.post("/auth/verify-email/resend", {"email": "pending@example.org"}).status for _ in range(4)]
    unknown = api.post("/auth/verify-email/resend", {"email": "nobody@example.org"}).status
    assert known == [202] * 4 and unknown == 202


def test_a_refused_new_password_does_not_spend_the_reset_code(api: Api) -> None:
    api.register_verified("careful@example.org")
    api.post("/auth/password/forgot", {"email": "careful@example.org"})
    code = api.last_code("careful@example.org", "password-reset")
    weak = api.post("/auth/password/reset", {"email": "careful@example.org", "code": code, "new_password": "password"})
    assert weak.status == 400 and weak.json["errors"][0]["field"] == "password"
    good = {"email": "careful@example.org", "code": code, "new_password": "a much better passphrase"}
    assert api.post("/auth/password/reset", good).status == 204


def test_a_throttled_phone_change_leaves_the_number_as_it_was(api: Api) -> None:
    api.token = api.register_verified("phoney@example.org")
    numbers = ("+4915100000001", "+4915100000002")  # alternating: each change sends a code to that number again
    current = None
    for n in range(12):
        reply = api.patch("/me", {"phone": numbers[n % 2]})
        if reply.status == 429:
            assert api.get("/me").json["phone"] == current  # the refused number was not saved
            return
        assert reply.status == 200
        current = reply.json["phone"]
    raise AssertionError("the per-recipient code limit never applied")


def test_notification_preferences_refuse_quiet_hours_that_never_end_and_unknown_channels(api: Api) -> None:
    api.token = api.register_verified("prefs@example.org")
    same = api.patch("/me", {"notification_preferences": {"quiet_hours_start": 5, "quiet_hours_end": 5}})
    assert same.status == 400
    assert api.patch("/me", {"notification_preferences": {"quiet_hours_start": 24}}).status == 400
    assert api.patch("/me", {"notification_preferences": {"channels": ["voice"]}}).status == 400
    ok = api.patch("/me", {"notification_preferences": {"channels": ["sms", "email"], "quiet_hours_start": 22}})
    assert ok.status == 200 and ok.json["notification_preferences"]["quiet_hours_start"] == 22


def test_a_login_attempt_ends_with_401_when_the_account_is_disabled_meanwhile(api: Api) -> None:
    api.token = api.register_verified("midway@example.org")
    api.post("/auth/mfa/methods", {"method": "email", "enabled": True, "password": PASSWORD})
    api.token = None
    challenge = api.post("/auth/login", {"email": "midway@example.org", "password": PASSWORD}).json
    api.post("/auth/mfa/send", {"mfa_token": challenge["mfa_token"], "method": "email"})
    code = api.last_code("midway@example.org", "login-code")
    users = api.container.store.collection(__import__("chalicelib.services.users", fromlist=["USERS"]).USERS)
    user = users.find_one({"email": "midway@example.org"})
    assert user is not None
    users.update(user["_id"], {"status": "disabled"}, expected_version=user["version"])
    reply = api.post("/auth/mfa/verify", {"mfa_token": challenge["mfa_token"], "code": code, "method": "email"})
    assert reply.status == 401


def test_logout_needs_no_body(api: Api) -> None:
    token = api.register_verified("nobody-body@example.org")
    assert api.call("POST", "/auth/logout", token=token, headers={"Content-Type": ""}).status == 204
    assert api.get("/me", token=token).status == 401


def test_v13_outside_the_local_stage_there_is_no_embedded_redis_or_outbox(api: Api) -> None:
    production = bootstrap(replace(api.container.settings, stage="prod"))
    with pytest.raises(SettingsError, match="REDIS_URL"):
        _ = production.redis
    with pytest.raises(SettingsError, match="SES_SENDER"):
        _ = production.notifier
    assert not replace(Settings(), stage="prod").uses_outbox


def test_only_the_rightmost_forwarded_for_hop_is_trusted(api: Api) -> None:
    api.container.settings = replace(api.container.settings, trust_forwarded_for=True)
    spoofed = [  # a new account each time, so only the per-IP limit can refuse (no account lockout)
        api.post("/auth/login", {"email": f"nobody{n}@example.org", "password": "wrong password!"},
                 headers={"X-Forwarded-For": f"10.0.0.{n}, 198.51.100.7"}).status
        for n in range(25)
    ]
    assert spoofed[0] == 401 and spoofed[-1] == 429  # a fresh left-hand address does not buy a fresh budget
