"""`make run`'s stack for real (``python -m tools.run``: redis-server, ``chalice local``, the web server), as a user
runs it: both URLs answer, writing data restarts nothing and drops nothing, a source change swaps the API without
dropping a request, and Ctrl-C or SIGTERM leaves no process behind."""

from __future__ import annotations

import http.client
import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from tools.devserver.api import ApiServer
from tools.devserver.processes import free_port
from tools.devserver.sources import SourceWatcher

ROOT = Path(__file__).resolve().parents[2]
READY_LINE = "[run] Ctrl-C stops everything"
CHALICE = Path(sys.executable).parent / "chalice"


def call(port: int, method: str, path: str, body: Any = None, token: str | None = None) -> tuple[int, Any]:
    status, answer, _ = exchange(port, method, path, body, token)
    return status, answer


def exchange(port: int, method: str, path: str, body: Any = None, token: str | None = None,
             headers: dict[str, str] | None = None) -> tuple[int, Any, http.client.HTTPMessage]:
    sent = {"Content-Type": "application/json"} | ({"Authorization": f"Bearer {token}"} if token else {})
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.request(method, path, body=json.dumps(body) if body is not None else None,
                           headers=sent | (headers or {}))
        answer = connection.getresponse()
        raw = answer.read()
        is_json = "json" in (answer.getheader("content-type") or "")
        return answer.status, json.loads(raw) if raw and is_json else raw, answer.headers
    finally:
        connection.close()


def descendants(pid: int) -> set[int]:
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                parents[int(entry.name)] = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
    found: set[int] = set()
    frontier = {pid}
    while frontier:
        frontier = {child for child, parent in parents.items() if parent in frontier} - found
        found |= frontier
    return found


def is_alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def redis_socket_of(pids: set[int]) -> Path:
    for pid in pids:
        title = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
        if "redis-server unixsocket:" in title:  # redis-server retitles itself "redis-server unixsocket:<path>"
            return Path(title.split("unixsocket:", 1)[1].split()[0])
    raise AssertionError("no redis-server among the children")


@dataclass
class Stack:
    data_dir: Path
    log: Path
    api_port: int = field(default_factory=free_port)
    web_port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        env = {k: v for k, v in os.environ.items() if k not in {"REDIS_URL", "MONGODB_URI", "SES_SENDER", "PORT"}}
        env |= {"SHAREMETER_DATA_DIR": str(self.data_dir), "ARGON2_MEMORY_KIB": "1024", "ARGON2_TIME_COST": "1"}
        command = [sys.executable, "-m", "tools.run", "--port", str(self.api_port), "--web-port",
                   str(self.web_port), "--no-build"]
        already = self.log.stat().st_size if self.log.exists() else 0
        with self.log.open("ab") as output:
            self.process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=output, stderr=subprocess.STDOUT,
                                            start_new_session=True)
        deadline = time.monotonic() + 90
        while READY_LINE.encode() not in self.log.read_bytes()[already:]:
            assert self.process.poll() is None, self.log.read_text()
            assert time.monotonic() < deadline, self.log.read_text()
            time.sleep(0.2)

    def children(self) -> set[int]:
        assert self.process is not None
        return descendants(self.process.pid)

    def stop(self, number: signal.Signals) -> int:
        assert self.process is not None
        os.killpg(self.process.pid, number)  # like a terminal: the supervisor's group (its children have their own)
        return self.process.wait(timeout=60)

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            for pid in self.children():
                os.kill(pid, signal.SIGKILL)
            self.process.kill()
            self.process.wait()


@pytest.fixture
def stack(tmp_path: Path) -> Iterator[Stack]:
    running = Stack(tmp_path / "data", tmp_path / "run.log")
    yield running
    running.kill()  # only if a test failed half-way


def sign_up(port: int, prefix: str, email: str) -> dict[str, Any]:
    password = "correct horse battery staple"
    status, _ = call(port, "POST", f"{prefix}/auth/register",
                     {"email": email, "password": password, "name": "Ann", "timezone": "UTC"})
    assert status == 201
    status, outbox = call(port, "GET", f"{prefix}/dev/outbox?recipient={email}")
    found = re.search(r"\b(\d{6})\b", outbox[0]["body"])
    assert found
    code = found.group(1)
    assert call(port, "POST", f"{prefix}/auth/verify-email", {"email": email, "code": code})[0] == 200
    status, pair = call(port, "POST", f"{prefix}/auth/login", {"email": email, "password": password})
    assert status == 200
    return dict(pair)


