"""The composition root: builds every adapter from ``Settings``, lazily and once per process.

Nothing connects at import time (on Lambda that would be network I/O in every cold start). Tests call
``bootstrap(settings, **overrides)`` with their own local backends; production and ``make run`` call ``container()``,
which memoizes one instance per process.
"""

from __future__ import annotations

import base64
import time
from collections.abc import Callable
from functools import cached_property
from typing import TYPE_CHECKING, Any

from chalicelib.settings import Settings, SettingsError

if TYPE_CHECKING:
    import redis

    from chalicelib.adapters.denylist.port import Denylist
    from chalicelib.adapters.field_cipher import FieldCipher
    from chalicelib.adapters.jwt_codec import JwtCodec
    from chalicelib.adapters.notify.port import Notifier
    from chalicelib.adapters.password_hasher import PasswordHasher
    from chalicelib.adapters.photos.port import PhotoStore
    from chalicelib.adapters.rate_limit import Lockout, RateLimiter
    from chalicelib.adapters.store.port import DocumentStore


class Container:
    """Adapters for one process. Properties build on first use; pass ``overrides`` to replace any of them."""

    def __init__(self, settings: Settings, clock: Callable[[], float] = time.time, **overrides: Any) -> None:
        self.settings = settings
        self.clock = clock
        for name, value in overrides.items():
            if not isinstance(getattr(type(self), name, None), cached_property):
                raise TypeError(f"unknown adapter override: {name}")
            self.__dict__[name] = value

    @cached_property
    def store(self) -> DocumentStore:
        if self.settings.mongodb_uri is not None:
            from chalicelib.adapters.store.mongo import MongoStore, mongo_client_from_uri

            client = mongo_client_from_uri(self.settings.mongodb_uri.value)
            return MongoStore(client, self.settings.mongodb_database)
        from chalicelib.adapters.store.sqlite import SqliteStore

        self.settings.data_dir.mkdir(parents=True, exist_ok=True)
        return SqliteStore(self.settings.data_dir / "sharemeter.sqlite3")

    @cached_property
    def redis(self) -> redis.Redis:
        if self.settings.redis_url is not None:
            from chalicelib.adapters.redis_client import redis_from_url

            return redis_from_url(self.settings.redis_url.value, cluster=self.settings.redis_cluster)
        if not self.settings.is_local:
            raise SettingsError("REDIS_URL is required outside the local stage (no embedded Redis on Lambda)")
        from chalicelib.adapters.redis_client import embedded_redis

        return embedded_redis(self.settings.data_dir)

    @cached_property
    def tokens(self) -> JwtCodec:
        from chalicelib.adapters.jwt_codec import JwtCodec

        return JwtCodec(
            self.settings.jwt_secret.bytes(), self.settings.jwt_issuer, self.settings.jwt_audience, self.clock
        )

    @cached_property
    def passwords(self) -> PasswordHasher:
        from chalicelib.adapters.password_hasher import Argon2Parameters, PasswordHasher

        return PasswordHasher(
            Argon2Parameters(memory_cost_kib=self.settings.argon2_memory_kib, time_cost=self.settings.argon2_time_cost)
        )

    @cached_property
    def rate_limiter(self) -> RateLimiter:
        from chalicelib.adapters.rate_limit import RateLimiter

        return RateLimiter(self.redis, self.settings.key_prefix + "rl:", key_secret=self.settings.code_pepper.bytes())

    @cached_property
    def lockout(self) -> Lockout:
        from chalicelib.adapters.rate_limit import Lockout

        return Lockout(self.redis, self.settings.key_prefix + "lock:", key_secret=self.settings.code_pepper.bytes())

    @cached_property
    def denylist(self) -> Denylist:
        from chalicelib.adapters.denylist.redis_denylist import RedisDenylist

        return RedisDenylist(self.redis, self.settings.key_prefix)

    @cached_property
    def cipher(self) -> FieldCipher:
        from chalicelib.adapters.field_cipher import LocalFieldCipher

        return LocalFieldCipher(base64.urlsafe_b64decode(self.settings.field_key.value))

    @cached_property
    def notifier(self) -> Notifier:
        if self.settings.uses_outbox:
            from chalicelib.adapters.notify.outbox import OutboxNotifier

            return OutboxNotifier(self.store, self.clock)
        if self.settings.ses_sender is None:
            raise SettingsError("SES_SENDER is required outside the local stage (the outbox is for make run only)")
        from chalicelib.adapters.notify.aws import AwsNotifier

        return AwsNotifier(self.settings)

    @cached_property
    def photos(self) -> PhotoStore:
        if self.settings.photo_bucket is not None:
            from chalicelib.adapters.photos.s3 import S3PhotoStore

            return S3PhotoStore(self.settings.photo_bucket, clock=self.clock, region=self.settings.aws_region,
                                endpoint_url=self.settings.aws_endpoint_url)
        if not self.settings.is_local:
            from chalicelib.adapters.photos.port import PhotoStorageUnavailable

            raise PhotoStorageUnavailable("PHOTO_BUCKET is not configured on this stage")
        from chalicelib.adapters.photos.local import LocalPhotoStore

        return LocalPhotoStore(self.settings.data_dir / "photos", base_url=self.settings.public_api_url,
                               secret=self.settings.code_pepper.bytes(), clock=self.clock)


_process_container: list[Container] = []


def container() -> Container:
    """The process-wide container, built on first call and reused across Lambda invocations."""
    if not _process_container:
        _process_container.append(Container(Settings.from_env()))
    return _process_container[0]


def bootstrap(settings: Settings, **overrides: Any) -> Container:
    """A fresh container, for tests and tools."""
    return Container(settings, **overrides)
