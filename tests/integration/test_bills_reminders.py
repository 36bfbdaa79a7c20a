"""The payment reminder job: due-soon then overdue, only to debtors with something outstanding, never twice."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from chalicelib.domain.timestamps import utc_iso_at
from chalicelib.jobs import payment_reminders
from chalicelib.services import ledger
from tests.integration.bill_helpers import cast_since, issued, pay
from tests.integration.conftest import Api
from tests.integration.notify_helpers import RefusingFor

PERIOD = {"from": "2027-10-01", "to": "2027-10-31"}


def _sent(api: Api, email: str) -> list[str]:
    return [m["template"] for m in api.outbox(email) if m["template"].startswith("payment-reminder")]


def test_reminders_go_to_debtors_once_per_kind_and_never_to_payers(api: Api) -> None:
    group = cast_since(api, datetime(2027, 9, 20, 10, tzinfo=UTC), datetime(2027, 11, 2, 10, tzinfo=UTC))
    owner, admin, member = (group.people[r] for r in ("owner", "admin", "member"))
    bill = issued(api, group, {"period": PERIOD, "total": "90.00", "method": "equal"})
    assert bill["due_on"] == "2027-11-16"  # Berlin, 14 days
    assert pay(api, group.group_id, owner.token, {"from": owner.user_id, "to": "utility", "amount": "30.00",
                                                  "bill_id": bill["id"]}).status == 201
    assert pay(api, group.group_id, owner.token, {"from": admin.user_id, "to": "utility", "amount": "10.00",
                                                  "bill_id": bill["id"]}).status == 201

    nothing_yet = payment_reminders.run(api.container, datetime(2027, 11, 13, 7, 59, tzinfo=UTC))
    assert nothing_yet.reminders == 0 and nothing_yet.bills == 0

    soon = datetime(2027, 11, 13, 8, tzinfo=UTC)  # 09:00 in Berlin, three days before the due date
    first = payment_reminders.run(api.container, soon)
    assert first.reminders == 2 and first.by_kind == {"due_soon": 2}
    again = payment_reminders.run(api.container, soon + timedelta(hours=1))
    assert again.reminders == 0 and again.bills == 0
    assert _sent(api, owner.email) == []
    assert _sent(api, admin.email) == ["payment-reminder-due"]
    assert "20.00 EUR" in api.outbox(admin.email)[0]["body"]

    # the member pays before the due date: only the admin is reminded that it is overdue
    assert pay(api, group.group_id, owner.token, {"from": member.user_id, "to": "utility", "amount": "30.00",
                                                  "bill_id": bill["id"]}).status == 201
    late = datetime(2027, 11, 17, 8, tzinfo=UTC)  # 09:00 in Berlin the day after the due date
    overdue = payment_reminders.run(api.container, late)
    assert overdue.reminders == 1 and overdue.by_kind == {"overdue": 1}
    assert payment_reminders.run(api.container, late + timedelta(days=3)).reminders == 0
    assert _sent(api, admin.email) == ["payment-reminder-overdue", "payment-reminder-due"]
    assert _sent(api, member.email) == ["payment-reminder-due"]


def test_a_run_that_loses_the_race_sends_nothing(api: Api) -> None:
    group = cast_since(api, datetime(2027, 9, 20, 10, tzinfo=UTC), datetime(2027, 11, 2, 10, tzinfo=UTC))
    issued(api, group, {"period": PERIOD, "total": "90.00", "method": "equal"})
    collection = ledger.bill_collection(api.container)
    stale = collection.find_page({"group_id": group.group_id, "state": "issued"}).items
    late = datetime(2027, 11, 20, 8, tzinfo=UTC)
    assert payment_reminders.run(api.container, late).reminders == 3
    summary = payment_reminders.PaymentReminderSummary()
    payment_reminders._process(api.container, stale, late, summary)  # a concurrent run that read the old version
    assert summary.reminders == 0 and summary.conflicts == 1


def test_reminder_run_at_a_zoned_instant_compares_in_utc(api: Api) -> None:
    # GIVEN a bill whose due-soon reminder is at 08:00 UTC (09:00 Berlin)
    group = cast_since(api, datetime(2027, 9, 20, 10, tzinfo=UTC), datetime(2027, 11, 2, 10, tzinfo=UTC))
    issued(api, group, {"period": PERIOD, "total": "90.00", "method": "equal"})
    berlin = ZoneInfo("Europe/Berlin")
    # WHEN the job runs one minute earlier, with "now" given in Berlin time (08:59+01:00)
    early = payment_reminders.run(api.container, datetime(2027, 11, 13, 7, 59, tzinfo=UTC).astimezone(berlin))
    # THEN nothing is due yet; at 09:00 Berlin the reminders go out
    assert early.reminders == 0
    assert payment_reminders.run(api.container, datetime(2027, 11, 13, 9, tzinfo=berlin)).reminders == 3


def test_utc_iso_at_converts_any_zone_to_utc() -> None:
    moment = datetime(2027, 11, 13, 9, tzinfo=ZoneInfo("Europe/Berlin"))
    assert utc_iso_at(moment) == "2027-11-13T08:00:00.000000Z"


def test_a_refused_reminder_does_not_stop_the_others_and_is_sent_again_next_run(api: Api) -> None:
    group = cast_since(api, datetime(2027, 9, 20, 10, tzinfo=UTC), datetime(2027, 11, 2, 10, tzinfo=UTC))
    owner, admin, member = (group.people[r] for r in ("owner", "admin", "member"))
    bill = issued(api, group, {"period": PERIOD, "total": "90.00", "method": "equal"})
    outbox = api.container.notifier
    # GIVEN the provider refuses the admin's address
    api.container.notifier = RefusingFor(admin.email, outbox)  # type: ignore[misc]
    soon = datetime(2027, 11, 13, 8, tzinfo=UTC)
    # WHEN the job runs
    first = payment_reminders.run(api.container, soon)
    api.container.notifier = outbox  # type: ignore[misc]  # the provider takes the address again
    # THEN the others are reminded and marked, the admin is neither
    assert first.reminders == 3 and first.failed == 1
    assert _sent(api, owner.email) == ["payment-reminder-due"] and _sent(api, member.email) == ["payment-reminder-due"]
    assert _sent(api, admin.email) == []
    stored = ledger.bill_collection(api.container).get(bill["id"]) or {}
    assert set(stored["reminded"]) == {owner.user_id, member.user_id}
    assert stored["next_reminder_at"] == utc_iso_at(soon)
    # WHEN the job runs an hour later
    second = payment_reminders.run(api.container, soon + timedelta(hours=1))
    # THEN only the admin gets the reminder, once, and the bill moves on to its overdue reminder
    assert second.reminders == 1 and second.failed == 0
    assert _sent(api, admin.email) == ["payment-reminder-due"]
    assert _sent(api, owner.email) == ["payment-reminder-due"] and _sent(api, member.email) == ["payment-reminder-due"]
    stored = ledger.bill_collection(api.container).get(bill["id"]) or {}
    assert stored["reminded"][admin.user_id] == ["due_soon"] and stored["next_reminder_at"] > utc_iso_at(soon)
