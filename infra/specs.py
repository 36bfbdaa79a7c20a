"""Per-function deploy metadata from ``functions/``: ``<name>.json`` (sizing, VPC, secrets) and ``<name>.policy.json``.

``functions/`` holds no runtime code (chalice packages only ``app.py``, ``chalicelib/`` and ``vendor/``). Every route
group must have both files; a scheduled job (``@app.schedule`` / ``@app.lambda_function`` in ``app.py``) may have them,
and gets :data:`JOB_DEFAULTS` and only the basic execution role when it has none.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
FUNCTIONS_DIR = ROOT / "functions"
LAYERS_DIR = ROOT / "layers"

#: Secrets Manager secrets a function may be granted: key -> (logical id, the setting it carries). The function gets
#: ``<SETTING>_SECRET_ARN`` in its environment and ``secretsmanager:GetSecretValue`` on exactly that secret.
SECRETS: dict[str, tuple[str, str]] = {
    "jwt_secret": ("JwtSecret", "JWT_SECRET"),
    "code_pepper": ("CodePepperSecret", "CODE_PEPPER"),
    "field_key": ("FieldEncryptionKeySecret", "FIELD_ENCRYPTION_KEY"),
    "mongodb_uri": ("MongoDbUriSecret", "MONGODB_URI"),
    "redis_url": ("RedisUrlSecret", "REDIS_URL"),
}

JOB_DEFAULTS: dict[str, Any] = {
    "memory": 256, "timeout": 60, "needs_vpc": False, "secrets": [], "description": "", "reserved_concurrency": 1,
}
REQUIRED_KEYS = {"memory", "timeout", "needs_vpc", "description", "secrets"}
ALLOWED_KEYS = REQUIRED_KEYS | {"reserved_concurrency", "layers"}


class SpecError(ValueError):
    """A function's metadata is missing or malformed."""


@dataclass(frozen=True)
class FunctionSpec:
    name: str
    memory: int
    timeout: int
    needs_vpc: bool
    description: str
    secrets: tuple[str, ...]
    statements: tuple[dict[str, Any], ...]
    reserved_concurrency: int | None = None
    #: SDK layers (``layers/<name>/``) attached besides the shared runtime layer: the SDKs this function imports
    layers: tuple[str, ...] = ()


def metadata_path(name: str, directory: Path = FUNCTIONS_DIR) -> Path:
    return directory / f"{name}.json"


def policy_path(name: str, directory: Path = FUNCTIONS_DIR) -> Path:
    return directory / f"{name}.policy.json"


def sdk_layers(directory: Path = LAYERS_DIR) -> list[str]:
    """The SDK layers a function may declare: every ``layers/<name>/requirements.txt``."""
    return sorted(path.parent.name for path in directory.glob("*/requirements.txt"))


def load_spec(name: str, *, required: bool, directory: Path = FUNCTIONS_DIR) -> FunctionSpec:
    """The spec of function ``name``; raises :class:`SpecError` when ``required`` and a file is missing."""
    meta_file, policy_file = metadata_path(name, directory), policy_path(name, directory)
    if required:
        missing = [str(p.relative_to(directory.parent)) for p in (meta_file, policy_file) if not p.exists()]
        if missing:
            raise SpecError(f"function {name!r} has no {' and no '.join(missing)}; every route group needs both")
    meta: dict[str, Any] = dict(JOB_DEFAULTS)
    if meta_file.exists():
        loaded = _read_object(meta_file)
        unknown, absent = set(loaded) - ALLOWED_KEYS, REQUIRED_KEYS - set(loaded)
        if unknown or absent:
            raise SpecError(f"{meta_file.name}: unknown keys {sorted(unknown)}, missing keys {sorted(absent)}")
        meta = loaded
    else:
        meta["description"] = f"scheduled job {name} (no functions/{name}.json: default sizing, basic role)"
    statements: list[dict[str, Any]] = []
    if policy_file.exists():
        policy = _read_object(policy_file)
        if set(policy) != {"Statement"} or not isinstance(policy["Statement"], list):
            raise SpecError(f"{policy_file.name}: must be exactly {{\"Statement\": [...]}}")
        statements = policy["Statement"]
        for statement in statements:
            _check_statement(policy_file.name, statement)
    return _spec(name, meta, statements, meta_file.name)


def _spec(name: str, meta: dict[str, Any], statements: list[dict[str, Any]], source: str) -> FunctionSpec:
    if not isinstance(meta["memory"], int) or not 128 <= meta["memory"] <= 10240:
        raise SpecError(f"{source}: memory must be an integer MB in 128..10240")
    if not isinstance(meta["timeout"], int) or not 1 <= meta["timeout"] <= 900:
        raise SpecError(f"{source}: timeout must be an integer of seconds in 1..900")
    if not isinstance(meta["needs_vpc"], bool):
        raise SpecError(f"{source}: needs_vpc must be true or false")
    unknown_secrets = set(meta["secrets"]) - set(SECRETS)
    if unknown_secrets:
        raise SpecError(f"{source}: unknown secrets {sorted(unknown_secrets)}; known: {sorted(SECRETS)}")
    if "redis_url" in meta["secrets"] and not meta["needs_vpc"]:
        raise SpecError(f"{source}: a function that reads redis_url reaches ElastiCache, so it needs_vpc")
    layers = meta.get("layers", [])
    known_layers = sdk_layers()
    if not isinstance(layers, list) or set(layers) - set(known_layers) or len(set(layers)) != len(layers):
        raise SpecError(f"{source}: layers must be distinct names among {known_layers} (folders of layers/)")
    return FunctionSpec(
        name=name,
        memory=meta["memory"],
        timeout=meta["timeout"],
        needs_vpc=meta["needs_vpc"],
        description=str(meta["description"]),
        secrets=tuple(meta["secrets"]),
        statements=tuple(statements),
        reserved_concurrency=meta.get("reserved_concurrency"),
        layers=tuple(layers),
    )


def _check_statement(source: str, statement: Any) -> None:
    if not isinstance(statement, dict) or statement.get("Effect") not in {"Allow", "Deny"}:
        raise SpecError(f"{source}: every statement needs an Effect of Allow or Deny")
    if "Sid" not in statement:
        raise SpecError(f"{source}: every statement needs a Sid saying why it is there")
    actions = statement.get("Action", [])
    for action in [actions] if isinstance(actions, str) else actions:
        if action == "*" or action.endswith(":*"):
            raise SpecError(f"{source}: {statement['Sid']}: wildcard action {action!r} is not least privilege")
    if statement.get("Effect") == "Allow" and statement.get("Resource") == "*" and "Condition" not in statement:
        raise SpecError(f"{source}: {statement['Sid']}: Resource '*' needs a Condition (or use NotResource)")


def _read_object(path: Path) -> dict[str, Any]:
    try:
        loaded = json.loads(path.read_text())
    except json.JSONDecodeError as error:
        raise SpecError(f"{path.name}: not valid JSON: {error}") from error
    if not isinstance(loaded, dict):
        raise SpecError(f"{path.name}: must hold a JSON object")
    return loaded
