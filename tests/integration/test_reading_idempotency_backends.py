"""An idempotent retry that races its original is a replay on every store backend, whichever unique index the backend
reports as broken first (SQLite names the idempotency index; mongomock and MongoDB name ``(meter_id, taken_at)``)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import mongomock
import pytest

from chalicelib.adapters.store.mongo import MongoStore
from chalicelib.adapters.store.port import Collection, CollectionSpec, Document, DocumentStore
from chalicelib.adapters.store.sqlite import SqliteStore
from chalicelib.bootstrap import Container, bootstrap
from chalicelib.domain.policy import Role
from chalicelib.services import meter_records, reading_records, readings
from chalicelib.services.access import Membership, Weights
from chalicelib.settings import Settings

TAKEN_AT = datetime(2025, 2, 1, 10, tzinfo=UTC)


class _RacedReadings:
    """The readings collection, where the original request lands just before the retry's insert (after its check)."""

    def __init__(self, real: Collection, store: _RacedStore) -> None:
        self._real = real
        self._store = store

    def insert(self, document: Document) -> Document:
        if self._store.original_id is not None:  # the original request: same key, same reading, inserted first
            self._real.insert({**document, "_id": self._store.original_id})
            self._store.original_id = None
        return self._real.insert(document)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._real, name)


class _RacedStore:
    def __init__(self, real: DocumentStore) -> None:
        self.real = real
        self.original_id: str | None = None

    def collection(self, spec: CollectionSpec) -> Any:
        collection = self.real.collection(spec)
        return _RacedReadings(collection, self) if spec.name == reading_records.READINGS.name else collection

    def __getattr__(self, name: str) -> Any:
        return getattr(self.real, name)


@pytest.fixture(params=["sqlite", "mongomock"])
def raced(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[Container, _RacedStore]]:
    real: DocumentStore
    if request.param == "sqlite":
        real = SqliteStore(tmp_path / "store.db")
    else:
        real = MongoStore(mongomock.MongoClient(), "readings")
    store = _RacedStore(real)
    container = bootstrap(Settings.from_env({"SHAREMETER_DATA_DIR": str(tmp_path)}), clock=time.time, store=store)
    yield container, store
    real.close()


def test_a_retry_that_races_its_original_is_a_replay_on_every_backend(raced: tuple[Container, _RacedStore]) -> None:
    container, store = raced
    meter_records.meter_collection(container).insert({
        "_id": "m1", "group_id": "g1", "serial": "S1", "kind": "sub", "unit": "kWh", "digits": None, "multiplier": "1",
        "participant_id": "u1", "installed_at": "2025-01-01T00:00:00.000000Z", "removed_at": None,
        "initial_value": "0", "last_reading_at": None, "created_at": "2025-01-01T00:00:00Z",
    })
    owner = Membership("g1", "u1", Role.OWNER, 1, Weights(), "2025-01-01T00:00:00Z")
    # GIVEN the original request is stored between the retry's replay check and its insert
    store.original_id = "first"
    # WHEN the retry with the same key and body arrives
    reading, created = readings.record(container, owner, meter_id="m1", value="5", taken_at=TAKEN_AT,
                                              note=None, idempotency_key="retry-key-1")
    # THEN it gets the original back, not a "reading exists" conflict
    assert not created and reading["id"] == "first"
