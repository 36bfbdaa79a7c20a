"""Meters and readings through the API: rollover, replacement, idempotency, anomalies, corrections, import,
consumption with interpolation and estimates, and the reminder job (frozen clock, time zones, never twice)."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from chalicelib.jobs import reading_reminders
from chalicelib.services.audit import AUDIT_LOG
from chalicelib.services.reading_records import READINGS
from tests.integration.conftest import Api
from tests.integration.group_helpers import Person, add_member, create_group, person

INSTALLED = "2025-01-01T00:00:00Z"


@pytest.fixture
def flat(api: Api) -> dict[str, Any]:
    """A Berlin group with an owner and a member, each with a sub-meter, and a main meter."""
    owner, member = person(api, "owner"), person(api, "member")
    group_id = create_group(api, owner)
    add_member(api, group_id, owner, member, "member")
    base = f"/groups/{group_id}/meters"
    main = api.post(base, {"serial": "MAIN-1", "kind": "main", "unit": "kWh", "digits": 5, "installed_at": INSTALLED,
                           "initial_value": "1000"}, token=owner.token)
    assert main.status == 201, main.json
    mine = api.post(base, {"serial": "SUB-A", "kind": "sub", "unit": "kWh", "digits": 5, "installed_at": INSTALLED,
                           "participant_id": member.user_id, "initial_value": "0"}, token=owner.token)
    theirs = api.post(base, {"serial": "SUB-B", "kind": "sub", "unit": "kWh", "installed_at": INSTALLED,
                             "participant_id": owner.user_id, "initial_value": "0"}, token=owner.token)
    return {"group": group_id, "owner": owner, "member": member, "main": main.json["id"],
            "sub_a": mine.json["id"], "sub_b": theirs.json["id"], "base": base}


def submit(api: Api, flat: dict[str, Any], meter: str, value: str, taken_at: str, who: Person | None = None,
           key: str | None = None) -> Any:
    headers = {"Idempotency-Key": key} if key else None
    return api.post(f"{flat['base']}/{flat[meter]}/readings", {"value": value, "taken_at": taken_at},
                    token=(who or flat["owner"]).token, headers=headers)


def test_meters_are_listed_and_only_managers_create_them(api: Api, flat: dict[str, Any]) -> None:
    listed = api.get(flat["base"], token=flat["member"].token)
    assert listed.status == 200
    assert {m["serial"] for m in listed.json["items"]} == {"MAIN-1", "SUB-A", "SUB-B"}
    refused = api.post(flat["base"], {"serial": "X", "kind": "sub", "unit": "kWh", "installed_at": INSTALLED},
                       token=flat["member"].token)
    assert refused.status == 403
    duplicate = api.post(flat["base"], {"serial": "SUB-A", "kind": "sub", "unit": "kWh", "installed_at": INSTALLED},
                         token=flat["owner"].token)
    assert duplicate.status == 409


def test_rollover_is_accepted_and_a_step_back_refused(api: Api, flat: dict[str, Any]) -> None:
    assert submit(api, flat, "sub_a", "99950", "2025-02-01T10:00:00Z").status == 201
    rolled = submit(api, flat, "sub_a", "30", "2025-02-10T10:00:00+01:00")
    assert rolled.status == 201, rolled.json
    assert rolled.json["is_rollover"] and rolled.json["consumption"] == "80"
    back = submit(api, flat, "sub_b", "500", "2025-02-01T10:00:00Z")
    assert back.status == 201
    refused = submit(api, flat, "sub_b", "499", "2025-02-02T10:00:00Z")
    assert refused.status == 400
    assert refused.json["type"].endswith("/reading-goes-backwards")


def test_future_and_pre_installation_readings_refused(api: Api, flat: dict[str, Any]) -> None:
    future = (datetime.now(UTC) + timedelta(days=1)).isoformat()
    assert submit(api, flat, "sub_a", "1", future).json["type"].endswith("/reading-in-future")
    assert submit(api, flat, "sub_a", "1", "2024-12-31T00:00:00Z").json["type"].endswith("/reading-outside-service")


def test_members_submit_only_for_their_own_meter(api: Api, flat: dict[str, Any]) -> None:
    assert submit(api, flat, "sub_a", "5", "2025-02-01T10:00:00Z", who=flat["member"]).status == 201
    assert submit(api, flat, "sub_b", "5", "2025-02-01T10:00:00Z", who=flat["member"]).status == 403


def test_idempotent_submission_stores_one_reading(api: Api, flat: dict[str, Any]) -> None:
    first = submit(api, flat, "sub_a", "10", "2025-02-01T10:00:00Z", who=flat["member"], key="phone-retry-0001")
    again = submit(api, flat, "sub_a", "10", "2025-02-01T10:00:00Z", who=flat["member"], key="phone-retry-0001")
    assert (first.status, again.status) == (201, 200)
    assert again.json["id"] == first.json["id"] and again.header("Idempotent-Replayed") == "true"
    other = submit(api, flat, "sub_a", "11", "2025-02-02T10:00:00Z", who=flat["member"], key="phone-retry-0001")
    assert other.status == 409 and other.json["type"].endswith("/idempotency-key-reused")
    assert api.container.store.collection(READINGS).count({"meter_id": flat["sub_a"]}) == 1


def test_implausible_jump_is_accepted_but_flagged(api: Api, flat: dict[str, Any]) -> None:
    for day, value in ((1, "10"), (2, "20"), (3, "30"), (4, "40")):
        assert submit(api, flat, "sub_b", value, f"2025-02-0{day}T10:00:00Z").status == 201
    spike = submit(api, flat, "sub_b", "140", "2025-02-05T10:00:00Z")
    assert spike.status == 201
    assert spike.json["is_flagged"] and "median" in spike.json["flag_reason"]


def test_history_pages_with_cursor_and_date_filters(api: Api, flat: dict[str, Any]) -> None:
    for day in range(1, 8):
        assert submit(api, flat, "sub_b", str(day * 10), f"2025-03-0{day}T10:00:00Z").status == 201
    url = f"{flat['base']}/{flat['sub_b']}/readings?limit=2&from=2025-03-02T00:00:00Z&to=2025-03-07T00:00:00Z"
    seen: list[str] = []
    page = api.get(url, token=flat["member"].token)
    while True:
        assert page.status == 200, page.json
        seen.extend(item["taken_at"][:10] for item in page.json["items"])
        if not page.json["next_cursor"]:
            break
        page = api.get(url + f"&cursor={page.json['next_cursor']}", token=flat["member"].token)
    assert seen == ["2025-03-06", "2025-03-05", "2025-03-04", "2025-03-03", "2025-03-02"]


def test_correction_keeps_the_original_and_is_audited(api: Api, flat: dict[str, Any]) -> None:
    submit(api, flat, "sub_b", "100", "2025-02-01T10:00:00Z")
    wrong = submit(api, flat, "sub_b", "1500", "2025-02-10T10:00:00Z").json
    url = f"{flat['base']}/{flat['sub_b']}/readings/{wrong['id']}/corrections"
    assert api.post(url, {"value": "150", "reason": "typo"}, token=flat["member"].token).status == 403
    fixed = api.post(url, {"value": "150", "reason": "misread digit"}, token=flat["owner"].token)
    assert fixed.status == 200, fixed.json
    assert (fixed.json["value"], fixed.json["original_value"]) == ("150", "1500")
    assert fixed.json["corrections"][0]["reason"] == "misread digit"
    log = api.container.store.collection(AUDIT_LOG)
    entries = log.find_page({"chain": f"group:{flat['group']}"}, order_by="seq", limit=100).items
    assert any(e["action"] == "reading.correct" for e in entries)


def test_import_is_all_or_nothing_with_a_per_row_report(api: Api, flat: dict[str, Any]) -> None:
    url = f"/groups/{flat['group']}/readings/import"
    bad = ("meter_serial,value,taken_at\nSUB-A,10,2025-02-01T10:00:00Z\nNOPE,5,2025-02-01T10:00:00Z\n"
           "SUB-B,abc,2025-02-01T10:00:00Z\nSUB-B,7,yesterday\n")
    refused = api.post(url, raw=bad.encode(), headers={"Content-Type": "text/csv"}, token=flat["owner"].token)
    assert refused.status == 400
    assert [e["field"] for e in refused.json["errors"]] == ["rows[3].meter_serial", "rows[4].value", "rows[5].taken_at"]
    assert api.container.store.collection(READINGS).count({"meter_id": flat["sub_a"]}) == 0
    good = "taken_at,meter_serial,value\n2025-02-01T10:00:00Z,SUB-A,10\n2025-02-11T10:00:00Z,SUB-A,20\n"
    done = api.post(url, raw=good.encode(), headers={"Content-Type": "text/csv"}, token=flat["owner"].token)
    assert done.status == 201, done.json
    assert done.json["imported"] == 2
    as_json = api.post(url, {"rows": []}, token=flat["owner"].token)
    assert as_json.status == 415
    assert api.post(url, raw=good.encode(), headers={"Content-Type": "text/csv"},
                    token=flat["member"].token).status == 403


def test_consumption_interpolates_estimates_and_replaces_estimates(api: Api, flat: dict[str, Any]) -> None:
    # sub-A: 0 on Jan 1 (installation), 310 on Feb 1 00:00 Berlin -> 10 a day; main: 1000 -> 1500
    submit(api, flat, "sub_a", "310", "2025-02-01T00:00:00+01:00")
    submit(api, flat, "main", "1500", "2025-02-01T00:00:00+01:00")
    url = f"/groups/{flat['group']}/consumption?from=2025-01-01&to=2025-03-01&granularity=month"
    chart = api.get(url, token=flat["member"].token)
    assert chart.status == 200, chart.json
    series = {s["participant_id"]: s for s in chart.json["participants"]}
    member = series[flat["member"].user_id]
    # January: installation at 00:00 UTC but the local month starts at 23:00 UTC Dec 31 -> clipped, measured
    assert member["values"][0] == "310" and member["estimated"] == [False, True]
    assert member["values"][1].startswith("280.")  # February estimated at the average rate (~10.01 a day)
    assert chart.json["total"]["values"][0] == "500"
    assert chart.json["common"]["values"][0] == "190"
    # the real reading arrives and replaces the estimate
    submit(api, flat, "sub_a", "600", "2025-03-01T00:00:00+01:00")
    member = {s["participant_id"]: s for s in api.get(url, token=flat["member"].token).json["participants"]}[
        flat["member"].user_id]
    assert member["values"][1] == "290" and member["estimated"][1] is False


def test_replacement_links_both_meters_and_starts_fresh(api: Api, flat: dict[str, Any]) -> None:
    submit(api, flat, "sub_b", "900", "2025-02-01T10:00:00Z")
    new = api.post(flat["base"], {"serial": "SUB-B2", "kind": "sub", "unit": "kWh", "installed_at":
                                  "2025-02-15T00:00:00Z", "initial_value": "0", "replaces": flat["sub_b"],
                                  "participant_id": flat["owner"].user_id}, token=flat["owner"].token)
    assert new.status == 201, new.json
    old = {m["id"]: m for m in api.get(flat["base"], token=flat["owner"].token).json["items"]}[flat["sub_b"]]
    assert old["replaced_by"] == new.json["id"] and old["removed_at"] == "2025-02-15T00:00:00.000000Z"
    fresh = api.post(f"{flat['base']}/{new.json['id']}/readings", {"value": "5", "taken_at": "2025-02-16T00:00:00Z"},
                     token=flat["owner"].token)
    assert fresh.status == 201 and fresh.json["consumption"] == "5"
    late = submit(api, flat, "sub_b", "950", "2025-02-20T00:00:00Z")
    assert late.json["type"].endswith("/reading-outside-service")


def test_reminder_job_selects_unsubmitted_at_local_daytime_and_never_twice(api: Api) -> None:
    # the job runs at 2027-03-30 10:00 UTC (12:00 in Berlin), inside the window for March 31
    frozen = datetime(2027, 3, 30, 10, tzinfo=UTC)
    api.clock.advance(frozen.timestamp() - 600 - time.time())  # setup happens in the ten minutes before
    owner, member, viewer = person(api, "owner"), person(api, "member"), person(api, "viewer")
    group_id = create_group(api, owner, reading_window_days=3)
    add_member(api, group_id, owner, member, "member")
    add_member(api, group_id, owner, viewer, "viewer")
    base = f"/groups/{group_id}/meters"
    for serial, who in (("A", member), ("B", owner), ("C", viewer)):
        created = api.post(base, {"serial": serial, "kind": "sub", "unit": "kWh", "installed_at": INSTALLED,
                                  "participant_id": who.user_id}, token=owner.token)
        assert created.status == 201, created.json
        if who is owner:  # the owner has already read
            assert api.post(f"{base}/{created.json['id']}/readings", {"value": "1", "taken_at": "2027-03-29T09:00Z"},
                            token=owner.token).status == 201
    # the viewer lives in Los Angeles: 03:00 there, not a sensible hour
    assert api.patch("/me", {"timezone": "America/Los_Angeles"}, token=viewer.token).status == 200
    first = reading_reminders.run(api.container, frozen)
    assert first.reminders == 1
    assert [m["template"] for m in api.outbox(member.email) if m["template"].startswith("reading")] == [
        "reading-reminder"]
    assert reading_reminders.run(api.container, frozen + timedelta(hours=1)).reminders == 0
    # 09:00 in Los Angeles: the viewer's turn
    evening = reading_reminders.run(api.container, datetime(2027, 3, 30, 16, tzinfo=UTC))
    assert evening.reminders == 1 and len(api.outbox(viewer.email)) >= 1
    # the last day: closing reminders for both, once
    closing = reading_reminders.run(api.container, datetime(2027, 3, 31, 16, tzinfo=UTC))
    assert closing.by_kind == {"closing": 2}
    assert reading_reminders.run(api.container, datetime(2027, 3, 31, 17, tzinfo=UTC)).reminders == 0
    assert not [m for m in api.outbox(owner.email) if m["template"].startswith("reading")]
