"""Optimistic concurrency on the wire: a document's ``version`` goes out as its ``ETag``, comes back in ``If-Match``."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from chalicelib.domain.errors import ValidationFailed
from chalicelib.http.responses import Reply

if TYPE_CHECKING:
    from chalicelib.http.routing import RequestContext


def expected_version(ctx: RequestContext, body_version: int | None) -> int | None:
    """The version a write is based on: ``If-Match: "7"`` or the body's ``version`` (they must agree)."""
    header = str(ctx.headers.get("if-match", "")).strip()
    if not header:
        return body_version
    tag = header.removeprefix("W/").strip('"')
    if not tag.isascii() or not tag.isdigit() or len(tag) > 18:
        raise ValidationFailed('If-Match must be an ETag this API sent, such as "3"', field="If-Match")
    version = int(tag)
    if body_version is not None and body_version != version:
        raise ValidationFailed("If-Match and version disagree", field="version")
    return version


def tagged(view: dict[str, Any], status: int = 200) -> Reply:
    """``view`` with an ``ETag`` of its ``version``, for clients to send back in ``If-Match``."""
    return Reply(view, status, {"ETag": f'"{view["version"]}"'})
