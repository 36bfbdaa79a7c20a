"""One contract suite, every document-store backend.

``store`` is parametrized over: SQLite on a temporary file (always), ``MongoStore`` over mongomock (always; small data
only, mongomock scans), and ``MongoStore`` over a real MongoDB when ``MONGODB_URI`` is set (a unique database per
session, dropped afterwards; marked ``mongodb``). Each test uses its own collection names (``unique_name``), so the
real database can be shared by the session.
"""

from __future__ import annotations

import os
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import mongomock
import pytest
from pymongo import monitoring

from chalicelib.adapters.store.mongo import MongoStore, mongo_client_from_uri
from chalicelib.adapters.store.port import DocumentStore
from chalicelib.adapters.store.sqlite import SqliteStore

MONGODB_URI = os.environ.get("MONGODB_URI")

BACKENDS = [
    "sqlite",
    "mongomock",
    pytest.param(
        "mongodb",
        marks=[
            pytest.mark.mongodb,
            pytest.mark.skipif(not MONGODB_URI, reason="MONGODB_URI is not set"),
        ],
    ),
]


class CommandCounter(monitoring.CommandListener):
    """Counts the commands a real MongoDB receives: the round trips the driver actually makes."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.by_name: dict[str, int] = {}

    @property
    def total(self) -> int:
        with self._lock:
            return sum(self.by_name.values())

    def reset(self) -> None:
        with self._lock:
            self.by_name.clear()

    def started(self, event: monitoring.CommandStartedEvent) -> None:
        with self._lock:
            self.by_name[event.command_name] = self.by_name.get(event.command_name, 0) + 1

    def succeeded(self, event: monitoring.CommandSucceededEvent) -> None:
        pass

    def failed(self, event: monitoring.CommandFailedEvent) -> None:
        pass


@pytest.fixture(scope="session")
def mongo_commands() -> CommandCounter:
    return CommandCounter()


@pytest.fixture(scope="session")
def real_mongo(mongo_commands: CommandCounter) -> Iterator[tuple[Any, str]]:
    """(client, database name) of the real MongoDB; the database is dropped at the end of the session."""
    if not MONGODB_URI:
        pytest.skip("MONGODB_URI is not set")
    client = mongo_client_from_uri(MONGODB_URI, event_listeners=[mongo_commands])
    database = f"sharemeter_contract_{uuid.uuid4().hex[:12]}"
    yield client, database
    client.drop_database(database)
    client.close()


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    name: str = request.param
    return name


@pytest.fixture
def store(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[DocumentStore]:
    instance: DocumentStore
    if backend == "sqlite":
        instance = SqliteStore(tmp_path / "store.db")
    elif backend == "mongomock":
        instance = MongoStore(mongomock.MongoClient(), "contract")
    else:
        client, database = request.getfixturevalue("real_mongo")
        instance = MongoStore(client, database)
    yield instance
    instance.close()


@pytest.fixture
def unique_name() -> str:
    """A collection name no other test uses."""
    return f"c_{uuid.uuid4().hex[:12]}"
