"""Group-listing benchmark: ``python -m bench.bench_groups`` from the repository root.

A user is in 1,000 groups (and 20,000 other memberships of other users share the collection). Lists all of their
groups in pages through ``services.groups.list_for_user`` and prints, per page size, the store round trips per page and
the page latency against a baseline measured in the same run: one ``get`` by ``_id`` on the same store. For contrast it
also times the naive listing (a page of memberships, then one ``get`` per group), whose round trips grow with the page.
"""

from __future__ import annotations

import statistics
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from chalicelib.adapters.store.sqlite import SqliteStore
from chalicelib.bootstrap import bootstrap
from chalicelib.domain.timestamps import utc_iso
from chalicelib.services.access import ACTIVE, membership_collection, membership_id
from chalicelib.services.groups import group_collection, list_for_user
from chalicelib.settings import Settings

if TYPE_CHECKING:
    from chalicelib.bootstrap import Container

USER = "bench-user"
GROUPS = 1_000
OTHER_MEMBERSHIPS = 20_000
PAGE_SIZES = (20, 50, 100)
REPEATS = 30


def seed(container: Container, *, user_id: str, count: int, others: int = 0) -> list[str]:
    """``count`` live groups with ``user_id`` as owner (plus ``others`` memberships of other users); the group ids."""
    now = utc_iso(container.clock())
    group_ids = [f"{user_id}-g{i:05d}" for i in range(count)]
    settings = {"utility_type": "electricity", "unit": "kWh", "currency": "EUR", "billing_cycle": "monthly",
                "billing_cycle_days": None, "default_allocation_key": "consumption", "reading_window_days": 3,
                "payment_terms_days": 14, "timezone": "Europe/Berlin"}
    group_collection(container).insert_many([
        {"_id": g, "name": f"Group {i}", **settings, "status": ACTIVE, "owner_ids": [user_id], "unpaid_bill_ids": [],
         "created_by": user_id, "created_at": now, "updated_at": now}
        for i, g in enumerate(group_ids)
    ])
    mine = [(g, user_id) for g in group_ids]
    theirs = [(group_ids[i % count], f"{user_id}-other{i}") for i in range(others)]
    membership_collection(container).insert_many([
        {"_id": membership_id(g, u), "group_id": g, "user_id": u, "role": "owner" if u == user_id else "member",
         "status": ACTIVE, "weights": {}, "joined_at": now}
        for g, u in mine + theirs
    ])
    return group_ids


def naive_page(container: Container, *, user_id: str, cursor: str | None, limit: int) -> dict[str, Any]:
    page = membership_collection(container).find_page(
        {"user_id": user_id, "status": ACTIVE}, limit=limit, cursor=cursor
    )
    items = [group_collection(container).get(m["group_id"]) for m in page.items]
    return {"items": items, "next_cursor": page.next_cursor}


def walk(container: Container, lister: Any, limit: int) -> tuple[list[float], list[int], int]:
    """(seconds per page, round trips per page, groups seen) for one full listing."""
    store = container.store
    latencies: list[float] = []
    trips: list[int] = []
    seen, cursor = 0, None
    while True:
        store.round_trips.reset()
        start = time.perf_counter()
        page = lister(container, user_id=USER, cursor=cursor, limit=limit)
        latencies.append(time.perf_counter() - start)
        trips.append(store.round_trips.count)
        seen += len(page["items"])
        cursor = page["next_cursor"]
        if cursor is None:
            return latencies, trips, seen


def main() -> None:
    with tempfile.TemporaryDirectory() as directory:
        settings = Settings.from_env({"SHAREMETER_DATA_DIR": directory})
        container = bootstrap(settings, store=SqliteStore(Path(directory) / "bench.sqlite3"))
        start = time.perf_counter()
        group_ids = seed(container, user_id=USER, count=GROUPS, others=OTHER_MEMBERSHIPS)
        print(f"seeded {GROUPS} groups and {GROUPS + OTHER_MEMBERSHIPS} memberships in "
              f"{time.perf_counter() - start:.2f} s")

        collection = group_collection(container)
        baseline_samples = []
        for i in range(REPEATS * 20):
            t0 = time.perf_counter()
            collection.get(group_ids[(i * 37) % GROUPS])
            baseline_samples.append(time.perf_counter() - t0)
        baseline = statistics.median(baseline_samples)
        print(f"baseline: one get by _id = {baseline * 1e6:.1f} us (1 round trip)")
        print(f"{'lister':<8} {'page':>5} {'pages':>6} {'trips/page':>11} {'median page':>12} {'x baseline':>11} "
              f"{'per group':>10}")
        for limit in PAGE_SIZES:
            for name, lister in (("batched", list_for_user), ("naive", naive_page)):
                samples: list[float] = []
                trips: set[int] = set()
                pages = 0
                for _ in range(REPEATS if name == "batched" else 3):
                    latencies, page_trips, seen = walk(container, lister, limit)
                    assert seen == GROUPS, seen
                    samples.extend(latencies)
                    trips.update(page_trips[:-1] or page_trips)
                    pages = len(latencies)
                median = statistics.median(samples)
                shown = "/".join(str(t) for t in sorted(trips))
                ratio = median / baseline
                print(f"{name:<8} {limit:>5} {pages:>6} {shown:>11} {median * 1e3:>9.3f} ms {ratio:>10.1f}x "
                      f"{median / limit * 1e6:>7.1f} us")
        container.store.close()


if __name__ == "__main__":
    main()
