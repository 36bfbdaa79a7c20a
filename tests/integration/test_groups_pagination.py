"""Listing the groups of a user who is in 1,000 of them: keyset pages, a constant number of store round trips each."""

from __future__ import annotations

from bench.bench_groups import seed
from chalicelib.adapters.store.port import DocumentStore
from tests.integration.conftest import Api
from tests.integration.group_helpers import person

GROUP_COUNT = 1000
PAGE = 100


def test_listing_1000_groups_takes_two_round_trips_per_page(api: Api) -> None:
    user = person(api, "busy")
    seed(api.container, user_id=user.user_id, count=GROUP_COUNT, others=500)
    store: DocumentStore = api.container.store
    seen: list[str] = []
    trips_per_page: list[int] = []
    cursor: str | None = None
    while True:
        store.round_trips.reset()
        answer = api.get(f"/groups?limit={PAGE}" + (f"&cursor={cursor}" if cursor else ""), token=user.token)
        trips_per_page.append(store.round_trips.count)
        assert answer.status == 200
        seen.extend(g["id"] for g in answer.json["items"])
        cursor = answer.json["next_cursor"]
        if cursor is None:
            break
    assert len(seen) == len(set(seen)) == GROUP_COUNT
    assert trips_per_page == [2] * (GROUP_COUNT // PAGE)
    assert dict(store.round_trips.by_operation) == {"find_page": 1, "get_many": 1}
