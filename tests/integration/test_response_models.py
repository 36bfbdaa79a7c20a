"""Declared responses are checked: every JSON route declares its response model, and with ``check_responses`` on (as
in every API test here) an answer that does not match its model is a logged 500 instead of silent drift from the
OpenAPI document."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
import redis
from chalice.app import Chalice
from chalice.test import Client
from pydantic import BaseModel, Field

from app import app
from chalicelib import http
from chalicelib.http import ENDPOINTS, Reply, RequestContext, route
from chalicelib.http.conformance import mismatches
from chalicelib.http.routing import JSON
from tests.integration.conftest import Clock, make_container


class Answer(BaseModel):
    id: str
    amount: str
    note: str | None = None
    lines: list[dict[str, str]] = Field(default_factory=list)


class Nested(BaseModel):
    items: list[Answer]


def test_every_route_answering_json_with_200_or_201_declares_its_response_model() -> None:
    registered = {(path, method) for path, methods in app.routes.items() for method in methods}
    walked = [ENDPOINTS[key] for key in sorted(registered) if key in ENDPOINTS]
    assert len(walked) == len(registered)  # every Chalice route goes through the ``route`` decorator
    missing = [f"{e.method} {e.path}" for e in walked
               if e.status in (200, 201) and e.media_type == JSON and e.response is None]
    assert missing == []
    assert ("/groups/{group_id}/payments", "GET") in registered
    assert ENDPOINTS[("/groups/{group_id}/payments", "GET")].response is not None


def test_registering_a_json_route_without_its_response_model_is_refused() -> None:
    scratch = Chalice("scratch")
    with pytest.raises(TypeError, match="declare its response model"):
        route(scratch, "/scratch/undeclared", "GET", tags=("scratch",), summary="undeclared")(lambda ctx: {})


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        ({"id": "p1", "amount": "1.00", "extra": 1}, "extra: not declared in Answer"),
        ({"id": "p1", "amount": 100}, "amount: Input should be a valid string"),
        ({"id": "p1"}, "amount: Field required"),
        ({"items": [{"id": "p1", "amount": "1.00", "lines": [{"a": "b"}], "secret": "x"}]}, None),
    ],
)
def test_mismatches_name_the_field_and_why(body: dict[str, Any], problem: str | None) -> None:
    if problem is None:  # nested: the path goes through the list
        assert mismatches(Nested, json.dumps(body)) == ["items[0].secret: not declared in Nested"]
    else:
        assert mismatches(Answer, json.dumps(body)) == [problem]


def test_a_conforming_answer_has_no_mismatches() -> None:
    body = {"id": "p1", "amount": "1.00", "note": None, "lines": [{"a": "b"}]}
    assert mismatches(Answer, json.dumps(body)) == []
    assert mismatches(Nested, json.dumps({"items": [body]})) == []


def drifted(ctx: RequestContext) -> Reply:
    return Reply({"id": "p1", "amount": "1.00", "internal_state": "leaked"}, status=200)


@pytest.fixture
def scratch_client(
    tmp_path: Path, redis_client: redis.Redis, key_prefix: str, request: pytest.FixtureRequest
) -> Iterator[Client]:
    """A throwaway app with one route that answers a field its model does not declare."""
    scratch = Chalice("conformance")
    route(scratch, "/scratch/drifted", "GET", response=Answer, tags=("scratch",), summary="drifts", auth=False)(drifted)
    container = make_container(tmp_path, redis_client, key_prefix, Clock())
    container.settings = replace(container.settings, check_responses=request.param)
    http.use_container(lambda: container)
    with Client(scratch) as client:
        yield client
    del ENDPOINTS[("/scratch/drifted", "GET")]  # the app's OpenAPI tests walk ENDPOINTS
    container.store.close()


@pytest.mark.parametrize("scratch_client", [True], indirect=True)
def test_with_the_switch_on_a_drifted_answer_is_a_logged_500(scratch_client: Client, log_output: io.StringIO) -> None:
    answer = scratch_client.http.get("/scratch/drifted")
    assert answer.status_code == 500
    [line] = [line for line in log_output.getvalue().splitlines() if "does not match its declared model" in line]
    assert "internal_state: not declared in Answer" in line and "leaked" not in line


@pytest.mark.parametrize("scratch_client", [False], indirect=True)
def test_with_the_switch_off_the_answer_goes_out_unchecked(scratch_client: Client) -> None:
    answer = scratch_client.http.get("/scratch/drifted")
    assert answer.status_code == 200 and json.loads(answer.body)["internal_state"] == "leaked"
