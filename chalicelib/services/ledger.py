"""A group's ledger as stored: issued bills (each embedding its shares) and payments, read into ``domain.ledger``.

Nothing derived is stored: balances, share statuses and settle-up are computed from these two collections on every
read, with ``container.clock`` for the overdue status. Reading a group's ledger costs one keyset page per 500 issued
bills and per 500 payments (usually one of each).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from chalicelib.adapters.store.port import CollectionSpec, Index, find_all
from chalicelib.domain.bill_lifecycle import BillState
from chalicelib.domain.ledger import Payment, Share, ShareState, share_states
from chalicelib.domain.timestamps import utc_iso

if TYPE_CHECKING:
    from chalicelib.adapters.store.port import Collection, Document
    from chalicelib.bootstrap import Container

BILLS = CollectionSpec(
    "bills",
    indexes=(
        Index(("group_id", "created_at")),
        Index(("group_id", "state")),
        Index(("next_reminder_at",)),
        Index(("group_id", "draft_key"), unique=True),
    ),
)
PAYMENTS = CollectionSpec(
    "payments",
    indexes=(Index(("group_id", "recorded_at")), Index(("group_id", "idempotency_key"), unique=True)),
)
PAGE = 500


def bill_collection(container: Container) -> Collection:
    return container.store.collection(BILLS)


def payment_collection(container: Container) -> Collection:
    return container.store.collection(PAYMENTS)


@dataclass(frozen=True)
class Ledger:
    bills: list[Document]
    payments: list[Document]
    shares: list[Share]
    entries: list[Payment]

    def states(self, now: str) -> list[ShareState]:
        return share_states(self.shares, self.entries, now)


def shares_of(bill: Document) -> list[Share]:
    """The ledger entries of an issued bill: one per share, negative for a credit."""
    sign = -1 if bill.get("direction") == "credit" else 1
    return [
        Share(bill["_id"], share["participant"], bill["payee"], sign * int(share["minor"]), bill["overdue_at"])
        for share in bill.get("shares") or []
    ]


def load(container: Container, group_id: str) -> Ledger:
    where = {"group_id": group_id, "state": BillState.ISSUED.value}
    issued = list(find_all(bill_collection(container), where, page_size=PAGE))
    paid = list(find_all(payment_collection(container), {"group_id": group_id}, order_by="recorded_at", page_size=PAGE))
    shares = [share for bill in issued for share in shares_of(bill)]
    entries = [Payment(p["payer"], p["payee"], int(p["minor"]), p.get("bill_id")) for p in paid]
    return Ledger(issued, paid, shares, entries)


def now_iso(container: Container) -> str:
    return utc_iso(container.clock())
