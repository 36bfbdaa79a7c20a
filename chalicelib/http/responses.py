"""Answers: what a view may return besides a body (``Reply``), the headers every response carries, and rendering."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from chalice.app import Response
from pydantic import BaseModel


@dataclass
class Reply:
    """A response other than ``200 + JSON body``: another status, extra headers, or no body (204)."""

    body: Any = None
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)


def idempotent_reply(body: Any, *, created: bool) -> Reply:
    """201 for the request that took effect, 200 with ``Idempotent-Replayed: true`` for a replay of its key."""
    return Reply(body, status=201) if created else Reply(body, status=200, headers={"Idempotent-Replayed": "true"})


def security_headers(correlation_id: str) -> dict[str, str | list[str]]:
    return {
        "Cache-Control": "no-store",
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "no-referrer",
        "X-Frame-Options": "DENY",
        "Content-Security-Policy": "default-src 'none'; frame-ancestors 'none'",
        "X-Correlation-Id": correlation_id,
    }


def success_response(result: Any, status: int, correlation_id: str) -> Response:
    """A view's result (a JSON-able value, a model, bytes, ``None`` or a ``Reply``) as the Chalice response."""
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
