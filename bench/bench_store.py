"""Document-store benchmark: ``python -m bench.bench_store`` from the repository root.

Times the SQLite document store against a baseline measured in the same run: raw ``sqlite3`` on a plain table with the
same unique index (same WAL/synchronous settings, same transaction sizes, JSON serialization included on both sides),
and prints ratios. Then MongoStore over mongomock on a small load, for contrast only: mongomock is the contract-test
backend, never a runtime one (it checks unique indexes and answers queries by scanning).
"""

from __future__ import annotations

import json
import sqlite3
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from chalicelib.adapters.store.port import CollectionSpec, Index
from chalicelib.adapters.store.sqlite import SqliteStore

DOCUMENTS = 50_000
SINGLE_INSERTS = 5_000
LOOKUPS = 10_000
PAGES = 1_000
BATCH = 1_000
MONGOMOCK_DOCUMENTS = 2_000
MONGOMOCK_LOOKUPS = 200

SPEC = CollectionSpec(
    name="members",
    indexes=(Index(("email",), unique=True), Index(("group_id", "created_at"))),
)


def make_document(i: int) -> dict[str, Any]:
    return {
        "_id": f"m{(i * 7919) % 1_000_003:07d}-{i}",  # not in insertion order, like real ids
        "email": f"user{i}@example.com",
        "group_id": f"g{i % 500:03d}",
        "created_at": f"2026-{i % 12 + 1:02d}-{i % 28 + 1:02d}T{i % 24:02d}:00:00.{i:06d}Z",
        "name": f"Member {i}",
        "profile": {"locale": "en-GB", "weights": {"area": 40 + i % 60, "people": 1 + i % 4}},
    }


def timed(action: Callable[[], Any]) -> float:
    start = time.perf_counter()
    action()
    return time.perf_counter() - start


def baseline_connection(path: Path) -> sqlite3.Connection:
    connection = sqlite3.connect(path, isolation_level=None)
    connection.execute("PRAGMA journal_mode = WAL")
    connection.execute("PRAGMA synchronous = NORMAL")
    connection.execute(
        "CREATE TABLE members (_id TEXT PRIMARY KEY, email TEXT, group_id TEXT, created_at TEXT, doc TEXT)"
    )
    connection.execute("CREATE UNIQUE INDEX members_email ON members (email)")
    connection.execute("CREATE INDEX members_group ON members (group_id, created_at)")
    return connection


def row(document: dict[str, Any]) -> tuple[Any, ...]:
    text = json.dumps({**document, "version": 1}, separators=(",", ":"), ensure_ascii=False)
    return (document["_id"], document["email"], document["group_id"], document["created_at"], text)


INSERT_SQL = "INSERT INTO members (_id, email, group_id, created_at, doc) VALUES (?, ?, ?, ?, ?)"


def bench_sqlite(workdir: Path) -> list[tuple[str, int, float, float]]:
    documents = [make_document(i) for i in range(DOCUMENTS)]
    singles = [make_document(DOCUMENTS + i) for i in range(SINGLE_INSERTS)]
    emails = [documents[(i * 7) % DOCUMENTS]["email"] for i in range(LOOKUPS)]
    document_ids = [documents[(i * 13) % DOCUMENTS]["_id"] for i in range(LOOKUPS)]
    groups = [f"g{i % 500:03d}" for i in range(PAGES)]
    results: list[tuple[str, int, float, float]] = []

    base = baseline_connection(workdir / "baseline.db")
    store = SqliteStore(workdir / "store.db")
    members = store.collection(SPEC)

    def base_bulk() -> None:
        for start in range(0, DOCUMENTS, BATCH):
            base.execute("BEGIN IMMEDIATE")
            base.executemany(INSERT_SQL, [row(d) for d in documents[start : start + BATCH]])
            base.execute("COMMIT")

    def store_bulk() -> None:
        for start in range(0, DOCUMENTS, BATCH):
            members.insert_many(documents[start : start + BATCH])

    results.append((f"insert_many x{BATCH} (unique index)", DOCUMENTS, timed(base_bulk), timed(store_bulk)))

    def base_single() -> None:
        for document in singles:
            base.execute(INSERT_SQL, row(document))

    def store_single() -> None:
        for document in singles:
            members.insert(document)

    results.append(("insert one by one (autocommit)", SINGLE_INSERTS, timed(base_single), timed(store_single)))

    def base_by_email() -> None:
        for email in emails:
            json.loads(base.execute("SELECT doc FROM members WHERE email = ?", (email,)).fetchone()[0])

    def store_by_email() -> None:
        for email in emails:
            assert members.find_one({"email": email}) is not None

    results.append(("find_one by unique email", LOOKUPS, timed(base_by_email), timed(store_by_email)))

    def base_by_id() -> None:
        for document_id in document_ids:
            json.loads(base.execute("SELECT doc FROM members WHERE _id = ?", (document_id,)).fetchone()[0])

    def store_by_id() -> None:
        for document_id in document_ids:
            assert members.get(document_id) is not None

    results.append(("get by _id", LOOKUPS, timed(base_by_id), timed(store_by_id)))

    def base_pages() -> None:
        for group in groups:
            rows = base.execute(
                "SELECT doc FROM members WHERE group_id = ? ORDER BY created_at, _id LIMIT 51", (group,)
            ).fetchall()
            [json.loads(r[0]) for r in rows[:50]]

    def store_pages() -> None:
        for group in groups:
            members.find_page({"group_id": group}, order_by="created_at", limit=50)

    results.append(("find_page 50 docs by group, created_at", PAGES, timed(base_pages), timed(store_pages)))
    base.close()
    store.close()
    return results


def bench_mongomock() -> list[tuple[str, int, float]]:
    import mongomock

    from chalicelib.adapters.store.mongo import MongoStore

    store = MongoStore(mongomock.MongoClient(), "bench")
    members = store.collection(SPEC)
    documents = [make_document(i) for i in range(MONGOMOCK_DOCUMENTS)]
    inserts = timed(lambda: [members.insert(d) for d in documents])
    lookups = timed(
        lambda: [
            members.find_one({"email": documents[i * 7 % len(documents)]["email"]}) for i in range(MONGOMOCK_LOOKUPS)
        ]
    )
    return [
        ("insert one by one (unique index)", MONGOMOCK_DOCUMENTS, inserts),
        ("find_one by unique email", MONGOMOCK_LOOKUPS, lookups),
    ]


def main() -> None:
    print(f"sqlite {sqlite3.sqlite_version}; baseline = raw sqlite3 on a plain table with the same unique index")
    with tempfile.TemporaryDirectory() as directory:
        results = bench_sqlite(Path(directory))
    header = f"{'operation':<40} {'n':>7} {'baseline s':>11} {'store s':>9} {'ratio':>6} {'store us/op':>12}"
    print(header)
    print("-" * len(header))
    for name, count, baseline, measured in results:
        print(
            f"{name:<40} {count:>7} {baseline:>11.3f} {measured:>9.3f} {measured / baseline:>6.2f} "
            f"{measured / count * 1e6:>12.1f}"
        )
    print()
    print("MongoStore over mongomock -- contract-test backend only, never used at runtime (scans, quadratic inserts):")
    for name, count, measured in bench_mongomock():
        print(f"{name:<40} {count:>7} {'':>11} {measured:>9.3f} {'':>6} {measured / count * 1e6:>12.1f}")


if __name__ == "__main__":
    main()
