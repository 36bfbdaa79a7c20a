"""OpenAPI 3.1, generated from the endpoints ``chalicelib.http.route`` recorded and the models they validate with.

Only routes the running app actually registered appear, so each Lambda describes itself and the full app describes all.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel

from chalicelib.http import ENDPOINTS, Endpoint
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


def build_spec(registered: Mapping[str, Mapping[str, object]], *, title: str, version: str) -> dict[str, Any]:
    """``registered`` is ``app.routes``: path -> method -> route entry."""
    components: dict[str, Any] = {}
    components["Problem"] = _schema(Problem, components)
    paths: dict[str, Any] = {}
    for path, methods in sorted(registered.items()):
        for method in sorted(methods):
            endpoint = ENDPOINTS.get((path, method))
            if endpoint is not None:
                paths.setdefault(path, {})[method.lower()] = _operation(endpoint, components)
    return {
        "openapi": "3.1.0",
        "info": {"title": title, "version": version},
        "paths": paths,
        "components": {
            "schemas": components,
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}},
        },
    }


def _operation(endpoint: Endpoint, components: dict[str, Any]) -> dict[str, Any]:
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
        query_schema = _schema(endpoint.query, components)
        required = set(query_schema.get("required", []))
        for name, prop in query_schema.get("properties", {}).items():
            parameter = {"name": name, "in": "query", "required": name in required, "schema": prop}
            operation["parameters"].append(parameter)
    if endpoint.body is not None:
        operation["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": _ref(endpoint.body, components)}},
        }
    success: dict[str, Any] = {"description": "Success"}
    if endpoint.response is not None and endpoint.status != 204:
        success["content"] = {"application/json": {"schema": _ref(endpoint.response, components)}}
    operation["responses"][str(endpoint.status)] = success
    problem = {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}
    statuses = set(endpoint.errors) | ({401} if endpoint.auth else set())
    if endpoint.body is not None:
        statuses |= {400, 413, 415}
    for status in sorted(statuses):
        operation["responses"][str(status)] = {"description": _REASONS.get(status, "Error"), "content": problem}
    if endpoint.auth:
        operation["security"] = [{"bearer": []}]
    return operation


def _ref(model: type[BaseModel], components: dict[str, Any]) -> dict[str, str]:
    components[model.__name__] = _schema(model, components)
    return {"$ref": f"#/components/schemas/{model.__name__}"}


def _schema(model: type[BaseModel], components: dict[str, Any]) -> dict[str, Any]:
    schema = model.model_json_schema(ref_template="#/components/schemas/{model}")
    components.update(schema.pop("$defs", {}))
    return schema


def _slug(path: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", path.lower()).strip("_")
