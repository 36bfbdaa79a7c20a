"""The document-store port's contract: every test runs against every backend (see conftest.py)."""

from __future__ import annotations

import base64
import json
import multiprocessing
import threading
import time
from pathlib import Path
from typing import Any

import mongomock
import pytest

from chalicelib.adapters.store.mongo import MongoStore
from chalicelib.adapters.store.port import (
    Collection,
    CollectionSpec,
    DocumentStore,
    DuplicateKey,
    Index,
    InvalidCursor,
    Range,
    StoreUnavailable,
)
from chalicelib.adapters.store.sqlite import SqliteStore
from chalicelib.domain.errors import NotFound, ValidationFailed, VersionConflict


def make_spec(name: str) -> CollectionSpec:
    return CollectionSpec(
        name=name,
        indexes=(
            Index(("email",), unique=True),
            Index(("group_id", "number"), unique=True),
            Index(("group_id", "created_at")),
            Index(("flag",)),
            Index(("rank",)),
            Index(("owner.id",)),
        ),
        expires_field="expires_at",
    )


@pytest.fixture
def coll(store: DocumentStore, unique_name: str) -> Collection:
    return store.collection(make_spec(unique_name))


def skip_on_mongomock(backend: str, reason: str) -> None:
    """mongomock is a contract-test backend only; where it cannot behave like MongoDB, say so and skip."""
    if backend == "mongomock":
        pytest.skip(f"mongomock: {reason}")


def ids(documents: list[dict[str, Any]]) -> list[str]:
    return [d["_id"] for d in documents]


def read_all(coll: Collection, limit: int, **options: Any) -> list[dict[str, Any]]:
    """Every page of a query, following cursors; fails on a repeated document."""
    seen: list[dict[str, Any]] = []
    cursor = None
    for _ in range(1000):
        page = coll.find_page({}, limit=limit, cursor=cursor, **options)
        seen.extend(page.items)
        cursor = page.next_cursor
        if cursor is None:
            break
    assert len(ids(seen)) == len(set(ids(seen))), "a document was returned twice"
    return seen


# -- insert / get ------------------------------------------------------------------------------------------------------


def test_insert_returns_document_with_version_one(coll: Collection) -> None:
    stored = coll.insert({"_id": "u1", "email": "a@example.com", "profile": {"name": "Ann", "tags": ["x"]}})
    assert stored["version"] == 1
    assert coll.get("u1") == {
        "_id": "u1",
        "email": "a@example.com",
        "profile": {"name": "Ann", "tags": ["x"]},
        "version": 1,
    }


def test_get_missing_returns_none(coll: Collection) -> None:
    assert coll.get("nobody") is None


def test_insert_without_string_id_is_refused(coll: Collection) -> None:
    for document in ({"email": "a@example.com"}, {"_id": 5}, {"_id": ""}):
        with pytest.raises(ValueError):
            coll.insert(document)


def test_insert_with_container_in_indexed_field_is_refused(coll: Collection) -> None:
    with pytest.raises(ValueError):
        coll.insert({"_id": "u1", "email": ["a@example.com"]})
    with pytest.raises(ValueError):
        coll.insert({"_id": "u2", "owner": {"id": {"$gt": ""}}})
    assert coll.count({}) == 0


def test_insert_duplicate_id_raises_duplicate_key(coll: Collection) -> None:
    coll.insert({"_id": "u1"})
    with pytest.raises(DuplicateKey) as caught:
        coll.insert({"_id": "u1", "email": "other@example.com"})
    assert caught.value.index_name == "_id"


def test_unique_index_violation_names_the_index(coll: Collection) -> None:
    coll.insert({"_id": "u1", "email": "a@example.com"})
    with pytest.raises(DuplicateKey) as caught:
        coll.insert({"_id": "u2", "email": "a@example.com"})
    assert caught.value.index_name == "u_email"
    assert coll.get("u2") is None


