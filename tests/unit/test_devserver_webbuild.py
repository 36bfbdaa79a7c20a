"""``make run`` builds the web app only when it must: ``npm ci`` when node_modules is missing or older than the
lockfile, ``npm run build`` when dist is missing or older than a source; and it says why when it cannot."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

from tools.devserver.webbuild import ensure_built


class FakeNpm:
    """Records the npm commands and does what npm would do to the tree."""

    def __init__(self, *, fail: str | None = None) -> None:
        self.commands: list[list[str]] = []
        self._fail = fail

    def __call__(self, command: Sequence[str], cwd: Path) -> int:
        self.commands.append(list(command[1:]))
        if command[1] == self._fail:
            return 1
        if command[1] == "ci":
            (cwd / "node_modules").mkdir(exist_ok=True)
            (cwd / "node_modules" / ".package-lock.json").write_text("{}")
        if command[1:] == ["run", "build"]:
            (cwd / "dist").mkdir(exist_ok=True)
            (cwd / "dist" / "index.html").write_text("<!doctype html>")
        return 0


def _age(path: Path, seconds: int) -> None:
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns - seconds * 1_000_000_000))


def _web(tmp_path: Path) -> Path:
    web = tmp_path / "web"
    (web / "src").mkdir(parents=True)
    (web / "package.json").write_text("{}")
    (web / "package-lock.json").write_text("{}")
    (web / "src" / "main.tsx").write_text("export {}")
    for path in (web / "package.json", web / "package-lock.json", web / "src" / "main.tsx"):
        _age(path, 100)
    return web


def test_a_fresh_clone_installs_and_builds(tmp_path: Path) -> None:
    npm = FakeNpm()
    assert ensure_built(_web(tmp_path), run=npm, npm="npm") is None
    assert npm.commands == [["ci", "--no-audit", "--no-fund"], ["run", "build"]]


def _built(tmp_path: Path) -> Path:
    """A web app after its first install and build."""
    web = _web(tmp_path)
    ensure_built(web, run=FakeNpm(), npm="npm")
    return web


def _commands_of_the_next_run(web: Path) -> list[list[str]]:
    npm = FakeNpm()
    assert ensure_built(web, run=npm, npm="npm") is None
    return npm.commands


def test_an_up_to_date_build_runs_nothing(tmp_path: Path) -> None:
    assert _commands_of_the_next_run(_built(tmp_path)) == []


def test_a_source_newer_than_the_build_rebuilds_without_reinstalling(tmp_path: Path) -> None:
    web = _built(tmp_path)
    _age(web / "dist" / "index.html", 50)
    (web / "src" / "main.tsx").write_text("export const changed = true")
    assert _commands_of_the_next_run(web) == [["run", "build"]]


def test_a_newer_lockfile_reinstalls(tmp_path: Path) -> None:
    web = _built(tmp_path)
    _age(web / "node_modules" / ".package-lock.json", 50)
    _age(web / "dist" / "index.html", 10)
    (web / "package-lock.json").write_text('{"changed": true}')
    _age(web / "package-lock.json", 20)
    assert _commands_of_the_next_run(web) == [["ci", "--no-audit", "--no-fund"]]


def test_generated_folders_are_not_sources(tmp_path: Path) -> None:
    web = _built(tmp_path)
    for generated in ("test-results", "coverage", ".vite"):
        (web / generated).mkdir()
        (web / generated / "report.json").write_text("{}")
    assert _commands_of_the_next_run(web) == []


def test_no_web_app_yet_is_said_plainly(tmp_path: Path) -> None:
    npm = FakeNpm()
    problem = ensure_built(tmp_path / "web", run=npm, npm="npm")
    assert problem is not None and "no web app yet" in problem
    assert npm.commands == []


def test_a_failed_build_is_reported_and_keeps_the_previous_build(tmp_path: Path) -> None:
    web = _built(tmp_path)
    _age(web / "dist" / "index.html", 50)
    (web / "src" / "main.tsx").write_text("syntax error")
    problem = ensure_built(web, run=FakeNpm(fail="run"), npm="npm")
    assert problem == "npm run build failed (see above); serving the previous build"
    assert (web / "dist" / "index.html").is_file()


def test_without_a_lockfile_nothing_is_installed(tmp_path: Path) -> None:
    web = _web(tmp_path)
    (web / "package-lock.json").unlink()
    npm = FakeNpm()
    problem = ensure_built(web, run=npm, npm="npm")
    assert problem is not None and "package-lock.json" in problem
    assert npm.commands == []
