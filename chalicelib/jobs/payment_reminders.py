"""Scheduled job: remind debtors of shares that are due soon or overdue, at most once per share and kind.

Runs hourly (``app.py``: ``payment_reminders``, its own Lambda). An issued bill with something outstanding carries
``next_reminder_at`` (indexed): first the due-soon instant (09:00 local, ``DUE_SOON_DAYS`` before the due date), then
the overdue instant (09:00 local the day after the due date), then nothing. The job reads only bills whose instant has
come, so its cost follows the bills that are due, not all bills; per page it reads the page's groups and debtors in
one ``get_many`` each, and each group's ledger once (share statuses need the group's payments).

Per bill the reminded kinds are written *before* the messages go out, in one conditional write on the bill's version:
a crash in between loses a reminder rather than sending one twice, and a concurrent run that read the same version
loses the write and sends nothing. Paid shares, settled bills and credits get no reminder. Messages go through
``services.notifications.notify_user`` (the debtor's channel). A message the provider refuses does not stop the rest:
it is counted in ``failed``, its mark is taken back and the bill made due again (``_take_back``), so the next run sends
it again.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from chalicelib.adapters.store.port import Range
from chalicelib.domain.due_dates import PaymentReminder, reminder_due_at
from chalicelib.domain.errors import VersionConflict
from chalicelib.domain.ledger import ShareStatus
from chalicelib.domain.money import format_amount
from chalicelib.domain.timestamps import utc_iso_at
from chalicelib.observability import record_event
from chalicelib.services.concurrency import retry_on_conflict
from chalicelib.services.groups import group_collection
from chalicelib.services.ledger import Ledger, bill_collection, load
from chalicelib.services.notifications import notify_user
from chalicelib.services.users import user_collection

if TYPE_CHECKING:
    from chalicelib.adapters.store.port import Document
    from chalicelib.bootstrap import Container

PAGE_SIZE = 200
_OPEN = (ShareStatus.DUE, ShareStatus.PARTIALLY_PAID, ShareStatus.OVERDUE)


@dataclass
class PaymentReminderSummary:
    """``reminders`` counts the messages handed to the notifier; ``failed`` those of them it refused (sent next run)."""

    bills: int = 0
    reminders: int = 0
    failed: int = 0
    conflicts: int = 0
    by_kind: dict[str, int] = field(default_factory=dict)


def run(container: Container, now: datetime) -> PaymentReminderSummary:
    """Send every payment reminder due at ``now`` (aware)."""
    summary = PaymentReminderSummary()
    bounds = Range(high=utc_iso_at(now + timedelta(microseconds=1)))
    collection = bill_collection(container)
    cursor = None
    while True:
        page = collection.find_page({}, order_by="next_reminder_at", bounds=bounds, limit=PAGE_SIZE, cursor=cursor)
        if page.items:
            _process(container, page.items, now, summary)
        if page.next_cursor is None:
            break
        cursor = page.next_cursor
    record_event("payment_reminders.run", bills=summary.bills, reminders=summary.reminders, failed=summary.failed,
                 conflicts=summary.conflicts)
    return summary


def _process(container: Container, page: list[Document], now: datetime, summary: PaymentReminderSummary) -> None:
    groups = {g["_id"]: g for g in group_collection(container).get_many(sorted({b["group_id"] for b in page}))}
    ledgers: dict[str, Ledger] = {gid: load(container, gid) for gid in groups}
    stamp = utc_iso_at(now)
    planned: list[tuple[Document, Document, PaymentReminder, list[tuple[str, int]]]] = []
    for bill in page:
        summary.bills += 1
        group, ledger = groups.get(bill["group_id"]), ledgers.get(bill["group_id"])
        kind = reminder_due_at(stamp, bill["overdue_reminder_at"])
        following = bill["overdue_reminder_at"] if kind is PaymentReminder.DUE_SOON else None
        debtors: list[tuple[str, int]] = []
        if group is not None and ledger is not None and group.get("status") == "active":
            reminded: dict[str, list[str]] = bill.get("reminded") or {}
            for state in ledger.states(stamp):
                share = state.share
                is_open = share.bill_id == bill["_id"] and state.status in _OPEN
                if is_open and kind not in reminded.get(share.debtor, []):
                    debtors.append((share.debtor, state.outstanding))
        else:
            following = None
        new_reminded = dict(bill.get("reminded") or {})
        for debtor, _ in debtors:
            new_reminded[debtor] = sorted({*new_reminded.get(debtor, []), kind.value})
        try:
            bill_collection(container).update(bill["_id"], {"next_reminder_at": following, "reminded": new_reminded},
                                    expected_version=bill["version"])
        except VersionConflict:
            summary.conflicts += 1
            continue
        if debtors and group is not None:
            planned.append((group, bill, kind, debtors))
    users = {u["_id"]: u for u in user_collection(container).get_many(
        sorted({debtor for *_, debtors in planned for debtor, _ in debtors}))}
    for group, bill, kind, debtors in planned:
        refused = []
        for debtor, outstanding in debtors:
            user = users.get(debtor)
            if user is None or user.get("status") == "disabled":
                continue
            preferences: dict[str, Any] = user.get("notification_preferences") or {}
            if not preferences.get("payment_reminders", True):
                continue
            summary.reminders += 1
            summary.by_kind[kind.value] = summary.by_kind.get(kind.value, 0) + 1
            template, values = _message(group, bill, kind, outstanding)
            log_fields = {"group_id": str(bill["group_id"]), "bill_id": str(bill["_id"]), "kind": kind.value}
            if not notify_user(container, user, template, values, context="payment_reminders", log_fields=log_fields):
                summary.failed += 1
                refused.append(debtor)
        if refused:
            _take_back(container, bill, kind, refused)


def _message(group: Document, bill: Document, kind: PaymentReminder, outstanding: int) -> tuple[str, dict[str, str]]:
    template = "payment-reminder-overdue" if kind is PaymentReminder.OVERDUE else "payment-reminder-due"
    return template, {
        "group": str(group.get("name", "your group")), "amount": format_amount(outstanding, bill["currency"]),
        "currency": str(bill["currency"]), "due_on": str(bill["due_on"]),
        "bill": str(bill.get("title") or bill["period"]["to"]),
    }


def _take_back(container: Container, read: Document, kind: PaymentReminder, debtors: list[str]) -> None:
    """Unmark the refused debtors' ``kind`` and make the bill due again at the instant this run found it due, so the
    next run sends them their reminder (and nobody else a second one)."""
    collection = bill_collection(container)
    due_again = str(read["next_reminder_at"])

    def attempt() -> None:
        bill = collection.get(read["_id"])
        if bill is None:
            return
        reminded = {debtor: list(kinds) for debtor, kinds in (bill.get("reminded") or {}).items()}
        for debtor in debtors:
            kept = [k for k in reminded.pop(debtor, []) if k != kind]
            if kept:
                reminded[debtor] = kept
        following = bill.get("next_reminder_at")
        if not bill.get("is_settled") and (following is None or due_again < following):
            following = due_again
        collection.update(bill["_id"], {"reminded": reminded, "next_reminder_at": following},
                          expected_version=bill["version"])

    retry_on_conflict(attempt, what="the bill")
