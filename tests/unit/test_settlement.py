"""Settle-up: the true minimum number of transfers, exact amounts, same answer in any order."""

from __future__ import annotations

import random
from collections.abc import Iterator, Mapping

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chalicelib.domain.errors import ValidationFailed
from chalicelib.domain.settlement import EXACT_LIMIT, Transfer, settle_minimal, settle_with_holder


def _partitions(items: list[int]) -> Iterator[list[list[int]]]:
    if not items:
        yield []
        return
    first, rest = items[0], items[1:]
    for partition in _partitions(rest):
        yield [[first], *partition]
        for index in range(len(partition)):
            yield [*partition[:index], [first, *partition[index]], *partition[index + 1 :]]


def _brute_force_minimum(balances: Mapping[str, int]) -> int:
    """n - the most blocks of any partition into zero-sum blocks, by enumerating every set partition."""
    amounts = [amount for amount in balances.values() if amount]
    most = max(
        len(partition)
        for partition in _partitions(list(range(len(amounts))))
        if all(sum(amounts[i] for i in block) == 0 for block in partition)
    )
    return len(amounts) - most


def _check_settles(balances: Mapping[str, int], transfers: list[Transfer]) -> None:
    left = dict(balances)
    for transfer in transfers:
        assert transfer.amount > 0
        left[transfer.payer] += transfer.amount
        left[transfer.payee] -= transfer.amount
    assert not any(left.values())
    assert not {t.payer for t in transfers} & {t.payee for t in transfers}


def _zero_sum(draw: st.DrawFn, size: int, low: int = -10_000, high: int = 10_000) -> list[int]:
    values = draw(st.lists(st.integers(low, high), min_size=size - 1, max_size=size - 1))
    return [*values, -sum(values)]


@st.composite
def clustered_balances(draw: st.DrawFn, max_people: int = 8) -> dict[str, int]:
    """Balances built from disjoint zero-sum clusters, shuffled together."""
    amounts: list[int] = []
    while len(amounts) < max_people - 1:
        amounts += _zero_sum(draw, draw(st.integers(2, min(4, max_people - len(amounts)))), -50, 50)
        if draw(st.booleans()):
            break
    random.Random(draw(st.integers())).shuffle(amounts)
    return {f"p{index}": amount for index, amount in enumerate(amounts)}


@st.composite
def random_balances(draw: st.DrawFn, max_people: int = 8) -> dict[str, int]:
    amounts = _zero_sum(draw, draw(st.integers(1, max_people)), -20, 20)
    return {f"p{index}": amount for index, amount in enumerate(amounts)}


@settings(max_examples=300, deadline=None)
@given(balances=st.one_of(clustered_balances(), random_balances()))
def test_settle_minimal_needs_exactly_the_brute_force_minimum(balances: dict[str, int]) -> None:
    transfers = settle_minimal(balances)
    _check_settles(balances, transfers)
    assert len(transfers) == _brute_force_minimum(balances)


@settings(max_examples=60, deadline=None)
@given(balances=clustered_balances(max_people=EXACT_LIMIT), seed=st.integers())
def test_settle_minimal_is_exact_and_order_independent_up_to_the_limit(balances: dict[str, int], seed: int) -> None:
    transfers = settle_minimal(balances)
    _check_settles(balances, transfers)
    items = list(balances.items())
    random.Random(seed).shuffle(items)
    assert settle_minimal(dict(items)) == transfers


def test_settle_minimal_finds_the_clusters_of_twenty_people() -> None:
    # Five minimal clusters of four (3 + 6 - 4 - 5) on separate scales, so no zero sum mixes them: 20 - 5 = 15.
    amounts = [1000**scale * amount for scale in range(5) for amount in (3, 6, -4, -5)]
    balances = {f"p{index:02d}": amount for index, amount in enumerate(random.Random(4).sample(amounts, len(amounts)))}
    transfers = settle_minimal(balances)
    _check_settles(balances, transfers)
    assert len(transfers) == 15


@settings(max_examples=40, deadline=None)
@given(amounts=st.lists(st.integers(-(10**6), 10**6).filter(bool), min_size=EXACT_LIMIT, max_size=60))
def test_settle_minimal_beyond_the_limit_is_greedy_with_at_most_n_minus_one_transfers(amounts: list[int]) -> None:
    balances = {f"p{index:03d}": amount for index, amount in enumerate(amounts)}
    balances["zz"] = -sum(amounts)
    transfers = settle_minimal(balances)
    _check_settles(balances, transfers)
    assert len(transfers) <= sum(1 for amount in balances.values() if amount) - 1


def test_greedy_pays_largest_creditor_from_largest_debtor_and_lists_by_payer() -> None:
    # 21 debtors of 10 and two creditors: 23 non-zero balances, beyond the exact limit, so the greedy rule runs
    balances = {f"d{index:02d}": -10 for index in range(21)} | {"a": 110, "b": 100}
    assert sum(1 for amount in balances.values() if amount) > EXACT_LIMIT
    # equal debts go in id order; each pays the creditor with the most still owed (ties: "a" before "b")
    payees = ["a", "a"] + ["b" if index % 2 == 0 else "a" for index in range(2, 21)]
    assert settle_minimal(balances) == [Transfer(f"d{index:02d}", payee, 10) for index, payee in enumerate(payees)]


def test_settle_minimal_ignores_people_who_are_even() -> None:
    assert settle_minimal({"a": 0, "b": 0}) == []
    assert settle_minimal({}) == []


def test_bill_holder_mode_routes_every_debt_and_credit_through_the_holder() -> None:
    balances = {"holder": 700, "b": -500, "c": -400, "d": 200}
    transfers = settle_with_holder(balances, "holder")
    assert transfers == [Transfer("b", "holder", 500), Transfer("c", "holder", 400), Transfer("holder", "d", 200)]


def test_balances_that_do_not_add_up_to_zero_are_refused() -> None:
    with pytest.raises(ValidationFailed) as error:
        settle_minimal({"a": 1, "b": -2})
    assert error.value.field == "balances"
    with pytest.raises(ValidationFailed):
        settle_with_holder({"a": 1}, "a")


def test_bill_holder_must_have_a_balance() -> None:
    with pytest.raises(ValidationFailed) as error:
        settle_with_holder({"a": 1, "b": -1}, "nobody")
    assert error.value.field == "payee"
