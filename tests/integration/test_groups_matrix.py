"""Every group route against every role (owner, admin, member, viewer, outsider, anonymous), and IDOR across groups.

Each cell of the matrix runs on a fresh group, so a write in one cell cannot change what the next one sees. The people
are registered once per route.
"""

from __future__ import annotations

import secrets
import uuid

import pytest

from tests.integration.conftest import Api
from tests.integration.group_helpers import Cast, Person, answers, cast, create_group, person
from tests.integration.group_helpers import MatrixCase as Case
from tests.integration.group_helpers import expect as _expect
from tests.integration.group_helpers import group_path as _g


def _other(cast_: Cast, role: str) -> Person:
    """Someone to act on who is not the caller: the viewer, or the member when the caller is the viewer."""
    return cast_.people["member" if role == "viewer" else "viewer"]


def _member_version(api: Api, cast_: Cast, user_id: str) -> int:
    members = api.get(f"/groups/{cast_.group_id}/members", token=cast_.token("owner")).json["items"]
    return int(next(m["version"] for m in members if m["user_id"] == user_id))


def _group_version(api: Api, cast_: Cast) -> int:
    return int(api.get(f"/groups/{cast_.group_id}", token=cast_.token("owner")).json["version"])


def _pending_invitation(api: Api, cast_: Cast) -> str:
    sent = api.post(f"/groups/{cast_.group_id}/invitations", {"email": f"x-{uuid.uuid4().hex[:6]}@example.com"},
                    token=cast_.token("owner"))
    return str(sent.json["id"])




CASES = (
    Case("list groups", lambda api, c, r, t: api.get("/groups", token=t),
         _expect(200, 200, 200, 200, 200)),
    Case("create group", lambda api, c, r, t: api.post("/groups", {"name": "N", "utility_type": "water", "unit": "m3",
                                                                   "currency": "EUR"}, token=t),
         _expect(201, 201, 201, 201, 201)),
    Case("read group", lambda api, c, r, t: api.get(_g(c), token=t), _expect(200, 200, 200, 200)),
    Case("update group", lambda api, c, r, t: api.patch(_g(c), {"name": "Renamed", "version": _group_version(api, c)},
                                                        token=t),
         _expect(200, 200, 403, 403)),
    Case("delete group", lambda api, c, r, t: api.call("DELETE", _g(c), token=t), _expect(204, 403, 403, 403)),
    Case("list members", lambda api, c, r, t: api.get(_g(c) + "/members", token=t), _expect(200, 200, 200, 200)),
    Case("update member", lambda api, c, r, t: api.patch(
        f"{_g(c)}/members/{_other(c, r).user_id}",
        {"weights": {"area": "12.5"}, "version": _member_version(api, c, _other(c, r).user_id)}, token=t),
        _expect(200, 200, 403, 403)),
    Case("change role", lambda api, c, r, t: api.call(
        "PUT", f"{_g(c)}/members/{_other(c, r).user_id}/role",
        {"role": "member", "version": _member_version(api, c, _other(c, r).user_id)}, token=t),
        _expect(200, 200, 403, 403)),
    Case("remove member", lambda api, c, r, t: api.call("DELETE", f"{_g(c)}/members/{_other(c, r).user_id}", token=t),
         _expect(204, 204, 403, 403)),
    Case("leave group", lambda api, c, r, t: api.post(_g(c) + "/leave", token=t), _expect(409, 204, 204, 204)),
    Case("invite", lambda api, c, r, t: api.post(_g(c) + "/invitations", {"phone": "+4915112345678"}, token=t),
         _expect(201, 201, 403, 403)),
    Case("list invitations", lambda api, c, r, t: api.get(_g(c) + "/invitations", token=t),
         _expect(200, 200, 403, 403)),
    Case("revoke invitation", lambda api, c, r, t: api.call(
        "DELETE", f"{_g(c)}/invitations/{_pending_invitation(api, c)}", token=t), _expect(204, 204, 403, 403)),
    Case("accept unknown invitation", lambda api, c, r, t: api.post(
        "/invitations/accept", {"token": secrets.token_urlsafe(32)}, token=t), _expect(404, 404, 404, 404)),
    Case("preview unknown invitation (no sign-in needed)", lambda api, c, r, t: api.post(
        "/invitations/preview", {"token": secrets.token_urlsafe(32)}, token=t),
        _expect(404, 404, 404, 404, 404) | {"anonymous": 404}),
    Case("decline unknown invitation", lambda api, c, r, t: api.post(
        "/invitations/decline", {"token": secrets.token_urlsafe(32)}, token=t), _expect(404, 404, 404, 404)),
    Case("read audit log", lambda api, c, r, t: api.get(_g(c) + "/audit", token=t), _expect(200, 200, 403, 403)),
    Case("verify audit log", lambda api, c, r, t: api.get(_g(c) + "/audit/verify", token=t),
         _expect(200, 200, 403, 403)),
)


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_route_answers_each_role_as_the_policy_says(api: Api, case: Case) -> None:
    assert answers(api, case) == case.expected


