"""Idempotency: a request that arrives twice (a retry, a double click, a redelivered webhook) takes effect once.

The claim lives *in the document the request writes*, under a unique index, so claiming the key and writing the effect
are one insert: no transaction, no second document to expire or to disagree with the first.

- ``header_key`` validates an ``Idempotency-Key`` header: 8-128 characters of ``A-Z a-z 0-9 . _ : -``.
- ``Claim(where, fingerprint)`` names one request. ``where`` are the fields of a unique index that identify the document
  it writes (``{"group_id": g, "idempotency_key": k}``); ``fingerprint`` is a SHA-256 of what the request means
  (``fingerprint(values)``: canonical JSON of plain values), stored next to them.
- ``once(collection, claim, write=..., finish=...)`` runs the request:

  1. a document with the claim exists: the request is a replay (below);
  2. otherwise ``write(claim.fields)`` validates, builds and inserts the document *with those fields*; of two
     concurrent requests with one key the unique index lets one insert win, and the other's ``DuplicateKey`` turns into
     a replay of the winner;
  3. ``finish(document)`` does the request's side effects (complete the audit entry, refresh derived state) for the new
     document and for every replay alike. It must be idempotent: a crash between the insert and its side effects is
     completed by the client's retry.

  A replay with the same fingerprint answers from the stored document (``Outcome.replayed``: the route answers 200 with
  ``Idempotent-Replayed: true``); another fingerprint is ``IdempotencyKeyReused`` (409), whatever the use case.

Adopting it in a new use case (card-payment intents, Stripe webhooks with the event id as the key, notifications with a
message key): declare a unique index over the claim's fields on the collection the use case inserts into, build the
``Claim`` from the key and the request's meaningful values, move the validation and the insert into ``write`` and
everything that must follow the insert into an idempotent ``finish``. A key that does not come from a client (an event
id) needs no ``header_key``; ``where`` may then be ``{"_id": event_id}``.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from chalicelib.adapters.store.port import DuplicateKey
from chalicelib.domain.errors import Conflict, ValidationFailed

if TYPE_CHECKING:
    from chalicelib.adapters.store.port import Collection, Document, Scalar

HEADER = "Idempotency-Key"
KEY_PATTERN = re.compile(r"^[A-Za-z0-9._:-]{8,128}$")
#: The document field that keeps the fingerprint of the request that wrote it.
FINGERPRINT = "fingerprint"


class IdempotencyKeyReused(Conflict):
    code = "idempotency-key-reused"
    title = "The Idempotency-Key was already used for another request"


def header_key(value: str | None, *, required: bool) -> str | None:
    """The validated ``Idempotency-Key`` header value; ``None`` when absent and not ``required``."""
    if value is None and not required:
        return None
    if value is None or not KEY_PATTERN.match(value):
        raise ValidationFailed(f"send an {HEADER} header of 8-128 letters, digits and . _ : -", field=HEADER)
    return value


def fingerprint(values: Mapping[str, Any]) -> str:
    """SHA-256 of ``values`` as canonical JSON (sorted keys): equal requests, equal fingerprints."""
    return hashlib.sha256(json.dumps(values, sort_keys=True).encode()).hexdigest()


@dataclass(frozen=True)
class Claim:
    """One request: the unique-index fields that name its document, and the fingerprint of what it asks for."""

    where: Mapping[str, Scalar]
    fingerprint: str

    @property
    def fields(self) -> dict[str, Any]:
        """What ``write`` stores in the new document."""
        return {**self.where, FINGERPRINT: self.fingerprint}


@dataclass(frozen=True)
class Outcome:
    document: Document
    replayed: bool


def once(
    collection: Collection,
    claim: Claim | None,
    *,
    write: Callable[[Mapping[str, Any]], Document],
    finish: Callable[[Document], Document],
) -> Outcome:
    """Run the request named by ``claim`` once (see the module docstring); without a claim, just write and finish."""
    if claim is not None:
        stored = collection.find_one(claim.where)
        if stored is not None:
            return _replay(claim, stored, finish)
    try:
        written = write(claim.fields if claim is not None else {})
    except DuplicateKey:
        raced = collection.find_one(claim.where) if claim is not None else None
        if claim is None or raced is None:
            raise  # another unique index: the use case's own conflict
        return _replay(claim, raced, finish)
    return Outcome(finish(written), replayed=False)


def _replay(claim: Claim, stored: Document, finish: Callable[[Document], Document]) -> Outcome:
    if stored.get(FINGERPRINT) != claim.fingerprint:
        raise IdempotencyKeyReused(f"this {HEADER} was already used for a different request; use a new key")
    return Outcome(finish(stored), replayed=True)
