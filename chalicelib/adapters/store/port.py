"""The document-store port: the only way services touch persistence.

Narrow on purpose. A collection is declared once (``CollectionSpec``) with its indexes; queries are equality on
declared indexed fields plus one optional range on the sort field, read in keyset pages. Writes are insert (unique
indexes enforced by the backend), conditional update on ``version`` (optimistic concurrency) and delete. There are no
raw query dicts, so a request value can never become a query operator: ``where`` values must be plain scalars.

Documents are JSON-compatible dicts with a string ``_id`` and an integer ``version`` (set to 1 on insert, incremented by
every update). Timestamps are ISO-8601 UTC strings (``2026-11-25T13:20:07.123456Z``), which sort as text. A collection
declared with ``expires_field`` hides documents whose value there (epoch seconds, int) is in the past; backends also
purge them (MongoDB TTL index on a BSON-date mirror; SQLite on write).

Two adapters implement this: ``sqlite.SqliteStore`` (embedded default) and ``mongo.MongoStore`` (pymongo, production).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from chalicelib.domain.errors import Conflict, ServiceUnavailable, ValidationFailed

Document = dict[str, Any]
Scalar = str | int | bool | None


@dataclass(frozen=True)
class Index:
    """An index over one or more (dotted) fields.

    A unique index ignores documents where any of its fields is missing.
    """

    fields: tuple[str, ...]
    unique: bool = False

    @property
    def name(self) -> str:
        return ("u_" if self.unique else "i_") + "__".join(f.replace(".", "_") for f in self.fields)


@dataclass(frozen=True)
class CollectionSpec:
    name: str
    indexes: tuple[Index, ...] = ()
    expires_field: str | None = None

    def indexed_fields(self) -> frozenset[str]:
        names = {f for index in self.indexes for f in index.fields}
        if self.expires_field:
            names.add(self.expires_field)
        return frozenset(names | {"_id"})


@dataclass(frozen=True)
class Range:
    """Bounds on the sort field: ``low <= value < high`` (either side optional)."""

    low: Scalar = None
    high: Scalar = None


@dataclass(frozen=True)
class Page:
    items: list[Document]
    next_cursor: str | None


@dataclass
class RoundTrips:
    """Counts calls that reach the backend. Benchmarks and tests read it to prove constant round trips per page."""

    count: int = 0
    by_operation: dict[str, int] = field(default_factory=dict)

    def add(self, operation: str) -> None:
        self.count += 1
        self.by_operation[operation] = self.by_operation.get(operation, 0) + 1

    def reset(self) -> None:
        self.count = 0
        self.by_operation.clear()


class DuplicateKey(Conflict):
    """An insert or update would break a unique index (or reuse an ``_id``)."""

    code = "duplicate"
    title = "Already exists"

    def __init__(self, index_name: str) -> None:
        super().__init__(f"a document with the same {index_name} already exists")
        self.index_name = index_name


class InvalidCursor(ValidationFailed):
    """A page cursor this store did not hand out for this listing: malformed, altered, or from another ordering.

    Both adapters raise it (``query.decode_cursor``), so a use case passes a client's cursor straight through and the
    client gets a 400 naming the field ``cursor``.
    """

    def __init__(self) -> None:
        super().__init__("not a cursor this listing returned; start again without one", field="cursor")


class StoreUnavailable(ServiceUnavailable):
    """The backend could not be reached or failed; raised ``from`` the driver's exception."""


class Collection(Protocol):
    spec: CollectionSpec

    def insert(self, document: Document) -> Document:
        """Store a new document (must carry ``_id``); returns it with ``version`` = 1. Raises ``DuplicateKey``."""
        ...

    def insert_many(self, documents: Sequence[Document]) -> int:
        """Store many new documents in one round trip, all or nothing. Raises ``DuplicateKey`` and stores none then."""
        ...

    def get(self, document_id: str) -> Document | None: ...

    def get_many(self, document_ids: Sequence[str]) -> list[Document]:
        """The documents that exist among ``document_ids``, in that order, in one round trip."""
        ...

    def find_one(self, where: Mapping[str, Scalar]) -> Document | None:
        """The first document whose declared indexed fields equal ``where`` (ordered by ``_id``)."""
        ...

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
        """One keyset page ordered by (``order_by``, ``_id``); ``cursor`` is the previous page's ``next_cursor``.

        Stable under concurrent inserts: a document is never returned twice, and none that existed before the first page
        and still exists is skipped. Raises ``InvalidCursor`` for a cursor it did not hand out for this ordering, and
        ``ValueError`` for a field that is not declared indexed (a programming error).
        """
        ...

    def count(self, where: Mapping[str, Scalar]) -> int: ...

    def update(self, document_id: str, changes: Mapping[str, Any], *, expected_version: int) -> Document:
        """Set top-level ``changes`` if the stored ``version`` equals ``expected_version``; bumps ``version``.

        Returns the new document. Raises ``VersionConflict`` when the version differs, ``NotFound`` when absent,
        ``DuplicateKey`` when a unique index would break. ``_id`` and ``version`` cannot be changed.
        """
        ...

    def delete(self, document_id: str, *, expected_version: int | None = None) -> bool:
        """Remove the document; with ``expected_version``, only if it still has it (``VersionConflict`` otherwise)."""
        ...

    def delete_where(self, where: Mapping[str, Scalar]) -> int:
        """Remove every document matching ``where``; returns how many (retention purges, erasure)."""
        ...


class DocumentStore(Protocol):
    round_trips: RoundTrips

    def collection(self, spec: CollectionSpec) -> Collection:
        """The collection for ``spec``, creating it and its indexes on first use (idempotent, cached)."""
        ...

    def ping(self) -> None:
        """Raise ``StoreUnavailable`` unless the backend answers."""
        ...

    def close(self) -> None: ...


def find_all(
    collection: Collection, where: Mapping[str, Scalar], *, order_by: str = "_id", page_size: int = 500
) -> Iterator[Document]:
    """Every document matching ``where``, one keyset page (``page_size``) per round trip, in ``order_by`` order."""
    cursor = None
    while True:
        page = collection.find_page(where, order_by=order_by, limit=page_size, cursor=cursor)
        yield from page.items
        if page.next_cursor is None:
            return
        cursor = page.next_cursor
