"""MongoDB document store (production: Atlas via pymongo; contract tests: also mongomock on small data).

Bring your own client: ``MongoStore(client, database)`` takes a ``pymongo.MongoClient`` (build one per Lambda container
with ``mongo_client_from_uri``) or a ``mongomock.MongoClient``. pymongo is imported lazily so importing this module is
cheap; the store belongs to the client's owner, so ``close()`` does not close the client.

Mapping of the port:

* Declared indexes -> ``create_indexes`` on first use of a collection (one round trip, idempotent). Non-unique ones
  get ``_id`` appended to their keys, so a keyset page (sorted by ``order_by`` then ``_id``) is an index walk of
  ``limit`` entries, not a blocking sort of every match (the SQLite adapter does the same). Unique indexes
  carry ``partialFilterExpression: {field: {$exists: true}, ...}`` so documents missing a field are not unique-checked
  (an explicit ``null`` is a value and is checked, exactly like the SQLite adapter).
* ``expires_field`` (epoch seconds) -> a BSON-date mirror ``_expires_at`` with a TTL index (``expireAfterSeconds: 0``),
  stripped from every document returned. The TTL monitor purges about once a minute, so reads also filter
  ``{expires_field: {$not: {$lte: now}}}``; an insert or update blocked by an expired, not yet purged document purges
  the expired documents and retries once (same rule as SQLite).
* Conditional update -> ``find_one_and_update({_id, version: expected}, {$set, $inc: {version: 1}})``; on no match one
  more read tells ``VersionConflict`` from ``NotFound``.
* Keyset pages sort by (``order_by``, ``_id``) and continue with an ``$or`` that also walks across MongoDB's type
  brackets (null < numbers < strings < booleans), so a page sequence sees what SQLite's single ordering sees. Cursors
  are the same base64url JSON as SQLite's (shared helpers in ``sqlite.py``).
* ``insert_many`` without transactions: an ordered insert stops at the first failure; the documents of this call that
  went in before it are then deleted again and ``DuplicateKey`` raised. Between the two round trips other readers may
  see those documents, and if the process dies in between they stay: all-or-nothing as far as MongoDB allows without
  a transaction.
* Driver errors: ``DuplicateKeyError`` -> ``DuplicateKey``; any other ``PyMongoError`` (``ConnectionFailure``,
  ``ServerSelectionTimeoutError``, ``OperationFailure`` ...) -> ``StoreUnavailable`` raised from it.

mongomock differences (contract-test backend only): its ``create_indexes`` drops ``partialFilterExpression``, so
there each index gets its own ``create_index`` call; its duplicate-key errors carry no ``keyPattern``, so the index is
found by probing the unique indexes with the rejected document (an extra read on the error path only); it compares
with Python ``==`` (``1 == True``), runs TTL eagerly on every read, is not a concurrent server, and scans collections
(keep its data small). The contract suite skips exactly those cases for mongomock, saying why.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from chalicelib.adapters.store.base import StoreBase
from chalicelib.adapters.store.port import (
    CollectionSpec,
    Document,
    DuplicateKey,
    Page,
    Range,
    Scalar,
    StoreUnavailable,
)
from chalicelib.adapters.store.query import (
    EXPIRES_MIRROR,
    all_indexes,
    check_changes,
    check_page,
    check_where,
    decode_cursor,
    next_cursor,
    prepare_insert,
    resolve,
    to_json,
)
from chalicelib.domain.errors import NotFound, VersionConflict

if TYPE_CHECKING:
    from pymongo import MongoClient

T = TypeVar("T")

_PROJECTION = {EXPIRES_MIRROR: False}
_DUPLICATE_KEY_CODES = frozenset({11000, 11001, 12582})
# MongoDB's comparison order of the types a document store field may hold here, with their ``$type`` aliases.
_BRACKETS = ("null", "number", "string", "bool")


class MongoClientLike(Protocol):
    """What the store needs of a client: ``pymongo.MongoClient`` and ``mongomock.MongoClient`` both fit."""

    def __getitem__(self, name: str) -> Any: ...


def mongo_client_from_uri(uri: str, **overrides: Any) -> MongoClient[dict[str, Any]]:
    """A client for Lambda: small pool, fast failure when the cluster is unreachable, idle sockets dropped (Atlas).

    Create it once per container at module scope (connecting is lazy: no network I/O happens here). ``overrides`` are
    passed to ``MongoClient`` (tests add ``event_listeners``).
    """
    from pymongo import MongoClient

    options: dict[str, Any] = {
        "maxPoolSize": 5,
        "serverSelectionTimeoutMS": 5000,
        "connectTimeoutMS": 5000,
        "maxIdleTimeMS": 60000,
        "retryWrites": True,
        "retryReads": True,
        "appname": "sharemeter",
        "tz_aware": True,
    }
    options.update(overrides)
    return MongoClient(uri, **options)


def _bracket(value: Any) -> int:
    if value is None:
        return 0
    if isinstance(value, bool):
        return 3
    if isinstance(value, (int, float)):
        return 1
    return 2


def _all(clauses: list[dict[str, Any]]) -> dict[str, Any]:
    if not clauses:
        return {}
    return clauses[0] if len(clauses) == 1 else {"$and": clauses}


def _expires_at(value: int) -> datetime:
    # Naive UTC: pymongo stores naive datetimes as UTC, and mongomock's TTL compares against a naive utcnow().
    return datetime.fromtimestamp(value, UTC).replace(tzinfo=None)


class MongoStore(StoreBase["MongoCollection"]):
    """``DocumentStore`` over one MongoDB database."""

    def __init__(self, client: MongoClientLike, database: str, *, clock: Callable[[], float] = time.time) -> None:
        from pymongo import errors

        super().__init__(clock)
        self.client = client
        self.database = client[database]
        self.duplicate_key_error: type[Exception] = errors.DuplicateKeyError
        self.bulk_write_error: type[Exception] = errors.BulkWriteError
        self.driver_error: type[Exception] = errors.PyMongoError

    def _open(self, spec: CollectionSpec) -> MongoCollection:
        return MongoCollection(self, spec)

    def ping(self) -> None:
        self.count("ping")
        try:
            self.database.command("ping")
        except self.driver_error as exc:
            raise StoreUnavailable("MongoDB does not answer") from exc

    def close(self) -> None:
        """Forget cached collections; the client is the caller's and stays open."""
        with self._lock:
            self._collections.clear()


