"""The optimistic-concurrency retry helper: reruns an attempt that lost a race, and gives up loudly, never silently."""

from __future__ import annotations

import json

import pytest

from chalicelib.adapters.store.port import DuplicateKey
from chalicelib.domain.errors import NotFound, VersionConflict
from chalicelib.http.problems import problem_response
from chalicelib.services.concurrency import DEFAULT_TRIES, Contended, retry_on_conflict


class Losing:
    """An attempt that loses ``losses`` races (raising ``error``) and then returns how many calls it took."""

    def __init__(self, losses: int, error: Exception | None = None) -> None:
        self.losses = losses
        self.error = error or VersionConflict("stale")
        self.calls = 0

    def __call__(self) -> int:
        self.calls += 1
        if self.calls <= self.losses:
            raise self.error
        return self.calls


def test_an_attempt_that_loses_races_is_run_again_until_it_wins() -> None:
    attempt = Losing(3)
    assert retry_on_conflict(attempt, what="the group") == 4


def test_an_attempt_that_never_wins_is_a_503_problem_with_retry_after_after_the_tries() -> None:
    attempt = Losing(DEFAULT_TRIES)
    with pytest.raises(Contended) as raised:
        retry_on_conflict(attempt, what="the group")
    assert attempt.calls == DEFAULT_TRIES
    answer = problem_response(raised.value, "corr-0001")
    body = json.loads(answer.body)
    assert answer.status_code == 503 and answer.headers["Retry-After"] == "1"
    assert body["type"].endswith("/contended") and "the group" in body["detail"]


def test_the_number_of_tries_can_be_raised_for_a_hot_document() -> None:
    assert retry_on_conflict(Losing(DEFAULT_TRIES), what="the audit log", tries=DEFAULT_TRIES + 1) > 0


def test_another_error_ends_the_loop_at_once() -> None:
    attempt = Losing(5, NotFound("no such group"))
    with pytest.raises(NotFound):
        retry_on_conflict(attempt, what="the group")
    assert attempt.calls == 1


def test_a_lost_insert_race_is_retried_only_when_asked() -> None:
    with pytest.raises(DuplicateKey):
        retry_on_conflict(Losing(1, DuplicateKey("_id")), what="the schedule")
    raced = Losing(1, DuplicateKey("_id"))
    assert retry_on_conflict(raced, what="the schedule", retry_on=(VersionConflict, DuplicateKey)) == 2


def test_zero_attempts_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        retry_on_conflict(Losing(0), what="the group", tries=0)
