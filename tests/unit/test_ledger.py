"""The ledger: balances add up to zero, payments cover shares named first then oldest first, statuses from the clock."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from chalicelib.domain.ledger import UTILITY, Payment, Share, ShareStatus, balances, share_states

PEOPLE = ("a", "b", "c", UTILITY)
DUE = "2027-01-10T23:00:00.000000Z"


def _share(bill: str, debtor: str, amount: int, overdue_at: str = DUE, creditor: str = UTILITY) -> Share:
    return Share(bill, debtor, creditor, amount, overdue_at)


@given(
    st.lists(st.tuples(st.sampled_from(PEOPLE), st.sampled_from(PEOPLE), st.integers(-10_000, 10_000)), max_size=30),
    st.lists(st.tuples(st.sampled_from(PEOPLE), st.sampled_from(PEOPLE), st.integers(1, 10_000)), max_size=30),
)
def test_balances_always_add_up_to_zero(
    shares: list[tuple[str, str, int]], payments: list[tuple[str, str, int]]
) -> None:
    result = balances([_share(f"b{i}", d, x, creditor=c) for i, (d, c, x) in enumerate(shares)],
                      [Payment(p, q, x) for p, q, x in payments])
    assert sum(position.balance for position in result.values()) == 0
    assert list(result) == sorted(result)


def test_named_payment_covers_its_bill_first_and_the_rest_goes_oldest_first() -> None:
    old = _share("old", "a", 1000, "2027-01-01T00:00:00.000000Z")
    new = _share("new", "a", 1000, "2027-02-01T00:00:00.000000Z")
    states = share_states([new, old], [Payment("a", UTILITY, 1500, "new")], "2026-12-01T00:00:00.000000Z")
    assert [(s.share.bill_id, s.status, s.paid) for s in states] == [
        ("new", ShareStatus.PAID, 1000), ("old", ShareStatus.PARTIALLY_PAID, 500)]


def test_overdue_from_the_clock_and_credits_count_as_paid_money() -> None:
    charge = _share("bill", "b", 900)
    assert share_states([charge], [], "2027-01-10T22:59:59.999999Z")[0].status is ShareStatus.DUE
    assert share_states([charge], [], DUE)[0].status is ShareStatus.OVERDUE
    credit = _share("credit", "b", -900)
    states = share_states([charge, credit], [], DUE)
    assert [s.status for s in states] == [ShareStatus.PAID, ShareStatus.CREDIT]


def test_share_owed_to_oneself_is_paid_and_moves_no_balance() -> None:
    own = Share("bill", "a", "a", 500, DUE)
    assert share_states([own], [], DUE)[0].status is ShareStatus.PAID
    assert balances([own], [])["a"].balance == 0
