"""A metered group for the photo and review tests: a person per role, each contributor with a sub-meter."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from tests.integration.conftest import Api, Response
from tests.integration.group_helpers import Cast, cast

INSTALLED = "2025-01-01T00:00:00Z"


@dataclass
class Metered:
    cast: Cast
    meters: dict[str, str]  # role -> the id of the sub-meter assigned to that person

    @property
    def base(self) -> str:
        return f"/groups/{self.cast.group_id}/meters"

    def readings(self, role: str) -> str:
        return f"{self.base}/{self.meters[role]}/readings"


def metered_cast(api: Api) -> Metered:
    group = cast(api)
    meters = {}
    for role in ("owner", "admin", "member"):
        created = api.post(f"/groups/{group.group_id}/meters",
                           {"serial": f"SUB-{role}", "kind": "sub", "unit": "kWh", "installed_at": INSTALLED,
                            "participant_id": group.people[role].user_id, "initial_value": "0"},
                           token=group.token("owner"))
        assert created.status == 201, created.json
        meters[role] = created.json["id"]
    return Metered(group, meters)


def submit(api: Api, metered: Metered, role: str, value: str, taken_at: str, by: str = "owner") -> Response:
    return api.post(metered.readings(role), {"value": value, "taken_at": taken_at}, token=metered.cast.token(by))


def flagged_reading(api: Api, metered: Metered, role: str) -> dict[str, Any]:
    """Four steady days of 10 a day, then a jump of 100 in one day: stored, flagged, pending review."""
    for day, value in ((1, "10"), (2, "20"), (3, "30"), (4, "40")):
        assert submit(api, metered, role, value, f"2025-02-0{day}T10:00:00Z").status == 201
    spike = submit(api, metered, role, "140", "2025-02-05T10:00:00Z")
    assert spike.status == 201 and spike.json["review_status"] == "pending", spike.json
    return dict(spike.json)
