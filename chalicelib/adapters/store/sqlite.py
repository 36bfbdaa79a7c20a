"""SQLite document store: the embedded default (``make run``) and the contract suite's always-present backend.

One table per collection: ``_id TEXT PRIMARY KEY, version INTEGER, doc TEXT`` (the whole document as JSON, ``_id`` and
``version`` included). Non-unique indexes get ``_id`` appended, so they serve the keyset order (``order_by``, ``_id``)
without a sort step (a ``WITHOUT ROWID`` table would give the same for free, but measured 2.5x slower on bulk inserts
of random ids). Each declared indexed field gets VIRTUAL generated columns over
``json_extract``; the declared indexes are ordinary SQLite indexes on them, so uniqueness is enforced by SQLite itself.

Two generated columns per field, because MongoDB semantics need both:

* ``"c:<path>"`` (compare/sort): JSON ``true``/``false`` become the BLOBs ``x'01'``/``x'00'`` so a boolean never equals
  an integer, JSON ``null`` and a missing field are both SQL NULL (MongoDB's ``{field: null}`` matches both, and sorts
  them together first). SQLite's storage-class order NULL < numbers < text < BLOB is MongoDB's bracket order
  null < numbers < strings < booleans. The column has no declared type (BLOB affinity), so ``1`` never equals ``'1'``.
* ``"k:<path>"`` (unique key, only for fields of unique indexes): like ``c`` but an explicit JSON ``null`` is the
  BLOB ``x''``, so it is a value and unique-checked, while a missing field stays NULL, which a SQLite UNIQUE index
  ignores. That is the port's rule and MongoDB's ``partialFilterExpression: {field: {$exists: true}}``.

Concurrency: one connection per thread (``threading.local``) in autocommit mode, WAL journal, ``busy_timeout``; every
write is a single statement (atomic) except ``insert_many`` and schema creation, which run in ``BEGIN IMMEDIATE``.
Several processes may share the file. ``":memory:"`` is accepted for quick tests: one connection guarded by a lock
(per-thread connections to ``:memory:`` would each see an empty database).

The validation and cursor helpers live in ``query.py``, shared with ``mongo.MongoStore`` so both adapters refuse the
same inputs and read each other's cursors.

SQL text is assembled from identifiers that ``check_spec`` restricted to ``[A-Za-z0-9_.]`` and from fixed fragments;
every value travels as a ``?`` parameter. Hence the file-wide S608 exemption below.
"""

# ruff: noqa: S608

from __future__ import annotations

import json
import os
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any, TypeVar

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
    all_indexes,
    check_changes,
    check_page,
    check_where,
    decode_cursor,
    next_cursor,
    prepare_insert,
    to_json,
    unique_paths,
)
from chalicelib.domain.errors import NotFound, VersionConflict

T = TypeVar("T")

PURGE_INTERVAL_SECONDS = 60.0

# ---------------------------------------------------------------------------------------------------------------------
# SQLite
# ---------------------------------------------------------------------------------------------------------------------

_BOOL_TRUE = b"\x01"
_BOOL_FALSE = b"\x00"
# Lowest and highest values of each SQLite storage class we use, to keep a range bound inside its type bracket the way
# MongoDB's type-bracketed comparisons do: numbers are [-inf, ''), text is ['', x''), booleans (BLOBs) are [x'', ...).
_NUMBER_LOW, _TEXT_LOW, _BLOB_LOW = float("-inf"), "", b""


def _param(value: Any) -> Any:
    if value is True:
        return _BOOL_TRUE
    if value is False:
        return _BOOL_FALSE
    return value


def _bracket(value: Any) -> tuple[Any, Any]:
    """(inclusive low, exclusive high or None) of ``value``'s type bracket in SQLite's ordering."""
    if isinstance(value, bool):
        return _BLOB_LOW, None
    if isinstance(value, (int, float)):
        return _NUMBER_LOW, _TEXT_LOW
    return _TEXT_LOW, _BLOB_LOW


def _quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def _json_path(path: str) -> str:
    return "'$." + path + "'"  # path is checked by check_field_path: letters, digits, underscores and dots only


