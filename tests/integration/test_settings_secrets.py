"""In AWS, secrets come from Secrets Manager (powertools parameters), named by ``<NAME>_SECRET_ARN``; tested on moto."""

from __future__ import annotations

import base64
import secrets

import boto3
import pytest

from chalicelib.settings import Settings, SettingsError


def _create(name: str, value: str) -> str:
    client = boto3.client("secretsmanager")
    return str(client.create_secret(Name=name, SecretString=value)["ARN"])


def test_production_settings_read_every_secret_from_secrets_manager(aws_env: str) -> None:
    values = {
        "JWT_SECRET": secrets.token_urlsafe(48),
        "CODE_PEPPER": secrets.token_urlsafe(48),
        "FIELD_ENCRYPTION_KEY": base64.urlsafe_b64encode(secrets.token_bytes(32)).decode(),
        "MONGODB_URI": "mongodb+srv://user:pass@cluster.example.mongodb.net/",
        "REDIS_URL": "rediss://cache.example:6379/0",
    }
    env = {"SHAREMETER_STAGE": "prod"} | {f"{name}_SECRET_ARN": _create(name, v) for name, v in values.items()}
    settings = Settings.from_env(env)
    assert settings.jwt_secret.value == values["JWT_SECRET"]
    assert settings.field_key.value == values["FIELD_ENCRYPTION_KEY"]
    assert settings.mongodb_uri is not None and settings.mongodb_uri.value == values["MONGODB_URI"]
    assert settings.redis_url is not None and settings.redis_url.value == values["REDIS_URL"]
    assert "pass" not in repr(settings)


def test_a_secret_that_cannot_be_read_stops_the_start(aws_env: str) -> None:
    missing = "arn:aws:secretsmanager:eu-central-1:123456789012:secret:nope-AbCdEf"
    with pytest.raises(SettingsError, match="JWT_SECRET"):
        Settings.from_env({"SHAREMETER_STAGE": "prod", "JWT_SECRET_ARN": missing})


def test_a_plain_variable_wins_and_nothing_is_fetched() -> None:
    env = {"SHAREMETER_STAGE": "prod", "JWT_SECRET": "j" * 40, "CODE_PEPPER": "p" * 40,
           "FIELD_ENCRYPTION_KEY": base64.urlsafe_b64encode(b"k" * 32).decode(), "MONGODB_URI": "mongodb://x",
           "JWT_SECRET_ARN": "arn:aws:secretsmanager:eu-central-1:123456789012:secret:unused-AbCdEf"}
    assert Settings.from_env(env).jwt_secret.value == "j" * 40


def test_production_without_secrets_refuses_to_start() -> None:
    with pytest.raises(SettingsError):
        Settings.from_env({"SHAREMETER_STAGE": "prod", "MONGODB_URI": "mongodb://x"})
