"""Cold-start import time of every route group's Lambda, against ``import chalice`` measured in the same run.

Each sample is a fresh interpreter importing ``app`` with ``ROUTE_GROUP=<group>`` and the production stage (what the
group's Lambda does on a cold start), minus a fresh interpreter that runs ``pass``. Samples are interleaved round-robin
so machine noise hits every subject alike; the figure is the median. ``(jobs)`` is ``app`` with
``ROUTE_GROUP=jobs``, which is what a job function (``@app.schedule`` / ``@app.lambda_function``) imports.
Run: ``python -m bench.bench_cold_start [rounds]``.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from chalicelib.route_groups import JOBS_ONLY, ROUTE_GROUPS  # noqa: E402 (after the sys.path line)

BASELINE = "import chalice"


def _environment(group: str | None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "ROUTE_GROUP"} | {"SHAREMETER_STAGE": "prod"}
    if group:
        env["ROUTE_GROUP"] = group
    return env


def _run_ms(code: str, env: dict[str, str]) -> float:
    started = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, check=True)
    return (time.perf_counter() - started) * 1000


def measure(rounds: int) -> dict[str, float]:
    subjects: dict[str, tuple[str, dict[str, str]]] = {"startup": ("pass", _environment(None))}
    subjects[BASELINE] = (BASELINE, _environment(None))
    subjects |= {group: ("import app", _environment(group)) for group in ROUTE_GROUPS}
    subjects["(jobs)"] = ("import app", _environment(JOBS_ONLY))
    samples: dict[str, list[float]] = {name: [] for name in subjects}
    for code, env in subjects.values():  # warm the file system cache and .pyc files once
        _run_ms(code, env)
    for _ in range(rounds):
        for name, (code, env) in subjects.items():
            samples[name].append(_run_ms(code, env))
    startup = statistics.median(samples.pop("startup"))
    return {name: max(statistics.median(values) - startup, 0.01) for name, values in samples.items()}


def main() -> None:
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 7
    results = measure(rounds)
    baseline = results.pop(BASELINE)
    print(f"cold-start import time, median of {rounds} fresh interpreters, interpreter startup subtracted")
    print(f"{'function':<18}{'ms':>9}{'x import chalice':>19}")
    print(f"{BASELINE:<18}{baseline:>9.1f}{1.0:>19.2f}")
    for name, ms in results.items():
        print(f"{name:<18}{ms:>9.1f}{ms / baseline:>19.2f}")


if __name__ == "__main__":
    main()