def _compare_column(path: str) -> str:
    return "_id" if path == "_id" else _quote("c:" + path)


def _key_column(path: str) -> str:
    return "_id" if path == "_id" else _quote("k:" + path)


def _compare_expression(path: str) -> str:
    p = _json_path(path)
    return f"CASE json_type(doc, {p}) WHEN 'true' THEN x'01' WHEN 'false' THEN x'00' ELSE json_extract(doc, {p}) END"


def _key_expression(path: str) -> str:
    p = _json_path(path)
    return (
        f"CASE json_type(doc, {p}) WHEN 'null' THEN x'' WHEN 'true' THEN x'01' WHEN 'false' THEN x'00' "
        f"ELSE json_extract(doc, {p}) END"
    )


class SqliteStore(StoreBase["SqliteCollection"]):
    """``DocumentStore`` over one SQLite file (or ``":memory:"``)."""

    def __init__(
        self, path: str | Path, *, busy_timeout_ms: int = 5000, clock: Callable[[], float] = time.time
    ) -> None:
        super().__init__(clock)
        self._busy_timeout_ms = busy_timeout_ms
        self._local = threading.local()
        self._connections: list[sqlite3.Connection] = []
        self._closed = False
        self._memory = str(path) == ":memory:"
        self._path = str(path)
        self._memory_lock = threading.RLock()
        self._memory_connection: sqlite3.Connection | None = None
        if self._memory:
            self._memory_connection = self._connect()
        else:
            Path(path).parent.mkdir(parents=True, exist_ok=True)

    # -- connections ---------------------------------------------------------------------------------------------------

    def _connect(self) -> sqlite3.Connection:
        try:
            connection = sqlite3.connect(
                self._path,
                timeout=self._busy_timeout_ms / 1000,
                isolation_level=None,
                check_same_thread=False,  # still one thread per connection; close() may run on another thread
            )
            connection.execute(f"PRAGMA busy_timeout = {int(self._busy_timeout_ms)}")
            if not self._memory:
                connection.execute("PRAGMA journal_mode = WAL")
                connection.execute("PRAGMA synchronous = NORMAL")
        except sqlite3.Error as exc:
            raise StoreUnavailable(f"cannot open SQLite store at {self._path}") from exc
        with self._lock:
            self._connections.append(connection)
        return connection

    @contextmanager
    def connection(self) -> Iterator[sqlite3.Connection]:
        """This thread's connection (for ``:memory:`` the single shared one, held under a lock)."""
        if self._closed:
            raise StoreUnavailable("the SQLite store is closed")
        if self._memory_connection is not None:
            with self._memory_lock:
                yield self._memory_connection
            return
        connection: sqlite3.Connection | None = getattr(self._local, "connection", None)
        if connection is None or getattr(self._local, "pid", None) != os.getpid():  # never reuse one across fork()
            connection = self._connect()
            self._local.connection = connection
            self._local.pid = os.getpid()
        yield connection

    # -- DocumentStore -------------------------------------------------------------------------------------------------

    def _open(self, spec: CollectionSpec) -> SqliteCollection:
        return SqliteCollection(self, spec)

    def ping(self) -> None:
        try:
            with self.connection() as connection:
                self.count("ping")
                connection.execute("SELECT 1").fetchone()
        except sqlite3.Error as exc:
            raise StoreUnavailable("SQLite store does not answer") from exc

    def close(self) -> None:
        with self._lock:
            self._closed = True
            connections, self._connections = self._connections, []
        for connection in connections:
            with suppress(sqlite3.Error):  # closing is best effort
                connection.close()


@contextmanager
def _transaction(connection: sqlite3.Connection) -> Iterator[None]:
    connection.execute("BEGIN IMMEDIATE")
    try:
        yield
    except BaseException:
        connection.execute("ROLLBACK")
        raise
    connection.execute("COMMIT")


