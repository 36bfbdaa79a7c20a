"""What the Chalice app declares, read from ``app.routes`` in fresh interpreters, exactly as each Lambda imports it.

One interpreter imports ``app`` with no ``ROUTE_GROUP`` (the whole route table, as ``chalice package`` sees it) and one
per group in ``ROUTE_GROUPS`` with ``ROUTE_GROUP=<group>`` (what that Lambda serves). Both run with the stage's
environment from ``.chalice/config.json``, as ``chalice package --stage`` does, so local-only groups stay out. Separate
interpreters keep the generator from mutating blueprints (``Blueprint.register`` rebinds ``current_app``) and map each
route to its group by what the group's Lambda really registers, not by naming conventions.

Run as ``python -m infra.discovery`` (inside such an interpreter) it prints the loaded app's declarations as JSON.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


class DiscoveryError(RuntimeError):
    """The app's route table cannot be split into route groups faithfully."""


@dataclass(frozen=True)
class Route:
    path: str
    method: str
    view_name: str


@dataclass(frozen=True)
class Job:
    """A Lambda that chalice generates besides the API handler: a schedule or event source, or a pure function."""

    name: str
    kind: str
    detail: dict[str, Any] = field(default_factory=dict, hash=False, compare=False)


@dataclass(frozen=True)
class AppShape:
    stage: str
    stage_environment: dict[str, str]
    groups: dict[str, tuple[Route, ...]]
    jobs: tuple[Job, ...]


def stage_environment(stage: str, project: Path = ROOT) -> dict[str, str]:
    """The environment chalice gives the stage's functions: top-level, then the stage's ``environment_variables``."""
    config = json.loads((project / ".chalice" / "config.json").read_text())
    if stage not in config.get("stages", {}):
        raise DiscoveryError(f".chalice/config.json has no stage {stage!r}")
    env: dict[str, str] = dict(config.get("environment_variables", {}))
    env.update(config["stages"][stage].get("environment_variables", {}))
    return env


def route_groups() -> dict[str, str]:
    """``ROUTE_GROUPS`` as the app defines it right now (others add groups; nothing here is hard-coded)."""
    from chalicelib.route_groups import ROUTE_GROUPS

    return dict(ROUTE_GROUPS)


def describe_loaded_app() -> dict[str, Any]:
    """Declarations of ``app.app`` in this interpreter (called by ``python -m infra.discovery``)."""
    from app import app

    routes = [
        {"path": path, "method": method, "view_name": entry.view_name}
        for path, methods in sorted(app.routes.items())
        for method, entry in sorted(methods.items())
    ]
    jobs = [
        {"name": source.name, "kind": type(source).__name__, "detail": _event_detail(source)}
        for source in app.event_sources
    ]
    jobs += [{"name": function.name, "kind": "LambdaFunction", "detail": {}} for function in app.pure_lambda_functions]
    unsupported = {
        "websocket handlers": sorted(app.websocket_handlers),
        "built-in authorizers": sorted(a.name for a in app.builtin_auth_handlers),
    }
    return {"routes": routes, "jobs": jobs, "unsupported": {k: v for k, v in unsupported.items() if v}}


def _event_detail(source: Any) -> dict[str, Any]:
    keys = ("schedule_expression", "bucket", "topic", "queue", "stream", "event_pattern")
    return {key: str(getattr(source, key)) for key in keys if getattr(source, key, None) is not None}


def _probe(environment: dict[str, str], project: Path) -> dict[str, Any]:
    completed = subprocess.run(
        [sys.executable, "-m", "infra.discovery"],
        cwd=project,
        env=environment,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    if completed.returncode != 0:
        group = environment.get("ROUTE_GROUP", "(all)")
        raise DiscoveryError(f"importing app.py with ROUTE_GROUP={group} failed:\n{completed.stderr}")
    described: dict[str, Any] = json.loads(completed.stdout)
    return described


def discover(stage: str = "prod", project: Path = ROOT) -> AppShape:
    """The app's route groups, their routes, and its jobs, for ``stage``; checks the split is exact."""
    stage_env = stage_environment(stage, project)
    base = {k: v for k, v in os.environ.items() if k != "ROUTE_GROUP"} | stage_env
    base["PYTHONPATH"] = os.pathsep.join(filter(None, [str(project), base.get("PYTHONPATH")]))
    names = list(route_groups())
    environments = [base] + [base | {"ROUTE_GROUP": name} for name in names]
    with ThreadPoolExecutor(max_workers=min(4, len(environments))) as pool:
        whole, *per_group = pool.map(lambda env: _probe(env, project), environments)
    if whole["unsupported"]:
        raise DiscoveryError(f"the generator does not map {whole['unsupported']} to functions yet")
    groups = {
        name: tuple(Route(**r) for r in described["routes"]) for name, described in zip(names, per_group, strict=True)
    }
    _check_exact_split(tuple(Route(**r) for r in whole["routes"]), groups)
    jobs = tuple(Job(j["name"], j["kind"], j["detail"]) for j in whole["jobs"])
    return AppShape(stage=stage, stage_environment=stage_env, groups=groups, jobs=jobs)


def _check_exact_split(whole: tuple[Route, ...], groups: dict[str, tuple[Route, ...]]) -> None:
    owner: dict[tuple[str, str], str] = {}
    for name, routes in groups.items():
        if not routes:
            raise DiscoveryError(f"route group {name!r} registers no routes")
        for route in routes:
            key = (route.path, route.method)
            if key in owner:
                raise DiscoveryError(f"{route.method} {route.path} is served by both {owner[key]!r} and {name!r}")
            owner[key] = name
    declared = {(r.path, r.method) for r in whole}
    if declared != set(owner):
        raise DiscoveryError(
            f"app.routes and the route groups disagree: only in app {sorted(declared - set(owner))}, "
            f"only in groups {sorted(set(owner) - declared)}"
        )


if __name__ == "__main__":
    json.dump(describe_loaded_app(), sys.stdout)
