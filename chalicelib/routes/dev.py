"""Route group ``dev``: the local outbox and local photo storage, registered only on the local stage (``make run``)."""

from __future__ import annotations

from typing import Any

from chalice.app import Blueprint
from pydantic import BaseModel, ConfigDict, Field, RootModel

from chalicelib.adapters.notify.outbox import OutboxNotifier
from chalicelib.adapters.photos.local import LocalPhotoStore
from chalicelib.domain.errors import NotFound
from chalicelib.http import Reply, RequestContext, route

bp = Blueprint(__name__)


class OutboxQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")
    recipient: str | None = Field(default=None, max_length=254)


class OutboxMessage(BaseModel):
    id: str = Field(alias="_id")
    channel: str
    recipient: str
    subject: str
    body: str
    template: str
    created_at: str


class OutboxMessages(RootModel[list[OutboxMessage]]):
    pass


@route(bp, "/dev/outbox", "GET", query=OutboxQuery, response=OutboxMessages, auth=False, tags=("dev",),
       summary="Messages the local outbox would have sent (newest first); local stage only", errors=(404,))
def outbox(ctx: RequestContext, query: OutboxQuery) -> list[dict[str, Any]]:
    notifier = ctx.container.notifier
    if not ctx.container.settings.is_local or not isinstance(notifier, OutboxNotifier):
        raise NotFound("no outbox on this stage")
    return notifier.messages(recipient=query.recipient)


class PhotoLinkQuery(BaseModel):
    """The parameters of a signed link from ``LocalPhotoStore`` (checked there, signature first)."""

    model_config = ConfigDict(extra="forbid")
    op: str = Field(max_length=8)
    key: str = Field(max_length=256)
    type: str | None = Field(default=None, max_length=64)
    max: str | None = Field(default=None, max_length=12)
    expires: str = Field(max_length=12)
    signature: str = Field(max_length=128)


def _local_photos(ctx: RequestContext) -> LocalPhotoStore:
    photos = ctx.container.photos if ctx.container.settings.is_local else None
    if not isinstance(photos, LocalPhotoStore):
        raise NotFound("no local photo storage on this stage")
    return photos


def _link(query: PhotoLinkQuery) -> dict[str, str]:
    return {name: value for name, value in query.model_dump().items() if value is not None}


@route(bp, "/dev/photos", "PUT", query=PhotoLinkQuery, auth=False, status=204, tags=("dev",),
       summary="Upload a reading photo with a signed link (stands in for S3 locally); local stage only",
       errors=(400, 403, 404))
def upload_photo(ctx: RequestContext, query: PhotoLinkQuery) -> None:
    raw = ctx.request.raw_body or b""
    body = raw.encode() if isinstance(raw, str) else raw
    content_type = str(ctx.headers.get("content-type", "")).split(";")[0].strip().lower()
    _local_photos(ctx).store(_link(query), content_type=content_type, body=body)


@route(bp, "/dev/photos", "GET", query=PhotoLinkQuery, auth=False, tags=("dev",), media_type="image/*",
       summary="Download a reading photo with a signed link; local stage only", errors=(403, 404))
def download_photo(ctx: RequestContext, query: PhotoLinkQuery) -> Reply:
    data, content_type = _local_photos(ctx).read(_link(query))
    return Reply(data, headers={"Content-Type": content_type})
