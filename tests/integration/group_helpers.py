"""Building blocks for the group API tests: a group whose members hold every role, through the real API."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

from tests.integration.conftest import Api

ROLES = ("owner", "admin", "member", "viewer")
GROUP_BODY = {"name": "Flat 3B", "utility_type": "electricity", "unit": "kWh", "currency": "EUR",
              "timezone": "Europe/Berlin"}


@dataclass
class Person:
    email: str
    token: str
    user_id: str


@dataclass
class Cast:
    """A group with one person per role, plus an outsider with an account."""

    group_id: str
    people: dict[str, Person] = field(default_factory=dict)

    def token(self, role: str) -> str | None:
        return self.people[role].token if role in self.people else None


def person(api: Api, label: str) -> Person:
    """A registered, verified, signed-in user. Each registers from its own address (per-IP sign-up limits)."""
    email = f"{label}-{uuid.uuid4().hex[:8]}@example.com"
    if not api.container.settings.trust_forwarded_for:
        api.container.settings = replace(api.container.settings, trust_forwarded_for=True)
    previous = dict(api.default_headers)
    api.default_headers["X-Forwarded-For"] = f"10.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250}.{len(email)}"
    try:
        token = api.register_verified(email)
    finally:
        api.default_headers = previous
    me = api.get("/me", token=token)
    assert me.status == 200, me.json
    return Person(email=email, token=token, user_id=me.json["id"])


def invitation_token(api: Api, recipient: str) -> str:
    for message in api.outbox(recipient):
        if message["template"].startswith("group-invitation"):
            found = re.search(r"token=([A-Za-z0-9_-]+)", message["body"])
            assert found, message
            return found.group(1)
    raise AssertionError(f"no invitation for {recipient}")


def create_group(api: Api, owner: Person, **overrides: object) -> str:
    created = api.post("/groups", GROUP_BODY | overrides, token=owner.token)
    assert created.status == 201, created.json
    return str(created.json["id"])


def add_member(api: Api, group_id: str, inviter: Person, invitee: Person, role: str) -> None:
    sent = api.post(f"/groups/{group_id}/invitations", {"email": invitee.email, "role": role}, token=inviter.token)
    assert sent.status == 201, sent.json
    joined = api.post("/invitations/accept", {"token": invitation_token(api, invitee.email)}, token=invitee.token)
    assert joined.status == 200, joined.json


def cast(api: Api, people: dict[str, Person] | None = None) -> Cast:
    """A fresh group; ``people`` (role -> person) are reused across groups when given."""
    people = people or {role: person(api, role) for role in (*ROLES, "outsider")}
    group_id = create_group(api, people["owner"])
    for role in ("admin", "member", "viewer"):
        add_member(api, group_id, people["owner"], people[role], role)
    return Cast(group_id=group_id, people=people)


def member_version(api: Api, group_id: str, user_id: str, token: str | None) -> int:
    """The membership's current version (role changes and member edits must send it)."""
    members = api.get(f"/groups/{group_id}/members", token=token).json["items"]
    return int(next(m["version"] for m in members if m["user_id"] == user_id))


def role_change(api: Api, group_id: str, user_id: str, role: str, token: str | None) -> Any:
    """``PUT .../members/{user_id}/role`` with the member's current version."""
    body = {"role": role, "version": member_version(api, group_id, user_id, token)}
    return api.call("PUT", f"/groups/{group_id}/members/{user_id}/role", body, token=token)


# -- the routes x roles matrix (every route group's matrix test uses these) -------------------------------------------

CALLERS = (*ROLES, "outsider", "anonymous")


@dataclass(frozen=True)
class MatrixCase:
    """One route: how to call it in a given group as a given caller, and the status each caller must get."""

    name: str
    call: Callable[[Api, Cast, str, str | None], Any]
    expected: dict[str, int]


def expect(owner: int, admin: int, member: int, viewer: int, outsider: int = 404) -> dict[str, int]:
    return {"owner": owner, "admin": admin, "member": member, "viewer": viewer, "outsider": outsider, "anonymous": 401}


def group_path(cast_: Cast) -> str:
    return f"/groups/{cast_.group_id}"


def answers(api: Api, case: MatrixCase) -> dict[str, int]:
    """The status each caller gets, each in a fresh group with the same people (no call sees another's effects)."""
    people = {role: person(api, role) for role in (*ROLES, "outsider")}
    seen: dict[str, int] = {}
    for caller in CALLERS:
        group = cast(api, people)
        token = group.token(caller) if caller != "anonymous" else None
        seen[caller] = case.call(api, group, caller, token).status
    return seen
