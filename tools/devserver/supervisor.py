"""A small process supervisor: starts children in order, checks them on a slow tick, runs periodic tasks, and stops
everything in reverse order on Ctrl-C (SIGINT), SIGTERM or SIGHUP.

A child is anything with ``name``, ``start()``, ``check()`` and ``stop()``: ``start`` returns once the child serves
(or raises), ``check`` is called every tick to restart or reload it, ``stop`` ends it for good. Adding a child or a
periodic task (an outbox drain, a scheduled job) is one ``add``/``every`` call in ``tools/run.py``.
"""

from __future__ import annotations

import signal
import sys
import threading
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from types import FrameType
from typing import Protocol

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


class Child(Protocol):
    name: str

    def start(self) -> None: ...

    def check(self) -> None: ...

    def stop(self) -> None: ...


@dataclass
class Periodic:
    name: str
    every_seconds: float
    task: Callable[[], None]
    due_at: float = 0.0


def say(message: str) -> None:
    """One line of ``make run`` output, prefixed so it stands out from the children's logs."""
    print(f"[run] {message}", flush=True)  # noqa: T201 (this is the tool's output)


class Supervisor:
    def __init__(self, *, tick_seconds: float = 1.0, clock: Callable[[], float] = time.monotonic) -> None:
        self._children: list[Child] = []
        self._periodic: list[Periodic] = []
        self._started: list[Child] = []
        self._tick = tick_seconds
        self._clock = clock
        self._stopping = threading.Event()

    def add(self, child: Child) -> None:
        self._children.append(child)

    def every(self, seconds: float, name: str, task: Callable[[], None]) -> None:
        """Run ``task`` every ``seconds`` (first run one period after start); a failing run is logged, not fatal."""
        self._periodic.append(Periodic(name, seconds, task))

    def request_stop(self) -> None:
        self._stopping.set()

    def run(self, on_ready: Callable[[], None] = lambda: None) -> int:
        """Start every child, supervise until asked to stop, then stop them all. Returns the process exit code."""
        previous = {number: signal.signal(number, self._on_signal) for number in STOP_SIGNALS}
        try:
            if not self._start_all():
                return 1
            on_ready()
            now = self._clock()
            for periodic in self._periodic:
                periodic.due_at = now + periodic.every_seconds
            while not self._stopping.wait(self._tick):
                self._check_all()
            return 0
        finally:
            self._stop_all()
            for number, handler in previous.items():
                signal.signal(number, handler)

    def _on_signal(self, number: int, frame: FrameType | None) -> None:
        if self._stopping.is_set() and number == signal.SIGINT:
            say("already stopping; one moment")
        self._stopping.set()

    def _start_all(self) -> bool:
        for child in self._children:
            if self._stopping.is_set():
                return False
            try:
                child.start()
            except Exception as error:  # any failure to start ends the run, after stopping what did start
                say(f"{child.name} did not start: {error}")
                _guarded(f"stopping {child.name}", child.stop)  # whatever it did start (stop is safe to call)
                return False
            self._started.append(child)
        return True

    def _check_all(self) -> None:
        for child in self._started:
            _guarded(f"checking {child.name}", child.check)
        now = self._clock()
        for periodic in self._periodic:
            if now >= periodic.due_at:
                periodic.due_at = now + periodic.every_seconds
                _guarded(periodic.name, periodic.task)

    def _stop_all(self) -> None:
        while self._started:
            child = self._started.pop()
            _guarded(f"stopping {child.name}", child.stop)


def _guarded(what: str, call: Callable[[], None]) -> None:
    try:
        call()
    except Exception:  # one child's or task's failure never takes the supervisor (and the others) down
        say(f"{what} failed:")
        traceback.print_exc(file=sys.stdout)