def test_compound_unique_index_checks_the_combination(coll: Collection) -> None:
    coll.insert({"_id": "m1", "group_id": "g1", "number": 1})
    coll.insert({"_id": "m2", "group_id": "g2", "number": 1})
    coll.insert({"_id": "m3", "group_id": "g1", "number": 2})
    with pytest.raises(DuplicateKey) as caught:
        coll.insert({"_id": "m4", "group_id": "g1", "number": 1})
    assert caught.value.index_name == "u_group_id__number"


def test_unique_index_ignores_documents_missing_a_field(coll: Collection) -> None:
    coll.insert({"_id": "a"})
    coll.insert({"_id": "b"})
    coll.insert({"_id": "c", "group_id": "g1"})
    coll.insert({"_id": "d", "group_id": "g1"})
    coll.insert({"_id": "e", "number": 1})
    coll.insert({"_id": "f", "number": 1})
    assert coll.count({}) == 6


def test_unique_index_checks_explicit_null(coll: Collection) -> None:
    coll.insert({"_id": "a", "email": None})
    with pytest.raises(DuplicateKey):
        coll.insert({"_id": "b", "email": None})


def test_unique_values_compare_by_type(backend: str, coll: Collection) -> None:
    skip_on_mongomock(backend, "compares with Python ==, so 1 == True")
    coll.insert({"_id": "a", "email": "1"})
    coll.insert({"_id": "b", "email": 1})
    coll.insert({"_id": "c", "email": True})
    with pytest.raises(DuplicateKey):
        coll.insert({"_id": "d", "email": True})


def test_insert_many_stores_all(coll: Collection) -> None:
    assert coll.insert_many([{"_id": f"d{i}", "number": i} for i in range(10)]) == 10
    assert coll.insert_many([]) == 0
    assert coll.count({}) == 10
    assert coll.get("d3") == {"_id": "d3", "number": 3, "version": 1}


def test_insert_many_is_all_or_nothing(coll: Collection) -> None:
    coll.insert({"_id": "b", "email": "b@example.com"})
    with pytest.raises(DuplicateKey):
        coll.insert_many([{"_id": "x"}, {"_id": "y"}, {"_id": "b"}, {"_id": "z"}])
    with pytest.raises(DuplicateKey):
        coll.insert_many([{"_id": "p", "email": "p@example.com"}, {"_id": "q", "email": "b@example.com"}])
    with pytest.raises(DuplicateKey):
        coll.insert_many([{"_id": "r"}, {"_id": "s"}, {"_id": "r"}])
    assert ids(read_all(coll, limit=10)) == ["b"]
    assert coll.get("b") == {"_id": "b", "email": "b@example.com", "version": 1}


# -- reads -------------------------------------------------------------------------------------------------------------


def test_get_many_keeps_requested_order_and_skips_missing(coll: Collection) -> None:
    coll.insert_many([{"_id": f"d{i}"} for i in range(5)])
    found = coll.get_many(["d3", "nope", "d0", "d4", "d3"])
    assert ids(found) == ["d3", "d0", "d4"]
    assert coll.get_many([]) == []


def test_find_one_returns_lowest_id_match(coll: Collection) -> None:
    coll.insert_many([{"_id": i, "group_id": "g1", "number": n} for n, i in enumerate(["c", "a", "b"])])
    found = coll.find_one({"group_id": "g1"})
    assert found is not None and found["_id"] == "a"
    assert coll.find_one({"group_id": "g2"}) is None
    assert coll.find_one({"group_id": "g1", "number": 2}) == {"_id": "b", "group_id": "g1", "number": 2, "version": 1}


def test_find_by_nested_field(coll: Collection) -> None:
    coll.insert_many([{"_id": "a", "owner": {"id": "u1"}}, {"_id": "b", "owner": {"id": "u2"}}, {"_id": "c"}])
    assert ids(coll.find_page({"owner.id": "u2"}).items) == ["b"]


