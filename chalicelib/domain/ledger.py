"""A group's ledger: issued shares (who owes whom, by when) and payments. Pure: ``now`` is always an argument.

Balances are in minor units, positive when the party is owed money, and always add up to zero because every entry
moves the same amount in both directions:

* a share of ``amount`` owed by ``debtor`` to ``creditor`` (the bill's payee: the utility, or the member who paid it)
  takes ``amount`` from the debtor's balance and gives it to the creditor's; a credit (a negative share from a
  correcting bill) does the opposite;
* a payment of ``amount`` from ``payer`` to ``payee`` gives it to the payer's balance and takes it from the payee's.
  Paying the utility directly is a payment to the party ``UTILITY``, which credits the payer.

A share's status is derived, never stored: the debtor's net cash out covers their shares, first the payments that name
the share's bill, then everything else (payments that name no bill, excess over a named share, credits) in order of due
date (oldest first, ties by bill id). Net cash out is taken per pair of parties: what ``a`` paid ``b`` minus what ``b``
paid back to ``a`` (a reverse payment, the documented way to undo a wrong one), so a refund undoes coverage while money
a bill holder collects from the others never reduces the holder's own coverage. Money paid back first cancels payments
that name the same bill, then those that name no bill, then named ones in bill id order (deterministic, independent of
input order): a reverse payment naming the same bill as the wrong one (or both none) undoes it exactly.
Covered in full: ``paid``; otherwise ``overdue`` once ``now`` has reached the share's ``overdue_at``, else
``partially_paid`` or ``due``. A share owed to oneself (the payee's own share) is paid.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum

#: The utility (the company that sent the bill) as a party of the ledger.
UTILITY = "utility"


class ShareStatus(StrEnum):
    PAID = "paid"
    PARTIALLY_PAID = "partially_paid"
    DUE = "due"
    OVERDUE = "overdue"
    CREDIT = "credit"


@dataclass(frozen=True)
class Share:
    """``debtor`` owes ``amount`` minor units of bill ``bill_id`` to ``creditor``; negative is a credit to the debtor.

    ``overdue_at`` is a UTC ISO timestamp (text-sortable): the first instant after the due date in the group's zone.
    """

    bill_id: str
    debtor: str
    creditor: str
    amount: int
    overdue_at: str


@dataclass(frozen=True)
class Payment:
    payer: str
    payee: str
    amount: int
    bill_id: str | None = None


@dataclass(frozen=True)
class ShareState:
    share: Share
    paid: int
    status: ShareStatus

    @property
    def outstanding(self) -> int:
        return max(0, self.share.amount - self.paid)


@dataclass
class PartyBalance:
    """``owed``: shares the party owes (net of credits); ``owed_to``: shares owed to it; ``paid``/``received``:
    payments made and received. ``balance = owed_to + paid - owed - received`` (positive: is owed money)."""

    owed: int = 0
    owed_to: int = 0
    paid: int = 0
    received: int = 0

    @property
    def balance(self) -> int:
        return self.owed_to + self.paid - self.owed - self.received


def balances(shares: Iterable[Share], payments: Iterable[Payment]) -> dict[str, PartyBalance]:
    """Every party's position; the balances add up to zero. Parties are listed in id order."""
    result: dict[str, PartyBalance] = defaultdict(PartyBalance)
    for share in shares:
        if share.debtor == share.creditor:
            result.setdefault(share.debtor, PartyBalance())  # the payee is a party even when it owes only itself
            continue
        result[share.debtor].owed += share.amount
        result[share.creditor].owed_to += share.amount
    for payment in payments:
        result[payment.payer].paid += payment.amount
        result[payment.payee].received += payment.amount
    return {party: result[party] for party in sorted(result)}


def share_states(shares: Sequence[Share], payments: Iterable[Payment], now: str) -> list[ShareState]:
    """The status of every share at ``now`` (UTC ISO), in the order given."""
    named: dict[tuple[str, str], int] = defaultdict(int)
    general: dict[str, int] = defaultdict(int)
    for payment in net_payments(payments):
        if payment.bill_id is None:
            general[payment.payer] += payment.amount
        else:
            named[(payment.payer, payment.bill_id)] += payment.amount
    for share in shares:
        if share.amount < 0:
            general[share.debtor] += -share.amount
    covered: dict[int, int] = {}
    charges = [i for i, s in enumerate(shares) if s.amount > 0 and s.debtor != s.creditor]
    for index in charges:
        share = shares[index]
        key = (share.debtor, share.bill_id)
        take = min(share.amount, named.get(key, 0))
        covered[index] = take
        named[key] = named.get(key, 0) - take
    for (payer, _bill), left in named.items():
        general[payer] += left
    for index in sorted(charges, key=lambda i: (shares[i].overdue_at, shares[i].bill_id)):
        share = shares[index]
        take = min(share.amount - covered[index], general[share.debtor])
        covered[index] += take
        general[share.debtor] -= take
    return [_state(share, covered.get(index), now) for index, share in enumerate(shares)]


def net_payments(payments: Iterable[Payment]) -> list[Payment]:
    """Payments netted per pair of parties: only the direction with more money keeps the difference.

    Per pair, money paid back first cancels payments naming the same bill (no bill cancels no bill); what is left of the
    smaller direction is then subtracted from the larger one's payments that name no bill, then from named ones in bill
    id order. A reverse payment that names the same bill as the wrong one therefore undoes it exactly.
    """
    flows: dict[tuple[str, str], dict[str | None, int]] = defaultdict(lambda: defaultdict(int))
    for payment in payments:
        flows[(payment.payer, payment.payee)][payment.bill_id] += payment.amount
    netted: list[Payment] = []
    for (payer, payee) in sorted(flows):
        if (payer, payee) > (payee, payer) and (payee, payer) in flows:
            continue  # the pair is handled from its other direction
        out, back = dict(flows[(payer, payee)]), dict(flows.get((payee, payer), {}))
        for bill_id in set(out) & set(back):
            same = min(out[bill_id], back[bill_id])
            out[bill_id] -= same
            back[bill_id] -= same
        larger, smaller, keeper = (out, back, (payer, payee)) if sum(out.values()) >= sum(back.values()) else (
            back, out, (payee, payer))
        left = sum(smaller.values())
        for bill_id in sorted(larger, key=lambda b: (b is not None, b or "")):
            take = min(left, larger[bill_id])
            left -= take
            if larger[bill_id] > take:
                netted.append(Payment(keeper[0], keeper[1], larger[bill_id] - take, bill_id))
    return netted


def _state(share: Share, covered: int | None, now: str) -> ShareState:
    if share.amount < 0:
        return ShareState(share, 0, ShareStatus.CREDIT)
    if covered is None or covered >= share.amount:  # None: owed to oneself, or zero
        return ShareState(share, share.amount, ShareStatus.PAID)
    if now >= share.overdue_at:
        return ShareState(share, covered, ShareStatus.OVERDUE)
    return ShareState(share, covered, ShareStatus.PARTIALLY_PAID if covered else ShareStatus.DUE)
