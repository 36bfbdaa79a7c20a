"""API tests through ``chalice.test.Client`` on real local backends: SQLite store, the machine's Redis, the outbox."""

from __future__ import annotations

import io
import json
import logging
import re
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest
import redis
from chalice.test import Client
from moto.server import ThreadedMotoServer

from app import app
from chalicelib import http
from chalicelib.adapters.notify.outbox import OutboxNotifier
from chalicelib.adapters.store.sqlite import SqliteStore
from chalicelib.bootstrap import Container, bootstrap
from chalicelib.observability import logger
from chalicelib.settings import Settings


@dataclass
class Clock:
    """Wall-clock time plus an offset the test can move forward."""

    offset: float = 0.0

    def __call__(self) -> float:
        return time.time() + self.offset

    def advance(self, seconds: float) -> None:
        self.offset += seconds


@dataclass
class Api:
    """A chalice test client with JSON helpers, the container behind it, and the outbox."""

    client: Client
    container: Container
    clock: Clock
    token: str | None = None
    default_headers: dict[str, str] = field(default_factory=dict)

    def call(self, method: str, path: str, body: Any = None, *, token: str | None = None,
             headers: dict[str, str] | None = None, raw: bytes | None = None) -> Response:
        sent = {"Content-Type": "application/json"} | self.default_headers | (headers or {})
        bearer = token or self.token
        if bearer:
            sent["Authorization"] = f"Bearer {bearer}"
        payload = raw if raw is not None else (json.dumps(body).encode() if body is not None else b"")
        reply = self.client.http.request(method, path, headers=sent, body=payload)
        return Response(reply.status_code, dict(reply.headers), reply.body)

    def post(self, path: str, body: Any = None, **kwargs: Any) -> Response:
        return self.call("POST", path, body, **kwargs)

    def get(self, path: str, **kwargs: Any) -> Response:
        return self.call("GET", path, **kwargs)

    def patch(self, path: str, body: Any = None, **kwargs: Any) -> Response:
        return self.call("PATCH", path, body, **kwargs)

    def outbox(self, recipient: str) -> list[dict[str, Any]]:
        notifier = self.container.notifier
        assert isinstance(notifier, OutboxNotifier)
        return notifier.messages(recipient=recipient)

    def last_code(self, recipient: str, template: str | None = None) -> str:
        for message in self.outbox(recipient):
            if template is None or message["template"] == template:
                found = re.search(r"\b(\d{6})\b", message["body"])
                assert found, message
                return found.group(1)
        raise AssertionError(f"no {template or ''} message for {recipient}")

    def last_link(self, recipient: str, template: str) -> tuple[str, dict[str, str]]:
        """The app page (origin and path) and the query of the link in the newest ``template`` message."""
        for message in self.outbox(recipient):
            if message["template"] == template:
                found = re.search(r"https?://\S+", message["body"])
                assert found, message
                link = urlsplit(found.group(0))
                return f"{link.scheme}://{link.netloc}{link.path}", dict(parse_qsl(link.query))
        raise AssertionError(f"no {template} message for {recipient}")

    def register_verified(self, email: str, password: str = "correct horse battery staple", **extra: Any) -> str:
        """Register and verify an account; returns an access token."""
        body = {"email": email, "password": password, "name": "Test User"} | extra
        assert self.post("/auth/register", body).status == 201
        code = self.last_code(email, "verify-email")
        assert self.post("/auth/verify-email", {"email": email, "code": code}).status == 200
        login = self.post("/auth/login", {"email": email, "password": password})
        assert login.status == 200, login.json
        return str(login.json["access_token"])


@dataclass
class Response:
    status: int
    headers: dict[str, str]
    body: bytes

    @property
    def json(self) -> Any:
        return json.loads(self.body) if self.body else None

    def header(self, name: str) -> str | None:
        lowered = {k.lower(): v for k, v in self.headers.items()}
        return lowered.get(name.lower())


def make_container(tmp_path: Path, redis_client: redis.Redis, key_prefix: str, clock: Clock) -> Container:
    settings = replace(
        Settings.from_env({"SHAREMETER_DATA_DIR": str(tmp_path)}),
        key_prefix=key_prefix,
        argon2_memory_kib=1024,
        argon2_time_cost=1,
        check_responses=True,  # every answer of every test is checked against its declared response model
    )
    store = SqliteStore(tmp_path / "test.sqlite3")
    return bootstrap(settings, clock=clock, store=store, redis=redis_client)


@pytest.fixture
def api(tmp_path: Path, redis_client: redis.Redis, key_prefix: str) -> Iterator[Api]:
    clock = Clock()
    container = make_container(tmp_path, redis_client, key_prefix, clock)
    http.use_container(lambda: container)
    with Client(app) as client:
        yield Api(client=client, container=container, clock=clock)
    container.store.close()


@pytest.fixture(scope="session")
def moto_endpoint() -> Iterator[str]:
    """moto's server: a real HTTP endpoint speaking the AWS APIs (SES, SNS, Secrets Manager...), once per session."""
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture
def aws_env(monkeypatch: pytest.MonkeyPatch, moto_endpoint: str) -> str:
    """Credentials and endpoint for boto3, and a moto reset so each test starts from an empty account."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-central-1")
    monkeypatch.setenv("AWS_ENDPOINT_URL", moto_endpoint)
    reset = urllib.request.Request(f"{moto_endpoint}/moto-api/reset", method="POST")  # noqa: S310 (loopback)
    urllib.request.urlopen(reset).close()  # noqa: S310
    return moto_endpoint


@pytest.fixture
def log_output() -> Iterator[io.StringIO]:
    """Every line the app logs during the test, formatted exactly as in production (powertools JSON)."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logger().registered_formatter)
    app_logger = logging.getLogger("sharemeter")
    app_logger.addHandler(handler)
    yield stream
    app_logger.removeHandler(handler)
