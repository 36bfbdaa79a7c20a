"""When an issued bill is due, when it becomes overdue, and when its payment reminders go out. Pure.

A bill is due ``payment_terms_days`` after the local day it was issued (in the group's time zone); its shares become
overdue at the local midnight after the due date. Two reminders go out, each at ``REMINDER_HOUR`` local time: due soon
``DUE_SOON_DAYS`` before the due date, then overdue the day after it. A bill that turns unpaid again (a reversed
payment) resumes with the reminder it has not had yet.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

DUE_SOON_DAYS = 3
REMINDER_HOUR = 9


class PaymentReminder(StrEnum):
    DUE_SOON = "due_soon"
    OVERDUE = "overdue"


@dataclass(frozen=True)
class DueDates:
    """The due date (local) and, as aware UTC instants, when the shares are overdue and the two reminders."""

    due_on: date
    overdue_at: datetime
    due_soon_reminder_at: datetime
    overdue_reminder_at: datetime


def due_dates(issued_at: datetime, zone: ZoneInfo, payment_terms_days: int) -> DueDates:
    """The dates of a bill issued at ``issued_at`` (aware) in a group in ``zone`` with these payment terms."""
    due_on = issued_at.astimezone(zone).date() + timedelta(days=payment_terms_days)
    day_after = due_on + timedelta(days=1)
    return DueDates(
        due_on=due_on,
        overdue_at=datetime.combine(day_after, time(0), tzinfo=zone).astimezone(UTC),
        due_soon_reminder_at=datetime.combine(due_on - timedelta(days=DUE_SOON_DAYS), time(REMINDER_HOUR),
                                              tzinfo=zone).astimezone(UTC),
        overdue_reminder_at=datetime.combine(day_after, time(REMINDER_HOUR), tzinfo=zone).astimezone(UTC),
    )


def reminder_due_at(now_or_later: str, overdue_reminder_at: str) -> PaymentReminder:
    """Which reminder a bill whose reminder instant has come gets at ``now_or_later`` (UTC ISO timestamps)."""
    return PaymentReminder.OVERDUE if now_or_later >= overdue_reminder_at else PaymentReminder.DUE_SOON


def next_reminder(sent: Iterable[str]) -> PaymentReminder | None:
    """The reminder still to send to a bill that is unpaid (again), given the kinds already sent to anyone."""
    kinds = set(sent)
    if PaymentReminder.OVERDUE in kinds:
        return None
    if PaymentReminder.DUE_SOON in kinds:
        return PaymentReminder.OVERDUE
    return PaymentReminder.DUE_SOON
