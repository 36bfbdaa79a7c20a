"""sharemeter's Chalice app: the single route table.

In production each route group is its own Lambda: ``ROUTE_GROUP`` names the one blueprint this function registers. Unset
(``chalice local``, ``chalice.test.Client``, packaging), every group is registered.
"""

from __future__ import annotations

from chalice.app import Chalice, CloudWatchEvent, Rate

from chalicelib import bootstrap, http
from chalicelib.route_groups import blueprints
from chalicelib.settings import LOCAL_STAGE, route_group, stage

app = Chalice(app_name="sharemeter")
app.api.binary_types = []  # every response is JSON or text; nothing is base64-encoded
http.use_container(bootstrap.container)

for blueprint in blueprints(route_group(), local=stage() == LOCAL_STAGE):
    app.register_blueprint(blueprint)


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
