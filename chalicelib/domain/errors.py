"""Domain errors: each class names one failure and carries a stable problem code.

The HTTP edge (``chalicelib.http.problems``) maps classes to status codes in one table; nothing matches on message text.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar


@dataclass(frozen=True)
class FieldProblem:
    """One invalid input field: a JSON-pointer-like path (``participants[1].weights.area``) and why."""

    field: str
    detail: str


class DomainError(Exception):
    """Base of every expected failure. ``code`` becomes the problem ``type`` slug and never changes."""

    code: ClassVar[str] = "domain-error"
    title: ClassVar[str] = "Request could not be completed"

    def __init__(self, detail: str, *, field: str | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.field = field

    @property
    def problems(self) -> tuple[FieldProblem, ...]:
        return (FieldProblem(self.field, self.detail),) if self.field else ()


class ValidationFailed(DomainError):
    """Input is malformed or breaks a rule; ``field`` names where."""

    code = "validation-failed"
    title = "Invalid request"


class InvalidFields(ValidationFailed):
    """Several fields are invalid at once."""

    def __init__(self, problems: tuple[FieldProblem, ...]) -> None:
        first = problems[0] if problems else FieldProblem("", "invalid input")
        super().__init__(f"{first.field}: {first.detail}" if first.field else first.detail, field=first.field)
        self._problems = problems

    @property
    def problems(self) -> tuple[FieldProblem, ...]:
        return self._problems


class NotFound(DomainError):
    code = "not-found"
    title = "Not found"


class Conflict(DomainError):
    code = "conflict"
    title = "Conflict"


class VersionConflict(Conflict):
    """A write was based on a stale version of the document."""

    code = "version-conflict"
    title = "The resource changed since you read it"


class AuthenticationFailed(DomainError):
    code = "authentication-failed"
    title = "Authentication failed"


class Forbidden(DomainError):
    code = "forbidden"
    title = "Forbidden"


class RateLimited(DomainError):
    code = "rate-limited"
    title = "Too many requests"

    def __init__(self, detail: str, *, retry_after_seconds: int) -> None:
        super().__init__(detail)
        self.retry_after_seconds = max(1, retry_after_seconds)


class ServiceUnavailable(DomainError):
    """A backend (store, cache, gateway) cannot be reached or is too busy; the request may be retried.

    ``retry_after_seconds`` becomes the answer's ``Retry-After`` header.
    """

    code = "service-unavailable"
    title = "A backend is unavailable"

    def __init__(self, detail: str, *, retry_after_seconds: int = 5) -> None:
        super().__init__(detail)
        self.retry_after_seconds = max(1, retry_after_seconds)
