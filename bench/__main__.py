"""``make bench``: run every ``bench/bench_*.py`` module, each in its own interpreter, and report which failed.

    python -m bench                 # all of them
    python -m bench cold_start auth # only bench_cold_start and bench_auth
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent


def modules(selected: list[str]) -> list[str]:
    found = sorted(p.stem for p in BENCH_DIR.glob("bench_*.py"))
    if not selected:
        return found
    wanted = {name if name.startswith("bench_") else f"bench_{name}" for name in selected}
    unknown = wanted - set(found)
    if unknown:
        raise SystemExit(f"no such benchmark: {sorted(unknown)}; available: {found}")
    return [name for name in found if name in wanted]


def main(argv: list[str]) -> int:
    failed = []
    for name in modules(argv):
        print(f"\n=== bench.{name} ===", flush=True)
        completed = subprocess.run([sys.executable, "-m", f"bench.{name}"], cwd=BENCH_DIR.parent, check=False)
        if completed.returncode != 0:
            failed.append(name)
    if failed:
        print(f"\nfailed: {', '.join(failed)}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
