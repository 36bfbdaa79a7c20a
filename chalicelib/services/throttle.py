"""Named rate limits for the auth use cases (ASVS V6.3.1: brute-force and abuse protection), enforced in Redis."""

from __future__ import annotations

from typing import TYPE_CHECKING

from chalicelib.adapters.rate_limit import Limit
from chalicelib.domain.errors import RateLimited

if TYPE_CHECKING:
    from chalicelib.bootstrap import Container

LIMITS: dict[str, Limit] = {
    "login:ip": Limit(count=60, period_seconds=60, burst=20),  # generous: households share an IP behind NAT
    "reauth:account": Limit(count=10, period_seconds=15 * 60, burst=5),
    "register:ip": Limit(count=10, period_seconds=3600, burst=5),
    "code-verify:account": Limit(count=10, period_seconds=15 * 60, burst=5),
    "code-send:recipient": Limit(count=5, period_seconds=3600, burst=3),
    "code-send:ip": Limit(count=20, period_seconds=3600, burst=5),
    "reset:account": Limit(count=10, period_seconds=3600, burst=5),
    "refresh:ip": Limit(count=60, period_seconds=60, burst=20),
    "invitation-preview:ip": Limit(count=30, period_seconds=60, burst=10),  # tokens are 256-bit: this only slows scans
}


def throttle(container: Container, name: str, subject: str) -> None:
    """Count one attempt of ``name`` for ``subject`` (an IP, account id or address); 429 when over the limit."""
    decision = container.rate_limiter.check(f"{name}:{subject}", LIMITS[name])
    if not decision.allowed:
        raise RateLimited("too many attempts; try again later", retry_after_seconds=decision.retry_after_seconds)


def is_allowed(container: Container, name: str, subject: str) -> bool:
    """Count one attempt like ``throttle`` but answer quietly, where a 429 would reveal something (enumeration)."""
    return container.rate_limiter.check(f"{name}:{subject}", LIMITS[name]).allowed
