"""Links land in the app: an invited person who has no account yet opens the link's page, sees who invites them,
signs up with the invited address (prefilled), verifies it, signs in, accepts, and is in the group."""

from __future__ import annotations

from tests.integration.conftest import Api
from tests.integration.group_helpers import create_group, person

PASSWORD = "correct horse battery staple"
NEWCOMER = "newcomer@example.org"
PROBLEMS = "https://sharemeter.dev/problems/"


def test_an_invited_person_without_an_account_signs_up_and_lands_in_the_group(api: Api) -> None:
    owner = person(api, "owner")
    group = create_group(api, owner)
    assert api.post(f"/groups/{group}/invitations", {"email": NEWCOMER}, token=owner.token).status == 201

    # GIVEN the link in the email: the app's page, with nothing but the token
    page, query = api.last_link(NEWCOMER, "group-invitation")
    assert page == f"{api.container.settings.public_app_url}/invitations/accept" and list(query) == ["token"]
    # WHEN the page asks who invites, before anyone signs in
    preview = api.post("/invitations/preview", {"token": query["token"]})
    assert preview.status == 200
    assert preview.json == preview.json | {"group_name": "Flat 3B", "role": "member", "channel": "email",
                                           "email": NEWCOMER}
    # AND the person signs up with that address, verifies it from the email's link, and signs in
    register = {"email": preview.json["email"], "password": PASSWORD, "name": "Nora"}
    assert api.post("/auth/register", register).status == 201
    _, verify = api.last_link(NEWCOMER, "verify-email")
    assert api.post("/auth/verify-email", {"token": verify["token"]}).status == 200
    signed_in = api.post("/auth/login", {"email": NEWCOMER, "password": PASSWORD})
    assert signed_in.status == 200
    token = signed_in.json["access_token"]
    # THEN accepting answers with the group to land in, and the person is a member there
    joined = api.post("/invitations/accept", {"token": query["token"]}, token=token)
    assert joined.status == 200 and joined.json == {"group_id": group, "role": "member"}
    assert api.get(f"/groups/{group}", token=token).status == 200
    assert group in [item["id"] for item in api.get("/groups", token=token).json["items"]]
    # AND the link is used up
    used = api.post("/invitations/preview", {"token": query["token"]})
    assert used.status == 404 and used.json["type"] == PROBLEMS + "invitation-invalid"


def test_a_preview_of_an_unknown_token_reveals_nothing(api: Api) -> None:
    unknown = api.post("/invitations/preview", {"token": "x" * 43})
    assert unknown.status == 404 and unknown.json["type"] == PROBLEMS + "invitation-invalid"
    assert set(unknown.json) == {"type", "title", "status", "detail", "correlation_id"}


def test_an_sms_invitation_preview_names_no_address(api: Api) -> None:
    owner = person(api, "owner")
    group = create_group(api, owner)
    assert api.post(f"/groups/{group}/invitations", {"phone": "+4915123456789"}, token=owner.token).status == 201
    page, query = api.last_link("+4915123456789", "group-invitation-sms")
    assert page.endswith("/invitations/accept")
    preview = api.post("/invitations/preview", {"token": query["token"]}).json
    assert preview["channel"] == "sms" and preview["email"] is None
