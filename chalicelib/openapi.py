"""OpenAPI 3.1, generated from the endpoints ``chalicelib.http.route`` recorded and the models they validate with.

Only routes the running app actually registered appear, so each Lambda describes itself and the full app describes all.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from chalicelib.http import ENDPOINTS, Endpoint, token_cookie
from chalicelib.http.routing import JSON
from chalicelib.schemas.common import Problem

_PATH_PARAM = re.compile(r"{([^}]+)}")
_REASONS = {
    400: "Invalid request",
    401: "Not authenticated",
    403: "Not allowed",
    404: "Not found",
    409: "Conflict",
    413: "Body too large",
    415: "Unsupported media type",
    429: "Too many requests",
    503: "A backend is unavailable",
}


REF_TEMPLATE = "#/components/schemas/{model}"
_TRANSPORT_PARAMETER = {
    "name": token_cookie.TRANSPORT_HEADER, "in": "header", "required": False,
    "schema": {"type": "string", "enum": [token_cookie.COOKIE_TRANSPORT]},
    "description": f"`{token_cookie.COOKIE_TRANSPORT}`: the refresh token comes as the HttpOnly "
                   f"`{token_cookie.COOKIE_NAME}` cookie instead of in the body (browsers); a cross-site request is "
                   "refused (403)",
}
_COOKIE_PARAMETER = {
    "name": token_cookie.COOKIE_NAME, "in": "cookie", "required": False, "schema": {"type": "string"},
    "description": f"the refresh token, read only with `{token_cookie.TRANSPORT_HEADER}: "
                   f"{token_cookie.COOKIE_TRANSPORT}` and an empty body",
}
_COOKIE_HEADERS = {
    "issue": f"with `{token_cookie.TRANSPORT_HEADER}: {token_cookie.COOKIE_TRANSPORT}`: "
             f"`{token_cookie.COOKIE_NAME}=<refresh token>; HttpOnly; Secure; SameSite=Strict; Path=<api prefix>/auth; "
             "Max-Age=<refresh token lifetime>`",
    "clear": f"`{token_cookie.COOKIE_NAME}=; HttpOnly; Secure; SameSite=Strict; Path=<api prefix>/auth; Max-Age=0`",
}


def build_spec(registered: Mapping[str, Mapping[str, object]], *, title: str, version: str) -> dict[str, Any]:
    """``registered`` is ``app.routes``: path -> method -> route entry."""
    endpoints = [
        ENDPOINTS[(path, method)]
        for path, methods in sorted(registered.items())
        for method in sorted(methods)
        if (path, method) in ENDPOINTS
    ]
    schemas = _Schemas(endpoints)
    paths: dict[str, Any] = {}
    for endpoint in endpoints:
        paths.setdefault(endpoint.path, {})[endpoint.method.lower()] = _operation(endpoint, schemas)
    return {
        "openapi": "3.1.0",
        "info": {"title": title, "version": version},
        "paths": paths,
        "components": {
            "schemas": schemas.components,
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}},
        },
    }


class _Schemas:
    """Every model's JSON Schema from ONE pydantic pass, so two models that share a class name (in different
    modules) get distinct component names instead of overwriting each other."""

    def __init__(self, endpoints: list[Endpoint]) -> None:
        models = {Problem} | {
            model for e in endpoints for model in (e.body, e.query, e.response) if model is not None
        }
        ordered = sorted(models, key=lambda m: (m.__module__, m.__qualname__))
        refs, definitions = models_json_schema([(m, "validation") for m in ordered], ref_template=REF_TEMPLATE)
        self.components: dict[str, Any] = definitions.get("$defs", {})
        self._refs = {model: refs[(model, "validation")] for model in ordered}

    def ref(self, model: type[BaseModel]) -> dict[str, Any]:
        return dict(self._refs[model])

    def resolved(self, model: type[BaseModel]) -> dict[str, Any]:
        name = str(self._refs[model]["$ref"]).rsplit("/", 1)[-1]
        schema: dict[str, Any] = self.components[name]
        return schema


def _operation(endpoint: Endpoint, schemas: _Schemas) -> dict[str, Any]:
    operation: dict[str, Any] = {
        "summary": endpoint.summary,
        "tags": list(endpoint.tags),
        "operationId": f"{endpoint.method.lower()}_{_slug(endpoint.path)}",
        "parameters": [
            {"name": name, "in": "path", "required": True, "schema": {"type": "string"}}
            for name in _PATH_PARAM.findall(endpoint.path)
        ],
        "responses": {},
    }
    if endpoint.query is not None:
        query_schema = schemas.resolved(endpoint.query)
        required = set(query_schema.get("required", []))
        for name, prop in query_schema.get("properties", {}).items():
            parameter = {"name": name, "in": "query", "required": name in required, "schema": prop}
            operation["parameters"].append(parameter)
    if endpoint.body is not None:
        operation["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": schemas.ref(endpoint.body)}},
        }
    success: dict[str, Any] = {"description": "Success"}
    if endpoint.response is not None and endpoint.status != 204:
        success["content"] = {"application/json": {"schema": schemas.ref(endpoint.response)}}
    elif endpoint.media_type != JSON and endpoint.status != 204:
        success["content"] = {endpoint.media_type: {}}  # a file: no JSON schema to give
    operation["responses"][str(endpoint.status)] = success
    problem = {"application/problem+json": {"schema": schemas.ref(Problem)}}
    # 503 everywhere: any route may find a backend unavailable or lose every retry (``contended``); it has Retry-After
    statuses = set(endpoint.errors) | {503} | ({401} if endpoint.auth else set())
    if endpoint.refresh_cookie is not None:
        _describe_cookie(operation, success, endpoint.refresh_cookie)
        statuses |= {403} if endpoint.refresh_cookie != "clear" else set()
    if endpoint.body is not None:
        statuses |= {400, 413, 415}
    for status in sorted(statuses):
        operation["responses"][str(status)] = {"description": _REASONS.get(status, "Error"), "content": problem}
    if endpoint.auth:
        operation["security"] = [{"bearer": []}]
    return operation


def _describe_cookie(operation: dict[str, Any], success: dict[str, Any], use: token_cookie.CookieUse) -> None:
    """The refresh-token cookie of a route (``chalicelib.http.token_cookie``): its request header and cookie, and
    the ``Set-Cookie`` of the answer."""
    if use != "clear":
        operation["parameters"].append(dict(_TRANSPORT_PARAMETER))
    if use == "rotate":
        operation["parameters"].append(dict(_COOKIE_PARAMETER))
    description = _COOKIE_HEADERS["clear" if use == "clear" else "issue"]
    success["headers"] = {"Set-Cookie": {"description": description, "schema": {"type": "string"}}}


def _slug(path: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", path.lower()).strip("_")
