"""The route-group registry: each group becomes its own Lambda in production (``ROUTE_GROUP``), all of them locally."""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from chalice.app import Blueprint

_ROUTES_PACKAGE = "chalicelib.routes"
#: group name -> module: ``chalicelib/routes/<group>.py`` holds route group ``<group>`` (its ``bp`` Blueprint).
ROUTE_GROUPS: dict[str, str] = {
    name: f"{_ROUTES_PACKAGE}.{name}"
    for name in ("system", "auth", "twofa", "me", "splits", "groups", "meters", "bills")
}
LOCAL_ONLY_GROUPS: dict[str, str] = {"dev": f"{_ROUTES_PACKAGE}.dev"}
JOBS_ONLY = "jobs"  # ROUTE_GROUP of the scheduled-job Lambdas: they register no routes, so they import no route code


def blueprints(selected: str | None, *, local: bool) -> list[Blueprint]:
    """The blueprints to register: only ``selected`` when set (one Lambda), otherwise every group."""
    if selected == JOBS_ONLY:
        return []
    available = ROUTE_GROUPS | (LOCAL_ONLY_GROUPS if local else {})
    if selected:
        if selected not in available:
            raise ValueError(f"unknown ROUTE_GROUP {selected!r}; one of {sorted(available)}")
        names = [selected]
    else:
        names = list(available)
    return [import_module(available[name]).bp for name in names]
