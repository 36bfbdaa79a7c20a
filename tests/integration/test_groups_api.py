"""Groups: settings validation, optimistic concurrency, soft delete, mass assignment and operator injection."""

from __future__ import annotations

from typing import Any

import pytest

from chalicelib.services import groups, unpaid_bills
from tests.integration.conftest import Api
from tests.integration.group_helpers import GROUP_BODY, cast, create_group, person, role_change

INJECTION: dict[str, Any] = {"$ne": None}


def test_create_group_returns_settings_role_and_etag(api: Api) -> None:
    owner = person(api, "owner")
    body = GROUP_BODY | {"billing_cycle": "custom", "billing_cycle_days": 45, "default_allocation_key": "area",
                         "reading_window_days": 5, "payment_terms_days": 30, "currency": "JPY"}
    created = api.post("/groups", body, token=owner.token)
    assert created.status == 201
    group = created.json
    assert {k: group[k] for k in body} == body
    assert group["your_role"] == "owner" and group["unpaid_bills"] == 0
    assert created.header("ETag") == f'"{group["version"]}"'


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"currency": "XYZ"}, "currency"),
        ({"currency": "eur"}, "currency"),
        ({"timezone": "Mars/Olympus"}, "timezone"),
        ({"timezone": "../../etc/passwd"}, "timezone"),
        ({"utility_type": "plutonium"}, "utility_type"),
        ({"billing_cycle": "custom"}, "billing_cycle_days"),
        ({"billing_cycle_days": 30}, "billing_cycle_days"),
        ({"reading_window_days": 99}, "reading_window_days"),
        ({"payment_terms_days": "14"}, "payment_terms_days"),
        ({"name": ""}, "name"),
    ],
)
def test_create_group_refuses_invalid_settings(api: Api, change: dict[str, Any], field: str) -> None:
    owner = person(api, "owner")
    refused = api.post("/groups", GROUP_BODY | change, token=owner.token)
    assert refused.status == 400, refused.json
    assert field in {e["field"] for e in refused.json.get("errors", [])}


def test_patch_with_stale_if_match_or_version_is_a_conflict_and_changes_nothing(api: Api) -> None:
    c = cast(api)
    path = f"/groups/{c.group_id}"
    read = api.get(path, token=c.token("admin"))
    etag = read.header("ETag")
    assert etag is not None
    first = api.patch(path, {"name": "By owner"}, token=c.token("owner"), headers={"If-Match": etag})
    assert first.status == 200 and first.header("ETag") != etag
    stale_header = api.patch(path, {"payment_terms_days": 7}, token=c.token("admin"), headers={"If-Match": etag})
    stale_body = api.patch(path, {"payment_terms_days": 7, "version": read.json["version"]}, token=c.token("admin"))
    assert stale_header.status == stale_body.status == 409
    assert stale_header.json["type"].endswith("/version-conflict")
    now = api.get(path, token=c.token("admin")).json
    assert now["name"] == "By owner" and now["payment_terms_days"] == 14
    fresh = api.patch(path, {"payment_terms_days": 7, "version": now["version"]}, token=c.token("admin"))
    assert fresh.status == 200 and fresh.json["name"] == "By owner" and fresh.json["payment_terms_days"] == 7


def test_patch_without_a_version_is_refused(api: Api) -> None:
    c = cast(api)
    assert api.patch(f"/groups/{c.group_id}", {"name": "x"}, token=c.token("owner")).status == 400


@pytest.mark.parametrize(
    "body",
    [
        {"id": "another-group"},
        {"_id": "another-group"},
        {"owner_ids": ["me"]},
        {"status": "active"},
        {"unpaid_bills": 0},
        {"created_by": "me"},
        {"your_role": "owner"},
        {"role": "owner"},
    ],
)
def test_patch_group_refuses_fields_that_are_not_settings(api: Api, body: dict[str, Any]) -> None:
    c = cast(api)
    before = api.get(f"/groups/{c.group_id}", token=c.token("owner")).json
    refused = api.patch(f"/groups/{c.group_id}", body | {"version": before["version"]}, token=c.token("owner"))
    assert refused.status == 400
    assert api.get(f"/groups/{c.group_id}", token=c.token("owner")).json == before


