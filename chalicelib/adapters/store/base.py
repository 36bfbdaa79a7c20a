"""Bookkeeping both document-store adapters share: the round-trip counter, the clock, the collection cache."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Generic, TypeVar

from chalicelib.adapters.store.port import CollectionSpec, RoundTrips
from chalicelib.adapters.store.query import check_spec

C = TypeVar("C")


class StoreBase(Generic[C]):
    """A store opens each declared collection once (``_open``) and counts every call that reaches its backend."""

    def __init__(self, clock: Callable[[], float]) -> None:
        self.round_trips = RoundTrips()
        self._clock = clock
        self._lock = threading.Lock()
        self._collections: dict[CollectionSpec, C] = {}

    def count(self, operation: str) -> None:
        with self._lock:
            self.round_trips.add(operation)

    def now(self) -> float:
        return self._clock()

    def collection(self, spec: CollectionSpec) -> C:
        existing = self._collections.get(spec)
        if existing is not None:
            return existing
        check_spec(spec)
        created = self._open(spec)
        with self._lock:
            return self._collections.setdefault(spec, created)

    def _open(self, spec: CollectionSpec) -> C:
        raise NotImplementedError
