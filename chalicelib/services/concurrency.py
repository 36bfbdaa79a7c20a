"""Optimistic concurrency: the one retry loop for a read-decide-write that can lose to a concurrent writer.

Every invariant lives in one document and every write is conditional on the ``version`` read (see the store port), so
a use case that changes shared state is written as an *attempt*: read the document, decide, write with
``expected_version``. When another request wrote in between, the write raises ``VersionConflict`` and the attempt is
simply run again on fresh data::

    def attempt() -> Document:
        group = load(container, group_id)
        ...  # decide from what was just read; raise a domain error to stop
        return collection.update(group_id, changes, expected_version=group["version"])

    return retry_on_conflict(attempt, what="the group")

One policy when the attempts run out: ``Contended``, a 503 problem with ``Retry-After``, never a silent give-up. The
request was valid and based on nothing stale (a stale version the *client* sent is a plain ``VersionConflict``, 409,
raised by the use case before any retry); it only lost every race, so the same request may simply be sent again, and a
write that must happen exactly once carries an idempotency key (``services.idempotency``) for that retry.

An attempt may also retry on another "somebody else got there first" error, such as the ``DuplicateKey`` of an insert
that raced another insert (``retry_on``). Any other error ends the loop at once.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from chalicelib.domain.errors import ServiceUnavailable, VersionConflict

T = TypeVar("T")

#: Enough for any realistic burst on one document; a hot document (an audit chain) may ask for more.
DEFAULT_ATTEMPTS = 10
RETRY_AFTER_SECONDS = 1


class Contended(ServiceUnavailable):
    """Every attempt of a read-decide-write lost to a concurrent writer; sending the request again is safe."""

    code = "contended"
    title = "Too many concurrent changes; try again"


def retry_on_conflict(
    attempt: Callable[[], T],
    *,
    what: str,
    attempts: int = DEFAULT_ATTEMPTS,
    retry_on: tuple[type[Exception], ...] = (VersionConflict,),
) -> T:
    """Run ``attempt`` until it returns without raising one of ``retry_on``; ``Contended`` after ``attempts`` losses.

    ``what`` names the contended thing for the problem's detail ("the group", "the audit log").
    """
    if attempts < 1:
        raise ValueError("attempts must be at least 1")
    for _ in range(attempts):
        try:
            return attempt()
        except retry_on:
            continue
    raise Contended(f"{what} changed too often meanwhile; send the request again",
                    retry_after_seconds=RETRY_AFTER_SECONDS)
