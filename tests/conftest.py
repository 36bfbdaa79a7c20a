"""Session-wide fixtures: real local services, started once, isolated per test by unique keys."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest
import redis
from hypothesis import HealthCheck, settings

# Hypothesis' generation-speed health check and per-example deadline measure the machine, not the code: on a loaded
# 2-core CI runner they fail tests whose properties hold. Every property keeps its examples and assertions.
settings.register_profile("sharemeter", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("sharemeter")

REDIS_TEST_URL = os.environ.get("REDIS_TEST_URL", "redis://127.0.0.1:6379/0")


@pytest.fixture(scope="session")
def redis_client() -> Iterator[redis.Redis]:
    """The machine's real Redis server (never a fake). `.ci/run` starts it when it is not running."""
    client = redis.Redis.from_url(REDIS_TEST_URL)
    client.ping()
    yield client
    client.close()


@pytest.fixture
def key_prefix(redis_client: redis.Redis) -> Iterator[str]:
    """A unique key prefix per test; the test's keys are deleted afterwards."""
    prefix = f"test:{uuid.uuid4().hex[:12]}:"
    yield prefix
    keys = list(redis_client.scan_iter(match=prefix + "*", count=1000))
    if keys:
        redis_client.delete(*keys)
