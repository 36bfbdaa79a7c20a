"""No password, one-time code or token ever reaches a log line (ASVS V16.2.5), across a full sign-in story."""

from __future__ import annotations

import io

import pyotp

from tests.integration.conftest import Api

PASSWORD = "correct horse battery staple"




def test_v16_2_5_logs_hold_no_password_code_or_token(api: Api, log_output: io.StringIO) -> None:
    secrets_seen: list[str] = [PASSWORD]
    api.post("/auth/register", {"email": "quiet@example.org", "password": PASSWORD, "name": "Q"})
    code = api.last_code("quiet@example.org", "verify-email")
    secrets_seen.append(code)
    api.post("/auth/verify-email", {"email": "quiet@example.org", "code": code})
    pair = api.post("/auth/login", {"email": "quiet@example.org", "password": PASSWORD}).json
    secrets_seen += [pair["access_token"], pair["refresh_token"]]
    api.post("/auth/login", {"email": "quiet@example.org", "password": "a wrong password guess"})
    setup = api.post("/auth/totp/setup", {"password": PASSWORD}, token=pair["access_token"]).json
    totp_code = pyotp.TOTP(setup["secret"]).at(api.clock())
    secrets_seen += [setup["secret"], totp_code]
    confirmed = api.post("/auth/totp/confirm", {"code": totp_code}, token=pair["access_token"]).json
    secrets_seen += confirmed["recovery_codes"] + [confirmed["access_token"], confirmed["refresh_token"]]
    api.post("/auth/refresh", {"refresh_token": pair["refresh_token"]})  # reuse: revokes, and is logged

    output = log_output.getvalue()
    assert "login.failed" in output  # the logs were captured at all
    leaked = [s for s in secrets_seen if s in output]
    assert leaked == []
