"""Request parsing: the body and query string into their pydantic models, or a problem naming each field.

Validation is strict (a JSON number where a string is declared is refused, unknown fields are refused) and never echoes
the submitted values back.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, TypeVar

from pydantic import BaseModel, ValidationError

from chalicelib.domain.errors import DomainError, FieldProblem, InvalidFields, ValidationFailed

if TYPE_CHECKING:
    from chalice.app import Request

M = TypeVar("M", bound=BaseModel)


class PayloadTooLarge(DomainError):
    code = "payload-too-large"
    title = "Request body too large"


class UnsupportedMediaType(DomainError):
    code = "unsupported-media-type"
    title = "Unsupported media type"


class MalformedBody(ValidationFailed):
    code = "malformed-body"
    title = "Request body is not valid JSON"


def parse_body(request: Request, model: type[M], max_bytes: int) -> M:
    content_type = str(request.headers.get("content-type", "")).split(";")[0].strip().lower()
    if content_type != "application/json":
        raise UnsupportedMediaType("send the request body as application/json")
    raw = request.raw_body or b""
    if len(raw) > max_bytes:
        raise PayloadTooLarge(f"request body exceeds {max_bytes} bytes")
    try:
        return model.model_validate_json(raw or b"{}", strict=True)
    except ValidationError as error:
        raise validation_problem(error) from None


def parse_query(request: Request, model: type[M]) -> M:
    try:
        return model.model_validate(dict(request.query_params or {}))
    except ValidationError as error:
        raise validation_problem(error) from None


def validation_problem(error: ValidationError) -> ValidationFailed:
    """Turn pydantic's errors into field problems; the submitted values are never echoed back."""
    problems: list[FieldProblem] = []
    for item in error.errors(include_input=False, include_url=False):
        if item["type"] == "json_invalid":
            return MalformedBody("the request body is not valid JSON")
        problems.append(FieldProblem(field_path(item["loc"]), item["msg"]))
    return InvalidFields(tuple(problems))


def field_path(location: tuple[int | str, ...]) -> str:
    path = ""
    for part in location:
        path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else str(part))
    return path
