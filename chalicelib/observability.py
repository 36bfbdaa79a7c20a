"""Structured JSON logs (powertools Logger) and business metrics, with the request's correlation id on every line.

Never pass a secret, password, one-time code or token to these functions: log identifiers and outcomes only.
"""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from aws_lambda_powertools import Logger


@cache
def logger() -> Logger:
    from aws_lambda_powertools import Logger

    return Logger(service="sharemeter", use_rfc3339=True)


def bind_correlation_id(correlation_id: str) -> None:
    logger().set_correlation_id(correlation_id)


def record_event(name: str, **fields: str | int | bool | None) -> None:
    """A business event (``user.registered``, ``bill.issued``...): one structured log line that metric filters count."""
    logger().info(name, extra={"event": name, **fields})
