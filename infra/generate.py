"""Write chalice's ``--merge-template`` from the app's route table.

    python -m infra.generate [--stage prod] [--out infra/build/merge-template.json]
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from infra.discovery import AppShape, discover
from infra.specs import FunctionSpec, load_spec
from infra.template import build_merge_template

BUILD_DIR = Path(__file__).resolve().parent / "build"
DEFAULT_MERGE_TEMPLATE = BUILD_DIR / "merge-template.json"


def load_specs(shape: AppShape) -> dict[str, FunctionSpec]:
    """Specs for every function: required for route groups, optional (defaults) for jobs."""
    specs = {group: load_spec(group, required=True) for group in shape.groups}
    specs.update({job.name: load_spec(job.name, required=False) for job in shape.jobs})
    return specs


def generate(stage: str = "prod", out: Path = DEFAULT_MERGE_TEMPLATE) -> tuple[AppShape, dict[str, Any]]:
    shape = discover(stage)
    template = build_merge_template(shape, load_specs(shape))
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(template, indent=2, sort_keys=False) + "\n")
    return shape, template


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--stage", default="prod")
    parser.add_argument("--out", type=Path, default=DEFAULT_MERGE_TEMPLATE)
    args = parser.parse_args(argv)
    shape, _ = generate(args.stage, args.out)
    groups = ", ".join(f"{g} ({len(r)} routes)" for g, r in shape.groups.items())
    print(f"wrote {args.out}: groups {groups}; jobs {[j.name for j in shape.jobs] or 'none'}")


if __name__ == "__main__":
    main()
