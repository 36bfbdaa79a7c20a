"""Bad input on the meter and reading routes is a 400 naming the field, never a 500: nulls in a meter PATCH, and times
or dates so far out that converting them to UTC would overflow."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import pytest

from tests.integration.conftest import Api
from tests.integration.group_helpers import create_group, person

INSTALLED = "2025-01-01T00:00:00Z"


@pytest.fixture
def metered(api: Api) -> dict[str, Any]:
    """A group with one sub-meter of the owner's, read once."""
    owner = person(api, "owner")
    group_id = create_group(api, owner)
    base = f"/groups/{group_id}/meters"
    meter = api.post(base, {"serial": "SUB-1", "kind": "sub", "unit": "kWh", "installed_at": INSTALLED,
                            "participant_id": owner.user_id, "initial_value": "0"}, token=owner.token)
    assert meter.status == 201, meter.json
    reading = api.post(f"{base}/{meter.json['id']}/readings", {"value": "5", "taken_at": "2025-01-10T00:00:00Z"},
                       token=owner.token)
    assert reading.status == 201, reading.json
    return {"group": group_id, "token": owner.token, "base": base, "meter": meter.json["id"]}


def _fields(reply: Any) -> set[str]:
    return {error["field"] for error in reply.json.get("errors") or []} | {reply.json.get("field")}


@pytest.mark.parametrize("name", ["serial", "unit", "digits", "multiplier", "installed_at", "initial_value"])
def test_meter_patch_refuses_null_for_a_required_field(api: Api, metered: dict[str, Any], name: str) -> None:
    url = f"{metered['base']}/{metered['meter']}"
    reply = api.patch(url, {name: None}, token=metered["token"])
    assert reply.status == 400, reply.json
    assert name in _fields(reply), reply.json
    # the meter is unchanged and its consumption still computes
    chart = api.get(f"/groups/{metered['group']}/consumption?from=2025-01-01&to=2025-02-01", token=metered["token"])
    assert chart.status == 200, chart.json


def test_meter_patch_still_clears_participant_and_removal(api: Api, metered: dict[str, Any]) -> None:
    url = f"{metered['base']}/{metered['meter']}"
    removed = api.patch(url, {"removed_at": "2025-06-01T00:00:00Z"}, token=metered["token"])
    assert removed.status == 200, removed.json
    cleared = api.patch(url, {"participant_id": None, "removed_at": None}, token=metered["token"])
    assert cleared.status == 200, cleared.json
    assert cleared.json["participant_id"] is None and cleared.json["removed_at"] is None


@pytest.mark.parametrize("moment", ["0001-01-01T00:00:00+05:00", "9999-12-31T23:00:00-05:00"])
def test_reading_history_refuses_an_out_of_range_bound(api: Api, metered: dict[str, Any], moment: str) -> None:
    url = f"{metered['base']}/{metered['meter']}/readings?from={quote(moment)}"
    reply = api.get(url, token=metered["token"])
    assert reply.status == 400, reply.json


@pytest.mark.parametrize("moment", ["0001-01-01T00:00:00+05:00", "9999-12-31T23:00:00-05:00"])
def test_meter_create_refuses_an_out_of_range_installation(api: Api, metered: dict[str, Any], moment: str) -> None:
    reply = api.post(metered["base"], {"serial": "SUB-2", "kind": "sub", "unit": "kWh", "installed_at": moment},
                     token=metered["token"])
    assert reply.status == 400, reply.json
    assert "installed_at" in _fields(reply), reply.json


def test_reading_submission_refuses_an_out_of_range_time(api: Api, metered: dict[str, Any]) -> None:
    reply = api.post(f"{metered['base']}/{metered['meter']}/readings",
                     {"value": "6", "taken_at": "0001-01-01T00:00:00+05:00"}, token=metered["token"])
    assert reply.status == 400, reply.json


@pytest.mark.parametrize("moment", ["0001-01-01T00:00:00+05:00", "9999-12-31T23:00:00-05:00"])
def test_csv_import_reports_an_out_of_range_time_as_a_bad_row(api: Api, metered: dict[str, Any], moment: str) -> None:
    csv = f"meter_serial,value,taken_at\nSUB-1,6,{moment}\n"
    reply = api.post(f"/groups/{metered['group']}/readings/import", raw=csv.encode(),
                     headers={"Content-Type": "text/csv"}, token=metered["token"])
    assert reply.status == 400, reply.json
    assert "rows[2].taken_at" in _fields(reply), reply.json


@pytest.mark.parametrize("span", ["from=9999-12-01&to=9999-12-31", "from=0001-01-01&to=0001-02-01"])
def test_consumption_refuses_out_of_range_dates(api: Api, metered: dict[str, Any], span: str) -> None:
    reply = api.get(f"/groups/{metered['group']}/consumption?{span}", token=metered["token"])
    assert reply.status == 400, reply.json
