"""The notify-a-user service: the channel a user chose, security notices to the account email, and one failure policy
per kind of send (a notice about a change that happened never fails the request; a code or link the person needs is a
503 the client retries; an invitation whose link could not go out is not left pending)."""

from __future__ import annotations

import io
from typing import Any

import pytest

from chalicelib.services.notifications import preferred_contact
from tests.integration.conftest import Api
from tests.integration.group_helpers import create_group, person
from tests.integration.notify_helpers import RefusingFor

PASSWORD = "correct horse battery staple"


@pytest.mark.parametrize(
    ("user", "expected"),
    [
        ({"email": "a@x.org", "phone": "+4915112345678", "phone_verified": True,
          "notification_preferences": {"channels": ["sms"]}}, ("sms", "+4915112345678")),
        ({"email": "a@x.org", "phone": "+4915112345678", "phone_verified": False,
          "notification_preferences": {"channels": ["sms"]}}, ("email", "a@x.org")),
        ({"email": "a@x.org", "phone": "+4915112345678", "phone_verified": True,
          "notification_preferences": {"channels": ["email"]}}, ("email", "a@x.org")),
        ({"email": "a@x.org"}, ("email", "a@x.org")),
    ],
)
def test_the_channel_is_the_users_choice_and_sms_only_to_a_verified_phone(
    user: dict[str, Any], expected: tuple[str, str]
) -> None:
    assert preferred_contact(user) == expected


def test_a_refused_security_notice_does_not_fail_the_change_it_reports(api: Api, log_output: io.StringIO) -> None:
    ann = person(api, "ann")
    api.container.notifier = RefusingFor(ann.email, api.container.notifier)  # type: ignore[misc]
    changed = api.post("/auth/password/change", {"current_password": PASSWORD, "new_password": PASSWORD + " 2"},
                       token=ann.token)
    assert changed.status == 200, changed.json  # the password changed; the notice is logged, not a 503
    [line] = [line for line in log_output.getvalue().splitlines() if "accounts.delivery_failed" in line]
    assert ann.user_id in line and "password-changed" in line and ann.email not in line


def test_a_refused_code_is_a_503_the_client_retries(api: Api) -> None:
    ann = person(api, "ann")
    api.container.notifier = RefusingFor("+4915112345678", api.container.notifier)  # type: ignore[misc]
    answer = api.call("PATCH", "/me", {"phone": "+4915112345678"}, token=ann.token)
    assert answer.status == 503 and answer.json["type"].endswith("/delivery-failed")
    assert int(answer.header("Retry-After") or 0) >= 1


def test_an_invitation_whose_link_was_refused_is_not_left_pending(api: Api) -> None:
    owner = person(api, "owner")
    group_id = create_group(api, owner)
    outbox = api.container.notifier
    api.container.notifier = RefusingFor("bob@example.org", outbox)  # type: ignore[misc]
    sent = api.post(f"/groups/{group_id}/invitations", {"email": "bob@example.org"}, token=owner.token)
    api.container.notifier = outbox  # type: ignore[misc]
    assert sent.status == 503 and sent.json["type"].endswith("/delivery-failed")
    assert api.get(f"/groups/{group_id}/invitations", token=owner.token).json["items"] == []
    actions = [e["action"] for e in api.get(f"/groups/{group_id}/audit", token=owner.token).json["items"]]
    assert actions[:2] == ["invitation.revoked", "member.invite"]