def test_equality_distinguishes_bool_int_and_string(backend: str, coll: Collection) -> None:
    skip_on_mongomock(backend, "compares with Python ==, so 1 == True")
    coll.insert_many(
        [
            {"_id": "t", "flag": True},
            {"_id": "one", "flag": 1},
            {"_id": "s", "flag": "1"},
            {"_id": "f", "flag": False},
            {"_id": "zero", "flag": 0},
        ]
    )
    assert ids(coll.find_page({"flag": True}).items) == ["t"]
    assert ids(coll.find_page({"flag": 1}).items) == ["one"]
    assert ids(coll.find_page({"flag": "1"}).items) == ["s"]
    assert ids(coll.find_page({"flag": False}).items) == ["f"]
    assert ids(coll.find_page({"flag": 0}).items) == ["zero"]


def test_none_matches_null_and_missing(coll: Collection) -> None:
    coll.insert_many([{"_id": "n", "flag": None}, {"_id": "m"}, {"_id": "v", "flag": "x"}])
    assert ids(coll.find_page({"flag": None}).items) == ["m", "n"]
    assert coll.count({"flag": None}) == 2


def _seed_created(coll: Collection) -> list[dict[str, Any]]:
    documents = [
        {"_id": f"m{i:02d}", "group_id": "g1", "created_at": f"2026-01-0{i % 4 + 1}T00:00:00Z"} for i in range(13)
    ]
    documents.append({"_id": "other", "group_id": "g2", "created_at": "2026-01-01T00:00:00Z"})
    coll.insert_many(documents)
    return documents[:13]


def test_find_page_orders_ascending_with_ties_broken_by_id(coll: Collection) -> None:
    documents = _seed_created(coll)
    expected = ids(sorted(documents, key=lambda d: (d["created_at"], d["_id"])))
    seen, cursor, pages = [], None, 0
    while True:
        page = coll.find_page({"group_id": "g1"}, order_by="created_at", limit=4, cursor=cursor)
        pages += 1
        assert len(page.items) <= 4
        seen.extend(ids(page.items))
        cursor = page.next_cursor
        if cursor is None:
            break
    assert seen == expected
    assert pages == 4


def test_find_page_orders_descending_with_ties_broken_by_id(coll: Collection) -> None:
    documents = _seed_created(coll)
    expected = ids(sorted(documents, key=lambda d: (d["created_at"], d["_id"]), reverse=True))
    seen, cursor = [], None
    while True:
        page = coll.find_page({"group_id": "g1"}, order_by="created_at", descending=True, limit=5, cursor=cursor)
        seen.extend(ids(page.items))
        cursor = page.next_cursor
        if cursor is None:
            break
    assert seen == expected


def test_find_page_by_id_descending(coll: Collection) -> None:
    coll.insert_many([{"_id": f"d{i}"} for i in range(7)])
    assert ids(read_all(coll, limit=3, descending=True)) == [f"d{i}" for i in range(6, -1, -1)]


def test_last_full_page_has_no_cursor(coll: Collection) -> None:
    coll.insert_many([{"_id": f"d{i}"} for i in range(4)])
    page = coll.find_page({}, limit=4)
    assert len(page.items) == 4 and page.next_cursor is None
    first = coll.find_page({}, limit=2)
    second = coll.find_page({}, limit=2, cursor=first.next_cursor)
    assert ids(second.items) == ["d2", "d3"] and second.next_cursor is None


def test_find_page_range_is_low_inclusive_high_exclusive(coll: Collection) -> None:
    _seed_created(coll)
    page = coll.find_page(
        {"group_id": "g1"},
        order_by="created_at",
        bounds=Range(low="2026-01-02T00:00:00Z", high="2026-01-04T00:00:00Z"),
        limit=100,
    )
    assert {d["created_at"] for d in page.items} == {"2026-01-02T00:00:00Z", "2026-01-03T00:00:00Z"}
    assert len(page.items) == 6
    only_low = coll.find_page({"group_id": "g1"}, order_by="created_at", bounds=Range(low="2026-01-04"), limit=100)
    assert {d["created_at"] for d in only_low.items} == {"2026-01-04T00:00:00Z"}


