"""Validation and cursors shared by both document-store adapters.

What makes operator injection impossible and keeps the backends in step: both adapters refuse the same inputs and read
each other's cursors. Standard library only.
"""

from __future__ import annotations

import base64
import binascii
import functools
import json
import re
from collections.abc import Mapping
from typing import Any

from chalicelib.adapters.store.port import CollectionSpec, Document, Index, InvalidCursor, Range, Scalar

MAX_PAGE_SIZE = 1000
MAX_CURSOR_LENGTH = 4096
# MongoDB keeps a BSON-date mirror of ``expires_field`` here; reserved in both adapters so documents stay portable.
EXPIRES_MIRROR = "_expires_at"

_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
_COLLECTION_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]{0,62}\Z")


@functools.lru_cache(maxsize=256)
def indexed_fields(spec: CollectionSpec) -> frozenset[str]:
    return spec.indexed_fields()


def check_spec(spec: CollectionSpec) -> None:
    """Collection and field names become SQL identifiers and JSON paths: only plain names, dotted for nesting."""
    if not _COLLECTION_NAME.match(spec.name) or spec.name.lower().startswith(("sqlite_", "system")):
        raise ValueError(f"invalid collection name {spec.name!r}")
    for index in spec.indexes:
        if not index.fields:
            raise ValueError(f"index without fields in {spec.name}")
        for path in index.fields:
            check_field_path(path)
    if spec.expires_field is not None:
        check_field_path(spec.expires_field)
        if spec.expires_field == "_id":
            raise ValueError("expires_field cannot be _id")


def check_field_path(path: str) -> None:
    if path == "_id":
        return
    if not all(_NAME.match(part) for part in path.split(".")) or path.split(".")[0] == EXPIRES_MIRROR:
        raise ValueError(f"invalid field path {path!r}")


def resolve(document: Mapping[str, Any], path: str) -> tuple[bool, Any]:
    """(present, value) at a dotted path. A list on the way is refused: MongoDB would index it as multikey."""
    if "." not in path and type(document) is dict:  # the common case, without the ABC checks below
        return (True, document[path]) if path in document else (False, None)
    node: Any = document
    for part in path.split("."):
        if isinstance(node, list):
            raise ValueError(f"indexed field {path!r} must not go through a list")
        if not isinstance(node, Mapping) or part not in node:
            return False, None
        node = node[part]
    return True, node


def is_scalar(value: object) -> bool:
    """A ``where``/bound value: str, int, bool or None (exact types; no dicts, lists, floats or subclasses)."""
    return value is None or type(value) in (str, int, bool)


def _check_indexed_values(spec: CollectionSpec, document: Mapping[str, Any], paths: frozenset[str]) -> None:
    for path in paths:
        if path == "_id":
            continue
        present, value = resolve(document, path)
        if not present:
            continue
        if isinstance(value, (dict, list)):
            raise ValueError(f"indexed field {path!r} must hold a scalar, not {type(value).__name__}")
        if path == spec.expires_field and value is not None and type(value) is not int:
            raise ValueError(f"{path!r} (expires_field) must be epoch seconds as int")


def to_json(document: Mapping[str, Any]) -> str:
    try:
        return json.dumps(document, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"document is not JSON-compatible: {exc}") from exc


def prepare_insert(spec: CollectionSpec, document: Mapping[str, Any]) -> Document:
    """The document to store: validated, copied, with ``version`` = 1."""
    if not isinstance(document, Mapping):
        raise ValueError("a document must be a mapping")
    document_id = document.get("_id")
    if type(document_id) is not str or not document_id:
        raise ValueError("a document needs a non-empty string _id")
    if EXPIRES_MIRROR in document:
        raise ValueError(f"{EXPIRES_MIRROR} is reserved")
    prepared: Document = {**document, "version": 1}
    _check_indexed_values(spec, prepared, indexed_fields(spec))
    return prepared


