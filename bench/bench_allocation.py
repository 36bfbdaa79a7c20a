"""Allocation speed against straightforward Decimal implementations measured in the same run.

Run from the repository root: ``python -m bench.bench_allocation``. The weights rows call ``allocate``, a one-line
bill with a weights rule through ``allocate_bill`` (the engine the routes use), so they measure the production path.
Ratios are baseline time / our time (above 1:
ours is faster). The baselines quantize each share down to the cent and hand the missing cents to the largest
remainders; they divide with ``Decimal`` at 28 significant digits, so unlike the engine they are not exact.
"""

from __future__ import annotations

import random
import sys
import time
from collections.abc import Callable
from decimal import ROUND_DOWN, Decimal
from fractions import Fraction
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from chalicelib.domain.allocation import (
    Bill,
    ByConsumption,
    ByWeight,
    Equal,
    Line,
    Part,
    Participant,
    allocate_bill,
)

CENT = Decimal("0.01")


def decimal_allocate(total: Decimal, weights: dict[str, Decimal]) -> dict[str, Decimal]:
    """The usual approach: quantize every share down, then distribute the missing cents by remainder."""
    weight_sum = sum(weights.values())
    exact = {person: total * weight / weight_sum for person, weight in weights.items()}
    shares = {person: value.quantize(CENT, rounding=ROUND_DOWN) for person, value in exact.items()}
    missing = int((total - sum(shares.values())) / CENT)
    for person in sorted(exact, key=lambda p: (shares[p] - exact[p], p))[:missing]:
        shares[person] += CENT
    return shares


def seconds(run: Callable[[], object], budget: float = 1.0) -> float:
    """Best time per call over repeated calls within about ``budget`` seconds."""
    best, spent = float("inf"), 0.0
    while spent < budget or best == float("inf"):
        start = time.perf_counter()
        run()
        elapsed = time.perf_counter() - start
        best, spent = min(best, elapsed), spent + elapsed
        if elapsed > budget:
            break
    return best


def row(case: str, ours: float, baseline: float) -> None:
    print(f"{case:<44} {ours * 1000:>12.2f} {baseline * 1000:>14.2f} {baseline / ours:>8.2f}x")


def bench_allocate(size: int, rng: random.Random) -> None:
    amounts = [rng.randint(1, 10**6) for _ in range(size)]
    ids = [f"p{index:07d}" for index in range(size)]
    rng.shuffle(ids)
    total = 123_456_789_01
    # Inputs are built outside the timers on both sides (the Decimal baseline gets its dict ready-made too);
    # how long building our inputs takes is printed on its own line, not hidden.
    started = time.perf_counter()
    people = tuple(
        Participant(person, weights={"area": Fraction(amount, 100)})
        for person, amount in zip(ids, amounts, strict=True)
    )
    bill = Bill((Line("amount", total, (Part(ByWeight("area")),)),), people)
    built = time.perf_counter() - started
    decimal_weights = {person: Decimal(amount) / 100 for person, amount in zip(ids, amounts, strict=True)}
    ours = seconds(lambda: allocate_bill(bill))
    baseline = seconds(lambda: decimal_allocate(Decimal(total) / 100, decimal_weights))
    row(f"allocate_bill {size:,} participants (weights)", ours, baseline)
    print(f"  (building those {size:,} Participant inputs: {built * 1000:.2f} ms, not in either timer)")


def bench_bill(participants: int, line_count: int, rng: random.Random) -> None:
    people = tuple(
        Participant(
            f"p{index:05d}",
            consumption={"heat": Fraction(rng.randint(0, 5000)), "water": Fraction(rng.randint(1, 300), 10)},
            weights={"area": Fraction(rng.randint(2000, 15000), 100)},
        )
        for index in range(participants)
    )
    blend = (Part(ByConsumption("heat"), Fraction(7, 10)), Part(ByWeight("area"), Fraction(3, 10)))
    rules = [(Part(Equal()),), (Part(ByWeight("area")),), (Part(ByConsumption("water")),), blend]
    lines = tuple(Line(f"line {i}", rng.randint(10**5, 10**8), rules[i % 4]) for i in range(line_count))

    def baseline() -> None:
        area = {p.id: Decimal(p.weights["area"].numerator) / p.weights["area"].denominator for p in people}
        heat = {p.id: Decimal(p.consumption["heat"].numerator) for p in people}
        water = {p.id: Decimal(p.consumption["water"].numerator) / 10 for p in people}
        equal = dict.fromkeys(area, Decimal(1))
        area_sum, heat_sum = sum(area.values()), sum(heat.values())
        mixed = {
            person: Decimal("0.7") * heat[person] / heat_sum + Decimal("0.3") * area[person] / area_sum
            for person in area
        }
        by_rule = [equal, area, water, mixed]
        for index, line in enumerate(lines):
            decimal_allocate(Decimal(line.amount) / 100, by_rule[index % 4])

    ours = seconds(lambda: allocate_bill(Bill(lines, people)), budget=3)
    row(f"bill of {line_count} lines, {participants:,} participants", ours, seconds(baseline, budget=3))


def main() -> None:
    rng = random.Random(2026)
    print(f"{'case':<44} {'ours (ms)':>12} {'baseline (ms)':>14} {'ratio':>9}")
    for size in (10, 10_000, 1_000_000):
        bench_allocate(size, rng)
    bench_bill(10_000, 100, rng)


if __name__ == "__main__":
    main()