def test_range_stays_within_the_bound_type(coll: Collection) -> None:
    coll.insert_many([{"_id": "i5", "rank": 5}, {"_id": "i9", "rank": 9}, {"_id": "s", "rank": "a"}, {"_id": "n"}])
    assert ids(coll.find_page({}, order_by="rank", bounds=Range(low=6), limit=10).items) == ["i9"]
    assert ids(coll.find_page({}, order_by="rank", bounds=Range(high="b"), limit=10).items) == ["s"]


def test_ordering_across_types_matches_mongodb(coll: Collection) -> None:
    documents = [
        {"_id": "a", "rank": "b"},
        {"_id": "b", "rank": True},
        {"_id": "c", "rank": 3},
        {"_id": "d"},
        {"_id": "e", "rank": None},
        {"_id": "f", "rank": 1.5},
        {"_id": "g", "rank": False},
        {"_id": "h", "rank": "a"},
        {"_id": "i", "rank": 3},
    ]
    coll.insert_many(documents)
    expected = ["d", "e", "f", "c", "i", "h", "a", "g", "b"]  # null/missing, numbers, strings, booleans
    for limit in (1, 2, 4, 100):
        assert ids(read_all(coll, limit=limit, order_by="rank")) == expected
        assert ids(read_all(coll, limit=limit, order_by="rank", descending=True)) == expected[::-1]


def test_pagination_is_stable_under_concurrent_inserts(coll: Collection) -> None:
    coll.insert_many([{"_id": f"d{i:02d}", "rank": i * 10} for i in range(10)])
    first = coll.find_page({}, order_by="rank", limit=4)
    assert ids(first.items) == ["d00", "d01", "d02", "d03"]
    # Between pages: new documents land before the cursor, exactly on it, and after it.
    coll.insert_many([{"_id": "a-early", "rank": 5}, {"_id": "e-tie", "rank": 30}, {"_id": "z-late", "rank": 35}])
    coll.delete("d05")
    seen = ids(first.items)
    cursor = first.next_cursor
    while cursor is not None:
        page = coll.find_page({}, order_by="rank", limit=4, cursor=cursor)
        seen.extend(ids(page.items))
        cursor = page.next_cursor
    assert len(seen) == len(set(seen))
    assert {f"d{i:02d}" for i in range(10)} - {"d05"} <= set(seen)
    assert "a-early" not in seen  # it sorts before the cursor
    assert "e-tie" in seen and "z-late" in seen


def test_tampered_cursor_is_refused_as_an_invalid_cursor_field(coll: Collection) -> None:
    coll.insert_many([{"_id": f"d{i}", "rank": i} for i in range(5)])
    cursor = coll.find_page({}, order_by="rank", limit=2).next_cursor
    assert cursor is not None
    forged = base64.urlsafe_b64encode(json.dumps({"o": "rank", "d": False, "v": {"$gt": 1}, "i": "d1"}).encode())
    bad = [
        "not a cursor!",
        cursor[:-3],
        cursor + "!!",
        base64.urlsafe_b64encode(b"[1, 2]").decode(),
        forged.decode(),
        "",
    ]
    for value in bad:
        with pytest.raises(InvalidCursor):
            coll.find_page({}, order_by="rank", limit=2, cursor=value)
    with pytest.raises(InvalidCursor):  # a cursor from another ordering
        coll.find_page({}, order_by="rank", descending=True, limit=2, cursor=cursor)
    with pytest.raises(InvalidCursor):
        coll.find_page({}, order_by="_id", limit=2, cursor=cursor)
    with pytest.raises(InvalidCursor) as raised:
        coll.find_page({}, order_by="rank", limit=2, cursor="not a cursor!")
    assert isinstance(raised.value, ValidationFailed) and raised.value.field == "cursor"


