"""``make run`` restarts the API on source changes only: data, caches and the virtualenv are never looked at, and a
burst of writes is one restart."""

from __future__ import annotations

import os
from pathlib import Path

from tools.devserver.sources import SourceWatcher


def _tree(root: Path) -> None:
    (root / "chalicelib" / "services").mkdir(parents=True)
    (root / "chalicelib" / "services" / "health.py").write_text("x = 1\n")
    (root / "chalicelib" / "__pycache__").mkdir()
    (root / "app.py").write_text("app = None\n")
    (root / ".data").mkdir()


def _bump(path: Path, text: str) -> None:
    path.write_text(text)
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))  # a later mtime, whatever the clock


def test_a_source_change_is_reported_once_after_it_settles(tmp_path: Path) -> None:
    _tree(tmp_path)
    watcher = SourceWatcher(tmp_path, ["app.py", "chalicelib"])
    assert watcher.changed() is False

    _bump(tmp_path / "chalicelib" / "services" / "health.py", "x = 2\n")
    assert watcher.changed() is False  # just written: wait one look for the rest of the burst
    assert watcher.changed() is True
    assert watcher.changed() is False


def test_a_burst_of_writes_is_one_change(tmp_path: Path) -> None:
    _tree(tmp_path)
    watcher = SourceWatcher(tmp_path, ["app.py", "chalicelib"])
    _bump(tmp_path / "app.py", "app = 1\n")
    assert watcher.changed() is False
    (tmp_path / "chalicelib" / "new_module.py").write_text("")  # the burst goes on
    assert watcher.changed() is False
    assert watcher.changed() is True
    assert watcher.changed() is False


def test_data_bytecode_and_unwatched_folders_never_count(tmp_path: Path) -> None:
    _tree(tmp_path)
    watcher = SourceWatcher(tmp_path, ["app.py", "chalicelib"])
    for _ in range(3):
        (tmp_path / ".data" / "sharemeter.sqlite3").write_bytes(os.urandom(64))
        (tmp_path / "chalicelib" / "__pycache__" / "health.cpython-311.pyc").write_bytes(os.urandom(64))
        (tmp_path / "chalicelib" / "services" / "health.py.swp").write_bytes(os.urandom(8))
        assert watcher.changed() is False


def test_a_deleted_source_is_a_change(tmp_path: Path) -> None:
    _tree(tmp_path)
    watcher = SourceWatcher(tmp_path, ["app.py", "chalicelib"])
    (tmp_path / "chalicelib" / "services" / "health.py").unlink()
    assert [watcher.changed(), watcher.changed()] == [False, True]
