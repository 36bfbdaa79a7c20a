"""Settle up: turn balances into the fewest transfers that bring everyone to zero.

A balance is in minor units, positive when the person is owed money; balances add up to zero. A group of ``n`` people
with non-zero balances needs ``n - k`` transfers, where ``k`` is the largest number of disjoint groups whose balances
each add up to zero (each such group settles inside itself with one transfer fewer than its size, and no fewer).

Up to ``EXACT_LIMIT`` non-zero balances ``k`` is found exactly. A chain of zero-sum sets ``S1 < S2 < ... < Sk = all``
corresponds to a partition into ``k`` zero-sum groups, so ``k`` is the length of the longest such chain. The sets are
handled as one bitset over all ``2**n`` subsets (a Python ``int``), and "contains a member of this layer" is a
subset-closure done with ``n`` shifts per layer: ``O(2**n)`` sums to find the zero-sum subsets, then ``O(n**2)``
bitset operations. Beyond the limit a greedy rule is used: the largest debtor pays the largest creditor, which never
needs more than ``n - 1`` transfers.

Within each group of the partition the same greedy rule produces the transfers, so nobody both pays and receives.
Ties always go to the id that sorts first and transfers are listed by payer then payee: the same balances in any order
give the same transfers.
"""

from __future__ import annotations

import heapq
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from chalicelib.domain.errors import ValidationFailed

#: Largest number of non-zero balances settled with the provably minimal number of transfers.
EXACT_LIMIT = 20


@dataclass(frozen=True, order=True)
class Transfer:
    payer: str
    payee: str
    amount: int


def settle_minimal(balances: Mapping[str, int]) -> list[Transfer]:
    """The fewest transfers (exact up to ``EXACT_LIMIT`` non-zero balances, greedy beyond)."""
    _check_zero_sum(balances)
    people = sorted(person for person, balance in balances.items() if balance)
    amounts = [balances[person] for person in people]
    groups = zero_sum_partition(amounts) if len(people) <= EXACT_LIMIT else [list(range(len(people)))]
    transfers = [transfer for group in groups for transfer in _greedy([people[i] for i in group], balances)]
    return sorted(transfers)


def settle_with_holder(balances: Mapping[str, int], holder: str) -> list[Transfer]:
    """Everyone settles with ``holder`` (who paid the bill): debtors pay the holder, the holder pays creditors."""
    _check_zero_sum(balances)
    if holder not in balances:
        raise ValidationFailed(f"{holder!r} has no balance", field="payee")
    transfers = [
        Transfer(person, holder, -balance) if balance < 0 else Transfer(holder, person, balance)
        for person, balance in balances.items()
        if balance and person != holder
    ]
    return sorted(transfers)


def zero_sum_partition(amounts: Sequence[int]) -> list[list[int]]:
    """Indices of ``amounts`` (non-zero, adding up to zero) split into the most groups that each add up to zero."""
    count = len(amounts)
    if not count:
        return []
    everyone = (1 << count) - 1
    zero_sets = _zero_sum_subsets(amounts)
    layers = [_bitset(zero_sets, count)]
    without_bit = [_subsets_without(bit, count) for bit in range(count)]
    while True:
        longer = layers[0] & _strict_supersets(layers[-1], without_bit)
        if not longer >> everyone & 1:
            break
        layers.append(longer)
    return _unwind(layers, zero_sets, everyone, count)


def _zero_sum_subsets(amounts: Sequence[int]) -> list[int]:
    """Every non-empty subset (as a bit mask over indices) whose amounts add up to zero, ascending."""
    sums = [0]
    for amount in amounts:
        sums += [total + amount for total in sums]
    return [mask for mask, total in enumerate(sums) if not total and mask]


def _bitset(masks: Sequence[int], count: int) -> int:
    """An int with bit ``m`` set for each mask ``m``."""
    bits = bytearray((1 << count) // 8 + 1)
    for mask in masks:
        bits[mask >> 3] |= 1 << (mask & 7)
    return int.from_bytes(bits, "little")


def _subsets_without(bit: int, count: int) -> int:
    """The bitset of every subset of ``count`` elements that does not contain element ``bit``."""
    pattern, length = (1 << (1 << bit)) - 1, 1 << (bit + 1)
    while length < 1 << count:
        pattern |= pattern << length
        length <<= 1
    return pattern


def _strict_supersets(layer: int, without_bit: Sequence[int]) -> int:
    """The bitset of every subset that strictly contains some member of ``layer``."""
    closure = layer
    for bit, without in enumerate(without_bit):
        closure |= (closure & without) << (1 << bit)
    strict = 0
    for bit, without in enumerate(without_bit):
        strict |= (closure & without) << (1 << bit)
    return strict


def _unwind(layers: Sequence[int], zero_sets: Sequence[int], everyone: int, count: int) -> list[list[int]]:
    """Walk the longest chain back from everyone: peel off one zero-sum group per layer."""
    members = [layer.to_bytes((1 << count) // 8 + 1, "little") for layer in layers]
    remaining, groups = everyone, []
    for level in range(len(layers) - 1, 0, -1):
        below = members[level - 1]
        inner = next(
            mask
            for mask in zero_sets
            if mask != remaining and not mask & ~remaining and below[mask >> 3] >> (mask & 7) & 1
        )
        groups.append(remaining & ~inner)
        remaining = inner
    groups.append(remaining)
    return [[index for index in range(count) if group >> index & 1] for group in groups]


def _greedy(people: Sequence[str], balances: Mapping[str, int]) -> list[Transfer]:
    """Largest debtor pays largest creditor until all are even; ties to the id that sorts first."""
    debtors = [(balances[person], person) for person in people if balances[person] < 0]
    creditors = [(-balances[person], person) for person in people if balances[person] > 0]
    heapq.heapify(debtors)
    heapq.heapify(creditors)
    transfers = []
    while debtors and creditors:
        debt, payer = heapq.heappop(debtors)
        credit, payee = heapq.heappop(creditors)
        amount = min(-debt, -credit)
        transfers.append(Transfer(payer, payee, amount))
        if debt + amount:
            heapq.heappush(debtors, (debt + amount, payer))
        if credit + amount:
            heapq.heappush(creditors, (credit + amount, payee))
    return transfers


def _check_zero_sum(balances: Mapping[str, int]) -> None:
    total = sum(balances.values())
    if total:
        raise ValidationFailed(f"balances must add up to zero, they add up to {total} minor units", field="balances")