def test_limit_must_be_within_bounds(coll: Collection) -> None:
    for limit in (0, -1, 1001):
        with pytest.raises(ValueError):
            coll.find_page({}, limit=limit)
    assert coll.find_page({}, limit=1000).items == []
    assert coll.find_page({}, limit=1).items == []


def test_count(coll: Collection) -> None:
    coll.insert_many([{"_id": f"d{i}", "group_id": "g1" if i % 3 else "g2"} for i in range(9)])
    assert coll.count({}) == 9
    assert coll.count({"group_id": "g1"}) == 6
    assert coll.count({"group_id": "g3"}) == 0


# -- where validation: operator injection has nowhere to go ----------------------------------------------------------


def test_where_on_undeclared_field_is_refused(coll: Collection) -> None:
    coll.insert({"_id": "a", "name": "x"})
    with pytest.raises(ValueError):
        coll.find_one({"name": "x"})
    with pytest.raises(ValueError):
        coll.find_page({"name": "x"})
    with pytest.raises(ValueError):
        coll.count({"name": "x"})
    with pytest.raises(ValueError):
        coll.delete_where({"name": "x"})
    with pytest.raises(ValueError):
        coll.find_page({}, order_by="name")


@pytest.mark.parametrize(
    "value",
    [{"$ne": None}, {"$gt": ""}, ["a@example.com"], 1.5, b"x", ("a",)],
    ids=["ne", "gt", "list", "float", "bytes", "tuple"],
)
def test_operator_injection_is_refused(coll: Collection, value: Any) -> None:
    coll.insert({"_id": "a", "email": "a@example.com"})
    with pytest.raises(ValueError):
        coll.find_one({"email": value})
    with pytest.raises(ValueError):
        coll.count({"email": value})
    with pytest.raises(ValueError):
        coll.delete_where({"email": value})
    with pytest.raises(ValueError):
        coll.find_page({}, order_by="email", bounds=Range(low=value))
    with pytest.raises(ValueError):
        coll.find_one({"_id": value})
    assert coll.count({}) == 1


# -- update ------------------------------------------------------------------------------------------------------------


def test_update_sets_fields_and_bumps_version(coll: Collection) -> None:
    coll.insert({"_id": "a", "email": "a@example.com", "profile": {"name": "Ann"}, "n": 1})
    updated = coll.update("a", {"profile": {"name": "Bea"}, "n": None, "new": [1, 2]}, expected_version=1)
    expected = {
        "_id": "a",
        "email": "a@example.com",
        "profile": {"name": "Bea"},
        "n": None,
        "new": [1, 2],
        "version": 2,
    }
    assert updated == expected
    assert coll.get("a") == expected
    assert coll.update("a", {}, expected_version=2)["version"] == 3


def test_update_with_stale_version_raises_version_conflict(coll: Collection) -> None:
    coll.insert({"_id": "a", "n": 1})
    coll.update("a", {"n": 2}, expected_version=1)
    with pytest.raises(VersionConflict):
        coll.update("a", {"n": 3}, expected_version=1)
    assert coll.get("a") == {"_id": "a", "n": 2, "version": 2}


def test_update_of_missing_document_raises_not_found(coll: Collection) -> None:
    with pytest.raises(NotFound):
        coll.update("ghost", {"n": 1}, expected_version=1)


def test_update_breaking_unique_index_raises_duplicate_key(coll: Collection) -> None:
    coll.insert({"_id": "a", "email": "a@example.com", "group_id": "g", "number": 1})
    coll.insert({"_id": "b", "email": "b@example.com", "group_id": "g", "number": 2})
    with pytest.raises(DuplicateKey) as caught:
        coll.update("b", {"email": "a@example.com"}, expected_version=1)
    assert caught.value.index_name == "u_email"
    with pytest.raises(DuplicateKey) as caught:
        coll.update("b", {"number": 1}, expected_version=1)
    assert caught.value.index_name == "u_group_id__number"
    assert coll.get("b") == {"_id": "b", "email": "b@example.com", "group_id": "g", "number": 2, "version": 1}


