"""GCRA rate limiting and growing lockout against the real Redis (ASVS 5.0 V6.3.1, V2.4.1, V6.1.1)."""

from __future__ import annotations

import time
import uuid

import pytest
import redis
from redis.backoff import NoBackoff
from redis.retry import Retry

from chalicelib.adapters.rate_limit import Decision, Limit, Lockout, LockoutPolicy, RateLimiter
from chalicelib.domain.errors import ServiceUnavailable
from tests.conftest import REDIS_TEST_URL


@pytest.fixture
def limiter(redis_client: redis.Redis, key_prefix: str) -> RateLimiter:
    return RateLimiter(redis_client, key_prefix + "rl:")


@pytest.fixture
def lockout(redis_client: redis.Redis, key_prefix: str) -> Lockout:
    policy = LockoutPolicy(free_failures=2, base_seconds=1, max_seconds=4, quiet_period_seconds=30)
    return Lockout(redis_client, key_prefix + "lock:", policy)


def checks(limiter: RateLimiter, key: str, limit: Limit, n: int) -> list[Decision]:
    return [limiter.check(key, limit) for _ in range(n)]


# --- RateLimiter (GCRA) -----------------------------------------------------------------------------------------------


def test_v6_3_1_allows_count_then_refuses(limiter: RateLimiter) -> None:
    decisions = checks(limiter, "login:ip:203.0.113.7", Limit(count=3, period_seconds=60), 4)
    assert [d.allowed for d in decisions] == [True, True, True, False]
    assert [d.remaining for d in decisions] == [2, 1, 0, 0]
    assert decisions[0].retry_after_seconds == 0


def test_retry_after_is_the_time_until_the_next_slot(limiter: RateLimiter) -> None:
    limit = Limit(count=1, period_seconds=60)
    assert limiter.check("k", limit).allowed
    refused = limiter.check("k", limit)
    assert not refused.allowed
    assert 59 <= refused.retry_after_seconds <= 60


def test_retry_after_is_at_least_one_second(limiter: RateLimiter) -> None:
    limit = Limit(count=10, period_seconds=10)  # a slot a second: 11 checks finish well inside it, even on a busy CI
    refused = checks(limiter, "k", limit, 11)[-1]
    assert not refused.allowed
    assert refused.retry_after_seconds == 1


def test_recovers_after_the_emission_interval(limiter: RateLimiter) -> None:
    limit = Limit(count=2, period_seconds=1)  # one slot every 500 ms
    assert [d.allowed for d in checks(limiter, "k", limit, 3)] == [True, True, False]
    time.sleep(0.55)
    assert [d.allowed for d in checks(limiter, "k", limit, 2)] == [True, False]


def test_refused_requests_are_not_counted(limiter: RateLimiter) -> None:
    limit = Limit(count=2, period_seconds=1)
    checks(limiter, "k", limit, 2)
    checks(limiter, "k", limit, 20)  # hammering while refused does not push the next slot further away
    time.sleep(0.55)
    assert limiter.check("k", limit).allowed


def test_burst_limits_requests_at_once_but_not_the_rate(limiter: RateLimiter) -> None:
    limit = Limit(count=10, period_seconds=5, burst=3)  # sustained 2/s, 3 at once (slots 500 ms apart: robust on CI)
    assert [d.allowed for d in checks(limiter, "k", limit, 4)] == [True, True, True, False]
    time.sleep(0.55)
    assert limiter.check("k", limit).allowed


def test_burst_larger_than_count(limiter: RateLimiter) -> None:
    limit = Limit(count=1, period_seconds=60, burst=4)
    assert [d.allowed for d in checks(limiter, "k", limit, 5)] == [True, True, True, True, False]


def test_keys_are_independent(limiter: RateLimiter) -> None:
    limit = Limit(count=1, period_seconds=60)
    assert limiter.check("login:ip:198.51.100.1", limit).allowed
    assert not limiter.check("login:ip:198.51.100.1", limit).allowed
    assert limiter.check("login:ip:198.51.100.2", limit).allowed
    assert limiter.check("register:ip:198.51.100.1", limit).allowed


def test_limiters_sharing_redis_and_prefix_share_state(redis_client: redis.Redis, key_prefix: str) -> None:
    """Two Lambdas (two clients) see one limit, timed by the Redis server's clock."""
    other_client = redis.Redis.from_url(REDIS_TEST_URL)  # a second connection pool, as in another Lambda
    try:
        first = RateLimiter(redis_client, key_prefix + "rl:")
        second = RateLimiter(other_client, key_prefix + "rl:")
        limit = Limit(count=2, period_seconds=60)
        assert first.check("shared", limit).allowed
        assert second.check("shared", limit).allowed
        assert not first.check("shared", limit).allowed
    finally:
        other_client.close()


