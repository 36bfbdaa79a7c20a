"""The ``route`` decorator and the pipeline every view runs in.

``route(bp, "/path", "POST", body=Model, ...)`` registers the view with Chalice (Chalice stays the route table) and
records the endpoint in ``ENDPOINTS`` for OpenAPI. The wrapper checks content type and size, authenticates, validates
body and query (``parsing``), calls the function, and maps every ``DomainError`` to problem+json (``problems``).
Anything unexpected becomes a logged 500 problem that reveals nothing.
"""

from __future__ import annotations

import functools
import re
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from chalice.app import Response
from pydantic import BaseModel

from chalicelib.domain.errors import AuthenticationFailed, DomainError
from chalicelib.http import token_cookie
from chalicelib.http.conformance import mismatches
from chalicelib.http.parsing import parse_body, parse_query
from chalicelib.http.problems import internal_error, problem_response
from chalicelib.http.responses import success_response
from chalicelib.http.token_cookie import CookieUse
from chalicelib.observability import bind_correlation_id, logger

if TYPE_CHECKING:
    from chalice.app import Blueprint, Chalice, Request

    from chalicelib.bootstrap import Container
    from chalicelib.services.sessions import Principal

JSON = "application/json"
ANY_CONTENT_TYPE = ["*/*"]  # Chalice's own 415 is not problem+json, so the wrapper checks content types itself
_CORRELATION_ID = re.compile(r"^[A-Za-z0-9._:-]{8,128}$")


@dataclass(frozen=True)
class Endpoint:
    """What OpenAPI needs to know about one route, taken from the same models the wrapper validates with."""

    path: str
    method: str
    summary: str
    tags: tuple[str, ...]
    body: type[BaseModel] | None
    query: type[BaseModel] | None
    response: type[BaseModel] | None
    status: int
    auth: bool
    errors: tuple[int, ...]
    max_body_bytes: int | None
    media_type: str = JSON
    refresh_cookie: CookieUse | None = None


ENDPOINTS: dict[tuple[str, str], Endpoint] = {}


@dataclass
class RequestContext:
    request: Request
    container: Container
    correlation_id: str
    principal: Principal | None = None

    @property
    def headers(self) -> Mapping[str, str]:
        return self.request.headers

    @property
    def client_ip(self) -> str:
        if self.container.settings.trust_forwarded_for:
            # the rightmost hop is the one the trusted proxy appended; everything left of it is client-supplied
            forwarded = str(self.request.headers.get("x-forwarded-for", "")).split(",")[-1].strip()
            if forwarded:
                return forwarded
        identity = (self.request.context or {}).get("identity") or {}
        return str(identity.get("sourceIp") or "unknown")

    @property
    def user_agent(self) -> str:
        return str(self.request.headers.get("user-agent", ""))[:256]

    def require_principal(self) -> Principal:
        if self.principal is None:
            raise AuthenticationFailed("authentication required")
        return self.principal


View = Callable[..., Any]
ContainerFactory = Callable[[], "Container"]
_container_factory: list[ContainerFactory] = []


def use_container(factory: ContainerFactory) -> None:
    """Set how routes obtain the composition root (``app.py`` does this once; tests pass their own)."""
    _container_factory[:] = [factory]


def route(
    bp: Blueprint | Chalice,
    path: str,
    method: str,
    *,
    summary: str,
    tags: tuple[str, ...],
    body: type[BaseModel] | None = None,
    query: type[BaseModel] | None = None,
    response: type[BaseModel] | None = None,
    status: int = 200,
    auth: bool = True,
    errors: tuple[int, ...] = (),
    max_body_bytes: int | None = None,
    media_type: str = JSON,
    refresh_cookie: CookieUse | None = None,
) -> Callable[[View], View]:
    """Register ``view(ctx, [body=], [query=], **path_params)`` as ``method path`` on ``bp``.

    ``max_body_bytes`` raises the body limit for this route only (default: ``Settings.max_body_bytes``).
    ``media_type``: what a successful answer carries; anything but JSON (a file) needs no ``response`` model.
    ``refresh_cookie`` marks a route that issues, rotates or ends a session's refresh token (``token_cookie``).
    """
    if response is None and status in (200, 201) and media_type == JSON:
        raise TypeError(f"{method} {path} answers JSON with {status}: declare its response model")
    endpoint = Endpoint(path, method, summary, tags, body, query, response, status, auth, errors, max_body_bytes,
                        media_type, refresh_cookie)

    def decorate(view: View) -> View:
        ENDPOINTS[(path, method)] = endpoint

        @functools.wraps(view)
        def chalice_view(**path_params: str) -> Response:
            return _handle(bp, endpoint, view, path_params)

        bp.route(path, methods=[method], content_types=ANY_CONTENT_TYPE)(chalice_view)
        return view

    return decorate


def _handle(bp: Blueprint | Chalice, endpoint: Endpoint, view: View, path_params: dict[str, str]) -> Response:
    request = bp.current_request
    assert request is not None, "Chalice sets current_request before calling a view"
    correlation_id = _correlation_id(request, bp)
    bind_correlation_id(correlation_id)
    try:
        container = _container_factory[0]()
        ctx = RequestContext(request=request, container=container, correlation_id=correlation_id)
        if endpoint.refresh_cookie in {"issue", "rotate"} and token_cookie.wants_cookie(request):
            token_cookie.refuse_cross_site(request, container.settings)
        if endpoint.auth:
            from chalicelib.services.sessions import authenticate

            ctx.principal = authenticate(container, _bearer_token(request))
        kwargs: dict[str, Any] = dict(path_params)
        if endpoint.body is not None:
            limit = endpoint.max_body_bytes or container.settings.max_body_bytes
            kwargs["body"] = parse_body(request, endpoint.body, limit)
        if endpoint.query is not None:
            kwargs["query"] = parse_query(request, endpoint.query)
        result = view(ctx, **kwargs)
        if endpoint.refresh_cookie is not None:
            result = token_cookie.apply(endpoint.refresh_cookie, request, container.settings, result, endpoint.status)
    except DomainError as error:
        return problem_response(error, correlation_id)
    except Exception:
        logger().exception("unhandled error", extra={"path": endpoint.path, "method": endpoint.method})
        return internal_error(correlation_id)
    response = success_response(result, endpoint.status, correlation_id)
    if container.settings.check_responses and endpoint.response is not None and isinstance(response.body, str):
        problems = mismatches(endpoint.response, response.body) if response.body else []
        if problems:
            logger().error("response does not match its declared model",
                           extra={"path": endpoint.path, "method": endpoint.method, "problems": problems[:20]})
            return internal_error(correlation_id)
    return response


def _correlation_id(request: Request, bp: Blueprint | Chalice) -> str:
    supplied = str(request.headers.get("x-correlation-id", ""))
    if _CORRELATION_ID.match(supplied):
        return supplied
    lambda_context = getattr(bp, "lambda_context", None)
    request_id = getattr(lambda_context, "aws_request_id", None)
    return str(request_id) if request_id else str(uuid.uuid4())


def _bearer_token(request: Request) -> str:
    header = str(request.headers.get("authorization", ""))
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise AuthenticationFailed("a bearer access token is required")
    return token.strip()
