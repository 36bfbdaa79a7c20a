"""Outside the local stage Redis is reached over TLS only (ASVS 5.0 V12.3.1: encrypted connections to data stores)."""

from __future__ import annotations

import base64

import pytest

from chalicelib.settings import Settings, SettingsError

SECRETS = {"JWT_SECRET": "j" * 40, "CODE_PEPPER": "p" * 40,
           "FIELD_ENCRYPTION_KEY": base64.urlsafe_b64encode(b"k" * 32).decode()}
PRODUCTION = {"SHAREMETER_STAGE": "prod", "MONGODB_URI": "mongodb+srv://cluster.example.mongodb.net/"} | SECRETS


@pytest.mark.parametrize("url", ["redis://cache.example:6379/0", "unix:///tmp/redis.sock"])
def test_v12_3_1_production_refuses_a_redis_url_without_tls(url: str) -> None:
    with pytest.raises(SettingsError, match="rediss://") as refused:
        Settings.from_env(PRODUCTION | {"REDIS_URL": url})
    assert url not in str(refused.value)  # the URL may carry an auth token: never in the message


def test_v12_3_1_production_accepts_a_tls_redis_url() -> None:
    settings = Settings.from_env(PRODUCTION | {"REDIS_URL": "rediss://:token@cache.example:6379/0"})
    assert settings.redis_url is not None and settings.redis_url.value.startswith("rediss://")


def test_the_local_stage_may_use_a_plain_redis_url() -> None:
    settings = Settings.from_env({"SHAREMETER_STAGE": "local", "REDIS_URL": "redis://127.0.0.1:6379/0"} | SECRETS)
    assert settings.redis_url is not None and settings.redis_url.value == "redis://127.0.0.1:6379/0"
