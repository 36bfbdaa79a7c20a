"""The ledger: balances add up to zero, payments cover shares named first then oldest first, statuses from the clock."""

from __future__ import annotations

import random

from hypothesis import given
from hypothesis import strategies as st

from chalicelib.domain.ledger import UTILITY, Payment, Share, ShareState, ShareStatus, balances, share_states

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


shares_strategy = st.lists(
    st.tuples(st.sampled_from(("x", "y", "z")), st.sampled_from(("a", "b", "c")), st.sampled_from(("a", "b", UTILITY)),
              st.integers(1, 10_000)),
    max_size=8,
)
payments_strategy = st.lists(
    st.tuples(st.sampled_from(PEOPLE), st.sampled_from(PEOPLE), st.integers(1, 10_000),
              st.sampled_from((None, "x", "y", "z"))),
    max_size=8,
)


def _shares(raw: list[tuple[str, str, str, int]]) -> list[Share]:
    return [_share(bill, debtor, amount, creditor=creditor) for bill, debtor, creditor, amount in raw]


@given(shares_strategy, payments_strategy, st.sampled_from(PEOPLE), st.sampled_from(PEOPLE),
       st.integers(1, 10_000), st.sampled_from((None, "x", "y")))
def test_a_payment_and_its_reverse_naming_the_same_bill_change_no_share_status(
    raw: list[tuple[str, str, str, int]], paid: list[tuple[str, str, int, str | None]], payer: str, payee: str,
    amount: int, bill: str | None,
) -> None:
    shares = _shares(raw)
    base = [Payment(p, q, x, b) for p, q, x, b in paid if p != q]
    if payer == payee:
        return
    wrong, reverse = Payment(payer, payee, amount, bill), Payment(payee, payer, amount, bill)
    assert share_states(shares, [*base, wrong, reverse], DUE) == share_states(shares, base, DUE)


@given(shares_strategy, payments_strategy, st.sampled_from(PEOPLE), st.sampled_from(PEOPLE),
       st.integers(1, 10_000), st.sampled_from((None, "x", "y")), st.sampled_from((None, "x", "y")))
def test_a_payment_and_any_reverse_leave_each_partys_total_coverage_unchanged(
    raw: list[tuple[str, str, str, int]], paid: list[tuple[str, str, int, str | None]], payer: str, payee: str,
    amount: int, bill: str | None, back_bill: str | None,
) -> None:
    shares = _shares(raw)
    base = [Payment(p, q, x, b) for p, q, x, b in paid if p != q]
    if payer == payee:
        return
    wrong, reverse = Payment(payer, payee, amount, bill), Payment(payee, payer, amount, back_bill)

    def covered(states: list[ShareState]) -> dict[str, int]:
        total: dict[str, int] = {}
        for state in states:
            total[state.share.debtor] = total.get(state.share.debtor, 0) + state.paid
        return total

    assert covered(share_states(shares, [*base, wrong, reverse], DUE)) == covered(share_states(shares, base, DUE))


def test_reverse_payment_undoes_the_coverage_of_a_wrong_one() -> None:
    share = _share("bill", "a", 1000)
    wrong = Payment("a", UTILITY, 1000, "bill")
    assert share_states([share], [wrong], DUE)[0].status is ShareStatus.PAID
    refund = Payment(UTILITY, "a", 1000)  # the utility pays it back, naming no bill
    assert share_states([share], [wrong, refund], DUE)[0].status is ShareStatus.OVERDUE


def test_money_a_bill_holder_collects_does_not_uncover_the_holders_own_shares() -> None:
    owed_to_holder = _share("heat", "b", 500, creditor="a")
    holder_owes = _share("water", "a", 300)
    payments = [Payment("b", "a", 500, "heat"), Payment("a", UTILITY, 300)]
    states = share_states([owed_to_holder, holder_owes], payments, DUE)
    assert [s.status for s in states] == [ShareStatus.PAID, ShareStatus.PAID]


@given(shares_strategy, payments_strategy, st.randoms())
def test_share_states_do_not_depend_on_payment_order(
    raw: list[tuple[str, str, str, int]], paid: list[tuple[str, str, int, str | None]], rng: random.Random,
) -> None:
    shares = _shares(raw)
    payments = [Payment(p, q, x, b) for p, q, x, b in paid if p != q]
    shuffled = list(payments)
    rng.shuffle(shuffled)
    assert share_states(shares, shuffled, DUE) == share_states(shares, payments, DUE)
