"""The denylist in Redis: one key per revoked session or token, expiring with the tokens it refuses.

Keys are ``<prefix>revoked:{<session id>}:session`` and ``<prefix>revoked:{<session id>}:token:<jti>``: the braces are
a Redis Cluster hash tag, so both keys one request checks live in the same slot and one ``MGET`` answers (a cross-slot
``MGET`` is refused by a cluster). Ids are server-generated hex, never a caller's string. Any Redis failure becomes the
port's ``DenylistUnavailable``.
"""

from __future__ import annotations

from typing import Any, Protocol

from redis.exceptions import RedisClusterException, RedisError

from chalicelib.adapters.denylist.port import DenylistUnavailable

_DENIED = b"1"


class KeyValueRedis(Protocol):
    """What the adapter needs of a client: ``redis.Redis`` and ``redis.cluster.RedisCluster`` both fit."""

    def set(self, name: str, value: bytes, ex: int | None = None) -> Any: ...

    def mget(self, keys: list[str]) -> Any: ...


class RedisDenylist:
    def __init__(self, redis_client: KeyValueRedis, prefix: str) -> None:
        self._redis = redis_client
        self._prefix = prefix

    def _session_key(self, session_id: str) -> str:
        return f"{self._prefix}revoked:{{{session_id}}}:session"

    def _token_key(self, session_id: str, token_id: str) -> str:
        return f"{self._prefix}revoked:{{{session_id}}}:token:{token_id}"

    def deny_session(self, session_id: str, *, seconds: int) -> None:
        self._set(self._session_key(session_id), seconds)

    def deny_token(self, session_id: str, token_id: str, *, seconds: int) -> None:
        self._set(self._token_key(session_id, token_id), seconds)

    def is_denied(self, session_id: str, token_id: str) -> bool:
        try:
            found = self._redis.mget([self._token_key(session_id, token_id), self._session_key(session_id)])
        except (RedisError, RedisClusterException) as exc:
            raise DenylistUnavailable("the session denylist is unavailable") from exc
        return any(found)

    def _set(self, key: str, seconds: int) -> None:
        try:
            self._redis.set(key, _DENIED, ex=max(1, seconds))
        except (RedisError, RedisClusterException) as exc:
            raise DenylistUnavailable("the session denylist is unavailable") from exc
