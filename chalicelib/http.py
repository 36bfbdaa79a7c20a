"""The HTTP edge: one decorator turns a plain function into a validated, authorized, problem+json-speaking route.

``route(bp, "/path", "POST", body=Model, ...)`` registers the view with Chalice (Chalice stays the route table)
and records the endpoint's models for OpenAPI (``chalicelib.openapi``). The wrapper checks content type and size,
authenticates, validates body and query with pydantic in strict mode (a JSON number where a string is declared is
refused, unknown fields are refused), calls the function, and maps every ``DomainError`` to RFC 9457
``application/problem+json`` through ``STATUS_BY_ERROR``. Anything unexpected becomes a logged 500 problem that
reveals nothing.
"""

from __future__ import annotations

import functools
import json
import re
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

from chalice.app import Response
from pydantic import BaseModel, ValidationError

from chalicelib.domain.errors import (
    AuthenticationFailed,
    Conflict,
    DomainError,
    FieldProblem,
    Forbidden,
    InvalidFields,
    NotFound,
    RateLimited,
    ServiceUnavailable,
    ValidationFailed,
    VersionConflict,
)
from chalicelib.observability import bind_correlation_id, logger

if TYPE_CHECKING:
    from chalice.app import Blueprint, Chalice, Request

    from chalicelib.bootstrap import Container
    from chalicelib.services.sessions import Principal

PROBLEM_BASE = "https://sharemeter.dev/problems/"
PROBLEM_CONTENT_TYPE = "application/problem+json"
ANY_CONTENT_TYPE = ["*/*"]  # Chalice's own 415 is not problem+json, so the wrapper checks content types itself
_CORRELATION_ID = re.compile(r"^[A-Za-z0-9._:-]{8,128}$")


class PayloadTooLarge(DomainError):
    code = "payload-too-large"
    title = "Request body too large"


class UnsupportedMediaType(DomainError):
    code = "unsupported-media-type"
    title = "Unsupported media type"


class MalformedBody(ValidationFailed):
    code = "malformed-body"
    title = "Request body is not valid JSON"


STATUS_BY_ERROR: tuple[tuple[type[DomainError], int], ...] = (
    (ValidationFailed, 400),
    (AuthenticationFailed, 401),
    (Forbidden, 403),
    (NotFound, 404),
    (VersionConflict, 409),
    (Conflict, 409),
    (PayloadTooLarge, 413),
    (UnsupportedMediaType, 415),
    (RateLimited, 429),
    (ServiceUnavailable, 503),
)


def status_for(error: DomainError) -> int:
    for error_type, status in STATUS_BY_ERROR:
        if isinstance(error, error_type):
            return status
    return 400


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


ENDPOINTS: dict[tuple[str, str], Endpoint] = {}


@dataclass
class Reply:
    """A response other than ``200 + JSON body``: another status, extra headers, or no body (204)."""

    body: Any = None
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)


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


M = TypeVar("M", bound=BaseModel)
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
) -> Callable[[View], View]:
    """Register ``view(ctx, [body=], [query=], **path_params)`` as ``method path`` on ``bp``.

    ``max_body_bytes`` raises the body limit for this route only (default: ``Settings.max_body_bytes``).
    """
    endpoint = Endpoint(path, method, summary, tags, body, query, response, status, auth, errors, max_body_bytes)

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
    except DomainError as error:
        return problem_response(error, correlation_id)
    except Exception:
        logger().exception("unhandled error", extra={"path": endpoint.path, "method": endpoint.method})
        return _internal_error(correlation_id)
    return _success(result, endpoint.status, correlation_id)


def expected_version(ctx: RequestContext, body_version: int | None) -> int | None:
    """The version a write is based on: ``If-Match: "7"`` or the body's ``version`` (they must agree)."""
    header = str(ctx.headers.get("if-match", "")).strip()
    if not header:
        return body_version
    tag = header.removeprefix("W/").strip('"')
    if not tag.isascii() or not tag.isdigit() or len(tag) > 18:
        raise ValidationFailed('If-Match must be an ETag this API sent, such as "3"', field="If-Match")
    version = int(tag)
    if body_version is not None and body_version != version:
        raise ValidationFailed("If-Match and version disagree", field="version")
    return version


