"""The HTTP edge: RFC 9457 problems for every kind of bad input, never a 5xx; headers on every response."""

from __future__ import annotations

import pytest

from tests.integration.conftest import Api

PROBLEMS = "https://sharemeter.dev/problems/"


def _assert_problem(reply: object, status: int, kind: str) -> dict[str, object]:
    assert reply.status == status, reply.body  # type: ignore[attr-defined]
    assert reply.header("Content-Type") == "application/problem+json"  # type: ignore[attr-defined]
    body: dict[str, object] = reply.json  # type: ignore[attr-defined]
    assert body["type"] == PROBLEMS + kind and body["status"] == status and body["detail"]
    return body


def test_unknown_field_is_refused_and_named(api: Api) -> None:
    reply = api.post("/auth/login", {"email": "a@example.org", "password": "x" * 10, "role": "admin"})
    body = _assert_problem(reply, 400, "validation-failed")
    assert body["errors"] == [{"field": "role", "detail": "Extra inputs are not permitted"}]


def test_json_number_where_a_secret_is_expected_is_refused(api: Api) -> None:
    reply = api.post("/auth/login", {"email": "a@example.org", "password": 12345678})
    body = _assert_problem(reply, 400, "validation-failed")
    assert body["errors"][0]["field"] == "password"  # type: ignore[index]


@pytest.mark.parametrize("injected", [{"$ne": None}, {"$gt": ""}, ["a@example.org"]])
def test_mongo_operator_injection_is_refused(api: Api, injected: object) -> None:
    reply = api.post("/auth/login", {"email": injected, "password": "whatever123"})
    body = _assert_problem(reply, 400, "validation-failed")
    assert body["errors"][0]["field"] == "email"  # type: ignore[index]


def test_malformed_json_is_a_400(api: Api) -> None:
    _assert_problem(api.post("/auth/login", raw=b'{"email": '), 400, "malformed-body")


def test_wrong_content_type_is_a_415(api: Api) -> None:
    reply = api.post("/auth/login", raw=b"email=a", headers={"Content-Type": "application/x-www-form-urlencoded"})
    _assert_problem(reply, 415, "unsupported-media-type")


def test_oversized_body_is_a_413(api: Api) -> None:
    huge = b'{"email": "' + b"a" * (70 * 1024) + b'"}'
    _assert_problem(api.post("/auth/login", raw=huge), 413, "payload-too-large")


def test_missing_fields_are_all_named(api: Api) -> None:
    body = _assert_problem(api.post("/auth/register", {}), 400, "validation-failed")
    assert {e["field"] for e in body["errors"]} == {"email", "password", "name"}  # type: ignore[attr-defined]


def test_every_response_carries_no_store_and_a_correlation_id(api: Api) -> None:
    for reply in (api.get("/health"), api.post("/auth/login", {})):
        assert reply.header("Cache-Control") == "no-store"
        assert reply.header("X-Correlation-Id")
        assert reply.header("X-Content-Type-Options") == "nosniff"


def test_a_supplied_correlation_id_is_echoed(api: Api) -> None:
    reply = api.get("/health", headers={"X-Correlation-Id": "trace-1234-abcd"})
    assert reply.header("X-Correlation-Id") == "trace-1234-abcd"


def test_health_reports_each_backend(api: Api) -> None:
    reply = api.get("/health")
    assert reply.status == 200
    assert {name: b["ok"] for name, b in reply.json["backends"].items()} == {
        "store": True, "cache": True, "notifier": True,
    }


def test_openapi_document_is_valid_3_1_and_covers_every_route(api: Api) -> None:
    from openapi_spec_validator import validate

    from app import app as chalice_app

    spec = api.get("/openapi.json").json
    validate(spec)
    described = {(path, method.upper()) for path, ops in spec["paths"].items() for method in ops}
    registered = {(path, method) for path, methods in chalice_app.routes.items() for method in methods}
    assert described == registered
    login = spec["paths"]["/auth/login"]["post"]
    request_schema = login["requestBody"]["content"]["application/json"]["schema"]
    assert request_schema == {"$ref": "#/components/schemas/LoginRequest"}
    assert "429" in login["responses"]
    assert all("503" in op["responses"] for ops in spec["paths"].values() for op in ops.values())


def test_dev_outbox_lists_messages_locally(api: Api) -> None:
    api.post("/auth/register", {"email": "outbox@example.org", "password": "long enough passphrase", "name": "O"})
    reply = api.get("/dev/outbox?recipient=outbox@example.org")
    assert reply.status == 200
    assert [m["template"] for m in reply.json] == ["verify-email"]
    assert set(reply.json[0]) >= {"channel", "recipient", "subject", "body"}


def test_openapi_never_merges_two_models_that_share_a_class_name(api: Api) -> None:
    """Two models with one class name (once schemas.bills.ShareOut and schemas.splits.ShareOut) overwrote each other."""
    from chalicelib.http import ENDPOINTS

    spec = api.get("/openapi.json").json
    components = spec["components"]["schemas"]

    def fields(ref: dict[str, str]) -> set[str]:
        return set(components[ref["$ref"].rsplit("/", 1)[-1]].get("properties", {}))

    models = {m for e in ENDPOINTS.values() for m in (e.body, e.response) if m is not None}
    for model in models:
        schema = model.model_json_schema()
        own = set(schema.get("properties", {}))
        for name, definition in schema.get("$defs", {}).items():
            same_name = [c for c in components if c == name or c.endswith(f"__{name}")]
            assert any(set(components[c].get("properties", {})) == set(definition.get("properties", {}))
                       for c in same_name), f"{model.__name__}: nested {name} lost its own schema"
        documented = [op for path in spec["paths"].values() for op in path.values()]
        refs = [op["requestBody"]["content"]["application/json"]["schema"] for op in documented if "requestBody" in op]
        refs += [r["content"]["application/json"]["schema"] for op in documented for r in op["responses"].values()
                 if "application/json" in r.get("content", {})]
        if own:
            assert any(fields(ref) == own for ref in refs if "$ref" in ref), model.__name__
