"""Invitations (expiry, single use, decline, recipient binding), weights, and the last-owner rule."""

from __future__ import annotations

from chalicelib.domain.policy import Role
from chalicelib.services import access, groups, members, owners
from chalicelib.services.invitations import INVITATION_TTL_SECONDS
from tests.integration.conftest import Api
from tests.integration.group_helpers import (
    add_member,
    cast,
    create_group,
    invitation_token,
    member_version,
    person,
    role_change,
)
from tests.integration.reading_helpers import metered_cast


def test_invitation_is_single_use(api: Api) -> None:
    owner, guest = person(api, "owner"), person(api, "guest")
    group = create_group(api, owner)
    sent = api.post(f"/groups/{group}/invitations", {"email": guest.email.upper(), "role": "viewer",
                                                      "weights": {"area": "31.25", "occupants": "2"}},
                    token=owner.token)
    assert sent.status == 201 and sent.json["recipient"] == guest.email and sent.json["status"] == "pending"
    token = invitation_token(api, guest.email)
    joined = api.post("/invitations/accept", {"token": token}, token=guest.token)
    assert joined.status == 200 and joined.json == {"group_id": group, "role": "viewer"}
    again = api.post("/invitations/accept", {"token": token}, token=guest.token)
    assert again.status == 404 and again.json["type"].endswith("/invitation-invalid")
    members = {m["user_id"]: m for m in api.get(f"/groups/{group}/members", token=guest.token).json["items"]}
    assert members[guest.user_id]["weights"] == {"area": "31.25", "occupants": "2", "custom": None}
    assert api.get(f"/groups/{group}/invitations", token=owner.token).json["items"] == []


def test_invitation_expires(api: Api) -> None:
    owner, guest = person(api, "owner"), person(api, "guest")
    group = create_group(api, owner)
    api.post(f"/groups/{group}/invitations", {"email": guest.email}, token=owner.token)
    token = invitation_token(api, guest.email)
    api.clock.advance(INVITATION_TTL_SECONDS + 1)
    login = api.post("/auth/login", {"email": guest.email, "password": "correct horse battery staple"})
    assert login.status == 200
    late = api.post("/invitations/accept", {"token": token}, token=login.json["access_token"])
    assert late.status == 404 and late.json["type"].endswith("/invitation-invalid")


def test_declined_invitation_cannot_be_accepted(api: Api) -> None:
    owner, guest = person(api, "owner"), person(api, "guest")
    group = create_group(api, owner)
    api.post(f"/groups/{group}/invitations", {"email": guest.email}, token=owner.token)
    token = invitation_token(api, guest.email)
    assert api.post("/invitations/decline", {"token": token}, token=guest.token).status == 204
    assert api.post("/invitations/accept", {"token": token}, token=guest.token).status == 404
    assert api.get(f"/groups/{group}", token=guest.token).status == 404
    actions = [e["action"] for e in api.get(f"/groups/{group}/audit", token=owner.token).json["items"]]
    assert actions[0] == "invitation.declined"


def test_revoked_invitation_cannot_be_accepted(api: Api) -> None:
    owner, guest = person(api, "owner"), person(api, "guest")
    group = create_group(api, owner)
    invitation = api.post(f"/groups/{group}/invitations", {"email": guest.email}, token=owner.token).json
    assert api.call("DELETE", f"/groups/{group}/invitations/{invitation['id']}", token=owner.token).status == 204
    assert api.post("/invitations/accept", {"token": invitation_token(api, guest.email)}, token=guest.token).status \
        == 404


def test_invitation_works_only_for_its_recipient(api: Api) -> None:
    owner, guest, thief = person(api, "owner"), person(api, "guest"), person(api, "thief")
    group = create_group(api, owner)
    api.post(f"/groups/{group}/invitations", {"email": guest.email}, token=owner.token)
    token = invitation_token(api, guest.email)
    assert api.post("/invitations/accept", {"token": token}, token=thief.token).status == 404
    assert api.post("/invitations/decline", {"token": token}, token=thief.token).status == 404
    assert api.post("/invitations/accept", {"token": token}, token=guest.token).status == 200


def test_phone_invitation_needs_the_verified_phone(api: Api) -> None:
    owner, guest = person(api, "owner"), person(api, "guest")
    group = create_group(api, owner)
    sent = api.post(f"/groups/{group}/invitations", {"phone": "+4915112345678"}, token=owner.token)
    assert sent.status == 201 and sent.json["channel"] == "sms"
    token = invitation_token(api, "+4915112345678")
    assert api.post("/invitations/accept", {"token": token}, token=guest.token).status == 404
    from chalicelib.services.users import user_collection

    stored = user_collection(api.container).get(guest.user_id)
    assert stored is not None
    user_collection(api.container).update(guest.user_id, {"phone": "+4915112345678", "phone_verified": True},
                                expected_version=stored["version"])
    assert api.post("/invitations/accept", {"token": token}, token=guest.token).status == 200


