"""The ``make run`` supervisor: children start in order and stop in reverse, a failed start stops what started, a
failing check or periodic task never takes the others down."""

from __future__ import annotations

import pytest

from tools.devserver.supervisor import Supervisor


class Recorder:
    def __init__(self) -> None:
        self.events: list[str] = []


class FakeChild:
    def __init__(self, name: str, recorder: Recorder, *, fail_start: bool = False, fail_check: bool = False) -> None:
        self.name = name
        self._recorder = recorder
        self._fail_start = fail_start
        self._fail_check = fail_check
        self.checks = 0

    def start(self) -> None:
        self._recorder.events.append(f"start {self.name}")
        if self._fail_start:
            raise RuntimeError("port in use")

    def check(self) -> None:
        self.checks += 1
        if self._fail_check:
            raise RuntimeError("check blew up")

    def stop(self) -> None:
        self._recorder.events.append(f"stop {self.name}")


class StopAfter:
    """A child that asks the supervisor to stop after ``checks`` ticks (as a signal handler would)."""

    name = "stopper"

    def __init__(self, supervisor: Supervisor, checks: int) -> None:
        self._supervisor = supervisor
        self._left = checks

    def start(self) -> None: ...

    def stop(self) -> None: ...

    def check(self) -> None:
        self._left -= 1
        if self._left <= 0:
            self._supervisor.request_stop()


def fail() -> None:
    raise RuntimeError("task blew up")


def test_children_start_in_order_and_stop_in_reverse() -> None:
    recorder = Recorder()
    supervisor = Supervisor(tick_seconds=0.001)
    for name in ("redis", "api", "web"):
        supervisor.add(FakeChild(name, recorder))
    supervisor.add(StopAfter(supervisor, checks=3))
    ready: list[bool] = []

    assert supervisor.run(on_ready=lambda: ready.append(True)) == 0

    assert ready == [True]
    assert recorder.events == ["start redis", "start api", "start web", "stop web", "stop api", "stop redis"]


def test_a_failed_start_stops_what_started_and_the_failed_child_too() -> None:
    recorder = Recorder()
    supervisor = Supervisor(tick_seconds=0.001)
    supervisor.add(FakeChild("redis", recorder))
    supervisor.add(FakeChild("api", recorder, fail_start=True))
    supervisor.add(FakeChild("web", recorder))

    assert supervisor.run(on_ready=lambda: pytest.fail("not ready")) == 1

    assert recorder.events == ["start redis", "start api", "stop api", "stop redis"]


def test_a_failing_check_or_task_is_reported_and_the_others_keep_being_checked(
    capsys: pytest.CaptureFixture[str],
) -> None:
    recorder = Recorder()
    supervisor = Supervisor(tick_seconds=0.001, clock=iter(range(10_000)).__next__)
    broken = FakeChild("broken", recorder, fail_check=True)
    healthy = FakeChild("healthy", recorder)
    runs: list[int] = []
    supervisor.add(broken)
    supervisor.add(healthy)
    supervisor.every(2, "drain outbox", lambda: runs.append(1))
    supervisor.every(1, "failing task", fail)
    supervisor.add(StopAfter(supervisor, checks=6))

    assert supervisor.run() == 0

    assert healthy.checks == broken.checks == 6
    assert len(runs) == 3  # the fake clock advances one per tick: due at 2, 4 and 6
    output = capsys.readouterr().out
    assert "checking broken failed" in output and "failing task failed" in output
    assert recorder.events[-2:] == ["stop healthy", "stop broken"]
