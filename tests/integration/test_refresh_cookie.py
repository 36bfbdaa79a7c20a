"""The refresh token in an HttpOnly cookie for browsers (web app contract): asked for with
``X-Token-Transport: cookie``, read back only with that header and never from another site, cleared at logout.
OWASP ASVS 5.0 V3.3.1 (cookie attributes), V3.5.1-V3.5.3 (CSRF: custom header, Sec-Fetch-Site/Origin, SameSite),
V7.2.4 (rotation), V7.4.1 (logout ends the session)."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pyotp
import pytest

from chalicelib.http import ENDPOINTS
from chalicelib.services import sessions
from tests.integration.conftest import Api, Response

PASSWORD = "correct horse battery staple"
PROBLEMS = "https://sharemeter.dev/problems/"
BROWSER = {"X-Token-Transport": "cookie", "Sec-Fetch-Site": "same-origin", "Origin": "http://127.0.0.1:5173"}
MONTH = 30 * 24 * 3600


def _cookie_value(reply: Response) -> str:
    header = reply.header("Set-Cookie")
    assert header is not None, reply.headers
    return header.split(";")[0].removeprefix("sm_refresh=")


def _browser_login(api: Api, email: str) -> Response:
    api.register_verified(email)
    return api.post("/auth/login", {"email": email, "password": PASSWORD}, headers=BROWSER)


def _refresh(api: Api, cookie: str, **headers: str) -> Response:
    return api.post("/auth/refresh", {}, headers=BROWSER | {"Cookie": f"other=1; sm_refresh={cookie}"} | headers)


def test_v3_3_1_login_sets_an_httponly_secure_strict_cookie_and_the_body_has_no_refresh_token(api: Api) -> None:
    reply = _browser_login(api, "cookie@example.org")
    assert reply.status == 200
    assert set(reply.json) == {"access_token", "token_type", "expires_in"}
    token = _cookie_value(reply)
    assert reply.header("Set-Cookie") == (
        f"sm_refresh={token}; HttpOnly; Secure; SameSite=Strict; Path=/api/auth; Max-Age={MONTH}"
    )
    assert api.get("/me", token=reply.json["access_token"]).status == 200


def test_api_clients_without_the_header_get_the_refresh_token_in_the_body_as_before(api: Api) -> None:
    api.register_verified("curl@example.org")
    reply = api.post("/auth/login", {"email": "curl@example.org", "password": PASSWORD})
    assert reply.status == 200 and reply.json["refresh_token"] and reply.header("Set-Cookie") is None
    rotated = api.post("/auth/refresh", {"refresh_token": reply.json["refresh_token"]})
    assert rotated.status == 200 and rotated.json["refresh_token"] and rotated.header("Set-Cookie") is None


def test_v7_2_4_refresh_from_the_cookie_rotates_it_and_the_old_one_later_revokes_the_family(api: Api) -> None:
    first = _cookie_value(_browser_login(api, "rotate-cookie@example.org"))
    rotated = _refresh(api, first)
    assert rotated.status == 200 and set(rotated.json) == {"access_token", "token_type", "expires_in"}
    second = _cookie_value(rotated)
    assert second != first
    api.clock.advance(sessions.REFRESH_GRACE_SECONDS)
    assert _refresh(api, first).status == 401  # reuse after the grace window
    assert _refresh(api, second).status == 401  # and the family is gone


def test_v3_5_1_the_cookie_alone_is_never_enough(api: Api) -> None:
    cookie = _cookie_value(_browser_login(api, "csrf@example.org"))
    reply = api.post("/auth/refresh", {}, headers={"Cookie": f"sm_refresh={cookie}"})  # what a cross-site form sends
    assert reply.status == 401 and reply.header("Set-Cookie") is None
    assert _refresh(api, cookie).status == 200  # it was left alone, not revoked


@pytest.mark.parametrize("headers", [
    {"Sec-Fetch-Site": "cross-site"},
    {"Sec-Fetch-Site": "same-site"},  # a sibling subdomain is another origin too
    {"Sec-Fetch-Site": "", "Origin": "https://evil.example"},  # an older browser: only Origin tells
])
def test_v3_5_3_a_request_from_another_site_is_refused(api: Api, headers: dict[str, str]) -> None:
    cookie = _cookie_value(_browser_login(api, "cross@example.org"))
    reply = _refresh(api, cookie, **headers)
    assert reply.status == 403 and reply.json["type"] == PROBLEMS + "cross-site-request"
    assert _refresh(api, cookie).status == 200  # refused before anything happened to the session


def test_v3_5_3_the_browsers_own_verdict_same_origin_is_trusted_whatever_the_host(api: Api) -> None:
    cookie = _cookie_value(_browser_login(api, "localhost@example.org"))
    assert _refresh(api, cookie, Origin="http://localhost:5173").status == 200  # Sec-Fetch-Site: same-origin


def test_v3_5_3_a_cross_site_login_in_cookie_mode_is_refused_before_signing_in(api: Api) -> None:
    api.register_verified("login-csrf@example.org")
    reply = api.post("/auth/login", {"email": "login-csrf@example.org", "password": PASSWORD},
                     headers=BROWSER | {"Sec-Fetch-Site": "cross-site"})
    assert reply.status == 403 and reply.header("Set-Cookie") is None


def test_without_a_cookie_the_app_is_told_to_sign_in(api: Api) -> None:
    reply = api.post("/auth/refresh", {}, headers=BROWSER)
    assert reply.status == 401 and reply.json["type"] == PROBLEMS + "authentication-failed"


@pytest.mark.parametrize("path", ["/auth/logout", "/auth/logout-all"])
def test_v7_4_1_logging_out_clears_the_cookie_and_ends_the_session(api: Api, path: str) -> None:
    login = _browser_login(api, f"bye{len(path)}@example.org")
    reply = api.post(path, {}, token=login.json["access_token"], headers=BROWSER)
    assert reply.status == 204
    assert reply.header("Set-Cookie") == "sm_refresh=; HttpOnly; Secure; SameSite=Strict; Path=/api/auth; Max-Age=0"
    assert _refresh(api, _cookie_value(login)).status == 401


def test_the_cookie_path_follows_public_api_prefix(api: Api) -> None:
    api.container.settings = replace(api.container.settings, public_api_prefix="/v1")
    assert "; Path=/v1/auth;" in str(_browser_login(api, "prefix@example.org").header("Set-Cookie"))


def test_second_factor_and_password_change_answers_move_the_token_into_the_cookie(api: Api) -> None:
    api.token = api.register_verified("mfa-cookie@example.org")
    secret = api.post("/auth/totp/setup", {"password": PASSWORD}).json["secret"]
    confirmed = api.post("/auth/totp/confirm", {"code": pyotp.TOTP(secret).at(api.clock())}, headers=BROWSER)
    assert confirmed.status == 200 and "refresh_token" not in confirmed.json and len(confirmed.json["recovery_codes"])
    assert _cookie_value(confirmed)
    api.token = None
    challenge = api.post("/auth/login", {"email": "mfa-cookie@example.org", "password": PASSWORD}, headers=BROWSER)
    assert challenge.json["mfa_required"] is True and challenge.header("Set-Cookie") is None  # no tokens yet
    code = pyotp.TOTP(secret).at(api.clock() + 30)
    verified = api.post("/auth/mfa/verify", {"mfa_token": challenge.json["mfa_token"], "code": code,
                                             "method": "totp"}, headers=BROWSER)
    assert verified.status == 200 and "refresh_token" not in verified.json
    changed = api.post("/auth/password/change", {"current_password": PASSWORD, "new_password": "a new passphrase"},
                       token=verified.json["access_token"], headers=BROWSER)
    assert changed.status == 200 and "refresh_token" not in changed.json
    assert _refresh(api, _cookie_value(changed)).status == 200


def _issues_refresh_tokens(model: Any) -> bool:
    fields = getattr(model, "model_fields", {})
    if "root" in fields:  # a union answer such as LoginResult
        return any(_issues_refresh_tokens(member) for member in getattr(fields["root"].annotation, "__args__", ()))
    return "refresh_token" in fields


def test_every_route_that_answers_with_a_refresh_token_honours_the_cookie_transport() -> None:
    issuing = {key for key, e in ENDPOINTS.items() if e.response is not None and _issues_refresh_tokens(e.response)}
    marked = {key for key, e in ENDPOINTS.items() if e.refresh_cookie in {"issue", "rotate"}}
    assert issuing == marked and ("/auth/refresh", "POST") in marked


def test_openapi_describes_the_header_the_cookie_and_the_optional_refresh_token(api: Api) -> None:
    spec = api.get("/openapi.json").json
    refresh = spec["paths"]["/auth/refresh"]["post"]
    parameters = {(p["in"], p["name"]) for p in refresh["parameters"]}
    assert {("header", "X-Token-Transport"), ("cookie", "sm_refresh")} <= parameters
    assert "Set-Cookie" in refresh["responses"]["200"]["headers"] and "403" in refresh["responses"]
    assert "Set-Cookie" in spec["paths"]["/auth/logout"]["post"]["responses"]["204"]["headers"]
    pair = spec["components"]["schemas"]["TokenPair"]
    assert "refresh_token" not in pair.get("required", []) and "access_token" in pair["required"]
    assert "refresh_token" not in spec["components"]["schemas"]["RefreshRequest"].get("required", [])
