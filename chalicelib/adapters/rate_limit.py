"""Rate limits and login lockout in Redis (OWASP ASVS 5.0 V6.3.1 brute force, V2.4.1 anti-automation, V6.1.1).

``RateLimiter`` implements GCRA, the Generic Cell Rate Algorithm (ITU-T I.371; the algorithm of redis-cell and
throttled): per key it stores one number, the theoretical arrival time (TAT) of the next request. A request is allowed
when ``now >= TAT - burst * T`` (``T = period / count``, the emission interval) and then moves TAT to ``max(TAT, now)
+ T``. That gives a sustained rate of ``count`` per ``period`` with at most ``burst`` requests at once, an exact
Retry-After (the time until the condition holds), no fixed-window double bursts, and O(1) memory per key. Refused
requests change nothing, so hammering a limit does not push it further away.

``Lockout`` slows password guessing against one account: the first ``free_failures`` failures cost nothing, then each
further failure locks password verification for 1 s, 2 s, 4 s ... up to 15 minutes, and the count is forgotten after a
quiet period without failures.

Why the lockout cannot be used to lock a victim out (ASVS V6.1.1 "prevent malicious account lockout"):

* it is never permanent: at most ``max_seconds`` (15 minutes) after the last failure, and it only grows while someone
  keeps failing;
* it delays *password verification* for that account only; it is not an account state, so nothing else is disabled;
* password reset is keyed and rate-limited separately (by the ``RateLimiter`` under its own key) and never consults the
  lockout, and a completed reset calls ``Lockout.clear`` for the account, so the owner can always get back in through
  the reset email, however many failures an attacker has caused.

Both run as Lua scripts on the Redis server, atomically, and read the server's clock (``TIME``), so every Lambda sees
the same time whatever its own clock says. Scripts are registered once and called with EVALSHA (redis-py
``register_script`` falls back to loading on ``NOSCRIPT``). Each call touches exactly one key (passed in ``KEYS``), so
they work on Redis Cluster as they are.

Key names never contain the caller's strings: a caller key such as ``"login:account:jane@example.org"`` becomes
``prefix + hex(SHA-256(key))``, or HMAC-SHA256 when ``key_secret`` is given. Prefer a secret in production: a plain
hash of an IPv4 address or a known email address can be reversed by trying candidates.

Redis failures raise ``ServiceUnavailable``; the caller decides whether to fail open or closed.
"""

from __future__ import annotations

import hashlib
import hmac
import math
from dataclasses import dataclass
from typing import Any, Protocol

from redis.exceptions import RedisError

from chalicelib.domain.errors import ServiceUnavailable

_GCRA = """
if redis.replicate_commands then redis.replicate_commands() end
local interval = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local tat = tonumber(redis.call('GET', KEYS[1]) or '0') or 0
if tat < now then tat = now end
local new_tat = tat + interval
local allow_at = new_tat - burst * interval
if now < allow_at then
  return {0, allow_at - now, 0}
end
local ttl_ms = math.ceil((new_tat - now) / 1000)
if ttl_ms < 1 then ttl_ms = 1 end
redis.call('SET', KEYS[1], string.format('%d', new_tat), 'PX', ttl_ms)
local remaining = burst + math.floor((now - new_tat) / interval)
if remaining < 0 then remaining = 0 end
return {1, 0, remaining}
"""

_LOCKOUT_RECORD = """
if redis.replicate_commands then redis.replicate_commands() end
local free = tonumber(ARGV[1])
local base_ms = tonumber(ARGV[2])
local cap_ms = tonumber(ARGV[3])
local quiet_ms = tonumber(ARGV[4])
local t = redis.call('TIME')
local now_ms = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local failures = redis.call('HINCRBY', KEYS[1], 'f', 1)
local lock_ms = 0
if failures > free then
  local exponent = failures - free - 1
  if exponent > 40 then
    lock_ms = cap_ms
  else
    lock_ms = math.min(base_ms * (2 ^ exponent), cap_ms)
  end
end
local locked_until = tonumber(redis.call('HGET', KEYS[1], 'u') or '0') or 0
if now_ms + lock_ms > locked_until then locked_until = now_ms + lock_ms end
redis.call('HSET', KEYS[1], 'u', string.format('%d', locked_until))
redis.call('PEXPIRE', KEYS[1], locked_until - now_ms + quiet_ms)
return locked_until - now_ms
"""

_LOCKOUT_REMAINING = """
local locked_until = redis.call('HGET', KEYS[1], 'u')
if not locked_until then return 0 end
local t = redis.call('TIME')
local now_ms = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local remaining = tonumber(locked_until) - now_ms
if remaining < 0 then return 0 end
return remaining
"""


class ScriptingRedis(Protocol):
    """What the adapters need of a client: ``redis.Redis`` and ``redis.cluster.RedisCluster`` both fit."""

    def register_script(self, script: str) -> Any: ...

    def delete(self, *names: str) -> Any: ...