def test_every_group_route_is_in_the_matrix() -> None:
    from chalicelib.http import ENDPOINTS

    mine = {("groups",), ("participants",), ("audit",)}  # the tags of chalicelib.routes.groups
    routes = {key for key, endpoint in ENDPOINTS.items() if endpoint.tags in mine}
    assert len(routes) == len(CASES)


# -- IDOR: an admin of group A holds ids from group B ------------------------------------------------------------------


def test_admin_of_one_group_cannot_touch_another_groups_objects(api: Api) -> None:
    a = cast(api)
    b_owner, b_member = person(api, "b-owner"), person(api, "b-member")
    b = create_group(api, b_owner)
    from tests.integration.group_helpers import add_member

    add_member(api, b, b_owner, b_member, "member")
    b_invitation = api.post(f"/groups/{b}/invitations", {"email": "pending@example.com"}, token=b_owner.token).json
    admin = a.token("admin")
    target = b_member.user_id

    # B's ids under B's path: B does not exist for A's admin.
    for method, path, body in (
        ("GET", f"/groups/{b}", None),
        ("PATCH", f"/groups/{b}", {"name": "mine", "version": 1}),
        ("DELETE", f"/groups/{b}", None),
        ("GET", f"/groups/{b}/members", None),
        ("PATCH", f"/groups/{b}/members/{target}", {"weights": {"area": "1"}, "version": 1}),
        ("PUT", f"/groups/{b}/members/{target}/role", {"role": "viewer"}),
        ("DELETE", f"/groups/{b}/members/{target}", None),
        ("POST", f"/groups/{b}/invitations", {"email": "friend@example.com"}),
        ("GET", f"/groups/{b}/invitations", None),
        ("DELETE", f"/groups/{b}/invitations/{b_invitation['id']}", None),
        ("GET", f"/groups/{b}/audit", None),
        ("GET", f"/groups/{b}/audit/verify", None),
    ):
        assert api.call(method, path, body, token=admin).status == 404, (method, path)

    # B's ids under A's path, where the admin does have rights: the objects are not A's.
    for method, path, body in (
        ("PATCH", f"/groups/{a.group_id}/members/{target}", {"weights": {"area": "1"}, "version": 1}),
        ("PUT", f"/groups/{a.group_id}/members/{target}/role", {"role": "viewer"}),
        ("DELETE", f"/groups/{a.group_id}/members/{target}", None),
        ("DELETE", f"/groups/{a.group_id}/invitations/{b_invitation['id']}", None),
    ):
        assert api.call(method, path, body, token=admin).status == 404, (method, path)

    # Nothing in B changed.
    members = api.get(f"/groups/{b}/members", token=b_owner.token).json["items"]
    assert {m["user_id"]: m["role"] for m in members} == {b_owner.user_id: "owner", target: "member"}
    assert [i["id"] for i in api.get(f"/groups/{b}/invitations", token=b_owner.token).json["items"]] == [
        b_invitation["id"]
    ]
    assert api.get(f"/groups/{b}/audit/verify", token=b_owner.token).json["ok"] is True


def test_outsider_gets_the_same_answer_for_a_missing_and_an_existing_group(api: Api) -> None:
    a = cast(api)
    outsider = a.token("outsider")
    existing = api.get(f"/groups/{a.group_id}", token=outsider)
    missing = api.get(f"/groups/{uuid.uuid4().hex}", token=outsider)
    assert existing.status == missing.status == 404
    assert existing.json["detail"] == missing.json["detail"]