def check_changes(spec: CollectionSpec, changes: Mapping[str, Any]) -> None:
    """Top-level plain field names only; never ``_id``/``version``; indexed values stay scalar."""
    for key in changes:
        if not isinstance(key, str) or not _NAME.match(key):
            raise ValueError(f"invalid field name in changes: {key!r}")
        if key in ("_id", "version", EXPIRES_MIRROR):
            raise ValueError(f"{key} cannot be changed")
    touched = frozenset(p for p in indexed_fields(spec) if p.split(".")[0] in changes)
    _check_indexed_values(spec, changes, touched)
    to_json(changes)


def check_where(spec: CollectionSpec, where: Mapping[str, Scalar]) -> list[tuple[str, Scalar]]:
    """Equality conditions on declared indexed fields with scalar values; anything else is a programming error."""
    allowed = indexed_fields(spec)
    conditions: list[tuple[str, Scalar]] = []
    for field_name, value in where.items():
        if field_name not in allowed:
            raise ValueError(f"{field_name!r} is not a declared indexed field of {spec.name}")
        if not is_scalar(value):
            raise ValueError(f"where value for {field_name!r} must be str, int, bool or None")
        if field_name == "_id" and type(value) is not str:
            raise ValueError("_id values are strings")
        conditions.append((field_name, value))
    return conditions


def check_page(spec: CollectionSpec, order_by: str, bounds: Range | None, limit: int) -> None:
    if order_by not in indexed_fields(spec):
        raise ValueError(f"order_by {order_by!r} is not a declared indexed field of {spec.name}")
    if type(limit) is not int or not 1 <= limit <= MAX_PAGE_SIZE:
        raise ValueError(f"limit must be an int from 1 to {MAX_PAGE_SIZE}")
    if bounds is not None:
        for value in (bounds.low, bounds.high):
            if not is_scalar(value):
                raise ValueError("range bounds must be str, int, bool or None")
            if order_by == "_id" and value is not None and type(value) is not str:
                raise ValueError("_id bounds are strings")


def encode_cursor(order_by: str, descending: bool, value: Any, last_id: str) -> str:
    raw = json.dumps({"o": order_by, "d": descending, "v": value, "i": last_id}, separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(cursor: str, order_by: str, descending: bool) -> tuple[Any, str]:
    """(last value of ``order_by``, last ``_id``); ``InvalidCursor`` for anything that is not one of our cursors."""
    if not isinstance(cursor, str) or not cursor or len(cursor) > MAX_CURSOR_LENGTH:
        raise InvalidCursor
    try:
        raw = base64.b64decode(cursor + "=" * (-len(cursor) % 4), altchars=b"-_", validate=True)
        data = json.loads(raw.decode())
    except (binascii.Error, ValueError, UnicodeDecodeError):
        raise InvalidCursor from None
    if not isinstance(data, dict) or set(data) != {"o", "d", "v", "i"}:
        raise InvalidCursor
    value, last_id = data["v"], data["i"]
    if data["o"] != order_by or data["d"] is not descending:
        raise InvalidCursor  # a cursor of another ordering
    if type(last_id) is not str or not (value is None or type(value) in (str, int, float, bool)):
        raise InvalidCursor
    return value, last_id


def next_cursor(items: list[Document], order_by: str, descending: bool, has_more: bool) -> str | None:
    if not has_more or not items:
        return None
    last = items[-1]
    value = None if order_by == "_id" else resolve(last, order_by)[1]
    return encode_cursor(order_by, descending, value, last["_id"])


def unique_paths(spec: CollectionSpec) -> frozenset[str]:
    return frozenset(f for index in spec.indexes if index.unique for f in index.fields if f != "_id")


def all_indexes(spec: CollectionSpec) -> tuple[Index, ...]:
    """Declared indexes plus one on ``expires_field`` (purges, retention queries) unless an index starts with it."""
    indexes = spec.indexes
    if spec.expires_field and not any(index.fields[0] == spec.expires_field for index in indexes):
        indexes = (*indexes, Index((spec.expires_field,)))
    return indexes
