"""Logs, business metrics and traces (powertools), with the request's or the job's correlation id on every line.

- **Logs**: one structured JSON line per event on the ``sharemeter`` logger (the Chalice app adds no plain-text handler
  of its own: ``configure_logs=False`` in ``app.py``).
- **Metrics**: the business events of :data:`EVENT_METRICS` also count CloudWatch metrics (embedded metric format:
  no API call) in namespace :data:`METRIC_NAMESPACE`, whose one dimension is ``service``: never an id, address or any
  other personal value. They are collected only on Lambda and flushed as one EMF line when the invocation ends
  (:func:`observe_invocation`).
- **Traces**: on Lambda (``settings.tracing_enabled``) each invocation is an X-Ray subsegment, and botocore, pymongo
  and requests are patched when first imported, so a function that never loads one pays nothing for it. Locally and
  in tests the X-Ray SDK is never imported (it costs ~0.4 s: it builds a botocore client at import).

Never pass a secret, password, one-time code or token to these functions: log identifiers and outcomes only.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache, partial
from itertools import count
from types import ModuleType
from typing import TYPE_CHECKING, TypeVar

from chalicelib import settings

if TYPE_CHECKING:
    from aws_lambda_powertools import Logger, Metrics, Tracer

T = TypeVar("T")
SERVICE = "sharemeter"
METRIC_NAMESPACE = "sharemeter"
#: business event -> the metrics it counts: (metric name, the event field holding the count, or None for one).
#: ``WebhookSignatureFailures`` is alarmed on in the template: a webhook route records ``webhook.signature_failed``
#: (with the provider, never the payload) for every request whose signature does not verify.
EVENT_METRICS: dict[str, tuple[tuple[str, str | None], ...]] = {
    "user.registered": (("UsersRegistered", None),),
    "login.succeeded": (("LoginsSucceeded", None),),
    "login.failed": (("LoginsFailed", None),),
    "login.mfa_failed": (("SecondFactorFailures", None),),
    "reading.recorded": (("ReadingsRecorded", None),),
    "readings.imported": (("ReadingsRecorded", "rows"),),
    "bill.drafted": (("BillsDrafted", None),),
    "bill.issued": (("BillsIssued", None),),
    "payment.recorded": (("PaymentsRecorded", None),),
    "reading_reminders.run": (("JobRuns", None), ("RemindersSent", "reminders"), ("DeliveryFailures", "failed")),
    "payment_reminders.run": (("JobRuns", None), ("RemindersSent", "reminders")),
    "bill_drafts.run": (("JobRuns", None),),
    "webhook.signature_failed": (("WebhookSignatureFailures", None),),
}
#: module whose import triggers the patch -> the X-Ray SDK's patch name for it
TRACED_LIBRARIES = {"botocore.client": "botocore", "pymongo": "pymongo", "requests": "requests"}


@cache
def logger() -> Logger:
    from aws_lambda_powertools import Logger

    return Logger(service=SERVICE, use_rfc3339=True)


@cache
def metrics_enabled() -> bool:
    """Metrics are collected on Lambda only: locally an EMF line per request would only be noise."""
    return settings.runs_on_lambda()


@cache
def metrics() -> Metrics:
    from aws_lambda_powertools import Metrics

    return Metrics(namespace=METRIC_NAMESPACE, service=SERVICE)


@cache
def tracing_enabled() -> bool:
    return settings.tracing_enabled()


@cache
def tracer() -> Tracer:
    """The X-Ray tracer (Lambda only); libraries are patched when they are first imported, not before."""
    import wrapt
    from aws_lambda_powertools import Tracer

    traced = Tracer(service=SERVICE, auto_patch=False)
    for module, library in TRACED_LIBRARIES.items():
        wrapt.register_post_import_hook(partial(_patch, traced, library), module)
    return traced


def _patch(traced: Tracer, library: str, _module: ModuleType) -> None:
    traced.patch([library])


def bind_correlation_id(correlation_id: str) -> None:
    logger().set_correlation_id(correlation_id)


def record_event(name: str, **fields: str | int | bool | None) -> None:
    """A business event (``user.registered``, ``bill.issued``...): one structured log line, and its metrics."""
    logger().info(name, extra={"event": name, **fields})
    counted = EVENT_METRICS.get(name)
    if counted and metrics_enabled():
        from aws_lambda_powertools.metrics import MetricUnit

        for metric, field in counted:
            value = 1 if field is None else fields.get(field)
            if isinstance(value, int) and not isinstance(value, bool):
                metrics().add_metric(name=metric, unit=MetricUnit.Count, value=value)


def flush_metrics() -> None:
    """Write the invocation's metrics as one EMF line (nothing when there are none, or off Lambda)."""
    if metrics_enabled() and metrics().metric_set:
        metrics().flush_metrics()


_invocations = count()  # in this process: the first one is the cold start


def observe_invocation(function: str, correlation_id: str | None, call: Callable[[], T]) -> T:
    """Run one invocation: bind ``correlation_id`` (jobs: the event's id; HTTP routes bind their own), trace it on
    Lambda, and flush its metrics when it ends, failed or not."""
    if correlation_id:
        bind_correlation_id(correlation_id)
    try:
        if not tracing_enabled():
            return call()
        with tracer().provider.in_subsegment(f"## {function}") as subsegment:
            subsegment.put_annotation(key="ColdStart", value=next(_invocations) == 0)
            subsegment.put_annotation(key="Service", value=SERVICE)
            try:
                return call()
            finally:  # HTTP routes bind their correlation id during the call: annotate after it
                subsegment.put_annotation(key="CorrelationId", value=str(logger().get_correlation_id() or ""))
    finally:
        flush_metrics()
