"""Errors on the wire: the one table from ``DomainError`` classes to HTTP status, rendered as RFC 9457 problem+json.

Nothing matches on message text: a class decides the status, its ``code`` the stable ``type``. Anything unexpected is
an ``internal_error`` that reveals nothing but the correlation id.
"""

from __future__ import annotations

import json
from typing import Any

from chalice.app import Response

from chalicelib.domain.errors import (
    AuthenticationFailed,
    Conflict,
    DomainError,
    Forbidden,
    NotFound,
    RateLimited,
    ServiceUnavailable,
    ValidationFailed,
    VersionConflict,
)
from chalicelib.http.parsing import PayloadTooLarge, UnsupportedMediaType
from chalicelib.http.responses import security_headers

PROBLEM_BASE = "https://sharemeter.dev/problems/"
PROBLEM_CONTENT_TYPE = "application/problem+json"

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
    if isinstance(error, RateLimited | ServiceUnavailable):
        headers["Retry-After"] = str(error.retry_after_seconds)
    if isinstance(error, AuthenticationFailed):
        headers["WWW-Authenticate"] = 'Bearer realm="sharemeter"'
    return Response(body=json.dumps(body), status_code=status, headers=headers)


def internal_error(correlation_id: str) -> Response:
    body = {
        "type": PROBLEM_BASE + "internal-error",
        "title": "Internal error",
        "status": 500,
        "detail": "an unexpected error occurred; quote the correlation id when reporting it",
        "correlation_id": correlation_id,
    }
    headers = security_headers(correlation_id) | {"Content-Type": PROBLEM_CONTENT_TYPE}
    return Response(body=json.dumps(body), status_code=500, headers=headers)