def test_member_cannot_raise_their_own_role(api: Api) -> None:
    c = cast(api)
    me = c.people["member"]
    path = f"/groups/{c.group_id}/members/{me.user_id}"
    assert api.patch(path, {"role": "owner", "version": 1}, token=me.token).status == 400  # not a field of a member
    assert api.call("PUT", path + "/role", {"role": "owner"}, token=me.token).status == 403
    assert api.call("PUT", path + "/role", {"role": "admin"}, token=me.token).status == 403
    assert api.get(f"/groups/{c.group_id}", token=me.token).json["your_role"] == "member"


def test_admin_cannot_grant_or_take_ownership(api: Api) -> None:
    c = cast(api)
    admin = c.token("admin")
    base = f"/groups/{c.group_id}/members"
    assert api.call("PUT", f"{base}/{c.people['member'].user_id}/role", {"role": "owner"}, token=admin).status == 403
    assert api.call("PUT", f"{base}/{c.people['owner'].user_id}/role", {"role": "viewer"}, token=admin).status == 403
    assert api.call("DELETE", f"{base}/{c.people['owner'].user_id}", token=admin).status == 403
    assert api.call("PUT", f"{base}/{c.people['admin'].user_id}/role", {"role": "owner"}, token=admin).status == 403


def test_role_change_applies_on_the_next_request(api: Api) -> None:
    c = cast(api)
    viewer = c.people["viewer"]
    assert api.get(f"/groups/{c.group_id}/audit", token=viewer.token).status == 403
    unversioned = api.call("PUT", f"/groups/{c.group_id}/members/{viewer.user_id}/role", {"role": "admin"},
                           token=c.token("owner"))
    assert unversioned.status == 400 and unversioned.json["errors"][0]["field"] == "version"
    stale = api.call("PUT", f"/groups/{c.group_id}/members/{viewer.user_id}/role", {"role": "admin", "version": 99},
                     token=c.token("owner"))
    assert stale.status == 409
    promoted = role_change(api, c.group_id, viewer.user_id, "admin", c.token("owner"))
    assert promoted.status == 200
    assert api.get(f"/groups/{c.group_id}/audit", token=viewer.token).status == 200
    assert role_change(api, c.group_id, viewer.user_id, "viewer", c.token("owner")).status == 200
    assert api.get(f"/groups/{c.group_id}/audit", token=viewer.token).status == 403


# -- operator injection ------------------------------------------------------------------------------------------------

INJECTED_BODIES = [
    ("POST", "/groups", GROUP_BODY | {field: INJECTION})
    for field in ("name", "utility_type", "unit", "currency", "timezone", "billing_cycle", "reading_window_days")
] + [
    ("PATCH", "{g}", {"name": INJECTION, "version": 1}),
    ("PATCH", "{g}", {"name": "x", "version": INJECTION}),
    ("PATCH", "{g}", {"$set": {"name": "x"}, "version": 1}),
    ("PATCH", "{g}/members/{u}", {"weights": {"area": INJECTION}, "version": 1}),
    ("PATCH", "{g}/members/{u}", {"weights": INJECTION, "version": 1}),
    ("PATCH", "{g}/members/{u}", {"sub_meter_id": INJECTION, "version": 1}),
    ("PUT", "{g}/members/{u}/role", {"role": INJECTION}),
    ("PUT", "{g}/members/{u}/role", {"role": {"$in": ["owner"]}}),
    ("POST", "{g}/invitations", {"email": INJECTION}),
    ("POST", "{g}/invitations", {"phone": INJECTION}),
    ("POST", "{g}/invitations", {"email": "a@example.com", "role": INJECTION}),
    ("POST", "/invitations/accept", {"token": INJECTION}),
    ("POST", "/invitations/decline", {"token": {"$gt": ""}}),
]


@pytest.mark.parametrize(("method", "path", "body"), INJECTED_BODIES)
def test_operator_objects_in_any_field_are_refused(api: Api, method: str, path: str, body: dict[str, Any]) -> None:
    c = cast(api)
    url = path.format(g=f"/groups/{c.group_id}", u=c.people["member"].user_id)
    answer = api.call(method, url, body, token=c.token("owner"))
    assert answer.status == 400, answer.json


