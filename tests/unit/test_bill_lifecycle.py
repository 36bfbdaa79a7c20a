"""A bill's life cycle and payment dates, pure (chalicelib.domain.bill_lifecycle, chalicelib.domain.due_dates)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from chalicelib.domain.bill_lifecycle import BillAction, BillNotEditable, BillState, transition
from chalicelib.domain.due_dates import PaymentReminder, due_dates, next_reminder, reminder_due_at

BERLIN = ZoneInfo("Europe/Berlin")


@pytest.mark.parametrize(
    ("state", "action", "following"),
    [
        (BillState.DRAFT, BillAction.EDIT, BillState.DRAFT),
        (BillState.REVIEW, BillAction.EDIT, BillState.DRAFT),
        (BillState.DRAFT, BillAction.REVIEW, BillState.REVIEW),
        (BillState.REVIEW, BillAction.ISSUE, BillState.ISSUED),
        (BillState.DRAFT, BillAction.DELETE, BillState.DELETED),
        (BillState.REVIEW, BillAction.DELETE, BillState.DELETED),
        (BillState.ISSUED, BillAction.ADJUST, BillState.ISSUED),
    ],
)
def test_allowed_transitions(state: BillState, action: BillAction, following: BillState) -> None:
    assert transition(state, action) is following


@pytest.mark.parametrize(
    ("state", "action"),
    [
        (BillState.DRAFT, BillAction.ISSUE),  # nothing is issued without a person's review
        (BillState.ISSUED, BillAction.EDIT),
        (BillState.ISSUED, BillAction.REVIEW),
        (BillState.ISSUED, BillAction.ISSUE),
        (BillState.ISSUED, BillAction.DELETE),
        (BillState.DRAFT, BillAction.ADJUST),
        (BillState.REVIEW, BillAction.REVIEW),
        (BillState.DELETED, BillAction.EDIT),
    ],
)
def test_refused_transitions_are_bill_not_editable(state: BillState, action: BillAction) -> None:
    with pytest.raises(BillNotEditable):
        transition(state, action)


def test_every_state_but_deleted_allows_something() -> None:
    for state in BillState:
        allowed = [action for action in BillAction if _allows(state, action)]
        assert bool(allowed) == (state is not BillState.DELETED), state


def _allows(state: BillState, action: BillAction) -> bool:
    try:
        transition(state, action)
    except BillNotEditable:
        return False
    return True


def test_due_dates_follow_the_local_issue_day_and_the_payment_terms() -> None:
    # the worked example of docs/bills.md: issued on 2 November 2027 in Berlin, 14 days' terms
    dates = due_dates(datetime(2027, 11, 2, 23, 30, tzinfo=BERLIN), BERLIN, 14)
    assert dates.due_on == date(2027, 11, 16)
    assert dates.overdue_at == datetime(2027, 11, 16, 23, tzinfo=UTC)  # local midnight after the due date
    assert dates.due_soon_reminder_at == datetime(2027, 11, 13, 8, tzinfo=UTC)  # 09:00 local, three days before
    assert dates.overdue_reminder_at == datetime(2027, 11, 17, 8, tzinfo=UTC)  # 09:00 local, the day after


def test_the_issue_day_is_the_groups_local_day() -> None:
    late_evening_utc = datetime(2027, 11, 2, 23, 30, tzinfo=UTC)  # already 3 November in Berlin
    assert due_dates(late_evening_utc, BERLIN, 0).due_on == date(2027, 11, 3)
    assert due_dates(late_evening_utc, ZoneInfo("UTC"), 0).due_on == date(2027, 11, 2)


def test_reminders_go_due_soon_then_overdue_then_stop() -> None:
    assert next_reminder([]) is PaymentReminder.DUE_SOON
    assert next_reminder(["due_soon"]) is PaymentReminder.OVERDUE
    assert next_reminder(["due_soon", "overdue"]) is None
    assert next_reminder(["overdue"]) is None
    assert reminder_due_at("2027-11-13T08:00:00.000000Z", "2027-11-17T08:00:00.000000Z") is PaymentReminder.DUE_SOON
    assert reminder_due_at("2027-11-17T08:00:00.000000Z", "2027-11-17T08:00:00.000000Z") is PaymentReminder.OVERDUE
