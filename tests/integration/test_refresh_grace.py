"""Two tabs, one session: refreshes that race with the same refresh token all get the same rotated token, a replay
within the 30 s grace window too, and reuse after it still revokes the whole family (RFC 9700 4.14.2, ASVS 5.0
V7.2.4 / V7.4.1). Real threads on both store backends: SQLite, and MongoStore over mongomock."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import mongomock
import pytest
import redis

from chalicelib.adapters.store.mongo import MongoStore
from chalicelib.adapters.store.port import DocumentStore
from chalicelib.adapters.store.sqlite import SqliteStore
from chalicelib.bootstrap import Container, bootstrap
from chalicelib.domain.errors import AuthenticationFailed
from chalicelib.services import sessions
from chalicelib.settings import Settings
from tests.integration.conftest import Clock

TABS = 4
ROUNDS = 10


@pytest.fixture(params=["sqlite", "mongomock"])
def container(request: pytest.FixtureRequest, tmp_path: Path, redis_client: redis.Redis,
              key_prefix: str) -> Iterator[Container]:
    store: DocumentStore
    store = SqliteStore(tmp_path / "store.db") if request.param == "sqlite" else MongoStore(
        mongomock.MongoClient(), "sessions")
    settings = replace(Settings.from_env({"SHAREMETER_DATA_DIR": str(tmp_path)}), key_prefix=key_prefix)
    yield bootstrap(settings, clock=Clock(), store=store, redis=redis_client)
    store.close()


def _start(container: Container) -> dict[str, Any]:
    return sessions.start(container, {"_id": "u1"}, client_ip="127.0.0.1", user_agent="test")


def _refresh_at_once(container: Container, token: str) -> list[dict[str, Any] | Exception]:
    """``TABS`` threads refresh with ``token`` at the same instant."""
    barrier = threading.Barrier(TABS)
    results: list[dict[str, Any] | Exception] = [RuntimeError("did not run")] * TABS

    def tab(index: int) -> None:
        barrier.wait()
        try:
            results[index] = sessions.refresh(container, token)
        except Exception as error:  # recorded and asserted on below
            results[index] = error

    threads = [threading.Thread(target=tab, args=(index,)) for index in range(TABS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def test_tabs_refreshing_at_once_all_get_the_same_rotated_token_asvs_v7_4_1(container: Container) -> None:
    token = _start(container)["refresh_token"]
    for _round in range(ROUNDS):
        results = _refresh_at_once(container, token)
        pairs = [result for result in results if isinstance(result, dict)]
        assert len(pairs) == TABS, [result for result in results if isinstance(result, Exception)]
        rotated = {pair["refresh_token"] for pair in pairs}
        assert len(rotated) == 1 and token not in rotated
        for pair in pairs:  # every tab's access token works: nobody was signed out
            assert sessions.authenticate(container, pair["access_token"]).session_id == token.split(".")[0]
        token = rotated.pop()
    assert sessions.refresh(container, token)["refresh_token"] != token  # the family is alive and still rotates


def test_a_replay_within_the_grace_window_returns_the_same_refresh_token_asvs_v7_2_4(container: Container) -> None:
    first = _start(container)["refresh_token"]
    rotated = sessions.refresh(container, first)
    container.clock.advance(sessions.REFRESH_GRACE_SECONDS - 1)  # type: ignore[attr-defined]
    replayed = sessions.refresh(container, first)
    assert replayed["refresh_token"] == rotated["refresh_token"]
    assert replayed["access_token"] != rotated["access_token"]  # a fresh access token for the same session
    assert sessions.refresh(container, rotated["refresh_token"])["refresh_token"] != rotated["refresh_token"]


def test_reuse_after_the_grace_window_revokes_the_whole_family_asvs_v7_4_1(container: Container) -> None:
    first = _start(container)["refresh_token"]
    rotated = sessions.refresh(container, first)
    container.clock.advance(sessions.REFRESH_GRACE_SECONDS)  # type: ignore[attr-defined]
    with pytest.raises(AuthenticationFailed):
        sessions.refresh(container, first)
    with pytest.raises(AuthenticationFailed):  # the successor dies with the family
        sessions.refresh(container, rotated["refresh_token"])
    with pytest.raises(AuthenticationFailed):
        sessions.authenticate(container, rotated["access_token"])


def test_a_secret_retired_two_rotations_ago_is_reuse_even_within_the_window(container: Container) -> None:
    first = _start(container)["refresh_token"]
    second = sessions.refresh(container, first)["refresh_token"]
    third = sessions.refresh(container, second)["refresh_token"]
    with pytest.raises(AuthenticationFailed):
        sessions.refresh(container, first)
    with pytest.raises(AuthenticationFailed):
        sessions.refresh(container, third)


def test_a_forged_secret_for_a_live_session_is_refused_and_revokes_nothing(container: Container) -> None:
    pair = _start(container)
    session_id = pair["refresh_token"].split(".")[0]
    for forged in (f"{session_id}.not-the-secret", f"{session_id}.", "no-dot-at-all", ".secret"):
        with pytest.raises(AuthenticationFailed):
            sessions.refresh(container, forged)
    assert sessions.refresh(container, pair["refresh_token"])["refresh_token"]


def test_the_session_document_holds_no_usable_secret_asvs_v7_2_1(container: Container) -> None:
    """Only hashes are stored: neither the presented nor the successor secret appears in the document."""
    first = _start(container)["refresh_token"]
    rotated = sessions.refresh(container, first)["refresh_token"]
    sessions.refresh(container, first)  # a grace replay writes nothing either
    stored = json.dumps(container.store.collection(sessions.SESSIONS).get(first.split(".")[0]))
    for secret in (first.split(".")[1], rotated.split(".")[1]):
        assert secret not in stored
