"""Reading reminders: who gets one now, and when a group next needs looking at. Pure: ``now`` is always an argument.

A group reads its meters in a *reading window*: the ``window_days`` local days that end with the billing-cycle boundary
day (both in the group's time zone; the boundary comes from ``domain.billing_cycles``, as the bill drafts' does).
Inside the window, a participant who has not yet submitted a reading for a meter assigned to them gets

* one ``opening`` reminder, at the first sensible local hour (their own time zone, outside the quiet hours of their
  preferences: 08:00-21:00 for accounts created with the default quiet hours 21-8; ``DEFAULT_AWAKE_FROM`` and
  ``DEFAULT_AWAKE_UNTIL``, 09:00-20:00, only when no quiet hours are stored) once the window is open, and
* one ``closing`` reminder once the window is about to close (``CLOSING_LEAD`` before it closes), again only at a
  sensible hour.

Each kind is sent at most once per window and meter. A participant who is first seen inside the closing lead gets only
the closing reminder (one message, not two in the same run). Nothing is sent outside the window or after submission.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from chalicelib.domain.billing_cycles import current_boundary

#: The closing reminder goes out within this long before the window closes.
CLOSING_LEAD = timedelta(hours=24)
DEFAULT_AWAKE_FROM = 9
DEFAULT_AWAKE_UNTIL = 20
_SEARCH_HOURS = 48


class ReminderKind(StrEnum):
    OPENING = "opening"
    CLOSING = "closing"


@dataclass(frozen=True)
class ReadingWindow:
    """``[opens_at, closes_at)`` in UTC; ``boundary`` is the local billing-cycle day it ends with (its key)."""

    boundary: date
    opens_at: datetime
    closes_at: datetime

    def is_open(self, now: datetime) -> bool:
        return self.opens_at <= now < self.closes_at

    @property
    def closing_from(self) -> datetime:
        return self.closes_at - CLOSING_LEAD


@dataclass(frozen=True)
class MeterReader:
    """One (participant, meter) pair in the current window. Hours are local, ``awake_from <= hour < awake_until``."""

    user_id: str
    meter_id: str
    timezone: ZoneInfo
    has_submitted: bool
    reminded: frozenset[ReminderKind] = frozenset()
    awake_from: int = DEFAULT_AWAKE_FROM
    awake_until: int = DEFAULT_AWAKE_UNTIL


@dataclass(frozen=True)
class Reminder:
    user_id: str
    meter_id: str
    kind: ReminderKind


def reading_window(boundary: date, window_days: int, timezone: ZoneInfo) -> ReadingWindow:
    """The ``window_days`` local days ending with ``boundary``: local midnight to local midnight, in UTC."""
    first_day = boundary - timedelta(days=window_days - 1)
    opens = datetime.combine(first_day, time(0), tzinfo=timezone).astimezone(UTC)
    closes = datetime.combine(boundary + timedelta(days=1), time(0), tzinfo=timezone).astimezone(UTC)
    return ReadingWindow(boundary, opens, closes)


def current_window(now: datetime, *, billing_cycle: str, window_days: int, timezone: ZoneInfo) -> ReadingWindow | None:
    """The window that is open at ``now``, or else the next one to open; None when the cycle has no known boundary
    (``domain.billing_cycles``: a custom cycle)."""
    boundary = current_boundary(billing_cycle, now.astimezone(timezone).date())
    return None if boundary is None else reading_window(boundary, window_days, timezone)


def is_sensible_hour(now: datetime, timezone: ZoneInfo, awake_from: int, awake_until: int) -> bool:
    """Whether the local hour at ``now`` is one to send reminders in (a range may wrap past midnight)."""
    hour = now.astimezone(timezone).hour
    if awake_from <= awake_until:
        return awake_from <= hour < awake_until
    return hour >= awake_from or hour < awake_until


def next_sensible_time(at: datetime, timezone: ZoneInfo, awake_from: int, awake_until: int) -> datetime | None:
    """``at`` itself if sensible, else the next local full hour that is (None if none within two days)."""
    if is_sensible_hour(at, timezone, awake_from, awake_until):
        return at
    local = at.astimezone(timezone)
    candidate = (local.replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)).astimezone(UTC)
    for _ in range(_SEARCH_HOURS):
        if is_sensible_hour(candidate, timezone, awake_from, awake_until):
            return candidate
        candidate += timedelta(hours=1)
    return None


def reminder_kind_due(window: ReadingWindow, now: datetime, participant: MeterReader) -> ReminderKind | None:
    """The reminder this participant should get at ``now``, if any (ignoring the local hour)."""
    if participant.has_submitted or not window.is_open(now):
        return None
    if now >= window.closing_from:
        return None if ReminderKind.CLOSING in participant.reminded else ReminderKind.CLOSING
    return None if ReminderKind.OPENING in participant.reminded else ReminderKind.OPENING


def due_reminders(window: ReadingWindow, now: datetime, participants: Iterable[MeterReader]) -> list[Reminder]:
    """Who gets which reminder at ``now``: unsubmitted, not yet reminded of this kind, at a sensible local hour."""
    due = []
    for participant in participants:
        kind = reminder_kind_due(window, now, participant)
        if kind is None:
            continue
        if not is_sensible_hour(now, participant.timezone, participant.awake_from, participant.awake_until):
            continue
        due.append(Reminder(participant.user_id, participant.meter_id, kind))
    return due


def after_sending(participant: MeterReader, kind: ReminderKind) -> frozenset[ReminderKind]:
    """The kinds recorded as sent after ``kind`` went out: a closing reminder also settles the opening one."""
    sent = {kind} if kind is ReminderKind.OPENING else {ReminderKind.OPENING, ReminderKind.CLOSING}
    return participant.reminded | sent


def next_due_at(window: ReadingWindow, now: datetime, participants: Sequence[MeterReader]) -> datetime | None:
    """The earliest instant after ``now`` at which any participant will be due; None when nobody will be in this window.

    A job that stores this per group reads only groups that are due, so its cost follows due participants.
    """
    earliest: datetime | None = None
    for participant in participants:
        if participant.has_submitted:
            continue
        start = max(now, window.opens_at)
        if ReminderKind.OPENING in participant.reminded or start >= window.closing_from:
            if ReminderKind.CLOSING in participant.reminded:
                continue
            start = max(start, window.closing_from)
        moment = next_sensible_time(start, participant.timezone, participant.awake_from, participant.awake_until)
        if moment is None or moment >= window.closes_at:
            continue
        if earliest is None or moment < earliest:
            earliest = moment
    return earliest
