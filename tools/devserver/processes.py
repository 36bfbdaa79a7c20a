"""A child process that the supervisor owns: started in its own session (a terminal's Ctrl-C reaches the supervisor
only, which then stops the children in order) and stopped by escalation: SIGINT, then SIGTERM, then SIGKILL."""

from __future__ import annotations

import signal
import socket
import subprocess
from collections.abc import Mapping, Sequence
from pathlib import Path


class ManagedProcess:
    def __init__(self, name: str, command: Sequence[str], *, cwd: Path, env: Mapping[str, str]) -> None:
        self.name = name
        self._process = subprocess.Popen(  # noqa: S603 (our own command line, no shell)
            list(command), cwd=cwd, env=dict(env), stdin=subprocess.DEVNULL, start_new_session=True
        )

    @property
    def pid(self) -> int:
        return self._process.pid

    def is_running(self) -> bool:
        return self._process.poll() is None

    @property
    def returncode(self) -> int | None:
        return self._process.poll()

    def stop(self, *, grace_seconds: float = 10.0) -> None:
        """Ask politely, then firmly; returns once the process is gone (Popen never signals a reaped pid)."""
        for number, wait in ((signal.SIGINT, grace_seconds), (signal.SIGTERM, 5.0), (signal.SIGKILL, 5.0)):
            if not self.is_running():
                return
            self._process.send_signal(number)
            try:
                self._process.wait(timeout=wait)
            except subprocess.TimeoutExpired:
                continue


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port nobody listens on right now (for internal listeners that only this supervisor needs to know)."""
    with socket.socket() as probe:
        probe.bind((host, 0))
        return int(probe.getsockname()[1])