def refresh_at_once(port: int, prefix: str, refresh_token: str, tabs: int) -> list[tuple[int, Any]]:
    barrier = threading.Barrier(tabs)
    answers: list[tuple[int, Any]] = []

    def tab() -> None:
        barrier.wait()
        answers.append(call(port, "POST", f"{prefix}/auth/refresh", {"refresh_token": refresh_token}))

    threads = [threading.Thread(target=tab) for _ in range(tabs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return answers


def write_groups(port: int, prefix: str, token: str, count: int) -> list[int]:
    body = {"name": "Flat", "utility_type": "water", "unit": "m3", "currency": "EUR"}
    statuses = []
    for _ in range(count):
        try:
            statuses.append(call(port, "POST", f"{prefix}/groups", body, token)[0])
        except OSError:
            statuses.append(0)  # dropped: refused or reset
    return statuses


def test_both_urls_serve_writes_restart_nothing_and_ctrl_c_leaves_nothing_behind(stack: Stack) -> None:
    stack.start()
    output = stack.log.read_text()
    assert f"http://127.0.0.1:{stack.api_port}" in output and f"http://127.0.0.1:{stack.web_port}" in output
    children = stack.children()
    assert len(children) == 2, output  # redis-server and chalice local
    redis_socket = redis_socket_of(children)
    assert redis_socket.exists()

    status, health = call(stack.api_port, "GET", "/health")
    assert status == 200 and health["backends"]["cache"] == health["backends"]["cache"] | {"kind": "redis", "ok": True}
    assert call(stack.web_port, "GET", "/api/health")[0] == 200
    shell_status, _ = call(stack.web_port, "GET", "/")
    assert shell_status in {200, 503}  # 503 says how to build when web/dist is not there (--no-build)

    pair = sign_up(stack.api_port, "", "ann@example.org")
    token = pair["access_token"]
    statuses = write_groups(stack.api_port, "", token, 20) + write_groups(stack.web_port, "/api", token, 20)
    assert statuses == [201] * 40
    assert stack.children() == children  # nothing restarted
    assert (stack.data_dir / "sharemeter.sqlite3").exists()

    assert stack.stop(signal.SIGINT) == 0
    assert not [pid for pid in children if is_alive(pid)]
    for port in (stack.api_port, stack.web_port):
        with pytest.raises(OSError):
            call(port, "GET", "/health")
    assert not redis_socket.parent.exists()  # the redis-server's private runtime directory is gone too
    assert (stack.data_dir / "redis.rdb").exists()  # it saved on the way out


def test_sigterm_stops_everything_and_the_data_survives(stack: Stack) -> None:
    stack.start()
    pair = sign_up(stack.web_port, "/api", "bob@example.org")
    _, outbox = call(stack.web_port, "GET", "/api/dev/outbox?recipient=bob@example.org")
    assert f"http://127.0.0.1:{stack.web_port}/verify-email?token=" in outbox[0]["body"]  # links follow WEB_PORT
    answers = refresh_at_once(stack.web_port, "/api", pair["refresh_token"], tabs=4)  # four tabs wake up at once
    assert [status for status, _ in answers] == [200] * 4
    assert len({answer["refresh_token"] for _, answer in answers}) == 1
    token = answers[0][1]["access_token"]
    # as the web app does it: the refresh token in the HttpOnly cookie, through the app's origin
    browser = {"X-Token-Transport": "cookie", "Sec-Fetch-Site": "same-origin",
               "Origin": f"http://127.0.0.1:{stack.web_port}"}
    login = {"email": "bob@example.org", "password": "correct horse battery staple"}
    status, body, headers = exchange(stack.web_port, "POST", "/api/auth/login", login, headers=browser)
    cookie = headers["Set-Cookie"]
    assert status == 200 and "refresh_token" not in body and "; Path=/api/auth;" in cookie and "HttpOnly" in cookie
    status, body, headers = exchange(stack.web_port, "POST", "/api/auth/refresh", {},
                                     headers=browser | {"Cookie": cookie.split(";")[0]})
    assert status == 200 and headers["Set-Cookie"] != cookie
    assert write_groups(stack.web_port, "/api", token, 1) == [201]
    children = stack.children()
    assert stack.stop(signal.SIGTERM) == 0
    assert not [pid for pid in children if is_alive(pid)]

    stack.start()
    status, groups = call(stack.web_port, "GET", "/api/groups", token=token)  # the session survived in SQLite+Redis
    assert status == 200 and len(groups["items"]) == 1
    assert stack.stop(signal.SIGINT) == 0


def test_a_source_change_swaps_the_api_without_dropping_a_request(tmp_path: Path, key_prefix: str) -> None:
    (tmp_path / "marker.py").write_text("")
    env = {k: v for k, v in os.environ.items() if k not in {"MONGODB_URI", "SES_SENDER"}}
    env |= {"SHAREMETER_DATA_DIR": str(tmp_path / "data"), "REDIS_URL": "redis://127.0.0.1:6379/0",
            "SHAREMETER_KEY_PREFIX": key_prefix}
    watcher = SourceWatcher(tmp_path, ["marker.py"])
    api = ApiServer(root=ROOT, host="127.0.0.1", port=free_port(), env=env, chalice=CHALICE, watcher=watcher)
    api.start()
    first = api.backend_pid
    statuses: list[int] = []
    stop = threading.Event()

    def load() -> None:
        while not stop.is_set():
            try:
                statuses.append(call(api_port, "GET", "/openapi.json")[0])
            except OSError:
                statuses.append(0)

    api_port = api.port
    worker = threading.Thread(target=load)
    worker.start()
    try:
        marker = tmp_path / "marker.py"
        marker.write_text("changed = True\n")
        os.utime(marker, ns=(time.time_ns(), time.time_ns() + 10**9))
        deadline = time.monotonic() + 90
        while api.generation < 2 or len(statuses) < 50:
            assert time.monotonic() < deadline
            api.check()
            time.sleep(0.2)
        api.check()
        assert api.backend_pid != first and not is_alive(first)  # the old server was stopped once drained
    finally:
        stop.set()
        worker.join()
        api.stop()
    assert api.generation == 2
    assert statuses and set(statuses) == {200}, f"{statuses.count(0)} of {len(statuses)} requests dropped"