def test_no_pii_in_key_names_and_keys_expire(redis_client: redis.Redis, key_prefix: str, limiter: RateLimiter) -> None:
    limiter.check("login:account:jane.doe@example.org", Limit(count=5, period_seconds=10))
    limiter.check("weird \x00 key \ud800 🔑 " * 50, Limit(count=5, period_seconds=10))
    keys = [k.decode() for k in redis_client.scan_iter(match=key_prefix + "*")]
    assert len(keys) == 2
    for key in keys:
        digest = key.removeprefix(key_prefix + "rl:")
        assert len(digest) == 64 and all(c in "0123456789abcdef" for c in digest)
        assert 0 < redis_client.pttl(key) <= 10_000


def test_keyed_hashing_changes_key_names(redis_client: redis.Redis, key_prefix: str) -> None:
    plain = RateLimiter(redis_client, key_prefix + "a:")
    keyed = RateLimiter(redis_client, key_prefix + "b:", key_secret=b"s" * 32)
    plain.check("203.0.113.9", Limit(1, 60))
    keyed.check("203.0.113.9", Limit(1, 60))
    names = sorted(k.decode() for k in redis_client.scan_iter(match=key_prefix + "*"))
    assert names[0].removeprefix(key_prefix + "a:") != names[1].removeprefix(key_prefix + "b:")
    with pytest.raises(ValueError):
        RateLimiter(redis_client, key_prefix, key_secret=b"short")


def test_scripts_run_by_sha_after_a_script_flush(redis_client: redis.Redis, key_prefix: str) -> None:
    limiter = RateLimiter(redis_client, key_prefix + "rl:")
    assert limiter.check("k", Limit(2, 60)).allowed
    redis_client.script_flush()  # e.g. a failover to a fresh replica: EVALSHA gets NOSCRIPT and reloads
    assert limiter.check("k", Limit(2, 60)).allowed
    assert not limiter.check("k", Limit(2, 60)).allowed


def test_invalid_limits_refused() -> None:
    for args in ((0, 60, None), (1, 0, None), (1, 60, 0)):
        with pytest.raises(ValueError):
            Limit(*args)


def test_redis_down_is_service_unavailable() -> None:
    dead = redis.Redis(host="127.0.0.1", port=1, socket_connect_timeout=0.2, retry=Retry(NoBackoff(), 0))
    limiter = RateLimiter(dead, "test:dead:")
    with pytest.raises(ServiceUnavailable):
        limiter.check("k", Limit(1, 60))
    with pytest.raises(ServiceUnavailable):
        Lockout(dead, "test:dead:").locked_for("k")


# --- Lockout ----------------------------------------------------------------------------------------------------------


def test_v6_3_1_lockout_is_free_then_grows_exponentially_to_the_cap(lockout: Lockout) -> None:
    account = f"user-{uuid.uuid4()}"
    assert [lockout.record_failure(account) for _ in range(7)] == [0, 0, 1, 2, 4, 4, 4]
    assert 3 <= lockout.locked_for(account) <= 4


def test_default_policy_is_five_free_then_one_second_doubling_to_fifteen_minutes(
    redis_client: redis.Redis, key_prefix: str
) -> None:
    lockout = Lockout(redis_client, key_prefix + "lock:")
    results = [lockout.record_failure("acct") for _ in range(17)]
    assert results[:5] == [0] * 5
    assert results[5:10] == [1, 2, 4, 8, 16]
    assert results[-1] == 900
    assert max(results) == 900


def test_lockout_ends_after_its_time(lockout: Lockout) -> None:
    for _ in range(3):
        lockout.record_failure("acct")
    assert lockout.locked_for("acct") == 1
    time.sleep(1.05)
    assert lockout.locked_for("acct") == 0


def test_unknown_key_is_not_locked(lockout: Lockout) -> None:
    assert lockout.locked_for("never-seen") == 0


def test_v6_1_1_clear_forgets_failures_so_a_reset_restores_access(lockout: Lockout) -> None:
    for _ in range(5):
        lockout.record_failure("acct")
    assert lockout.locked_for("acct") > 0
    lockout.clear("acct")
    assert lockout.locked_for("acct") == 0
    assert lockout.record_failure("acct") == 0  # the free failures start again


def test_lockouts_are_per_account(lockout: Lockout) -> None:
    for _ in range(5):
        lockout.record_failure("victim")
    assert lockout.locked_for("someone-else") == 0


def test_failures_are_forgotten_after_the_quiet_period(
    redis_client: redis.Redis, key_prefix: str, lockout: Lockout
) -> None:
    lockout.record_failure("acct")
    (key,) = [k.decode() for k in redis_client.scan_iter(match=key_prefix + "lock:*")]
    assert 29_000 < redis_client.pttl(key) <= 30_000  # no lock yet: quiet period only
    for _ in range(2):
        lockout.record_failure("acct")
    assert 30_000 < redis_client.pttl(key) <= 31_000  # 1 s lock + quiet period


def test_invalid_lockout_policy_refused() -> None:
    with pytest.raises(ValueError):
        LockoutPolicy(base_seconds=0)
    with pytest.raises(ValueError):
        LockoutPolicy(base_seconds=10, max_seconds=5)