def test_existing_member_cannot_accept_again(api: Api) -> None:
    c = cast(api)
    member = c.people["member"]
    api.post(f"/groups/{c.group_id}/invitations", {"email": member.email}, token=c.token("owner"))
    answer = api.post("/invitations/accept", {"token": invitation_token(api, member.email)}, token=member.token)
    assert answer.status == 409 and answer.json["type"].endswith("/already-member")


def test_last_owner_cannot_leave_or_be_demoted_or_removed(api: Api) -> None:
    c = cast(api)
    owner = c.people["owner"]
    base = f"/groups/{c.group_id}"
    left = api.post(base + "/leave", token=owner.token)
    assert left.status == 409 and left.json["type"].endswith("/last-owner")
    assert api.call("DELETE", f"{base}/members/{owner.user_id}", token=owner.token).status == 409
    assert role_change(api, c.group_id, owner.user_id, "admin", owner.token).status == 409
    assert api.get(base, token=owner.token).json["your_role"] == "owner"
    # With a second owner, the first may step down and leave; then the second is the last one.
    second = c.people["admin"]
    assert role_change(api, c.group_id, second.user_id, "owner", owner.token).status == 200
    assert role_change(api, c.group_id, owner.user_id, "admin", owner.token).status == 200
    assert api.post(base + "/leave", token=owner.token).status == 204
    assert api.get(base, token=owner.token).status == 404
    assert api.post(base + "/leave", token=second.token).status == 409


def test_removed_member_loses_access_and_can_be_invited_back(api: Api) -> None:
    c = cast(api)
    member = c.people["member"]
    assert api.call("DELETE", f"/groups/{c.group_id}/members/{member.user_id}", token=c.token("admin")).status == 204
    assert api.get(f"/groups/{c.group_id}", token=member.token).status == 404
    add_member(api, c.group_id, c.people["admin"], member, "viewer")
    assert api.get(f"/groups/{c.group_id}", token=member.token).json["your_role"] == "viewer"


def test_weights_and_sub_meter_are_exact_and_versioned(api: Api) -> None:
    metered = metered_cast(api)
    c = metered.cast
    member = c.people["member"]
    path = f"/groups/{c.group_id}/members/{member.user_id}"
    version = next(m["version"] for m in api.get(f"/groups/{c.group_id}/members", token=c.token("owner")).json["items"]
                   if m["user_id"] == member.user_id)
    meter_id = metered.meters["member"]
    body = {"weights": {"area": "42.125", "custom": "0.333333333333"}, "sub_meter_id": meter_id, "version": version}
    changed = api.patch(path, body, token=c.token("admin"))
    assert changed.status == 200
    assert changed.json["weights"] == {"area": "42.125", "occupants": None, "custom": "0.333333333333"}
    assert changed.json["sub_meter_id"] == meter_id
    assert api.patch(path, body, token=c.token("admin")).status == 409
    for bad in ({"area": 42}, {"area": "-1"}, {"area": "1e3"}, {"occupants": "1.0000000000001"}):
        answer = api.patch(path, {"weights": bad, "version": changed.json["version"]}, token=c.token("admin"))
        assert answer.status == 400, bad


def test_promotion_racing_a_demotion_leaves_no_non_owner_in_the_owner_list(api: Api) -> None:
    # GIVEN an owner promoting the admin while another request demotes the admin again, interleaved as:
    c = cast(api)
    owner, admin = c.people["owner"], c.people["admin"]
    collection = access.membership_collection(api.container)
    owner_doc = collection.get(access.membership_id(c.group_id, owner.user_id))
    assert owner_doc is not None
    owner_membership = access.to_membership(owner_doc)
    stored = collection.get(access.membership_id(c.group_id, admin.user_id))
    assert stored is not None
    # 1. the promotion writes the membership (role owner) ...
    promoted = collection.update(stored["_id"], {"role": "owner"}, expected_version=stored["version"])
    # 2. ... the demotion runs completely (the admin is not yet in owner_ids, so it removes nothing) ...
    members.change_role(api.container, owner_membership, admin.user_id, role=Role.ADMIN,
                        expected_version=promoted["version"], client_ip="test")
    # 3. ... and only then does the promotion add the admin to owner_ids
    owners.change_owners(api.container, c.group_id, add=admin.user_id)
    # THEN the owner list holds only real owners, and the only real owner still cannot leave
    assert groups.group_collection(api.container).get(c.group_id)["owner_ids"] == [owner.user_id]  # type: ignore[index]
    left = api.post(f"/groups/{c.group_id}/leave", token=owner.token)
    assert left.status == 409 and left.json["type"].endswith("/last-owner")


def test_stale_owner_id_does_not_let_the_last_real_owner_leave(api: Api) -> None:
    c = cast(api)
    owner, member = c.people["owner"], c.people["member"]
    group = groups.group_collection(api.container).get(c.group_id)
    assert group is not None  # GIVEN owner_ids that (somehow) still names a non-owner
    groups.group_collection(api.container).update(c.group_id, {"owner_ids": [owner.user_id, member.user_id]},
                                               expected_version=group["version"])
    left = api.post(f"/groups/{c.group_id}/leave", token=owner.token)
    assert left.status == 409 and left.json["type"].endswith("/last-owner")


