"""Route group ``dev``: the local outbox, registered only on the local stage (``make run``)."""

from __future__ import annotations

from typing import Any

from chalice.app import Blueprint
from pydantic import BaseModel, ConfigDict, Field

from chalicelib.adapters.notify.outbox import OutboxNotifier
from chalicelib.domain.errors import NotFound
from chalicelib.http import RequestContext, route

bp = Blueprint(__name__)


class OutboxQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")
    recipient: str | None = Field(default=None, max_length=254)


@route(bp, "/dev/outbox", "GET", query=OutboxQuery, auth=False, tags=("dev",),
       summary="Messages the local outbox would have sent (newest first); local stage only", errors=(404,))
def outbox(ctx: RequestContext, query: OutboxQuery) -> list[dict[str, Any]]:
    notifier = ctx.container.notifier
    if not ctx.container.settings.is_local or not isinstance(notifier, OutboxNotifier):
        raise NotFound("no outbox on this stage")
    return notifier.messages(recipient=query.recipient)
