"""The API of ``make run``: ``chalice local --no-autoreload`` on a private port behind a small front proxy on the
public port, so a source change restarts the API without dropping a request (blue/green):

1. a new ``chalice local`` starts on another private port and must answer ``GET /health``;
2. the front sends new requests to it; requests already on their way finish on the old one;
3. the old one stops once it has none left.

If the new one does not start (a syntax error, say), the old one keeps serving and the error is in the output. Only
the sources are watched (``SourceWatcher``): writing data never restarts anything.
"""

from __future__ import annotations

import contextlib
import http.client
import threading
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import cast

from tools.devserver.processes import ManagedProcess, free_port
from tools.devserver.proxy import Address, Upstream, forward
from tools.devserver.sources import SourceWatcher
from tools.devserver.supervisor import say

READY_TIMEOUT_SECONDS = 60.0
DRAIN_TIMEOUT_SECONDS = 30.0


class ApiDidNotStart(RuntimeError):
    pass


@dataclass
class Backend:
    process: ManagedProcess
    address: Address
    active: int = 0


class ApiServer:
    name = "api"

    def __init__(self, *, root: Path, host: str, port: int, env: Mapping[str, str], chalice: Path,
                 watcher: SourceWatcher | None = None, stage: str = "local") -> None:
        self._root = root
        self._host = host
        self._port = port
        self._env = dict(env)
        self._chalice = chalice
        self._watcher = watcher
        self._stage = stage
        self._lock = threading.Condition()
        self._current: Backend | None = None
        self._front: FrontHttpServer | None = None
        self.generation = 0  # how many API servers have been started (1 = never restarted)

    @property
    def port(self) -> int:
        return self._port

    @property
    def backend_pid(self) -> int | None:
        """The process of the ``chalice local`` serving now."""
        return self._current.process.pid if self._current is not None else None

    @property
    def upstream(self) -> Upstream:
        return self._hold_current

    def start(self) -> None:
        self._current = self._launch()
        self._front = FrontHttpServer((self._host, self._port), self.upstream)
        threading.Thread(target=self._front.serve_forever, name="api-front", daemon=True).start()

    def check(self) -> None:
        source_changed = self._watcher is not None and self._watcher.changed()
        current = self._current
        if current is not None and not current.process.is_running():
            say(f"the API server exited ({current.process.returncode}); starting it again")
            self._replace()
        elif source_changed:
            say("source changed: starting a new API server (the running one serves until it is ready)")
            self._replace()

    def stop(self) -> None:
        if self._front is not None:
            self._front.shutdown()
            self._front.server_close()
            self._front = None
        if self._current is not None:
            self._retire(self._current)
            self._current = None

    @contextlib.contextmanager
    def _hold_current(self) -> Iterator[Address | None]:
        with self._lock:
            backend = self._current
            if backend is not None:
                backend.active += 1
        if backend is None:
            yield None
            return
        try:
            yield backend.address
        finally:
            with self._lock:
                backend.active -= 1
                self._lock.notify_all()

    def _replace(self) -> None:
        try:
            fresh = self._launch()
        except ApiDidNotStart as error:
            say(f"{error}; {'the old one keeps serving' if self._serving() else 'waiting for the next change'}")
            return
        with self._lock:
            old, self._current = self._current, fresh
        if old is not None:
            self._retire(old)
        say(f"API server {self.generation} is serving")

    def _serving(self) -> bool:
        return self._current is not None and self._current.process.is_running()

    def _launch(self) -> Backend:
        port = free_port(self._host)
        command = [str(self._chalice), "local", "--host", self._host, "--port", str(port), "--stage", self._stage,
                   "--no-autoreload"]
        process = ManagedProcess("api", command, cwd=self._root, env=self._env)
        self.generation += 1
        deadline = time.monotonic() + READY_TIMEOUT_SECONDS
        while time.monotonic() < deadline:
            if not process.is_running():
                raise ApiDidNotStart(f"the API server exited with {process.returncode} while starting")
            if _answers((self._host, port)):
                return Backend(process, (self._host, port))
            time.sleep(0.2)
        process.stop()
        raise ApiDidNotStart(f"the API server did not answer within {READY_TIMEOUT_SECONDS:.0f} s")

    def _retire(self, backend: Backend) -> None:
        """Let the requests it is serving finish (up to ``DRAIN_TIMEOUT_SECONDS``), then stop it."""
        with self._lock:
            self._lock.wait_for(lambda: backend.active == 0, timeout=DRAIN_TIMEOUT_SECONDS)
        backend.process.stop()


class FrontHttpServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address: Address, upstream: Upstream) -> None:
        super().__init__(address, FrontHandler)
        self.upstream = upstream


class FrontHandler(BaseHTTPRequestHandler):
    """Every method and path goes to the current API server unchanged."""

    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:
        forward(self, cast("FrontHttpServer", self.server).upstream, self.path)

    do_HEAD = do_POST = do_PUT = do_PATCH = do_DELETE = do_OPTIONS = do_GET

    def log_message(self, format: str, *args: object) -> None:
        """Quiet: the API server behind it logs every request."""


def _answers(address: Address) -> bool:
    connection = http.client.HTTPConnection(*address, timeout=5)
    try:
        connection.request("GET", "/health")
        connection.getresponse().read()
        return True
    except OSError:
        return False
    finally:
        connection.close()
