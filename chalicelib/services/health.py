"""Reachability of every backend, for ``GET /health``. Reports kinds and outcomes, never addresses or credentials."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from chalicelib.bootstrap import Container


def check_backends(container: Container) -> dict[str, dict[str, Any]]:
    settings = container.settings
    return {
        # lambdas, not bound methods: building an adapter can fail too, and that failure is what the probe reports
        "store": _probe("mongodb" if settings.mongodb_uri else "sqlite", lambda: container.store.ping()),  # noqa: PLW0108
        "cache": _probe("redis" if settings.redis_url else "embedded-redis", lambda: container.redis.ping()),  # noqa: PLW0108
        "notifier": _probe("outbox" if settings.uses_outbox else "ses", lambda: container.notifier.ping()),  # noqa: PLW0108
    }


def _probe(kind: str, call: Callable[[], object]) -> dict[str, Any]:
    started = time.perf_counter()
    try:
        call()
    except Exception as error:  # any failure means unreachable; the type says which
        return {"kind": kind, "ok": False, "error": type(error).__name__}
    return {"kind": kind, "ok": True, "latency_ms": round((time.perf_counter() - started) * 1000, 2)}