@pytest.mark.parametrize("query", ["?cursor[$ne]=x", "?limit=1e9", "?cursor=garbage", "?limit=0", "?sort=_id"])
def test_query_strings_are_validated(api: Api, query: str) -> None:
    c = cast(api)
    for path in ("/groups", f"/groups/{c.group_id}/members", f"/groups/{c.group_id}/audit"):
        assert api.get(path + query, token=c.token("owner")).status == 400, path + query


def test_operator_in_path_is_just_a_missing_group(api: Api) -> None:
    c = cast(api)
    assert api.get("/groups/%7B%22%24ne%22%3Anull%7D", token=c.token("owner")).status == 404


# -- deletion ----------------------------------------------------------------------------------------------------------


def test_delete_is_refused_while_bills_are_unpaid_then_soft_and_audited(api: Api) -> None:
    c = cast(api)
    owner = c.token("owner")
    path = f"/groups/{c.group_id}"
    unpaid_bills.track_bills(api.container, c.group_id, unpaid=["bill-1"])
    refused = api.call("DELETE", path, token=owner)
    assert refused.status == 409 and refused.json["type"].endswith("/group-has-unpaid-bills")
    unpaid_bills.track_bills(api.container, c.group_id, paid=["bill-1"])
    assert api.call("DELETE", path, token=owner).status == 204
    for role in ("owner", "admin", "member", "viewer"):
        assert api.get(path, token=c.token(role)).status == 404
        assert c.group_id not in [g["id"] for g in api.get("/groups", token=c.token(role)).json["items"]]
    stored = groups.group_collection(api.container).get(c.group_id)
    assert stored is not None and stored["status"] == "deleted"  # soft: still in the store
    entries = api.container.store.collection(groups.audit.AUDIT_LOG).find_page(
        {"chain": f"group:{c.group_id}"}, order_by="seq", descending=True, limit=1
    ).items
    assert entries[0]["action"] == "group.delete" and entries[0]["actor"] == c.people["owner"].user_id


def test_interrupted_delete_is_finished_by_repeating_it(api: Api) -> None:
    c = cast(api)
    stored = groups.group_collection(api.container).get(c.group_id)
    assert stored is not None
    groups.group_collection(api.container).update(c.group_id, {"status": "deleted"}, expected_version=stored["version"])
    assert api.get(f"/groups/{c.group_id}", token=c.token("member")).status == 404
    assert api.call("DELETE", f"/groups/{c.group_id}", token=c.token("owner")).status == 204
    assert api.get(f"/groups/{c.group_id}/members", token=c.token("member")).status == 404


def test_stale_delete_is_a_conflict(api: Api) -> None:
    c = cast(api)
    owner = c.token("owner")
    version = api.get(f"/groups/{c.group_id}", token=owner).json["version"]
    assert api.patch(f"/groups/{c.group_id}", {"name": "new", "version": version}, token=owner).status == 200
    assert api.call("DELETE", f"/groups/{c.group_id}?version={version}", token=owner).status == 409
    assert api.call("DELETE", f"/groups/{c.group_id}", token=owner, headers={"If-Match": f'"{version}"'}).status == 409


def test_people_can_be_in_many_groups_with_different_roles(api: Api) -> None:
    alice, bob = person(api, "alice"), person(api, "bob")
    first = create_group(api, alice)
    second = create_group(api, bob)
    from tests.integration.group_helpers import add_member

    add_member(api, second, bob, alice, "viewer")
    roles = {g["id"]: g["your_role"] for g in api.get("/groups", token=alice.token).json["items"]}
    assert roles == {first: "owner", second: "viewer"}


def test_unpaid_bill_tracking_is_idempotent_when_a_step_is_repeated(api: Api) -> None:
    # GIVEN an issue that was interrupted after counting the bill, then retried (counting it again)
    c = cast(api)
    unpaid_bills.track_bills(api.container, c.group_id, unpaid=["bill-1"], issuing=True)
    unpaid_bills.track_bills(api.container, c.group_id, unpaid=["bill-1"], issuing=True)
    # THEN the bill is counted once, and settling it (twice) leaves nothing unpaid
    assert api.get(f"/groups/{c.group_id}", token=c.token("owner")).json["unpaid_bills"] == 1
    unpaid_bills.track_bills(api.container, c.group_id, paid=["bill-1"])
    unpaid_bills.track_bills(api.container, c.group_id, paid=["bill-1"])
    assert api.get(f"/groups/{c.group_id}", token=c.token("owner")).json["unpaid_bills"] == 0
