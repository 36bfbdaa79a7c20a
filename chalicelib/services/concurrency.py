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

One policy when the tries run out: ``Contended``, a 503 problem with ``Retry-After``, never a silent give-up. The
request was valid and based on nothing stale (a stale version the *client* sent is a plain ``VersionConflict``, 409,
raised by the use case before any retry); it only lost every race, and the client may send it again. Use cases order
their steps so that repeating the request completes what it left: a group's DELETE closes the memberships still open,
a reading or payment sent again with its ``Idempotency-Key`` replays and finishes its side effects
(``services.idempotency``).

An attempt may also retry on another "somebody else got there first" error, such as the ``DuplicateKey`` of an insert
that raced another insert (``retry_on``). Any other error ends the loop at once.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from chalicelib.domain.errors import ServiceUnavailable, VersionConflict

T = TypeVar("T")

#: Enough for any realistic burst on one document.
DEFAULT_TRIES = 10
#: For the end of an audit chain, which every audited change of a group (and every login, on the day's security chain)
#: appends to.
HOT_DOCUMENT_TRIES = 25
RETRY_AFTER_SECONDS = 1


class Contended(ServiceUnavailable):
    """Every attempt of a read-decide-write lost to a concurrent writer; the request may be sent again."""

    code = "contended"
    title = "Too many concurrent changes; try again"


def retry_on_conflict(
    attempt: Callable[[], T],
    *,
    what: str,
    tries: int = DEFAULT_TRIES,
    retry_on: tuple[type[Exception], ...] = (VersionConflict,),
) -> T:
    """Run ``attempt`` until it returns without raising one of ``retry_on``; ``Contended`` after ``tries`` losses.

    ``what`` names the contended thing for the problem's detail ("the group", "the audit log").
    """
    if tries < 1:
        raise ValueError("tries must be at least 1")
    for _ in range(tries):
        try:
            return attempt()
        except retry_on:
            continue
    raise Contended(f"{what} changed too often meanwhile; send the request again",
                    retry_after_seconds=RETRY_AFTER_SECONDS)