def test_sub_meter_link_must_name_a_meter_of_the_group(api: Api) -> None:
    c = cast(api)
    other = metered_cast(api)  # a meter of another group
    member = c.people["member"]
    path = f"/groups/{c.group_id}/members/{member.user_id}"
    version = member_version(api, c.group_id, member.user_id, c.token("owner"))
    for meter_id in ("meter-7", other.meters["member"]):
        refused = api.patch(path, {"sub_meter_id": meter_id, "version": version}, token=c.token("owner"))
        assert refused.status == 400 and refused.json["errors"][0]["field"] == "sub_meter_id", refused.json
    cleared = api.patch(path, {"sub_meter_id": None, "version": version}, token=c.token("owner"))
    assert cleared.status == 200 and cleared.json["sub_meter_id"] is None


def test_admin_cannot_edit_an_owners_weights(api: Api) -> None:
    c = cast(api)
    owner = c.people["owner"]
    path = f"/groups/{c.group_id}/members/{owner.user_id}"
    body = {"weights": {"area": "1"}, "version": member_version(api, c.group_id, owner.user_id, c.token("owner"))}
    refused = api.patch(path, body, token=c.token("admin"))
    assert refused.status == 403, refused.json
    assert api.patch(path, body, token=c.token("owner")).status == 200


def test_a_member_linked_to_a_sub_meter_has_its_consumption_and_is_billed_by_it(api: Api) -> None:
    """One fact, one place: the link is the meter's holder, so consumption and bills follow a member's link."""
    c = cast(api)
    member, owner = c.people["member"], c.token("owner")
    # GIVEN a sub-meter nobody holds, read at the start and the end of February (local midnights in Berlin)
    meter = api.post(f"/groups/{c.group_id}/meters", {"serial": "SUB-9", "kind": "sub", "unit": "kWh",
                                                      "installed_at": "2025-01-01T00:00:00Z"}, token=owner)
    assert meter.status == 201, meter.json
    readings = f"/groups/{c.group_id}/meters/{meter.json['id']}/readings"
    for value, taken_at in (("10", "2025-02-01T00:00:00+01:00"), ("40", "2025-03-01T00:00:00+01:00")):
        assert api.post(readings, {"value": value, "taken_at": taken_at}, token=owner).status == 201
    # WHEN an admin links the member to it
    path = f"/groups/{c.group_id}/members/{member.user_id}"
    version = member_version(api, c.group_id, member.user_id, owner)
    linked = api.patch(path, {"sub_meter_id": meter.json["id"], "version": version}, token=c.token("admin"))
    assert linked.status == 200 and linked.json["sub_meter_id"] == meter.json["id"], linked.json
    # THEN the meter names the member as its holder, the member's consumption is the meter's ...
    [held] = api.get(f"/groups/{c.group_id}/meters", token=owner).json["items"]
    assert held["participant_id"] == member.user_id
    chart = api.get(f"/groups/{c.group_id}/consumption?from=2025-02-01&to=2025-03-01", token=owner).json
    assert [(p["participant_id"], p["values"]) for p in chart["participants"]] == [(member.user_id, ["30"])]
    # ... and a consumption bill takes it from the readings
    bill = api.post(f"/groups/{c.group_id}/bills", {"period": {"from": "2025-02-01", "to": "2025-02-28"},
                                                    "total": "30.00", "method": "consumption",
                                                    "participants": [{"id": member.user_id}]}, token=owner)
    assert bill.status == 201, bill.json
    assert bill.json["inputs"]["participants"][0]["consumption"] == "30"
    assert [(s["participant"], s["amount"]) for s in bill.json["shares"]] == [(member.user_id, "30.00")]
    # AND unlinking leaves the meter to nobody
    unlinked = api.patch(path, {"sub_meter_id": None, "version": linked.json["version"]}, token=owner)
    assert unlinked.status == 200 and unlinked.json["sub_meter_id"] is None
    assert api.get(f"/groups/{c.group_id}/meters", token=owner).json["items"][0]["participant_id"] is None


def test_only_a_sub_meter_links_to_a_member(api: Api) -> None:
    c = cast(api)
    main = api.post(f"/groups/{c.group_id}/meters", {"serial": "MAIN", "kind": "main", "unit": "kWh",
                                                     "installed_at": "2025-01-01T00:00:00Z"}, token=c.token("owner"))
    member = c.people["member"]
    version = member_version(api, c.group_id, member.user_id, c.token("owner"))
    refused = api.patch(f"/groups/{c.group_id}/members/{member.user_id}",
                        {"sub_meter_id": main.json["id"], "version": version}, token=c.token("owner"))
    assert refused.status == 400 and refused.json["errors"][0]["field"] == "sub_meter_id", refused.json