def tagged(view: dict[str, Any], status: int = 200) -> Reply:
    """``view`` with an ``ETag`` of its ``version``, for clients to send back in ``If-Match``."""
    return Reply(view, status, {"ETag": f'"{view["version"]}"'})


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


def parse_body(request: Request, model: type[M], max_bytes: int) -> M:
    content_type = str(request.headers.get("content-type", "")).split(";")[0].strip().lower()
    if content_type != "application/json":
        raise UnsupportedMediaType("send the request body as application/json")
    raw = request.raw_body or b""
    if len(raw) > max_bytes:
        raise PayloadTooLarge(f"request body exceeds {max_bytes} bytes")
    try:
        return model.model_validate_json(raw or b"{}", strict=True)
    except ValidationError as error:
        raise validation_problem(error) from None


def parse_query(request: Request, model: type[M]) -> M:
    try:
        return model.model_validate(dict(request.query_params or {}))
    except ValidationError as error:
        raise validation_problem(error) from None


def validation_problem(error: ValidationError) -> ValidationFailed:
    """Turn pydantic's errors into field problems; the submitted values are never echoed back."""
    problems: list[FieldProblem] = []
    for item in error.errors(include_input=False, include_url=False):
        if item["type"] == "json_invalid":
            return MalformedBody("the request body is not valid JSON")
        problems.append(FieldProblem(field_path(item["loc"]), item["msg"]))
    return InvalidFields(tuple(problems))


def field_path(location: tuple[int | str, ...]) -> str:
    path = ""
    for part in location:
        path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else str(part))
    return path


def security_headers(correlation_id: str) -> dict[str, str | list[str]]:
    return {
        "Cache-Control": "no-store",
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "no-referrer",
        "X-Frame-Options": "DENY",
        "Content-Security-Policy": "default-src 'none'; frame-ancestors 'none'",
        "X-Correlation-Id": correlation_id,
    }


def problem_response(error: DomainError, correlation_id: str) -> Response:
    status = status_for(error)
    body: dict[str, Any] = {
        "type": PROBLEM_BASE + error.code,
        "title": error.title,
        "status": status,
        "detail": error.detail,
        "correlation_id": correlation_id,
    }
    if error.problems:
        body["errors"] = [{"field": p.field, "detail": p.detail} for p in error.problems]
    headers = security_headers(correlation_id) | {"Content-Type": PROBLEM_CONTENT_TYPE}
    if isinstance(error, RateLimited):
        headers["Retry-After"] = str(error.retry_after_seconds)
    if isinstance(error, AuthenticationFailed):
        headers["WWW-Authenticate"] = 'Bearer realm="sharemeter"'
    return Response(body=json.dumps(body), status_code=status, headers=headers)


def _internal_error(correlation_id: str) -> Response:
    body = {
        "type": PROBLEM_BASE + "internal-error",
        "title": "Internal error",
        "status": 500,
        "detail": "an unexpected error occurred; quote the correlation id when reporting it",
        "correlation_id": correlation_id,
    }
    headers = security_headers(correlation_id) | {"Content-Type": PROBLEM_CONTENT_TYPE}
    return Response(body=json.dumps(body), status_code=500, headers=headers)


def _success(result: Any, status: int, correlation_id: str) -> Response:
    reply = result if isinstance(result, Reply) else Reply(body=result, status=status)
    if reply.body is None and reply.status == 200:
        reply.status = 204
    headers = security_headers(correlation_id)
    headers.update(reply.headers)
    if reply.body is None:
        return Response(body="", status_code=reply.status, headers=headers)
    if isinstance(reply.body, bytes):  # a file (local dev routes); the view sets its Content-Type
        return Response(body=reply.body, status_code=reply.status, headers=headers)
    payload = reply.body.model_dump(mode="json") if isinstance(reply.body, BaseModel) else reply.body
    headers.setdefault("Content-Type", "application/json")
    return Response(body=json.dumps(payload), status_code=reply.status, headers=headers)