@pytest.mark.parametrize("changes", [{"_id": "b"}, {"version": 9}, {"a.b": 1}, {"$set": {"x": 1}}, {"email": [1]}])
def test_update_refuses_identity_version_and_odd_fields(coll: Collection, changes: dict[str, Any]) -> None:
    coll.insert({"_id": "a"})
    with pytest.raises(ValueError):
        coll.update("a", changes, expected_version=1)
    assert coll.get("a") == {"_id": "a", "version": 1}


def _increment(coll: Collection, document_id: str, times: int) -> int:
    """Read-modify-write ``times`` increments with retry on conflict; returns the number of conflicts met."""
    conflicts = 0
    for _ in range(times):
        while True:
            current = coll.get(document_id)
            assert current is not None
            try:
                coll.update(document_id, {"counter": current["counter"] + 1}, expected_version=current["version"])
                break
            except VersionConflict:
                conflicts += 1
    return conflicts


def test_interleaved_writers_never_lose_an_update(coll: Collection) -> None:
    coll.insert({"_id": "c", "counter": 0})
    first, second = coll.get("c"), coll.get("c")
    assert first is not None and second is not None
    coll.update("c", {"counter": first["counter"] + 1}, expected_version=first["version"])
    with pytest.raises(VersionConflict):
        coll.update("c", {"counter": second["counter"] + 1}, expected_version=second["version"])
    fresh = coll.get("c")
    assert fresh is not None
    coll.update("c", {"counter": fresh["counter"] + 1}, expected_version=fresh["version"])
    assert coll.get("c") == {"_id": "c", "counter": 2, "version": 3}