class MongoCollection:
    def __init__(self, store: MongoStore, spec: CollectionSpec) -> None:
        from pymongo import ASCENDING, IndexModel

        self.spec = spec
        self._store = store
        self._raw: Any = store.database[spec.name]
        wanted: list[tuple[list[tuple[str, int]], dict[str, Any]]] = []
        for index in all_indexes(spec):
            options: dict[str, Any] = {"name": index.name}
            if index.unique:
                options["unique"] = True
                partial = {f: {"$exists": True} for f in index.fields if f != "_id"}
                if partial:
                    options["partialFilterExpression"] = partial
            fields = index.fields if index.unique or "_id" in index.fields else (*index.fields, "_id")
            wanted.append(([(f, ASCENDING) for f in fields], options))
        if spec.expires_field:
            wanted.append(([(EXPIRES_MIRROR, ASCENDING)], {"name": "ttl_expires_at", "expireAfterSeconds": 0}))
        if not wanted:
            return
        if type(self._raw).__module__.startswith("mongomock"):
            # mongomock's create_indexes drops partialFilterExpression; create them one by one there.
            for keys, options in wanted:
                with self._call("create_index"):
                    self._raw.create_index(keys, **options)
            return
        with self._call("create_indexes"):
            self._raw.create_indexes([IndexModel(keys, **options) for keys, options in wanted])

    # -- helpers -------------------------------------------------------------------------------------------------------

    @contextmanager
    def _call(self, operation: str) -> Iterator[None]:
        """One counted round trip; driver errors become ``StoreUnavailable`` (duplicate keys are handled by callers)."""
        self._store.count(operation)
        try:
            yield
        except (self._store.duplicate_key_error, self._store.bulk_write_error):
            raise
        except self._store.driver_error as exc:
            raise StoreUnavailable(f"MongoDB {operation} on {self.spec.name} failed") from exc

    def _visible(self) -> list[dict[str, Any]]:
        if not self.spec.expires_field:
            return []
        return [{self.spec.expires_field: {"$not": {"$lte": self._store.now()}}}]

    def _filter(self, where: Mapping[str, Scalar], *extra: dict[str, Any]) -> dict[str, Any]:
        clauses = [{field_name: value} for field_name, value in check_where(self.spec, where)]
        return _all([*clauses, *self._visible(), *extra])

    def _stored(self, document: Mapping[str, Any]) -> Document:
        stored: Document = dict(document)
        expires_field = self.spec.expires_field
        if expires_field:
            present, value = resolve(document, expires_field)
            if present and value is not None:
                stored[EXPIRES_MIRROR] = _expires_at(value)
        return stored

    @staticmethod
    def _returned(document: Mapping[str, Any]) -> Document:
        returned = dict(document)
        returned.pop(EXPIRES_MIRROR, None)
        return returned

    def _index_name(
        self, details: Mapping[str, Any] | None, document: Mapping[str, Any] | None, *, is_new: bool = True
    ) -> str:
        """The unique index a duplicate-key error names (``keyPattern``), else found by probing with the document."""
        pattern = (details or {}).get("keyPattern")
        if isinstance(pattern, Mapping):
            fields = tuple(pattern)
            if fields == ("_id",):
                return "_id"
            for index in self.spec.indexes:
                if index.unique and index.fields == fields:
                    return index.name
        if document is not None:
            if is_new:
                with self._call("find_duplicate"):
                    if self._raw.find_one({"_id": document.get("_id")}, {"_id": True}) is not None:
                        return "_id"
            for index in self.spec.indexes:
                if not index.unique:
                    continue
                values = [resolve(document, f) for f in index.fields]
                if not all(present for present, _ in values):
                    continue
                probe = {f: value for f, (_, value) in zip(index.fields, values, strict=True)}
                probe["_id"] = {"$ne": document.get("_id")}
                with self._call("find_duplicate"):
                    if self._raw.find_one(probe, {"_id": True}) is not None:
                        return index.name
        return "unique index"

    def _purge(self) -> int:
        assert self.spec.expires_field
        with self._call("purge"):
            result = self._raw.delete_many({self.spec.expires_field: {"$lte": self._store.now()}})
        return int(result.deleted_count)

    def _write(
        self, operation: str, action: Callable[[], T], document: Callable[[], Mapping[str, Any] | None], is_new: bool
    ) -> T:
        """Run a write; a duplicate key held by an expired document purges and retries once."""
        for attempt in (1, 2):
            try:
                with self._call(operation):
                    return action()
            except self._store.duplicate_key_error as exc:
                if attempt == 1 and self.spec.expires_field and self._purge() > 0:
                    continue
                details = getattr(exc, "details", None)
                raise DuplicateKey(self._index_name(details, document(), is_new=is_new)) from exc
        raise AssertionError("unreachable")  # pragma: no cover

    # -- Collection ----------------------------------------------------------------------------------------------------

    def insert(self, document: Document) -> Document:
        prepared = prepare_insert(self.spec, document)
        to_json(prepared)
        self._write("insert", lambda: self._raw.insert_one(self._stored(prepared)), lambda: prepared, True)
        return prepared

    def insert_many(self, documents: Sequence[Document]) -> int:
        prepared = [prepare_insert(self.spec, document) for document in documents]
        if not prepared:
            return 0
        for document in prepared:
            to_json(document)
        for attempt in (1, 2):
            try:
                with self._call("insert_many"):
                    self._raw.insert_many([self._stored(d) for d in prepared], ordered=True)
                return len(prepared)
            except self._store.bulk_write_error as exc:
                details: Mapping[str, Any] = getattr(exc, "details", None) or {}
                errors = details.get("writeErrors") or [{}]
                first = min(errors, key=lambda e: int(e.get("index", 0)))
                failed_at = int(first.get("index", 0))
                inserted = [d["_id"] for d in prepared[:failed_at]]
                if inserted:  # undo this call's documents that went in before the failure
                    with self._call("insert_many_undo"):
                        self._raw.delete_many({"_id": {"$in": inserted}})
                if first.get("code") not in _DUPLICATE_KEY_CODES:
                    raise StoreUnavailable(f"MongoDB insert_many on {self.spec.name} failed") from exc
                if attempt == 1 and self.spec.expires_field and self._purge() > 0:
                    continue
                failed = prepared[failed_at] if failed_at < len(prepared) else None
                raise DuplicateKey(self._index_name(first, failed)) from exc
        raise AssertionError("unreachable")  # pragma: no cover

    def get(self, document_id: str) -> Document | None:
        query = self._filter({"_id": document_id})
        with self._call("get"):
            found = self._raw.find_one(query, _PROJECTION)
        return None if found is None else self._returned(found)

    def get_many(self, document_ids: Sequence[str]) -> list[Document]:
        wanted = list(dict.fromkeys(document_ids))
        if not wanted:
            return []
        if any(type(i) is not str for i in wanted):
            raise ValueError("_id values are strings")
        query = self._filter({}, {"_id": {"$in": wanted}})
        with self._call("get_many"):
            rows = list(self._raw.find(query, _PROJECTION).batch_size(len(wanted)))
        found = {row["_id"]: row for row in rows}
        return [self._returned(found[i]) for i in wanted if i in found]

    def find_one(self, where: Mapping[str, Scalar]) -> Document | None:
        query = self._filter(where)
        with self._call("find_one"):
            found = self._raw.find_one(query, _PROJECTION, sort=[("_id", 1)])
        return None if found is None else self._returned(found)

    def find_page(
        self,
        where: Mapping[str, Scalar],
        *,
        order_by: str = "_id",
        descending: bool = False,
        bounds: Range | None = None,
        limit: int = 50,
        cursor: str | None = None,
    ) -> Page:
        check_page(self.spec, order_by, bounds, limit)
        extra: list[dict[str, Any]] = []
        if bounds is not None:
            if bounds.low is not None:
                extra.append({order_by: {"$gte": bounds.low}})
            if bounds.high is not None:
                extra.append({order_by: {"$lt": bounds.high}})
        if cursor is not None:
            value, last_id = decode_cursor(cursor, order_by, descending)
            extra.append(self._after(order_by, descending, value, last_id))
        query = self._filter(where, *extra)
        direction = -1 if descending else 1
        sort = [("_id", direction)] if order_by == "_id" else [(order_by, direction), ("_id", direction)]
        with self._call("find_page"):
            rows = list(self._raw.find(query, _PROJECTION).sort(sort).limit(limit + 1).batch_size(limit + 1))
        items = [self._returned(row) for row in rows[:limit]]
        return Page(items=items, next_cursor=next_cursor(items, order_by, descending, len(rows) > limit))

    @staticmethod
    def _after(order_by: str, descending: bool, value: Any, last_id: str) -> dict[str, Any]:
        """Everything after (``value``, ``last_id``) in the page order, across MongoDB's type brackets."""
        beyond = "$lt" if descending else "$gt"
        if order_by == "_id":
            return {"_id": {beyond: last_id}}
        alternatives: list[dict[str, Any]]
        if value is None:
            alternatives = [{order_by: None, "_id": {beyond: last_id}}]
        else:
            alternatives = [{order_by: {beyond: value}}, {order_by: value, "_id": {beyond: last_id}}]
        bracket = _bracket(value)
        later = range(bracket - 1, -1, -1) if descending else range(bracket + 1, len(_BRACKETS))
        for other in later:
            alternatives.append({order_by: None} if other == 0 else {order_by: {"$type": _BRACKETS[other]}})
        return {"$or": alternatives}

    def count(self, where: Mapping[str, Scalar]) -> int:
        query = self._filter(where)
        with self._call("count"):
            return int(self._raw.count_documents(query))

    def update(self, document_id: str, changes: Mapping[str, Any], *, expected_version: int) -> Document:
        check_changes(self.spec, changes)
        if type(document_id) is not str or type(expected_version) is not int:
            raise ValueError("update needs a string _id and an int expected_version")
        operations: dict[str, Any] = {"$inc": {"version": 1}}
        to_set: dict[str, Any] = dict(changes)
        expires_field = self.spec.expires_field
        if expires_field and expires_field.split(".")[0] in changes:
            present, value = resolve(changes, expires_field)
            if present and value is not None:
                to_set[EXPIRES_MIRROR] = _expires_at(value)
            else:
                operations["$unset"] = {EXPIRES_MIRROR: ""}
        if to_set:
            operations["$set"] = to_set
        query = self._filter({"_id": document_id}, {"version": expected_version})

        def apply() -> Any:
            from pymongo import ReturnDocument

            return self._raw.find_one_and_update(
                query, operations, projection=_PROJECTION, return_document=ReturnDocument.AFTER
            )

        def merged() -> Mapping[str, Any] | None:  # only read on the error path, to name the index (mongomock)
            with self._call("get_for_error"):
                current = self._raw.find_one({"_id": document_id})
            return None if current is None else {**current, **changes}

        updated = self._write("update", apply, merged, False)
        if updated is not None:
            return self._returned(updated)
        raise self._why_not(document_id)

    def _why_not(self, document_id: str) -> NotFound | VersionConflict:
        with self._call("get_version"):
            found = self._raw.find_one(self._filter({"_id": document_id}), {"version": True})
        if found is None:
            return NotFound(f"{self.spec.name} {document_id} not found")
        return VersionConflict(f"{self.spec.name} {document_id} is at version {found['version']}")

    def delete(self, document_id: str, *, expected_version: int | None = None) -> bool:
        extra = [] if expected_version is None else [{"version": expected_version}]
        query = self._filter({"_id": document_id}, *extra)
        with self._call("delete"):
            deleted = int(self._raw.delete_one(query).deleted_count)
        if deleted or expected_version is None:
            return bool(deleted)
        problem = self._why_not(document_id)
        if isinstance(problem, VersionConflict):
            raise problem
        return False

    def delete_where(self, where: Mapping[str, Scalar]) -> int:
        """Removes matching documents, expired ones not yet purged included (erasure must not leave any behind)."""
        if not where:
            raise ValueError("delete_where needs at least one condition")
        query = _all([{field_name: value} for field_name, value in check_where(self.spec, where)])
        with self._call("delete_where"):
            return int(self._raw.delete_many(query).deleted_count)
