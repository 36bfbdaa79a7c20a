"""When a read-decide-write keeps losing to concurrent writers, the request fails loudly (503 ``contended`` with
Retry-After) instead of giving up silently, and sending it again completes what it left: a logout ends the session, a
payment replayed with its key settles the bill, a reading replayed with its key advances the meter, a repeated group
DELETE closes the remaining memberships."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import pytest

from chalicelib.adapters.store.port import Collection, CollectionSpec, Document, DocumentStore
from chalicelib.domain.errors import VersionConflict
from chalicelib.services import groups, ledger, meter_records, reminder_schedule
from chalicelib.services.concurrency import Contended
from tests.integration.bill_helpers import cast_since, issued, pay
from tests.integration.conftest import Api, Response
from tests.integration.group_helpers import cast
from tests.integration.reading_helpers import metered_cast


class _LosingCollection:
    """A collection whose conditional updates lose every race while its name is in ``store.losing``."""

    def __init__(self, real: Collection, store: LosingStore) -> None:
        self._real = real
        self._store = store

    def update(self, document_id: str, changes: Any, *, expected_version: int) -> Document:
        if self._real.spec.name in self._store.losing:
            self._store.lost += 1
            raise VersionConflict("another writer got there first")
        return self._real.update(document_id, changes, expected_version=expected_version)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._real, name)


@dataclass
class LosingStore:
    real: DocumentStore
    losing: set[str] = field(default_factory=set)
    lost: int = 0

    def collection(self, spec: CollectionSpec) -> Any:
        return _LosingCollection(self.real.collection(spec), self)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.real, name)


@pytest.fixture
def losing(api: Api) -> LosingStore:
    store = LosingStore(api.container.store)
    api.container.store = store  # type: ignore[misc]
    return store


def _assert_contended(answer: Response) -> None:
    assert answer.status == 503, answer.json
    assert answer.json["type"].endswith("/contended") and answer.header("Retry-After") == "1"


def test_a_logout_that_keeps_losing_is_a_503_and_repeating_it_ends_the_session(api: Api, losing: LosingStore) -> None:
    api.register_verified("ann@example.org")
    pair = api.post("/auth/login", {"email": "ann@example.org", "password": "correct horse battery staple"}).json
    losing.losing.add("sessions")
    _assert_contended(api.post("/auth/logout", {}, token=pair["access_token"]))
    losing.losing.clear()
    assert api.post("/auth/logout", {}, token=pair["access_token"]).status == 204
    assert api.post("/auth/refresh", {"refresh_token": pair["refresh_token"]}).status == 401


def test_a_payment_whose_bill_keeps_changing_settles_it_when_replayed(api: Api, losing: LosingStore) -> None:
    group = cast_since(api, datetime(2027, 9, 20, 10, tzinfo=UTC), datetime(2027, 11, 2, 10, tzinfo=UTC))
    bill = issued(api, group, {"period": {"from": "2027-10-01", "to": "2027-10-31"}, "total": "90.00",
                               "method": "equal"})
    owner, admin, member = (group.people[r].user_id for r in ("owner", "admin", "member"))
    for payer in (owner, admin):
        assert pay(api, group.group_id, group.token("owner"), {"from": payer, "to": "utility", "amount": "30.00",
                                                               "bill_id": bill["id"]}).status == 201
    last = {"from": member, "to": "utility", "amount": "30.00", "bill_id": bill["id"]}
    # GIVEN the bill keeps changing while the last share is paid
    losing.losing.add("bills")
    _assert_contended(pay(api, group.group_id, group.token("owner"), last, key="last-share-0001"))
    stored = ledger.bill_collection(api.container).get(bill["id"])
    assert stored is not None and not stored["is_settled"]  # the payment is in, the settled state is not
    # WHEN the client sends the payment again with its key
    losing.losing.clear()
    again = pay(api, group.group_id, group.token("owner"), last, key="last-share-0001")
    # THEN it is the replay of the one payment, and the bill is settled and out of the group's unpaid set
    assert again.status == 200 and again.header("Idempotent-Replayed") == "true"
    assert len(api.get(f"/groups/{group.group_id}/payments", token=group.token("owner")).json["items"]) == 3
    assert (ledger.bill_collection(api.container).get(bill["id"]) or {})["is_settled"] is True
    assert groups.load(api.container, group.group_id).get("unpaid_bill_ids") == []


def test_a_reading_whose_meter_keeps_changing_advances_it_when_replayed(api: Api, losing: LosingStore) -> None:
    metered = metered_cast(api)
    url = metered.readings("owner")
    body = {"value": "12", "taken_at": "2025-02-01T10:00:00Z"}
    headers = {"Idempotency-Key": "reading-retry-01"}
    losing.losing.add("meters")
    _assert_contended(api.post(url, body, token=metered.cast.token("owner"), headers=headers))
    meter_id = metered.meters["owner"]
    stored = meter_records.meter_collection(api.container)
    assert (stored.get(meter_id) or {})["last_reading_at"] is None
    losing.losing.clear()
    again = api.post(url, body, token=metered.cast.token("owner"), headers=headers)
    assert again.status == 200 and again.header("Idempotent-Replayed") == "true"
    assert (stored.get(meter_id) or {})["last_reading_at"] == again.json["taken_at"]


def test_a_group_deletion_that_keeps_losing_is_finished_by_repeating_it(api: Api, losing: LosingStore) -> None:
    c = cast(api)
    losing.losing.add("memberships")
    _assert_contended(api.call("DELETE", f"/groups/{c.group_id}", token=c.token("owner")))
    losing.losing.clear()
    assert api.call("DELETE", f"/groups/{c.group_id}", token=c.token("owner")).status == 204
    for role in c.people:
        assert api.get(f"/groups/{c.group_id}", token=c.token(role)).status == 404


def test_a_schedule_sync_that_keeps_losing_raises_instead_of_leaving_a_stale_roster(
    api: Api, losing: LosingStore
) -> None:
    metered = metered_cast(api)
    losing.losing.add("reading_reminder_schedules")
    with pytest.raises(Contended):
        reminder_schedule.sync_group(api.container, metered.cast.group_id)
    assert losing.lost >= 10
