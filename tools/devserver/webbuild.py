"""Build the web app for ``make run`` when it needs it: ``npm ci`` when ``node_modules`` is missing or older than
the lockfile, ``npm run build`` when ``web/dist`` is missing or older than any web source. Returns why the app is
not served, or None when ``web/dist`` is ready."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Callable, Sequence
from pathlib import Path

from tools.devserver.supervisor import say

# generated or installed, never sources: their changes must not trigger a build
NOT_SOURCES = frozenset({"node_modules", "dist", "coverage", "test-results", "playwright-report", "dev-dist"})
Runner = Callable[[Sequence[str], Path], int]


def run_command(command: Sequence[str], cwd: Path) -> int:
    return subprocess.run(list(command), cwd=cwd, check=False).returncode  # noqa: S603 (npm, no shell)


def ensure_built(web: Path, *, run: Runner = run_command, npm: str | None = None) -> str | None:
    if not (web / "package.json").is_file():
        return f"{web} has no web app yet (no package.json); the API is served, and /api through this port too"
    npm = npm or shutil.which("npm")
    if npm is None:
        return "npm is not installed (Node 20 and npm build the web app)"
    if needs_install(web):
        if not (web / "package-lock.json").is_file():
            return f"{web}/package-lock.json is missing: `npm ci` installs from the lockfile only"
        say("installing the web app's packages (npm ci) ...")
        if run([npm, "ci", "--no-audit", "--no-fund"], web) != 0:
            return "npm ci failed (see above)"
    if needs_build(web):
        say("building the web app (npm run build) ...")
        if run([npm, "run", "build"], web) != 0:
            return "npm run build failed (see above)" + ("; serving the previous build" if _built(web) else "")
    return None


def needs_install(web: Path) -> bool:
    marker = web / "node_modules" / ".package-lock.json"  # npm rewrites it on every install
    lockfile = web / "package-lock.json"
    return not marker.is_file() or (lockfile.is_file() and lockfile.stat().st_mtime > marker.stat().st_mtime)


def needs_build(web: Path) -> bool:
    shell = web / "dist" / "index.html"
    if not shell.is_file():
        return True
    built_at = shell.stat().st_mtime
    return any(mtime > built_at for mtime in _source_mtimes(web))


def _built(web: Path) -> bool:
    return (web / "dist" / "index.html").is_file()


def _source_mtimes(web: Path) -> list[float]:
    mtimes: list[float] = []
    for directory, subdirectories, files in os.walk(web):
        subdirectories[:] = [d for d in subdirectories if d not in NOT_SOURCES and not d.startswith(".")]
        mtimes.extend((Path(directory) / name).stat().st_mtime for name in files)
    return mtimes