@dataclass(frozen=True)
class Limit:
    """At most ``count`` requests per ``period_seconds`` on average and ``burst`` (default ``count``) at once."""

    count: int
    period_seconds: int
    burst: int | None = None

    def __post_init__(self) -> None:
        if self.count < 1 or self.period_seconds < 1 or (self.burst is not None and self.burst < 1):
            raise ValueError("count, period_seconds and burst must be positive")

    @property
    def emission_interval_us(self) -> int:
        """``T``: microseconds between requests at the sustained rate (rounded up, so never more generous)."""
        return math.ceil(self.period_seconds * 1_000_000 / self.count)

    @property
    def capacity(self) -> int:
        return self.burst if self.burst is not None else self.count


@dataclass(frozen=True)
class Decision:
    allowed: bool
    retry_after_seconds: int  # 0 when allowed; otherwise at least 1, for the Retry-After header
    remaining: int  # requests still allowed right now after this one


@dataclass(frozen=True)
class LockoutPolicy:
    free_failures: int = 5
    base_seconds: int = 1
    max_seconds: int = 15 * 60
    quiet_period_seconds: int = 60 * 60  # failures are forgotten after this long without a new one

    def __post_init__(self) -> None:
        if self.free_failures < 0 or self.base_seconds < 1 or self.max_seconds < self.base_seconds:
            raise ValueError("invalid lockout policy")
        if self.quiet_period_seconds < 1:
            raise ValueError("quiet_period_seconds must be positive")


class _HashedKeys:
    def __init__(self, prefix: str, key_secret: bytes | None) -> None:
        if key_secret is not None and len(key_secret) < 32:
            raise ValueError("key_secret must be at least 32 bytes")
        self._prefix = prefix
        self._secret = key_secret

    def redis_key(self, key: str) -> str:
        """``prefix + 64 hex digits``: safe for any string, and no PII in key names."""
        raw = key.encode("utf-8", "surrogatepass")
        if self._secret is None:
            digest = hashlib.sha256(raw).hexdigest()
        else:
            digest = hmac.new(self._secret, raw, hashlib.sha256).hexdigest()
        return self._prefix + digest


class RateLimiter:
    """GCRA rate limiting shared by every process that uses the same Redis and prefix."""

    def __init__(self, redis_client: ScriptingRedis, prefix: str, *, key_secret: bytes | None = None) -> None:
        self._keys = _HashedKeys(prefix, key_secret)
        self._script = redis_client.register_script(_GCRA)

    def check(self, key: str, limit: Limit) -> Decision:
        """Count one request for ``key`` if ``limit`` allows it now; refused requests are not counted."""
        try:
            allowed, retry_after_us, remaining = self._script(
                keys=[self._keys.redis_key(key)], args=[limit.emission_interval_us, limit.capacity]
            )
        except RedisError as exc:
            raise ServiceUnavailable("the rate-limit store is unavailable") from exc
        if int(allowed) == 1:
            return Decision(allowed=True, retry_after_seconds=0, remaining=int(remaining))
        retry_after = max(1, math.ceil(int(retry_after_us) / 1_000_000))
        return Decision(allowed=False, retry_after_seconds=retry_after, remaining=0)


class Lockout:
    """Growing lockout of password verification per account after repeated failures (see the module docstring).

    Use: ``locked_for(account)`` before verifying (refuse without verifying while > 0), ``record_failure(account)``
    after a wrong password, ``clear(account)`` after a correct one and after a completed password reset. Key it by
    the same account identifier everywhere.
    """

    def __init__(
        self,
        redis_client: ScriptingRedis,
        prefix: str,
        policy: LockoutPolicy | None = None,
        *,
        key_secret: bytes | None = None,
    ) -> None:
        self.policy = policy or LockoutPolicy()
        self._redis = redis_client
        self._keys = _HashedKeys(prefix, key_secret)
        self._record = redis_client.register_script(_LOCKOUT_RECORD)
        self._remaining = redis_client.register_script(_LOCKOUT_REMAINING)

    def record_failure(self, key: str) -> int:
        """Count one failure; return the seconds password verification is now locked for (0 while still free)."""
        policy = self.policy
        args = [
            policy.free_failures,
            policy.base_seconds * 1000,
            policy.max_seconds * 1000,
            policy.quiet_period_seconds * 1000,
        ]
        try:
            remaining_ms = self._record(keys=[self._keys.redis_key(key)], args=args)
        except RedisError as exc:
            raise ServiceUnavailable("the lockout store is unavailable") from exc
        return _ceil_seconds(int(remaining_ms))

    def locked_for(self, key: str) -> int:
        """Seconds until password verification is allowed again for ``key``; 0 when not locked."""
        try:
            remaining_ms = self._remaining(keys=[self._keys.redis_key(key)], args=[])
        except RedisError as exc:
            raise ServiceUnavailable("the lockout store is unavailable") from exc
        return _ceil_seconds(int(remaining_ms))

    def clear(self, key: str) -> None:
        """Forget every failure for ``key`` (after a successful login or a completed password reset)."""
        try:
            self._redis.delete(self._keys.redis_key(key))
        except RedisError as exc:
            raise ServiceUnavailable("the lockout store is unavailable") from exc


def _ceil_seconds(milliseconds: int) -> int:
    return max(0, math.ceil(milliseconds / 1000))
