"""Scheduled job: remind participants who have not read their meter while their group's reading window is open.

Runs hourly (``app.py``: ``reading_reminders``, its own Lambda). It pages through the reminder schedule by ``due_at``
(only groups due now), and per page makes four ``get_many`` reads (groups, meters, users, memberships: only active
members are reminded), one conditional update per group, then the page's sends. Per group: the window from the group's
time zone, reading window days and billing cycle; who is due (``chalicelib.domain.reminders``); the next instant anybody
can be due. The schedule is written *before* the messages go out: a crash in between loses a reminder rather than
sending one twice, and a concurrent run that read the same version loses the conditional update and sends nothing
("never twice"). Messages go through ``services.notifications.notify_user`` (the user's channel); a send the provider
refuses is logged there by ids and counted in ``ReadingReminderSummary.failed``, the rest of the page is still sent,
and the refused reminder is not sent again in that window.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from chalicelib.adapters.store.port import Range
from chalicelib.domain.errors import VersionConflict
from chalicelib.domain.reminders import (
    DEFAULT_AWAKE_FROM,
    DEFAULT_AWAKE_UNTIL,
    MeterReader,
    ReadingWindow,
    ReminderKind,
    after_sending,
    current_window,
    due_reminders,
    next_due_at,
)
from chalicelib.domain.timestamps import utc_iso_at
from chalicelib.observability import record_event
from chalicelib.services import meter_records
from chalicelib.services.access import ACTIVE, membership_collection, membership_id
from chalicelib.services.groups import group_collection
from chalicelib.services.notifications import notify_user
from chalicelib.services.reminder_schedule import schedule_collection
from chalicelib.services.users import user_collection

if TYPE_CHECKING:
    from chalicelib.adapters.store.port import Document
    from chalicelib.bootstrap import Container

PAGE_SIZE = 500
IDLE_RECHECK = timedelta(days=1)


@dataclass(frozen=True)
class _Outgoing:
    group_id: str
    user: Document
    meter_id: str
    kind: ReminderKind
    template: str
    values: dict[str, str]


@dataclass
class ReadingReminderSummary:
    """``reminders`` counts the messages handed to the notifier; ``failed`` those of them it could not deliver."""

    due_groups: int = 0
    reminders: int = 0
    failed: int = 0
    conflicts: int = 0
    pages: int = 0
    round_trips: int = 0
    by_kind: dict[str, int] = field(default_factory=dict)


def run(container: Container, now: datetime) -> ReadingReminderSummary:
    """Send every reminder due at ``now`` (aware) and reschedule the groups it looked at."""
    summary = ReadingReminderSummary()
    start = container.store.round_trips.count
    collection = schedule_collection(container)
    bounds = Range(high=utc_iso_at(now + timedelta(microseconds=1)))
    cursor = None
    while True:
        page = collection.find_page({}, order_by="due_at", bounds=bounds, limit=PAGE_SIZE, cursor=cursor)
        if page.items:
            summary.pages += 1
            _process(container, page.items, now, summary)
        if page.next_cursor is None:
            break
        cursor = page.next_cursor
    summary.round_trips = container.store.round_trips.count - start
    record_event("reading_reminders.run", due_groups=summary.due_groups, reminders=summary.reminders,
                 failed=summary.failed, conflicts=summary.conflicts)
    return summary


def _process(container: Container, items: list[Document], now: datetime, summary: ReadingReminderSummary) -> None:
    groups = {g["_id"]: g for g in group_collection(container).get_many([s["_id"] for s in items])}
    meter_ids = [entry["meter_id"] for s in items for entry in s["roster"]]
    user_ids = list(dict.fromkeys(entry["user_id"] for s in items for entry in s["roster"]))
    meters_by_id = {m["_id"]: m for m in meter_records.meter_collection(container).get_many(meter_ids)}
    users = {u["_id"]: u for u in user_collection(container).get_many(user_ids)}
    member_ids = list(dict.fromkeys(membership_id(s["_id"], entry["user_id"]) for s in items for entry in s["roster"]))
    active = {m["_id"] for m in membership_collection(container).get_many(member_ids) if m.get("status") == ACTIVE}
    outgoing: list[_Outgoing] = []
    for schedule in items:
        summary.due_groups += 1
        group = groups.get(schedule["_id"])
        if group is None or group.get("status", "active") != "active":
            schedule_collection(container).delete(schedule["_id"])
            continue
        outgoing.extend(_remind_group(container, schedule, group, meters_by_id, users, active, now, summary))
    for entry in outgoing:  # one batch per page, after every schedule of the page is written
        _send(container, entry, summary)


def _send(container: Container, entry: _Outgoing, summary: ReadingReminderSummary) -> None:
    """Hand one reminder to the notifier; a refused one is counted (and logged by ids where it was refused)."""
    log_fields = {"group_id": entry.group_id, "meter_id": entry.meter_id, "kind": entry.kind.value}
    if not notify_user(container, entry.user, entry.template, entry.values, context="reading_reminders",
                       log_fields=log_fields):
        summary.failed += 1


def _zone(name: object, fallback: ZoneInfo) -> ZoneInfo:
    try:
        return ZoneInfo(str(name)) if name else fallback
    except (ZoneInfoNotFoundError, ValueError):
        return fallback


def group_window(group: Document, now: datetime) -> ReadingWindow | None:
    """The group's open or next reading window; None when the group has reading reminders off (0 days) or a billing
    cycle without a known boundary (custom, ``domain.billing_cycles``)."""
    days = int(group.get("reading_window_days", 3))
    if days <= 0:
        return None
    zone = _zone(group.get("timezone"), ZoneInfo("UTC"))
    return current_window(now, billing_cycle=str(group.get("billing_cycle", "monthly")), window_days=days,
                          timezone=zone)


def _remind_group(
    container: Container,
    schedule: Document,
    group: Document,
    meters_by_id: dict[str, Document],
    users: dict[str, Document],
    active: set[str],
    now: datetime,
    summary: ReadingReminderSummary,
) -> list[_Outgoing]:
    window = group_window(group, now)
    if window is None:
        _reschedule(container, schedule, {"due_at": utc_iso_at(now + IDLE_RECHECK)}, summary)
        return []
    boundary = window.boundary.isoformat()
    reminded: dict[str, list[str]] = schedule["reminded"] if schedule.get("window_boundary") == boundary else {}
    group_zone = _zone(group.get("timezone"), ZoneInfo("UTC"))
    participants = []
    for entry in schedule["roster"]:
        meter, user = meters_by_id.get(entry["meter_id"]), users.get(entry["user_id"])
        if meter is None or user is None or user.get("status") == "disabled":
            continue
        if membership_id(group["_id"], entry["user_id"]) not in active:  # left or removed from the group
            continue
        preferences: dict[str, Any] = user.get("notification_preferences") or {}
        if not preferences.get("reading_reminders", True):
            continue
        if meter.get("removed_at") and meter["removed_at"] <= utc_iso_at(window.opens_at):
            continue
        participants.append(MeterReader(
            user_id=entry["user_id"],
            meter_id=entry["meter_id"],
            timezone=_zone(user.get("timezone"), group_zone),
            has_submitted=(meter.get("last_reading_at") or "") >= utc_iso_at(window.opens_at),
            reminded=frozenset(ReminderKind(k) for k in reminded.get(entry["meter_id"], [])),
            awake_from=int(preferences.get("quiet_hours_end", DEFAULT_AWAKE_FROM)),
            awake_until=int(preferences.get("quiet_hours_start", DEFAULT_AWAKE_UNTIL)),
        ))
    due = due_reminders(window, now, participants)
    sent = {(r.user_id, r.meter_id): r.kind for r in due}
    updated = []
    new_reminded = dict(reminded)
    for participant in participants:
        kind = sent.get((participant.user_id, participant.meter_id))
        if kind is None:
            updated.append(participant)
            continue
        kinds = after_sending(participant, kind)
        new_reminded[participant.meter_id] = sorted(kinds)
        updated.append(dataclasses.replace(participant, reminded=kinds))
    following = next_due_at(window, now + timedelta(seconds=1), updated)
    if following is None:
        following = max(window.closes_at, now + timedelta(seconds=1))
    changes = {"due_at": utc_iso_at(following), "window_boundary": boundary, "reminded": new_reminded}
    if not _reschedule(container, schedule, changes, summary):
        return []
    messages = []
    for reminder in due:
        meter, user = meters_by_id[reminder.meter_id], users[reminder.user_id]
        template, values = _message(group, meter, user, window, reminder.kind)
        messages.append(_Outgoing(group["_id"], user, reminder.meter_id, reminder.kind, template, values))
        summary.reminders += 1
        summary.by_kind[reminder.kind.value] = summary.by_kind.get(reminder.kind.value, 0) + 1
    return messages


def _reschedule(
    container: Container, schedule: Document, changes: dict[str, Any], summary: ReadingReminderSummary
) -> bool:
    try:
        schedule_collection(container).update(schedule["_id"], changes, expected_version=schedule["version"])
    except VersionConflict:
        summary.conflicts += 1
        return False
    return True


def _message(
    group: Document, meter: Document, user: Document, window: ReadingWindow, kind: ReminderKind
) -> tuple[str, dict[str, str]]:
    """The reminder's template and values (the last day in the user's own time zone)."""
    template = "reading-reminder-closing" if kind is ReminderKind.CLOSING else "reading-reminder"
    zone = _zone(user.get("timezone"), _zone(group.get("timezone"), ZoneInfo("UTC")))
    last_day = (window.closes_at.astimezone(zone) - timedelta(microseconds=1)).date().isoformat()
    return template, {"group": str(group.get("name", "your group")), "serial": str(meter["serial"]),
                      "last_day": last_day}
