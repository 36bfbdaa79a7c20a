"""Review of flagged readings: the admins' queue across meters, accept/reject decisions (idempotent, audited), and a
rejected reading kept in the history but left out of validation and consumption."""

from __future__ import annotations

from datetime import UTC, datetime
from fractions import Fraction

import pytest

from chalicelib.services import consumption
from chalicelib.services.audit import AUDIT_LOG
from tests.integration.conftest import Api
from tests.integration.reading_helpers import Metered, flagged_reading, metered_cast, submit


@pytest.fixture
def metered(api: Api) -> Metered:
    return metered_cast(api)


def queue_url(metered: Metered) -> str:
    return f"/groups/{metered.cast.group_id}/readings/review"


def review_url(metered: Metered, role: str, reading_id: str) -> str:
    return f"{metered.readings(role)}/{reading_id}/review"


def review_entries(api: Api, metered: Metered) -> list[str]:
    log = api.container.store.collection(AUDIT_LOG)
    entries = log.find_page({"chain": f"group:{metered.cast.group_id}"}, order_by="seq", limit=500).items
    return [e["action"] for e in entries if e["action"].startswith("reading.review")]


def test_queue_lists_pending_readings_across_meters_in_cursor_pages(api: Api, metered: Metered) -> None:
    first = flagged_reading(api, metered, "member")
    second = flagged_reading(api, metered, "admin")
    seen, url = [], queue_url(metered) + "?limit=1"
    page = api.get(url, token=metered.cast.token("admin"))
    while True:
        assert page.status == 200, page.json
        seen.extend(item["id"] for item in page.json["items"])
        if not page.json["next_cursor"]:
            break
        page = api.get(f"{url}&cursor={page.json['next_cursor']}", token=metered.cast.token("admin"))
    assert sorted(seen) == sorted([first["id"], second["id"]])
    assert api.get(queue_url(metered) + "?cursor=not-a-cursor", token=metered.cast.token("owner")).status == 400


@pytest.mark.parametrize(("role", "status"), [("owner", 200), ("admin", 200), ("member", 403), ("viewer", 403),
                                              ("outsider", 404)])
def test_only_admins_and_owners_see_the_queue(api: Api, metered: Metered, role: str, status: int) -> None:
    assert api.get(queue_url(metered), token=metered.cast.token(role)).status == status


@pytest.mark.parametrize(("role", "status"), [("member", 403), ("viewer", 403), ("outsider", 404)])
def test_only_admins_and_owners_decide(api: Api, metered: Metered, role: str, status: int) -> None:
    spike = flagged_reading(api, metered, "member")
    refused = api.post(review_url(metered, "member", spike["id"]), {"decision": "reject"},
                       token=metered.cast.token(role))
    assert refused.status == status
    assert review_entries(api, metered) == []


def test_rejecting_twice_is_one_decision_audited_once(api: Api, metered: Metered) -> None:
    spike = flagged_reading(api, metered, "member")
    url = review_url(metered, "member", spike["id"])
    first = api.post(url, {"decision": "reject", "note": "photo shows 41"}, token=metered.cast.token("admin"))
    assert first.status == 200, first.json
    assert first.json["review_status"] == "rejected" and first.json["review"]["note"] == "photo shows 41"
    again = api.post(url, {"decision": "reject", "note": "photo shows 41"}, token=metered.cast.token("owner"))
    assert again.status == 200 and again.json["version"] == first.json["version"]
    assert again.json["review"]["by"] == metered.cast.people["admin"].user_id
    assert review_entries(api, metered) == ["reading.review.reject"]
    assert api.get(queue_url(metered), token=metered.cast.token("admin")).json["items"] == []
    history = api.get(metered.readings("member"), token=metered.cast.token("member")).json["items"]
    assert history[0]["id"] == spike["id"] and history[0]["value"] == "140"  # kept


def test_a_decision_can_be_revised_and_each_change_is_audited(api: Api, metered: Metered) -> None:
    spike = flagged_reading(api, metered, "member")
    url = review_url(metered, "member", spike["id"])
    assert api.post(url, {"decision": "accept"}, token=metered.cast.token("admin")).json["review_status"] == "accepted"
    assert api.post(url, {"decision": "reject"}, token=metered.cast.token("admin")).json["review_status"] == "rejected"
    assert review_entries(api, metered) == ["reading.review.accept", "reading.review.reject"]


def test_unflagged_readings_and_readings_of_other_meters_are_not_reviewed(api: Api, metered: Metered) -> None:
    plain = submit(api, metered, "member", "5", "2025-02-01T10:00:00Z").json
    refused = api.post(review_url(metered, "member", plain["id"]), {"decision": "accept"},
                       token=metered.cast.token("admin"))
    assert refused.status == 409 and refused.json["type"].endswith("/reading-not-under-review")
    elsewhere = api.post(review_url(metered, "admin", plain["id"]), {"decision": "accept"},
                         token=metered.cast.token("admin"))
    assert elsewhere.status == 404
    bad = api.post(review_url(metered, "member", plain["id"]), {"decision": "maybe"},
                   token=metered.cast.token("admin"))
    assert bad.status == 400


def test_a_rejected_reading_counts_neither_for_consumption_nor_for_validation(api: Api, metered: Metered) -> None:
    spike = flagged_reading(api, metered, "member")
    meter_id = metered.meters["member"]

    def used(end: datetime) -> tuple[Fraction, bool]:
        usage = consumption.period_usage(api.container, group_id=metered.cast.group_id,
                                         start=datetime(2025, 2, 1, 10, tzinfo=UTC), end=end)
        [meter] = [m for m in usage.meters if m.meter_id == meter_id]
        return meter.quantity, meter.periods[0].is_estimated

    assert used(datetime(2025, 2, 5, 10, tzinfo=UTC)) == (Fraction(130), False)
    # while the jump counts, a plausible next reading goes backwards
    assert submit(api, metered, "member", "60", "2025-02-06T10:00:00Z").status == 400
    decided = api.post(review_url(metered, "member", spike["id"]), {"decision": "reject"},
                       token=metered.cast.token("owner"))
    assert decided.status == 200
    assert submit(api, metered, "member", "60", "2025-02-06T10:00:00Z").status == 201
    # Feb 5 is now interpolated between 40 (Feb 4) and 60 (Feb 6): 50 - 10
    assert used(datetime(2025, 2, 5, 10, tzinfo=UTC)) == (Fraction(40), False)
    assert used(datetime(2025, 2, 6, 10, tzinfo=UTC)) == (Fraction(50), False)


def test_an_accepted_reading_keeps_counting(api: Api, metered: Metered) -> None:
    spike = flagged_reading(api, metered, "member")
    assert api.post(review_url(metered, "member", spike["id"]), {"decision": "accept"},
                    token=metered.cast.token("admin")).status == 200
    assert submit(api, metered, "member", "60", "2025-02-06T10:00:00Z").status == 400
    assert submit(api, metered, "member", "150", "2025-02-06T10:00:00Z").status == 201
