"""The refresh token in an HttpOnly cookie, for browsers (the web app contract; ASVS 5.0 V3.3, V3.5, V7.2).

A client asks for it with ``X-Token-Transport: cookie`` on a call that issues tokens: the answer's body then has no
``refresh_token``, and ``Set-Cookie: sm_refresh=...; HttpOnly; Secure; SameSite=Strict; Path=<PUBLIC_API_PREFIX>/auth``
carries it, so page script never sees a long-lived token. ``POST /auth/refresh`` reads the cookie only together with
that header, and refuses a request whose ``Sec-Fetch-Site`` or ``Origin`` says it comes from another site (a
cross-site form or script cannot set the header without a CORS preflight this API never grants, and SameSite=Strict
keeps the cookie off cross-site requests on top). Logging out clears the cookie. Without the header nothing changes:
API clients get the refresh token in the body and send it back in the body.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Literal
from urllib.parse import urlsplit

from chalicelib.domain.errors import AuthenticationFailed, Forbidden
from chalicelib.http.responses import Reply

if TYPE_CHECKING:
    from chalice.app import Request

    from chalicelib.settings import Settings

COOKIE_NAME = "sm_refresh"
TRANSPORT_HEADER = "X-Token-Transport"
COOKIE_TRANSPORT = "cookie"
FETCH_SITES_ALLOWED = frozenset({"same-origin", "none"})  # "none": the user typed or bookmarked it
# what a route does with the cookie: sets it (login, MFA, password change), reads and rotates it (refresh), clears it
CookieUse = Literal["issue", "rotate", "clear"]


class CrossSiteRequest(Forbidden):
    code = "cross-site-request"
    title = "Cross-site request refused"


def wants_cookie(request: Request) -> bool:
    return str(request.headers.get(TRANSPORT_HEADER.lower(), "")).strip().lower() == COOKIE_TRANSPORT


def refuse_cross_site(request: Request, settings: Settings) -> None:
    """CSRF defence for cookie transport: the browser's own ``Sec-Fetch-Site`` decides where it sends one; older
    browsers send only ``Origin``, which must then be the app's. A client that sends neither is not a browser."""
    fetch_site = str(request.headers.get("sec-fetch-site", "")).strip().lower()
    if fetch_site:
        if fetch_site not in FETCH_SITES_ALLOWED:
            raise CrossSiteRequest("the refresh cookie is only accepted from the app's own pages")
        return
    origin = str(request.headers.get("origin", "")).strip()
    if origin and _origin(origin) != _origin(settings.public_app_url):
        raise CrossSiteRequest("the refresh cookie is only accepted from the app's own pages")


def refresh_token_from(request: Request, body_token: str | None) -> str:
    """The refresh token of ``POST /auth/refresh``: the body's, or else the cookie (only with the transport header)."""
    if body_token:
        return body_token
    if not wants_cookie(request):
        raise AuthenticationFailed(f"send refresh_token, or {TRANSPORT_HEADER}: {COOKIE_TRANSPORT} with the cookie")
    token = _cookies(str(request.headers.get("cookie", ""))).get(COOKIE_NAME)
    if not token:
        raise AuthenticationFailed("no session to resume: sign in")
    return token


def apply(use: CookieUse, request: Request, settings: Settings, result: Any, status: int) -> Any:
    """What a token-issuing or session-ending view's answer becomes on the wire."""
    if use == "clear":
        return Reply(result, status, {"Set-Cookie": _cookie(settings, "", max_age=0)})
    if not wants_cookie(request) or not isinstance(result, Mapping) or "refresh_token" not in result:
        return result  # an API client, or an answer without tokens (an MFA challenge)
    body = {name: value for name, value in result.items() if name != "refresh_token"}
    cookie = _cookie(settings, str(result["refresh_token"]), max_age=settings.refresh_token_ttl)
    return Reply(body, status, {"Set-Cookie": cookie})


def cookie_path(settings: Settings) -> str:
    return f"{settings.public_api_prefix}/auth"


def _cookie(settings: Settings, value: str, *, max_age: int) -> str:
    return f"{COOKIE_NAME}={value}; HttpOnly; Secure; SameSite=Strict; Path={cookie_path(settings)}; Max-Age={max_age}"


def _cookies(header: str) -> dict[str, str]:
    """``Cookie: a=1; b=2`` as a dict; the first of several same-named cookies wins (the most specific path)."""
    found: dict[str, str] = {}
    for pair in header.split(";"):
        name, sep, value = pair.strip().partition("=")
        if sep and name and name not in found:
            found[name] = value.strip().strip('"')
    return found


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower()