class SqliteCollection:
    """One collection = one table; see the module docstring for the column scheme."""

    def __init__(self, store: SqliteStore, spec: CollectionSpec) -> None:
        self.spec = spec
        self._store = store
        self._table = _quote(spec.name)
        self._unique = unique_paths(spec)
        self._next_purge = 0.0
        # SQLite names the columns of a violated unique index in its message; map each list back to the index name.
        self._unique_messages: dict[str, str] = {f"{spec.name}._id": "_id"}
        for index in spec.indexes:
            if index.unique:
                columns = ", ".join(f"{spec.name}.{_key_column(f).strip(chr(34))}" for f in index.fields)
                self._unique_messages[columns] = index.name
        self._create()

    # -- schema --------------------------------------------------------------------------------------------------------

    def _create(self) -> None:
        paths = sorted(p for p in self.spec.indexed_fields() if p != "_id")
        try:
            with self._store.connection() as connection, _transaction(connection):
                self._store.count("create_collection")
                connection.execute(
                    f"CREATE TABLE IF NOT EXISTS {self._table} "
                    "(_id TEXT PRIMARY KEY NOT NULL, version INTEGER NOT NULL, doc TEXT NOT NULL)"
                )
                existing = {row[1] for row in connection.execute(f"PRAGMA table_xinfo({self._table})")}
                for path in paths:
                    wanted = [("c:" + path, _compare_expression(path))]
                    if path in self._unique:
                        wanted.append(("k:" + path, _key_expression(path)))
                    for column, expression in wanted:
                        if column not in existing:
                            connection.execute(
                                f"ALTER TABLE {self._table} ADD COLUMN {_quote(column)} "
                                f"GENERATED ALWAYS AS ({expression}) VIRTUAL"
                            )
                for index in all_indexes(self.spec):
                    column_of = _key_column if index.unique else _compare_column
                    fields = index.fields if index.unique or "_id" in index.fields else (*index.fields, "_id")
                    columns = ", ".join(column_of(f) for f in fields)
                    connection.execute(
                        f"CREATE {'UNIQUE ' if index.unique else ''}INDEX IF NOT EXISTS "
                        f"{_quote(self.spec.name + ':' + index.name)} ON {self._table} ({columns})"
                    )
        except sqlite3.IntegrityError as exc:
            raise self._duplicate(exc) from exc
        except sqlite3.Error as exc:
            raise StoreUnavailable(f"cannot create collection {self.spec.name}") from exc

    # -- helpers -------------------------------------------------------------------------------------------------------

    def _duplicate(self, exc: sqlite3.IntegrityError) -> DuplicateKey | StoreUnavailable:
        message = str(exc)
        prefix = "UNIQUE constraint failed: "
        if message.startswith(prefix):
            return DuplicateKey(self._unique_messages.get(message[len(prefix) :], "unique index"))
        if getattr(exc, "sqlite_errorname", "") == "SQLITE_CONSTRAINT_PRIMARYKEY":
            return DuplicateKey("_id")
        return StoreUnavailable(f"integrity error in {self.spec.name}")

    def _visible(self) -> tuple[str, list[Any]]:
        if not self.spec.expires_field:
            return "", []
        column = _compare_column(self.spec.expires_field)
        return f"({column} IS NULL OR {column} > ?)", [self._store.now()]

    def _where(self, where: Mapping[str, Scalar]) -> tuple[list[str], list[Any]]:
        clauses: list[str] = []
        params: list[Any] = []
        for field_name, value in check_where(self.spec, where):
            column = _compare_column(field_name)
            if value is None:
                clauses.append(f"{column} IS NULL")
                continue
            clauses.append(f"{column} = ?")
            params.append(_param(value))
            if field_name in self._unique:  # lets SQLite answer from the unique index too
                clauses.append(f"{_key_column(field_name)} = ?")
                params.append(_param(value))
        visible, visible_params = self._visible()
        if visible:
            clauses.append(visible)
            params.extend(visible_params)
        return clauses, params

    @staticmethod
    def _sql_where(clauses: list[str]) -> str:
        return " WHERE " + " AND ".join(clauses) if clauses else ""

    def _run(self, operation: str, action: Callable[[sqlite3.Connection], T]) -> T:
        try:
            with self._store.connection() as connection:
                self._store.count(operation)
                return action(connection)
        except sqlite3.Error as exc:
            raise StoreUnavailable(f"SQLite {operation} on {self.spec.name} failed") from exc

    def _write(self, operation: str, action: Callable[[sqlite3.Connection], T]) -> T:
        """A write; an expired document that still holds a key is purged and the write retried once."""
        self._maybe_purge()
        for attempt in (1, 2):
            try:
                with self._store.connection() as connection:
                    self._store.count(operation)
                    return action(connection)
            except sqlite3.IntegrityError as exc:
                if attempt == 1 and self.spec.expires_field and self._purge() > 0:
                    continue
                raise self._duplicate(exc) from exc
            except sqlite3.Error as exc:
                raise StoreUnavailable(f"SQLite {operation} on {self.spec.name} failed") from exc
        raise AssertionError("unreachable")  # pragma: no cover

    def _maybe_purge(self) -> None:
        if self.spec.expires_field and time.monotonic() >= self._next_purge:
            self._next_purge = time.monotonic() + PURGE_INTERVAL_SECONDS
            self._purge()

    def _purge(self) -> int:
        """Delete expired documents; returns how many."""
        assert self.spec.expires_field
        column = _compare_column(self.spec.expires_field)
        sql = f"DELETE FROM {self._table} WHERE {column} <= ?"
        return self._run("purge", lambda c: c.execute(sql, (self._store.now(),)).rowcount)

    @staticmethod
    def _load(text: str) -> Document:
        document: Document = json.loads(text)
        return document

    # -- Collection ----------------------------------------------------------------------------------------------------

    def insert(self, document: Document) -> Document:
        prepared = prepare_insert(self.spec, document)
        row = (prepared["_id"], to_json(prepared))
        sql = f"INSERT INTO {self._table} (_id, version, doc) VALUES (?, 1, ?)"
        self._write("insert", lambda c: c.execute(sql, row))
        return prepared

    def insert_many(self, documents: Sequence[Document]) -> int:
        prepared = [prepare_insert(self.spec, document) for document in documents]
        if not prepared:
            return 0
        rows = [(document["_id"], to_json(document)) for document in prepared]
        sql = f"INSERT INTO {self._table} (_id, version, doc) VALUES (?, 1, ?)"

        def insert_all(connection: sqlite3.Connection) -> int:
            with _transaction(connection):
                connection.executemany(sql, rows)
            return len(rows)

        return self._write("insert_many", insert_all)

    def get(self, document_id: str) -> Document | None:
        clauses, params = self._where({"_id": document_id})
        sql = f"SELECT doc FROM {self._table}{self._sql_where(clauses)}"
        row = self._run("get", lambda c: c.execute(sql, params).fetchone())
        return None if row is None else self._load(row[0])

    def get_many(self, document_ids: Sequence[str]) -> list[Document]:
        wanted = list(dict.fromkeys(document_ids))
        if not wanted:
            return []
        if any(type(i) is not str for i in wanted):
            raise ValueError("_id values are strings")
        clauses, params = self._where({})
        clauses.insert(0, "_id IN (SELECT value FROM json_each(?))")
        params.insert(0, json.dumps(wanted))
        sql = f"SELECT _id, doc FROM {self._table}{self._sql_where(clauses)}"
        rows = self._run("get_many", lambda c: c.execute(sql, params).fetchall())
        found = {row[0]: row[1] for row in rows}
        return [self._load(found[i]) for i in wanted if i in found]

    def find_one(self, where: Mapping[str, Scalar]) -> Document | None:
        clauses, params = self._where(where)
        sql = f"SELECT doc FROM {self._table}{self._sql_where(clauses)} ORDER BY _id LIMIT 1"
        row = self._run("find_one", lambda c: c.execute(sql, params).fetchone())
        return None if row is None else self._load(row[0])

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
        base, base_params = self._where(where)
        column = _compare_column(order_by)
        if bounds is not None:
            for value, operator, bracket_index in ((bounds.low, ">=", 1), (bounds.high, "<", 0)):
                if value is None:
                    continue
                base.append(f"{column} {operator} ?")
                base_params.append(_param(value))
                edge = _bracket(value)[bracket_index]
                if edge is not None:  # stay inside the bound's type bracket, as MongoDB does
                    base.append(f"{column} {'<' if bracket_index else '>='} ?")
                    base_params.append(edge)
        # Keyset segments, each already ordered; several when the order crosses the NULL (missing/null) group.
        segments: list[tuple[list[str], list[Any]]] = [([], [])]
        if cursor is not None:
            value, last_id = decode_cursor(cursor, order_by, descending)
            after = "<" if descending else ">"
            if order_by == "_id":
                segments = [([f"_id {after} ?"], [last_id])]
            elif value is None:
                segments = [([f"{column} IS NULL", f"_id {after} ?"], [last_id])]
                if not descending:
                    segments.append(([f"{column} IS NOT NULL"], []))
            else:
                segments = [([f"({column}, _id) {after} (?, ?)"], [_param(value), last_id])]
                if descending:
                    segments.append(([f"{column} IS NULL"], []))
        direction = "DESC" if descending else "ASC"
        order = f"ORDER BY sort_key {direction}, _id {direction}"
        selects: list[str] = []
        params: list[Any] = []
        for clauses, clause_params in segments:
            sql = (
                f"SELECT _id, doc, {column} AS sort_key FROM {self._table}{self._sql_where(base + clauses)} "
                f"{order} LIMIT ?"
            )
            selects.append(sql if len(segments) == 1 else f"SELECT * FROM ({sql})")
            params.extend([*base_params, *clause_params, limit + 1])
        sql = selects[0] if len(selects) == 1 else " UNION ALL ".join(selects) + f" {order} LIMIT ?"
        if len(selects) > 1:
            params.append(limit + 1)
        rows = self._run("find_page", lambda c: c.execute(sql, params).fetchall())
        items = [self._load(row[1]) for row in rows[:limit]]
        return Page(items=items, next_cursor=next_cursor(items, order_by, descending, len(rows) > limit))

    def count(self, where: Mapping[str, Scalar]) -> int:
        clauses, params = self._where(where)
        sql = f"SELECT COUNT(*) FROM {self._table}{self._sql_where(clauses)}"
        row = self._run("count", lambda c: c.execute(sql, params).fetchone())
        return int(row[0])

    def update(self, document_id: str, changes: Mapping[str, Any], *, expected_version: int) -> Document:
        check_changes(self.spec, changes)
        if type(document_id) is not str or type(expected_version) is not int:
            raise ValueError("update needs a string _id and an int expected_version")
        assignments = "".join(f"'$.{key}', json(?), " for key in changes)
        clauses, params = self._where({"_id": document_id})
        sql = (
            f"UPDATE {self._table} SET version = version + 1, "
            f"doc = json_set(doc, {assignments}'$.version', version + 1)"
            f"{self._sql_where([*clauses, 'version = ?'])} RETURNING doc"
        )
        all_params = [json.dumps(value, allow_nan=False) for value in changes.values()] + params + [expected_version]
        rows = self._write("update", lambda c: c.execute(sql, all_params).fetchall())
        if rows:
            return self._load(rows[0][0])
        raise self._why_not(document_id)

    def _why_not(self, document_id: str) -> NotFound | VersionConflict:
        clauses, params = self._where({"_id": document_id})
        sql = f"SELECT version FROM {self._table}{self._sql_where(clauses)}"
        row = self._run("get_version", lambda c: c.execute(sql, params).fetchone())
        if row is None:
            return NotFound(f"{self.spec.name} {document_id} not found")
        return VersionConflict(f"{self.spec.name} {document_id} is at version {row[0]}")

    def delete(self, document_id: str, *, expected_version: int | None = None) -> bool:
        clauses, params = self._where({"_id": document_id})
        if expected_version is not None:
            clauses.append("version = ?")
            params.append(expected_version)
        sql = f"DELETE FROM {self._table}{self._sql_where(clauses)}"
        deleted: int = self._write("delete", lambda c: c.execute(sql, params).rowcount)
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
        clauses, params = self._where(where)
        if self.spec.expires_field:  # drop the visibility condition that _where appended
            clauses, params = clauses[:-1], params[:-1]
        sql = f"DELETE FROM {self._table}{self._sql_where(clauses)}"
        deleted: int = self._write("delete_where", lambda c: c.execute(sql, params).rowcount)
        return deleted
