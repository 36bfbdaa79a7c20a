"""Building blocks for the bill and ledger API tests: a group with paying members, and a bill taken to issued."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from typing import Any

from tests.integration.conftest import Api, Response
from tests.integration.group_helpers import Cast, Person, cast

PASSWORD = "correct horse battery staple"


def freeze(api: Api, at: datetime) -> None:
    """Move the test clock so that 'now' is ``at`` (tokens are then issued at that time too)."""
    api.clock.advance(at.timestamp() - api.clock())


def relogin(api: Api, who: Person) -> Person:
    """A fresh access token after the clock moved past the old one's lifetime."""
    login = api.post("/auth/login", {"email": who.email, "password": PASSWORD})
    assert login.status == 200, login.json
    who.token = str(login.json["access_token"])
    return who


def upcoming_period() -> dict[str, str]:
    """The next calendar month: a group made now has its members present for all of it (they joined before)."""
    today = datetime.now(UTC).date()
    first = date(today.year + today.month // 12, today.month % 12 + 1, 1)
    last = date(first.year + first.month // 12, first.month % 12 + 1, 1).toordinal() - 1
    return {"from": first.isoformat(), "to": date.fromordinal(last).isoformat()}


def cast_since(api: Api, founded: datetime, now: datetime) -> Cast:
    """A group whose members all joined at ``founded``; then the clock moves to ``now`` and everyone signs in again.

    Bills take presence from the day each member joined, so a group billed for a past period must exist before it.
    """
    freeze(api, founded)
    group = cast(api)
    freeze(api, now)
    for who in group.people.values():
        relogin(api, who)
    return group


def draft(api: Api, group_id: str, token: str | None, body: dict[str, Any]) -> Response:
    return api.post(f"/groups/{group_id}/bills", body, token=token)


def issued(api: Api, cast_: Cast, body: dict[str, Any], role: str = "owner") -> dict[str, Any]:
    """Draft, review and issue a bill as ``role``; returns the issued bill."""
    token = cast_.token(role)
    created = draft(api, cast_.group_id, token, body)
    assert created.status == 201, created.json
    base = f"/groups/{cast_.group_id}/bills/{created.json['id']}"
    reviewed = api.post(f"{base}/review", headers={"If-Match": created.header("ETag") or ""}, token=token)
    assert reviewed.status == 200, reviewed.json
    done = api.post(f"{base}/issue", headers={"If-Match": reviewed.header("ETag") or ""}, token=token)
    assert done.status == 200, done.json
    return dict(done.json)


def pay(api: Api, group_id: str, token: str | None, body: dict[str, Any], key: str | None = None) -> Response:
    return api.post(f"/groups/{group_id}/payments", body, token=token,
                    headers={"Idempotency-Key": key or f"pay-{uuid.uuid4().hex}"})


def balances(api: Api, group_id: str, token: str | None) -> dict[str, str]:
    reply = api.get(f"/groups/{group_id}/balances", token=token)
    assert reply.status == 200, reply.json
    return {b["participant"]: b["balance"] for b in reply.json["balances"]}
