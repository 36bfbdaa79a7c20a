"""What the API is made of, watched cheaply: a snapshot of (mtime, size) of the few hundred files under the given
roots, compared on the supervisor's tick. Data (``.data/``), the virtualenv and ``web/`` are never looked at, so
writing data never restarts anything and an idle ``make run`` does not stat thousands of files."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

Snapshot = dict[str, tuple[int, int]]
IGNORED_DIRECTORIES = frozenset({"__pycache__"})


class SourceWatcher:
    """``changed()`` is true once the files differ from the last snapshot and have stayed put for one more look
    (an editor or ``git checkout`` writing several files restarts the API once, not once per file)."""

    def __init__(self, root: Path, paths: Sequence[str]) -> None:
        self._root = root
        self._paths = tuple(paths)
        self._accepted = self.snapshot()
        self._pending: Snapshot | None = None

    def snapshot(self) -> Snapshot:
        found: Snapshot = {}
        for relative in self._paths:
            path = self._root / relative
            if path.is_file():
                _record(found, path)
            for directory, subdirectories, files in os.walk(path):
                subdirectories[:] = [d for d in subdirectories if d not in IGNORED_DIRECTORIES]
                for name in files:
                    if not name.endswith((".pyc", ".swp", "~")):
                        _record(found, Path(directory) / name)
        return found

    def changed(self) -> bool:
        current = self.snapshot()
        if current == self._accepted:
            self._pending = None
            return False
        if current != self._pending:
            self._pending = current  # still being written: look again on the next tick
            return False
        self._accepted, self._pending = current, None
        return True


def _record(found: Snapshot, path: Path) -> None:
    try:
        stat = path.stat()
    except FileNotFoundError:  # deleted between listing and stat
        return
    found[str(path)] = (stat.st_mtime_ns, stat.st_size)
