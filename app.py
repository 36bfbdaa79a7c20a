"""sharemeter's Chalice app: the single route table.

In production each route group is its own Lambda: ``ROUTE_GROUP`` names the one blueprint this function registers. Unset
(``chalice local``, ``chalice.test.Client``, packaging), every group is registered.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from chalice.app import Chalice, CloudWatchEvent, Rate, Request

from chalicelib import bootstrap, http, observability
from chalicelib.route_groups import blueprints
from chalicelib.settings import LOCAL_STAGE, route_group, stage

# configure_logs=False: Chalice would add a plain-text handler to the "sharemeter" logger, the one powertools logs to
# as JSON, and every line would be written twice.
app = Chalice(app_name="sharemeter", configure_logs=False)
app.api.binary_types = []  # every response is JSON or text; nothing is base64-encoded
http.use_container(bootstrap.container)

for blueprint in blueprints(route_group(), local=stage() == LOCAL_STAGE):
    app.register_blueprint(blueprint)

if observability.tracing_enabled():
    observability.tracer()  # in the init phase, not the first request: importing the X-Ray SDK costs ~0.4 s


@app.middleware("all")
def observe(event: Any, get_response: Callable[[Any], Any]) -> Any:
    """Every invocation: a correlation id (a job's is its EventBridge event id), X-Ray on Lambda, one metrics flush."""
    context = event.lambda_context if isinstance(event, Request) else getattr(event, "context", None)
    function = str(getattr(context, "function_name", None) or route_group() or "local")
    correlation_id = None if isinstance(event, Request) else getattr(event, "event_id", None) or getattr(
        context, "aws_request_id", None)
    return observability.observe_invocation(function, correlation_id, lambda: get_response(event))


@app.schedule(Rate(1, unit=Rate.HOURS), name="reading_reminders")
def reading_reminders(event: CloudWatchEvent) -> dict[str, int]:
    """Hourly: remind participants who have not read their meters (its own Lambda; see chalicelib/jobs)."""
    from datetime import UTC, datetime

    from chalicelib.jobs import reading_reminders as job

    summary = job.run(bootstrap.container(), datetime.now(UTC))
    return {"due_groups": summary.due_groups, "reminders": summary.reminders}


@app.schedule(Rate(1, unit=Rate.HOURS), name="payment_reminders")
def payment_reminders(event: CloudWatchEvent) -> dict[str, int]:
    """Hourly: remind debtors of shares due soon or overdue, once per share and kind (see chalicelib/jobs)."""
    from datetime import UTC, datetime

    from chalicelib.jobs import payment_reminders as job

    summary = job.run(bootstrap.container(), datetime.now(UTC))
    return {"bills": summary.bills, "reminders": summary.reminders}


@app.schedule(Rate(1, unit=Rate.HOURS), name="bill_drafts")
def bill_drafts(event: CloudWatchEvent) -> dict[str, int]:
    """Hourly: draft each period's bill when the group's reading window closes; people review and issue it."""
    from datetime import UTC, datetime

    from chalicelib.jobs import bill_drafts as job

    summary = job.run(bootstrap.container(), datetime.now(UTC))
    return {"groups": summary.groups, "drafts": summary.drafts}
