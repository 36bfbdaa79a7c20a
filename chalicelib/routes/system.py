"""Route group ``system``: health and the OpenAPI document."""

from __future__ import annotations

from typing import Any

from chalice.app import Blueprint
from pydantic import BaseModel

from chalicelib.http import Reply, RequestContext, route
from chalicelib.services.health import check_backends

bp = Blueprint(__name__)
TAGS = ("system",)


class Health(BaseModel):
    status: str
    backends: dict[str, dict[str, Any]]


@route(bp, "/health", "GET", response=Health, auth=False, tags=TAGS, errors=(503,),
       summary="Whether each backend (store, cache, notifier) is reachable")
def health(ctx: RequestContext) -> Reply:
    backends = check_backends(ctx.container)
    healthy = all(b["ok"] for b in backends.values())
    return Reply({"status": "ok" if healthy else "degraded", "backends": backends}, status=200 if healthy else 503)


class OpenApiDocument(BaseModel):
    openapi: str
    info: dict[str, Any]
    paths: dict[str, Any]
    components: dict[str, Any]


@route(bp, "/openapi.json", "GET", response=OpenApiDocument, auth=False, tags=TAGS,
       summary="This API's OpenAPI 3.1 description")
def openapi(ctx: RequestContext) -> dict[str, Any]:
    from chalicelib.openapi import build_spec

    return build_spec(bp.current_app.routes, title="sharemeter API", version="0.1.0")
