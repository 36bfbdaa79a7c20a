"""Declared responses are checked: what a view answered, against the ``response=`` model OpenAPI publishes for it.

With ``Settings.check_responses`` on (the tests turn it on; production leaves it off, as powertools does with
``enable_validation``), the routing pipeline passes every JSON answer through ``mismatches``: the body must validate
against the model in strict JSON mode (a number where a string is declared is a mismatch) and may carry no field the
model does not declare. A mismatch becomes a logged 500, so a test that calls the route fails and the OpenAPI document
cannot drift from the answers.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from pydantic import BaseModel, ValidationError


def mismatches(model: type[BaseModel], body: str) -> list[str]:
    """Where ``body`` (JSON text) differs from ``model``: ``"<path>: <why>"`` per problem, empty when it conforms."""
    try:
        parsed = model.model_validate_json(body, strict=True)
    except ValidationError as error:
        return [f"{_path(problem['loc'])}: {problem['msg']}" for problem in error.errors()]
    declared = parsed.model_dump(mode="json", by_alias=True)
    return [f"{path}: not declared in {model.__name__}" for path in _undeclared(json.loads(body), declared, "")]


def _undeclared(sent: Any, declared: Any, path: str) -> Iterator[str]:
    if isinstance(sent, dict) and isinstance(declared, dict):
        for key, value in sent.items():
            where = f"{path}.{key}" if path else str(key)
            if key not in declared:
                yield where
            else:
                yield from _undeclared(value, declared[key], where)
    elif isinstance(sent, list) and isinstance(declared, list):
        for index, (item, declared_item) in enumerate(zip(sent, declared, strict=False)):
            yield from _undeclared(item, declared_item, f"{path}[{index}]")


def _path(location: tuple[int | str, ...]) -> str:
    text = ""
    for part in location:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "(body)"
