"""Settle-up speed against straightforward implementations measured in the same run.

Run from the repository root: ``python bench/bench_settlement.py``. Ratios are baseline time / our time.
Exact sizes (up to 20 people) compare with the textbook O(n 2**n) subset DP in pure Python, which only counts the
transfers; greedy sizes compare with sorting debtors and creditors once and matching them with two pointers.
"""

from __future__ import annotations

import random
import sys
import time
from collections.abc import Callable, Sequence
from functools import partial
from pathlib import Path
from typing import TypeVar

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from chalicelib.domain.settlement import settle_minimal

T = TypeVar("T")


def subset_dp_count(amounts: Sequence[int]) -> int:
    """n minus the most zero-sum groups, by dp[mask] = max over members of dp[mask - member] (+1 if zero-sum)."""
    count = len(amounts)
    sums, best = [0] * (1 << count), [0] * (1 << count)
    for mask in range(1, 1 << count):
        low = mask & -mask
        sums[mask] = sums[mask ^ low] + amounts[low.bit_length() - 1]
        best[mask] = max(best[mask ^ (1 << i)] for i in range(count) if mask >> i & 1) + (sums[mask] == 0)
    return count - best[-1]


def two_pointer_greedy(balances: dict[str, int]) -> list[tuple[str, str, int]]:
    """Sort debtors and creditors by size once, then match them in that order."""
    debtors = sorted(((-b, p) for p, b in balances.items() if b < 0), key=lambda e: (-e[0], e[1]))
    creditors = sorted(((b, p) for p, b in balances.items() if b > 0), key=lambda e: (-e[0], e[1]))
    debts, credits = [amount for amount, _ in debtors], [amount for amount, _ in creditors]
    transfers, d, c = [], 0, 0
    while d < len(debts) and c < len(credits):
        amount = min(debts[d], credits[c])
        transfers.append((debtors[d][1], creditors[c][1], amount))
        debts[d] -= amount
        credits[c] -= amount
        d += not debts[d]
        c += not credits[c]
    return transfers


def balances_of(size: int, rng: random.Random) -> dict[str, int]:
    amounts = [rng.randint(-(10**6), 10**6) or 1 for _ in range(size - 1)]
    amounts.append(-sum(amounts))
    return {f"p{index:06d}": amount for index, amount in enumerate(amounts)}


def timed(run: Callable[[], T]) -> tuple[float, T]:
    start = time.perf_counter()
    result = run()
    return time.perf_counter() - start, result


def main() -> None:
    rng = random.Random(2026)
    print(f"{'case':<54} {'ours (ms)':>11} {'baseline (ms)':>14} {'ratio':>9} {'transfers':>10}")
    cases = [(f"exact, {n} people", balances_of(n, rng)) for n in (5, 10, 15, 20)]
    clusters = [1000**k * a for k in range(5) for a in (3, 6, -4, -5)]
    cases.append(("exact, 20 people in 5 zero-sum clusters", {f"c{i:02d}": a for i, a in enumerate(clusters)}))
    cases.append(("exact, 20 people, ten +1 and ten -1", {f"u{i:02d}": 1 - 2 * (i % 2) for i in range(20)}))
    for case, balances in cases:
        ours, transfers = timed(partial(settle_minimal, balances))
        baseline, count = timed(partial(subset_dp_count, [amount for amount in balances.values() if amount]))
        assert count == len(transfers)
        print(f"{case:<54} {ours * 1000:>11.2f} {baseline * 1000:>14.2f} {baseline / ours:>8.1f}x {count:>10}")
    for size in (1_000, 100_000):
        balances = balances_of(size, rng)
        ours, transfers = timed(partial(settle_minimal, balances))
        baseline, _ = timed(partial(two_pointer_greedy, balances))
        case = f"greedy, {size:,} people"
        count = len(transfers)
        print(f"{case:<54} {ours * 1000:>11.2f} {baseline * 1000:>14.2f} {baseline / ours:>8.2f}x {count:>10}")


if __name__ == "__main__":
    main()
