"""The idempotency mechanism on every store backend: one effect per key, replays answer from the stored document, a key
reused for another request is one 409 problem, a concurrent duplicate is a replay, and a replay completes the side
effects a crash left undone."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import pytest

from chalicelib.adapters.store.port import Collection, CollectionSpec, Document, DocumentStore, DuplicateKey, Index
from chalicelib.domain.errors import ValidationFailed
from chalicelib.http.problems import problem_response
from chalicelib.services.idempotency import Claim, IdempotencyKeyReused, fingerprint, header_key, once


@pytest.fixture
def coll(store: DocumentStore, unique_name: str) -> Collection:
    return store.collection(CollectionSpec(
        unique_name, indexes=(Index(("scope", "idempotency_key"), unique=True), Index(("number",), unique=True)),
    ))


def claim(key: str, **request: Any) -> Claim:
    return Claim({"scope": "g1", "idempotency_key": key}, fingerprint(request))


@dataclass
class Recorder:
    """A use case: ``write`` inserts one document per request, ``finish`` marks it done (its side effect)."""

    coll: Collection
    writes: int = 0
    finished: list[str] = field(default_factory=list)
    crash_in_finish: bool = False
    racer: Document | None = None  # inserted just before our insert: a concurrent request with the same key

    def write(self, fields: Mapping[str, Any], number: int = 1) -> Document:
        self.writes += 1
        if self.racer is not None:
            self.coll.insert(self.racer)
            self.racer = None
        return self.coll.insert({"_id": f"doc-{self.writes}-{number}", "number": number, "done": False, **fields})

    def finish(self, document: Document) -> Document:
        if self.crash_in_finish:
            self.crash_in_finish = False
            raise RuntimeError("the process died after the insert")
        self.finished.append(document["_id"])
        if document["done"]:
            return document
        return self.coll.update(document["_id"], {"done": True}, expected_version=document["version"])


def test_the_same_request_twice_takes_effect_once_and_replays_the_stored_document(coll: Collection) -> None:
    use_case = Recorder(coll)
    first = once(coll, claim("key-00000001", amount="10.00"), write=use_case.write, finish=use_case.finish)
    again = once(coll, claim("key-00000001", amount="10.00"), write=use_case.write, finish=use_case.finish)
    assert not first.replayed and again.replayed
    assert use_case.writes == 1 and again.document == first.document and again.document["done"] is True
    assert coll.count({}) == 1


def test_a_key_reused_for_another_request_is_one_conflict_problem(coll: Collection) -> None:
    use_case = Recorder(coll)
    once(coll, claim("key-00000001", amount="10.00"), write=use_case.write, finish=use_case.finish)
    with pytest.raises(IdempotencyKeyReused) as raised:
        once(coll, claim("key-00000001", amount="11.00"), write=use_case.write, finish=use_case.finish)
    body = json.loads(problem_response(raised.value, "corr-0001").body)
    assert body["status"] == 409 and body["type"].endswith("/idempotency-key-reused")
    assert body["title"] == "The Idempotency-Key was already used for another request"
    assert use_case.writes == 1


def test_a_concurrent_duplicate_gets_the_winner_as_its_replay(coll: Collection) -> None:
    # GIVEN the original request inserts its document between the retry's lookup and the retry's insert
    use_case = Recorder(coll)
    winner = claim("key-00000001", amount="10.00")
    use_case.racer = {"_id": "original", "number": 7, "done": False, **winner.fields}
    # WHEN the retry runs THEN it replays the original, and finishes it
    outcome = once(coll, claim("key-00000001", amount="10.00"), write=use_case.write, finish=use_case.finish)
    assert outcome.replayed and outcome.document["_id"] == "original" and outcome.document["done"] is True
    assert coll.count({}) == 1


def test_a_concurrent_duplicate_with_another_body_is_the_conflict(coll: Collection) -> None:
    use_case = Recorder(coll)
    use_case.racer = {"_id": "original", "number": 7, "done": False, **claim("key-00000001", amount="10.00").fields}
    with pytest.raises(IdempotencyKeyReused):
        once(coll, claim("key-00000001", amount="99.00"), write=use_case.write, finish=use_case.finish)


def test_a_crash_between_the_write_and_its_side_effects_is_completed_by_the_replay(coll: Collection) -> None:
    use_case = Recorder(coll, crash_in_finish=True)
    with pytest.raises(RuntimeError):
        once(coll, claim("key-00000001", amount="10.00"), write=use_case.write, finish=use_case.finish)
    stored = coll.get("doc-1-1")
    assert stored is not None and stored["done"] is False  # written, side effect lost
    retry = once(coll, claim("key-00000001", amount="10.00"), write=use_case.write, finish=use_case.finish)
    assert retry.replayed and retry.document["done"] is True and use_case.writes == 1


def test_another_unique_index_is_the_use_cases_own_conflict(coll: Collection) -> None:
    use_case = Recorder(coll)
    once(coll, claim("key-00000001", amount="10.00"), write=use_case.write, finish=use_case.finish)
    with pytest.raises(DuplicateKey):  # same "number", another key: not a replay
        once(coll, claim("key-00000002", amount="10.00"), write=use_case.write, finish=use_case.finish)


def test_without_a_claim_every_request_writes(coll: Collection) -> None:
    use_case = Recorder(coll)
    outcome = once(coll, None, write=lambda fields: use_case.write(fields, number=1), finish=use_case.finish)
    other = once(coll, None, write=lambda fields: use_case.write(fields, number=2), finish=use_case.finish)
    assert not outcome.replayed and not other.replayed and coll.count({}) == 2


@pytest.mark.parametrize("value", ["short", "x" * 129, "with space1", "ключ-ключ-ключ", ""])
def test_a_malformed_header_is_refused_and_named(value: str) -> None:
    with pytest.raises(ValidationFailed) as raised:
        header_key(value, required=False)
    assert raised.value.field == "Idempotency-Key"


def test_a_missing_header_is_refused_only_where_required() -> None:
    assert header_key(None, required=False) is None
    assert header_key("pay-2027.01:retry_1", required=True) == "pay-2027.01:retry_1"
    with pytest.raises(ValidationFailed):
        header_key(None, required=True)


def test_fingerprints_ignore_key_order_and_tell_values_apart() -> None:
    assert fingerprint({"a": 1, "b": "x"}) == fingerprint({"b": "x", "a": 1})
    assert fingerprint({"a": 1}) != fingerprint({"a": "1"})
