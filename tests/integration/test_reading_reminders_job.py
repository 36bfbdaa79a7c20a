"""The reading-reminder job and its schedule: a refused send does not stop the run, people who left the group are not
reminded, group settings reschedule, and a roster emptied and refilled in a window does not remind twice."""

from __future__ import annotations

import io
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from chalicelib.adapters.notify.outbox import OutboxNotifier
from chalicelib.jobs import reading_reminders
from tests.integration.conftest import Api
from tests.integration.group_helpers import Person, add_member, create_group, person
from tests.integration.notify_helpers import RefusingFor

INSTALLED = "2025-01-01T00:00:00Z"
# 2027-03-30 10:00 UTC is 12:00 in Berlin, inside the three-day window that ends with March 31
FROZEN = datetime(2027, 3, 30, 10, tzinfo=UTC)


@pytest.fixture
def flat(api: Api) -> dict[str, Any]:
    """A Berlin group (three-day reading window) whose owner and two members each hold an unread sub-meter."""
    api.clock.advance(FROZEN.timestamp() - 600 - time.time())  # set up in the ten minutes before the run
    owner, first, second = person(api, "owner"), person(api, "first"), person(api, "second")
    group_id = create_group(api, owner, reading_window_days=3)
    add_member(api, group_id, owner, first, "member")
    add_member(api, group_id, owner, second, "member")
    base = f"/groups/{group_id}/meters"
    meters = {}
    for serial, who in (("A", first), ("B", second)):
        created = api.post(base, {"serial": serial, "kind": "sub", "unit": "kWh", "installed_at": INSTALLED,
                                  "participant_id": who.user_id}, token=owner.token)
        assert created.status == 201, created.json
        meters[serial] = created.json["id"]
    return {"group": group_id, "owner": owner, "first": first, "second": second, "base": base, "meters": meters}


def reminders_to(api: Api, who: Person) -> list[str]:
    notifier = api.container.notifier
    outbox = notifier.inner if isinstance(notifier, RefusingFor) else notifier
    assert isinstance(outbox, OutboxNotifier)
    return [str(m["template"]) for m in outbox.messages(recipient=who.email)
            if str(m["template"]).startswith("reading-reminder")]


def test_a_refused_send_is_counted_and_logged_and_the_rest_still_go_out(
    api: Api, flat: dict[str, Any], log_output: io.StringIO
) -> None:
    # GIVEN the provider refuses the first member's address
    api.container.notifier = RefusingFor(flat["first"].email, api.container.notifier)  # type: ignore[misc]
    # WHEN the job runs
    summary = reading_reminders.run(api.container, FROZEN)
    # THEN the other member is still reminded, the failure is counted, and logged by ids only
    assert summary.reminders == 2 and summary.failed == 1
    assert reminders_to(api, flat["second"]) == ["reading-reminder"]
    [line] = [line for line in log_output.getvalue().splitlines() if "reading_reminders.delivery_failed" in line]
    assert flat["first"].user_id in line and flat["meters"]["A"] in line
    assert flat["first"].email not in line and "Flat 3B" not in line


def test_a_member_who_left_the_group_is_not_reminded(api: Api, flat: dict[str, Any]) -> None:
    # GIVEN the first member leaves (their meter is still assigned to them)
    assert api.post(f"/groups/{flat['group']}/leave", token=flat["first"].token).status == 204
    # WHEN the job runs THEN only the member who stayed is reminded
    summary = reading_reminders.run(api.container, FROZEN)
    assert summary.reminders == 1
    assert reminders_to(api, flat["first"]) == []
    assert reminders_to(api, flat["second"]) == ["reading-reminder"]


def test_turning_reading_reminders_on_reschedules_the_group_at_once(api: Api, flat: dict[str, Any]) -> None:
    group_url = f"/groups/{flat['group']}"
    owner = flat["owner"].token
    # GIVEN reminders are off, so the job looks at the group again only a day later
    version = api.get(group_url, token=owner).json["version"]
    assert api.patch(group_url, {"reading_window_days": 0, "version": version}, token=owner).status == 200
    assert reading_reminders.run(api.container, FROZEN).reminders == 0
    # WHEN an owner turns them back on
    version = api.get(group_url, token=owner).json["version"]
    assert api.patch(group_url, {"reading_window_days": 3, "version": version}, token=owner).status == 200
    # THEN the next hourly run reminds both members, not a day later
    assert reading_reminders.run(api.container, FROZEN + timedelta(hours=1)).reminders == 2


def test_emptying_and_refilling_the_roster_in_a_window_does_not_remind_again(api: Api, flat: dict[str, Any]) -> None:
    owner = flat["owner"].token
    assert reading_reminders.run(api.container, FROZEN).reminders == 2  # the opening reminders
    # GIVEN both meters are unassigned (nobody left to remind) and then assigned again, in the same window
    for serial in ("A", "B"):
        url = f"{flat['base']}/{flat['meters'][serial]}"
        assert api.patch(url, {"participant_id": None}, token=owner).status == 200
    for serial, who in (("A", "first"), ("B", "second")):
        url = f"{flat['base']}/{flat['meters'][serial]}"
        assert api.patch(url, {"participant_id": flat[who].user_id}, token=owner).status == 200
    # WHEN the job runs again THEN nobody gets the opening reminder a second time
    assert reading_reminders.run(api.container, FROZEN + timedelta(hours=1)).reminders == 0
    assert reminders_to(api, flat["first"]) == ["reading-reminder"]


def test_a_custom_billing_cycle_gets_neither_reading_reminders_nor_drafts(api: Api, flat: dict[str, Any]) -> None:
    """A custom cycle has no known boundary (domain.billing_cycles): no month-end reminder, no drafted period."""
    group_url = f"/groups/{flat['group']}"
    owner = flat["owner"].token
    version = api.get(group_url, token=owner).json["version"]
    changed = api.patch(group_url, {"billing_cycle": "custom", "billing_cycle_days": 45, "version": version},
                        token=owner)
    assert changed.status == 200, changed.json
    assert reading_reminders.run(api.container, FROZEN).reminders == 0
    tariff = api.call("PUT", f"{group_url}/tariff", {"billed_by": "tariff", "prices": {"kWh": [{"price": "0.30"}]}},
                      token=owner)
    assert tariff.status == 200 and tariff.json["next_draft_at"] is None, tariff.json
