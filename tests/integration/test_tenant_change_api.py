"""Tenant changes through the API: a sub-meter handed over with an interim reading (roles, validation, audit,
consumption split at the reading), members who leave keep their stay, and a German heating-cost statement across a
tenant change drafted from the group's own memberships and readings, exact to the cent."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest

from chalicelib.services.access import MEMBERSHIPS, membership_id
from chalicelib.services.audit import AUDIT_LOG
from tests.integration.bill_helpers import draft, freeze, relogin
from tests.integration.conftest import Api
from tests.integration.group_helpers import Cast, Person, add_member, cast, create_group, person

INSTALLED = "2026-01-01T00:00:00+01:00"
CHANGE = "2026-03-15T09:00:00+01:00"


@pytest.fixture
def group(api: Api) -> Cast:
    return cast(api)


def _meter(api: Api, group: Cast, holder: str, serial: str = "HEAT-OG", kind: str = "sub") -> str:
    created = api.post(f"/groups/{group.group_id}/meters", {
        "serial": serial, "kind": kind, "unit": "kWh", "installed_at": INSTALLED, "initial_value": "0",
        "participant_id": group.people[holder].user_id if kind == "sub" else None}, token=group.token("owner"))
    assert created.status == 201, created.json
    return str(created.json["id"])


def _read(api: Api, group: Cast, meter_id: str, value: str, at: str) -> None:
    reply = api.post(f"/groups/{group.group_id}/meters/{meter_id}/readings", {"value": value, "taken_at": at},
                     token=group.token("owner"))
    assert reply.status == 201, reply.json


def _assign(api: Api, group: Cast, meter_id: str, body: dict[str, Any], token: str | None) -> Any:
    return api.post(f"/groups/{group.group_id}/meters/{meter_id}/assignments", body, token=token)


def test_admin_hands_the_meter_over_and_consumption_splits_at_the_interim_reading(api: Api, group: Cast) -> None:
    member, owner = group.people["member"], group.people["owner"]
    meter = _meter(api, group, "member")
    _read(api, group, meter, "100", "2026-02-01T00:00:00+01:00")
    _read(api, group, meter, "200", "2026-03-01T00:00:00+01:00")
    body = {"participant_id": owner.user_id, "at": CHANGE, "reading_value": "500", "note": "keys handed over"}
    handed = _assign(api, group, meter, body, group.token("admin"))
    assert handed.status == 201, handed.json
    assert handed.json["meter"]["participant_id"] == owner.user_id
    assert handed.json["reading"]["value"] == "500"
    [change] = handed.json["meter"]["assignments"]
    assert change["previous_participant_id"] == member.user_id and change["participant_id"] == owner.user_id
    assert change["reading_id"] == handed.json["reading"]["id"] and change["at"] == "2026-03-15T08:00:00.000000Z"
    _read(api, group, meter, "520", "2026-04-01T00:00:00+02:00")

    chart = api.get(f"/groups/{group.group_id}/consumption?from=2026-01-01&to=2026-04-01&granularity=month",
                    token=group.token("viewer")).json
    series = {p["participant_id"]: p["values"] for p in chart["participants"]}
    # March: the leaving tenant used 200 -> 500 up to the interim reading, the new one 500 -> 520 after it
    # (by time it would have been 320 x 14/31 = 144.5 and 175.5)
    assert series[member.user_id] == ["100", "100", "300"]
    assert series[owner.user_id] == ["0", "0", "20"]
    assert chart["total"]["values"] == ["100", "100", "320"]

    entries = api.container.store.collection(AUDIT_LOG).find_page(
        {"chain": f"group:{group.group_id}"}, order_by="seq", limit=100).items
    [entry] = [e for e in entries if e["action"] == "meter.assign"]
    assert entry["actor"] == group.people["admin"].user_id and entry["target"] == f"meter:{meter}"
    assert entry["before"] == {"participant_id": member.user_id}
    assert entry["after"]["participant_id"] == owner.user_id and entry["after"]["reading_value"] == "500"


@pytest.mark.parametrize(("role", "status"), [("owner", 201), ("admin", 201), ("member", 403), ("viewer", 403),
                                              ("outsider", 404), ("anonymous", 401)])
def test_only_managers_hand_a_meter_over(api: Api, group: Cast, role: str, status: int) -> None:
    meter = _meter(api, group, "member")
    body = {"participant_id": group.people["admin"].user_id, "at": CHANGE, "reading_value": "10"}
    reply = _assign(api, group, meter, body, group.token(role) if role != "anonymous" else None)
    assert reply.status == status, reply.json
    listed = api.get(f"/groups/{group.group_id}/meters", token=group.token("owner")).json["items"]
    holder = group.people["admin" if status == 201 else "member"].user_id
    assert listed[0]["participant_id"] == holder


def test_handover_is_validated_like_any_reading(api: Api, group: Cast) -> None:
    token, admin = group.token("owner"), group.people["admin"].user_id
    meter = _meter(api, group, "member")
    main = _meter(api, group, "member", serial="MAIN", kind="main")
    _read(api, group, meter, "200", "2026-03-01T00:00:00+01:00")
    for body, field, problem in (
        ({"participant_id": admin, "at": CHANGE, "reading_value": "150"}, "reading_value", "reading-goes-backwards"),
        ({"participant_id": admin, "at": CHANGE, "reading_value": 300}, "reading_value", "validation-failed"),
        ({"participant_id": admin, "at": "2025-12-01T00:00:00+01:00", "reading_value": "0"}, "at",
         "reading-outside-service"),
        ({"participant_id": admin, "at": "2099-01-01T00:00:00Z", "reading_value": "300"}, "at", "reading-in-future"),
        ({"participant_id": group.people["outsider"].user_id, "at": CHANGE, "reading_value": "300"},
         "participant_id", "validation-failed"),
        ({"participant_id": group.people["member"].user_id, "at": CHANGE, "reading_value": "300"},
         "participant_id", "validation-failed"),
    ):
        reply = _assign(api, group, meter, body, token)
        assert reply.status == 400, (body, reply.json)
        assert reply.json["type"].endswith(problem) and field in [e["field"] for e in reply.json["errors"]], reply.json
    assert _assign(api, group, main, {"participant_id": admin, "at": CHANGE, "reading_value": "1"},
                   token).status == 400
    assert _assign(api, group, meter, {"participant_id": admin, "at": CHANGE, "reading_value": "300"},
                   token).status == 201
    earlier = _assign(api, group, meter, {"participant_id": group.people["member"].user_id,
                                          "at": "2026-03-10T00:00:00+01:00", "reading_value": "250"}, token)
    assert earlier.status == 400 and earlier.json["errors"][0]["field"] == "at"
    vacant = _assign(api, group, meter, {"participant_id": None, "at": "2026-04-01T00:00:00+02:00",
                                         "reading_value": "320"}, token)
    assert vacant.status == 201 and vacant.json["meter"]["participant_id"] is None


def test_a_reading_already_at_the_instant_is_reused_when_it_agrees(api: Api, group: Cast) -> None:
    """An interrupted handover left its reading behind: repeating the request finishes it with the same reading."""
    token, admin = group.token("owner"), group.people["admin"].user_id
    meter = _meter(api, group, "member")
    reply = api.post(f"/groups/{group.group_id}/meters/{meter}/readings", {"value": "300", "taken_at": CHANGE},
                     token=token)
    assert reply.status == 201
    other = _assign(api, group, meter, {"participant_id": admin, "at": CHANGE, "reading_value": "301"}, token)
    assert other.status == 409 and other.json["errors"][0]["field"] == "reading_value"
    same = _assign(api, group, meter, {"participant_id": admin, "at": CHANGE, "reading_value": "300.0"}, token)
    assert same.status == 201 and same.json["reading"]["id"] == reply.json["id"]


def test_a_member_who_leaves_keeps_the_stay_and_rejoining_adds_one(api: Api, group: Cast) -> None:
    member = group.people["member"]
    assert api.post(f"/groups/{group.group_id}/leave", token=member.token).status == 204
    stored = api.container.store.collection(MEMBERSHIPS).get(membership_id(group.group_id, member.user_id))
    assert stored is not None and stored["status"] == "removed" and stored["left_at"]
    assert stored["stays"] == [{"joined_at": stored["joined_at"], "left_at": stored["left_at"]}]
    add_member(api, group.group_id, group.people["owner"], member, "member")
    again = api.container.store.collection(MEMBERSHIPS).get(membership_id(group.group_id, member.user_id))
    assert again is not None and again["status"] == "active" and again["left_at"] is None
    assert again["stays"][0] == stored["stays"][0] and again["stays"][1] == {"joined_at": again["joined_at"],
                                                                             "left_at": None}


def _weights(api: Api, group_id: str, owner: Person, who: Person, area: str) -> None:
    members = api.get(f"/groups/{group_id}/members", token=owner.token).json["items"]
    version = next(m["version"] for m in members if m["user_id"] == who.user_id)
    reply = api.patch(f"/groups/{group_id}/members/{who.user_id}", {"weights": {"area": area}, "version": version},
                      token=owner.token)
    assert reply.status == 200, reply.json


HEATING_50_50 = {"name": "heating", "amount": "5000.00", "method": "blend",
                 "parts": [{"method": "consumption", "fraction": "0.5"},
                           {"method": "weights", "key": "area", "fraction": "0.5"}]}


def test_heating_statement_across_a_tenant_change_from_memberships_and_readings(api: Api) -> None:
    """§ 9b HeizkostenV, 50/50 key, degree days: EUR 5,000 for 2027; the other flat (140 m²) used 1200 units; the
    60 m² flat changed tenant on 15 March with an interim reading of 300 and read 800 at the year's end. Consumption
    1.25 EUR/unit: previous tenant 375.00 (300 units), next 625.00 (500); area 12.50 EUR/m² prorated by degree days,
    previous tenant 1 Jan-14 Mar = 320 + 130 x 14/31 per mille. Published-style result: other flat 3250.00, previous
    tenant 659.03, next tenant 1090.97 (the same numbers as test_allocation_examples, here from the group's data)."""
    freeze(api, datetime(2026, 12, 20, 10, tzinfo=UTC))
    landlord, previous = person(api, "landlord"), person(api, "previous")
    group_id = create_group(api, landlord)
    add_member(api, group_id, landlord, previous, "member")
    _weights(api, group_id, landlord, landlord, "140")
    _weights(api, group_id, landlord, previous, "60")
    flats = Cast(group_id, {"owner": landlord, "member": previous})
    base = f"/groups/{group_id}/meters"
    meters = {}
    for serial, who in (("HEAT-EG", landlord), ("HEAT-OG", previous)):
        created = api.post(base, {"serial": serial, "kind": "sub", "unit": "units", "initial_value": "0",
                                  "installed_at": "2027-01-01T00:00:00+01:00", "participant_id": who.user_id},
                           token=landlord.token)
        assert created.status == 201, created.json
        meters[serial] = created.json["id"]

    # 15 March 2027, 09:00 in Berlin: the next tenant moves in, the meter is read and handed over, the previous leaves
    freeze(api, datetime(2027, 3, 15, 8, tzinfo=UTC))
    landlord, previous, following = relogin(api, landlord), relogin(api, previous), person(api, "next")
    add_member(api, group_id, landlord, following, "member")
    _weights(api, group_id, landlord, following, "60")
    handover = {"participant_id": following.user_id, "at": "2027-03-15T09:00:00+01:00", "reading_value": "300"}
    handed = _assign(api, flats, meters["HEAT-OG"], handover, landlord.token)
    assert handed.status == 201, handed.json
    assert api.post(f"/groups/{group_id}/leave", token=previous.token).status == 204

    freeze(api, datetime(2028, 1, 2, 10, tzinfo=UTC))
    landlord = relogin(api, landlord)
    _read(api, flats, meters["HEAT-EG"], "1200", "2028-01-01T00:00:00+01:00")
    _read(api, flats, meters["HEAT-OG"], "800", "2028-01-01T00:00:00+01:00")
    reply = draft(api, group_id, landlord.token, {"period": {"from": "2027-01-01", "to": "2027-12-31"},
                                                  "lines": [HEATING_50_50], "proration": "degree_days"})
    assert reply.status == 201, reply.json
    bill = reply.json
    inputs = {p["id"]: p for p in bill["inputs"]["participants"]}
    assert inputs[previous.user_id]["present"] == [{"from": "2027-01-01", "to": "2027-03-14"}]
    assert inputs[following.user_id]["present"] == [{"from": "2027-03-15", "to": "2027-12-31"}]
    assert "present" not in inputs[landlord.user_id]
    assert {who: Decimal(p["consumption"]) for who, p in inputs.items()} == {
        landlord.user_id: 1200, previous.user_id: 300, following.user_id: 500}
    assert bill["source"] == "readings" and bill["estimated_participants"] == []
    shares = {s["participant"]: s["amount"] for s in bill["shares"]}
    assert shares == {landlord.user_id: "3250.00", previous.user_id: "659.03", following.user_id: "1090.97"}
    assert sum(Decimal(v) for v in shares.values()) == Decimal("5000.00")

    # by plain days the area half is prorated 73/365 and 292/365 instead; the consumption half is unchanged
    by_days = draft(api, group_id, landlord.token, {"period": {"from": "2027-01-01", "to": "2027-12-31"},
                                                    "lines": [HEATING_50_50]}).json
    days = {s["participant"]: s["amount"] for s in by_days["shares"]}
    # area: 2500 x 60 x 73 / (140 x 365 + 60 x 73 + 60 x 292) = 2500 x 4380 / 73000 = 150.00
    assert days == {landlord.user_id: "3250.00", previous.user_id: "525.00", following.user_id: "1225.00"}

    # an admin's explicit presence overrides the history, e.g. the previous tenant actually left at February's end
    moved = draft(api, group_id, landlord.token, {
        "period": {"from": "2027-01-01", "to": "2027-12-31"}, "lines": [HEATING_50_50],
        "presence": {previous.user_id: [{"from": "2027-01-01", "to": "2027-02-28"}]}}).json
    assert {p["id"]: p.get("present") for p in moved["inputs"]["participants"]}[previous.user_id] == [
        {"from": "2027-01-01", "to": "2027-02-28"}]
    refused = draft(api, group_id, landlord.token, {"period": {"from": "2027-01-01", "to": "2027-12-31"},
                                                    "lines": [HEATING_50_50], "presence": {"stranger": []}})
    assert refused.status == 400 and refused.json["errors"][0]["field"] == "presence.stranger"

    # the next year the previous tenant is gone for good: not on the bill at all
    next_year = draft(api, group_id, landlord.token, {"period": {"from": "2028-01-01", "to": "2028-01-31"},
                                                      "total": "100.00", "method": "weights", "key": "area"}).json
    assert {s["participant"] for s in next_year["shares"]} == {landlord.user_id, following.user_id}
