"""Route group ``splits``: stateless previews of a bill split and of a settle-up (any signed-in user)."""

from __future__ import annotations

from typing import Any

from chalice.app import Blueprint

from chalicelib.http import RequestContext, route
from chalicelib.schemas.splits import (
    SettlementPreviewRequest,
    SettlementPreviewResponse,
    SplitPreviewRequest,
    SplitPreviewResponse,
)
from chalicelib.services.splits import preview_settlement, preview_split

bp = Blueprint(__name__)
TAGS = ("splits",)
PREVIEW_MAX_BYTES = 16 * 1024 * 1024  # a 100-line bill for 10,000 participants is a few MB of JSON


@route(bp, "/splits/preview", "POST", body=SplitPreviewRequest, response=SplitPreviewResponse, tags=TAGS,
       max_body_bytes=PREVIEW_MAX_BYTES, errors=(400, 401),
       summary="Split a bill exactly: every share, per line and per key, with the numbers behind it")
def split_preview(ctx: RequestContext, body: SplitPreviewRequest) -> dict[str, Any]:
    ctx.require_principal()
    return preview_split(body.to_terms())


@route(bp, "/settlements/preview", "POST", body=SettlementPreviewRequest, response=SettlementPreviewResponse,
       tags=TAGS, errors=(400, 401), summary="The fewest transfers that settle the given balances exactly")
def settlement_preview(ctx: RequestContext, body: SettlementPreviewRequest) -> dict[str, Any]:
    ctx.require_principal()
    return preview_settlement(body.to_command())