def test_concurrent_writers_never_lose_an_update(backend: str, coll: Collection) -> None:
    if backend == "mongomock":
        pytest.skip("mongomock is not a concurrent server; the interleaving test covers it")
    coll.insert({"_id": "c", "counter": 0})
    errors: list[BaseException] = []

    def work() -> None:
        try:
            _increment(coll, "c", 25)
        except BaseException as exc:  # surfaced below
            errors.append(exc)

    threads = [threading.Thread(target=work) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    final = coll.get("c")
    assert final is not None
    assert final["counter"] == 200
    assert final["version"] == 201


# -- delete ------------------------------------------------------------------------------------------------------------


def test_delete(coll: Collection) -> None:
    coll.insert_many([{"_id": "a"}, {"_id": "b"}])
    assert coll.delete("a") is True
    assert coll.delete("a") is False
    assert coll.get("a") is None
    with pytest.raises(VersionConflict):
        coll.delete("b", expected_version=2)
    assert coll.delete("b", expected_version=1) is True
    assert coll.delete("b", expected_version=1) is False


def test_delete_where(coll: Collection) -> None:
    coll.insert_many([{"_id": f"d{i}", "group_id": "g1" if i < 4 else "g2"} for i in range(6)])
    assert coll.delete_where({"group_id": "g1"}) == 4
    assert coll.delete_where({"group_id": "g1"}) == 0
    assert ids(read_all(coll, limit=10)) == ["d4", "d5"]
    with pytest.raises(ValueError):
        coll.delete_where({})


# -- expiry ------------------------------------------------------------------------------------------------------------


def test_expired_documents_are_invisible(coll: Collection) -> None:
    now = int(time.time())
    coll.insert_many(
        [
            {"_id": "old", "group_id": "g", "expires_at": now - 2},
            {"_id": "new", "group_id": "g", "expires_at": now + 3600},
            {"_id": "forever", "group_id": "g"},
            {"_id": "null", "group_id": "g", "expires_at": None},
        ]
    )
    assert coll.get("old") is None
    assert coll.get("new") == {"_id": "new", "group_id": "g", "expires_at": now + 3600, "version": 1}
    assert ids(coll.get_many(["old", "new"])) == ["new"]
    assert coll.find_one({"group_id": "g"}) == coll.get("forever")
    assert ids(coll.find_page({"group_id": "g"}).items) == ["forever", "new", "null"]
    assert coll.count({"group_id": "g"}) == 3
    with pytest.raises(NotFound):
        coll.update("old", {"x": 1}, expected_version=1)
    assert coll.delete("old") is False


def test_document_expiring_between_reads_disappears(coll: Collection) -> None:
    coll.insert({"_id": "soon", "expires_at": int(time.time()) + 1})
    assert coll.get("soon") is not None
    time.sleep(1.05)  # expiry has one-second resolution
    assert coll.get("soon") is None


def test_expired_document_does_not_block_its_keys(coll: Collection) -> None:
    now = int(time.time())
    coll.insert({"_id": "k", "email": "a@example.com", "expires_at": now - 1})
    coll.insert({"_id": "k", "email": "a@example.com", "expires_at": now + 60})
    assert coll.get("k") == {"_id": "k", "email": "a@example.com", "expires_at": now + 60, "version": 1}


def test_update_can_move_expiry(backend: str, coll: Collection) -> None:
    now = int(time.time())
    coll.insert({"_id": "s", "expires_at": now - 1})
    coll.insert({"_id": "t", "expires_at": now + 60})
    assert coll.update("t", {"expires_at": None}, expected_version=1)["expires_at"] is None
    assert coll.get("t") is not None
    skip_on_mongomock(backend, "runs TTL eagerly on every read, so find_one_and_update cannot return the document")
    updated = coll.update("t", {"expires_at": now - 1}, expected_version=2)
    assert updated["version"] == 3
    assert coll.get("t") is None


def test_expires_field_must_be_epoch_seconds(coll: Collection) -> None:
    with pytest.raises(ValueError):
        coll.insert({"_id": "s", "expires_at": "2026-01-01T00:00:00Z"})
    with pytest.raises(ValueError):
        coll.insert({"_id": "s", "expires_at": 1.5})


# -- round trips -------------------------------------------------------------------------------------------------------


def test_a_page_costs_constant_round_trips(
    backend: str, store: DocumentStore, coll: Collection, request: pytest.FixtureRequest
) -> None:
    commands = request.getfixturevalue("mongo_commands") if backend == "mongodb" else None

    def page_cost() -> tuple[int, int | None]:
        store.round_trips.reset()
        if commands is not None:
            commands.reset()
        page = coll.find_page({"group_id": "g"}, order_by="created_at", limit=10)
        page = coll.find_page({"group_id": "g"}, order_by="created_at", limit=10, cursor=page.next_cursor)
        assert len(page.items) == 10
        return store.round_trips.count, None if commands is None else commands.total

    documents = [{"_id": f"d{i:03d}", "group_id": "g", "created_at": f"t{i:03d}"} for i in range(25)]
    coll.insert_many(documents)
    small = page_cost()
    coll.insert_many([{"_id": f"y{i:03d}", "group_id": "g", "created_at": f"v{i:03d}"} for i in range(100)])
    large = page_cost()
    assert small == large
    assert small[0] == 2
    assert small[1] in (None, 2)
    store.round_trips.reset()
    coll.get_many([f"y{i:03d}" for i in range(100)])
    coll.count({"group_id": "g"})
    coll.insert_many([{"_id": f"z{i:03d}"} for i in range(50)])
    assert store.round_trips.count == 3
    assert store.round_trips.by_operation == {"get_many": 1, "count": 1, "insert_many": 1}


# -- store -------------------------------------------------------------------------------------------------------------


def test_ping_and_collection_is_cached(store: DocumentStore, unique_name: str) -> None:
    store.ping()
    assert store.collection(make_spec(unique_name)) is store.collection(make_spec(unique_name))


def test_invalid_collection_or_field_names_are_refused(store: DocumentStore) -> None:
    for spec in (
        CollectionSpec("bad name"),
        CollectionSpec("ok", indexes=(Index(('a"b',)),)),
        CollectionSpec("ok", indexes=(Index(("a.$where",)),)),
        CollectionSpec("ok", indexes=(Index(()),)),
    ):
        with pytest.raises(ValueError):
            store.collection(spec)


# -- backend-specific --------------------------------------------------------------------------------------------------


def test_sqlite_memory_store_is_shared_across_threads() -> None:
    store = SqliteStore(":memory:")
    coll = store.collection(make_spec("memory"))
    coll.insert({"_id": "c", "counter": 0})
    threads = [threading.Thread(target=_increment, args=(coll, "c", 10)) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert coll.get("c") == {"_id": "c", "counter": 40, "version": 41}
    store.close()
    with pytest.raises(StoreUnavailable):
        coll.get("c")


def test_sqlite_data_survives_reopening(tmp_path: Path) -> None:
    store = SqliteStore(tmp_path / "db" / "store.db")
    store.collection(make_spec("people")).insert({"_id": "a", "email": "a@example.com"})
    store.close()
    again = SqliteStore(tmp_path / "db" / "store.db")
    wider = CollectionSpec(
        "people", indexes=(*make_spec("people").indexes, Index(("city",))), expires_field="expires_at"
    )
    coll = again.collection(wider)  # a new declared index is added to the existing table
    coll.insert({"_id": "b", "email": "b@example.com", "city": "Oslo"})
    assert ids(coll.find_page({"city": "Oslo"}).items) == ["b"]
    with pytest.raises(DuplicateKey):
        coll.insert({"_id": "c", "email": "a@example.com"})
    again.close()


def _process_worker(path: str, worker: int, increments: int) -> None:
    store = SqliteStore(path)
    coll = store.collection(make_spec("shared"))
    for i in range(increments):
        coll.insert({"_id": f"w{worker}-{i}", "group_id": f"w{worker}"})
    _increment(coll, "counter", increments)
    store.close()


def test_sqlite_is_safe_for_several_processes(tmp_path: Path) -> None:
    path = str(tmp_path / "shared.db")
    store = SqliteStore(path)
    coll = store.collection(make_spec("shared"))
    coll.insert({"_id": "counter", "counter": 0})
    context = multiprocessing.get_context("spawn")
    processes = [context.Process(target=_process_worker, args=(path, worker, 40)) for worker in range(2)]
    for process in processes:
        process.start()
    for process in processes:
        process.join(timeout=60)
    assert [p.exitcode for p in processes] == [0, 0]
    assert coll.get("counter") == {"_id": "counter", "counter": 80, "version": 81}
    assert coll.count({"group_id": "w0"}) == coll.count({"group_id": "w1"}) == 40
    store.close()


def test_mongo_store_maps_an_unreachable_server_to_store_unavailable() -> None:
    from pymongo import MongoClient

    client: MongoClient[dict[str, Any]] = MongoClient(
        "mongodb://127.0.0.1:9/", serverSelectionTimeoutMS=200, connectTimeoutMS=200
    )
    store = MongoStore(client, "nowhere")
    with pytest.raises(StoreUnavailable):
        store.ping()
    with pytest.raises(StoreUnavailable):
        store.collection(make_spec("anything"))
    client.close()


def test_mongo_store_hides_its_expiry_mirror() -> None:
    client = mongomock.MongoClient()
    store = MongoStore(client, "mirror")
    coll = store.collection(make_spec("sessions"))
    expires = int(time.time()) + 60
    coll.insert({"_id": "s", "expires_at": expires})
    raw = client["mirror"]["sessions"].find_one({"_id": "s"})
    assert raw["_expires_at"].year >= 2026
    assert coll.get("s") == {"_id": "s", "expires_at": expires, "version": 1}
    assert "ttl_expires_at" in client["mirror"]["sessions"].index_information()
