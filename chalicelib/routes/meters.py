"""Route group ``meters``: meters, readings (submission, history, corrections, CSV import) and consumption."""

from __future__ import annotations

from typing import Any

from chalice.app import Blueprint

from chalicelib.http import PayloadTooLarge, Reply, RequestContext, UnsupportedMediaType, idempotent_reply, route
from chalicelib.schemas.meters import (
    AssignmentCreate,
    AssignmentResult,
    ConsumptionChart,
    ConsumptionQuery,
    ImportResult,
    MeterCreate,
    MeterList,
    MeterOut,
    MeterUpdate,
    PhotoDownload,
    PhotoUpload,
    PhotoUploadRequest,
    ReadingCorrectionRequest,
    ReadingCreate,
    ReadingHistoryQuery,
    ReadingOut,
    ReadingPage,
    ReviewDecision,
    ReviewQueueQuery,
)
from chalicelib.services import (
    consumption,
    meter_assignments,
    meters,
    reading_import,
    reading_photos,
    reading_reviews,
    readings,
)
from chalicelib.services.access import Membership, authorize

bp = Blueprint(__name__)
TAGS = ("meters",)
MAX_IMPORT_BYTES = 2 * 1024 * 1024
CSV_TYPES = ("text/csv", "application/csv")


def _member(ctx: RequestContext, group_id: str, action: str) -> Membership:
    return authorize(ctx.container, ctx.require_principal(), group_id, action, client_ip=ctx.client_ip)


@route(bp, "/groups/{group_id}/meters", "POST", body=MeterCreate, response=MeterOut, status=201, tags=TAGS,
       summary="Add a meter (optionally replacing another, which is removed and linked)",
       errors=(400, 401, 403, 404, 409))
def create_meter(ctx: RequestContext, body: MeterCreate, group_id: str) -> dict[str, Any]:
    member = _member(ctx, group_id, "meter.manage")
    return meters.create(ctx.container, group_id=group_id, actor_id=member.user_id, request=body.to_command(),
                         client_ip=ctx.client_ip)


@route(bp, "/groups/{group_id}/meters", "GET", response=MeterList, tags=TAGS, summary="The group's meters",
       errors=(401, 404))
def list_meters(ctx: RequestContext, group_id: str) -> dict[str, Any]:
    _member(ctx, group_id, "meter.read")
    return {"items": meters.list_for_group(ctx.container, group_id=group_id)}


@route(bp, "/groups/{group_id}/meters/{meter_id}", "PATCH", body=MeterUpdate, response=MeterOut, tags=TAGS,
       summary="Change a meter (assignment, removal, serial...)", errors=(400, 401, 403, 404, 409))
def update_meter(ctx: RequestContext, body: MeterUpdate, group_id: str, meter_id: str) -> dict[str, Any]:
    member = _member(ctx, group_id, "meter.manage")
    return meters.update(ctx.container, group_id=group_id, meter_id=meter_id, actor_id=member.user_id,
                         request=body.to_command(), client_ip=ctx.client_ip)


@route(bp, "/groups/{group_id}/meters/{meter_id}/assignments", "POST", body=AssignmentCreate,
       response=AssignmentResult, status=201, tags=TAGS,
       summary="Tenant change: hand a sub-meter to another participant at an instant, with the interim reading",
       errors=(400, 401, 403, 404, 409))
def reassign_meter(ctx: RequestContext, body: AssignmentCreate, group_id: str, meter_id: str) -> dict[str, Any]:
    member = _member(ctx, group_id, "meter.manage")
    return meter_assignments.reassign(ctx.container, member, meter_id=meter_id, participant_id=body.participant_id,
                                      at=body.at, reading_value=body.reading_value, note=body.note,
                                      client_ip=ctx.client_ip)


@route(bp, "/groups/{group_id}/meters/{meter_id}", "DELETE", status=204, tags=TAGS,
       summary="Delete a meter without readings (a meter with readings is removed via PATCH removed_at)",
       errors=(401, 403, 404, 409))
def delete_meter(ctx: RequestContext, group_id: str, meter_id: str) -> None:
    member = _member(ctx, group_id, "meter.manage")
    meters.delete(ctx.container, group_id=group_id, meter_id=meter_id, actor_id=member.user_id,
                  client_ip=ctx.client_ip)


@route(bp, "/groups/{group_id}/meters/{meter_id}/readings", "POST", body=ReadingCreate, response=ReadingOut, status=201,
       tags=TAGS, summary="Submit a reading (send an Idempotency-Key header to make retries safe)",
       errors=(400, 401, 403, 404, 409))
def submit_reading(ctx: RequestContext, body: ReadingCreate, group_id: str, meter_id: str) -> Reply:
    member = _member(ctx, group_id, "reading.create")
    key = ctx.headers.get("idempotency-key")
    reading, created = readings.record(ctx.container, member, meter_id=meter_id, value=body.value,
                                       taken_at=body.taken_at, note=body.note,
                                       idempotency_key=str(key) if key is not None else None)
    return idempotent_reply(reading, created=created)


@route(bp, "/groups/{group_id}/meters/{meter_id}/readings", "GET", query=ReadingHistoryQuery, response=ReadingPage,
       tags=TAGS, summary="A meter's readings, newest first, with ?from&to and cursor pages", errors=(400, 401, 404))
def reading_history(ctx: RequestContext, query: ReadingHistoryQuery, group_id: str, meter_id: str) -> dict[str, Any]:
    _member(ctx, group_id, "reading.read")
    return readings.history(ctx.container, group_id=group_id, meter_id=meter_id, since=query.from_, until=query.to,
                            cursor=query.cursor, limit=query.limit)


@route(bp, "/groups/{group_id}/meters/{meter_id}/readings/{reading_id}/corrections", "POST",
       body=ReadingCorrectionRequest, response=ReadingOut, tags=TAGS,
       summary="Correct a reading (admins; the original value is kept and the change audited)",
       errors=(400, 401, 403, 404, 409))
def correct_reading(
    ctx: RequestContext, body: ReadingCorrectionRequest, group_id: str, meter_id: str, reading_id: str
) -> dict[str, Any]:
    member = _member(ctx, group_id, "reading.correct")
    return readings.correct(ctx.container, member, meter_id=meter_id, reading_id=reading_id, value=body.value,
                            reason=body.reason, expected_version=body.version, client_ip=ctx.client_ip)


@route(bp, "/groups/{group_id}/meters/{meter_id}/readings/{reading_id}/photo", "POST", body=PhotoUploadRequest,
       response=PhotoUpload, status=201, tags=TAGS,
       summary="A short-lived link to upload the reading's photo straight to storage (size- and type-limited)",
       errors=(400, 401, 403, 404, 409, 503))
def request_photo_upload(
    ctx: RequestContext, body: PhotoUploadRequest, group_id: str, meter_id: str, reading_id: str
) -> dict[str, Any]:
    member = _member(ctx, group_id, "reading.create")
    return reading_photos.request_upload(ctx.container, member, meter_id=meter_id, reading_id=reading_id,
                                         content_type=body.content_type)


@route(bp, "/groups/{group_id}/meters/{meter_id}/readings/{reading_id}/photo", "GET", response=PhotoDownload,
       tags=TAGS, summary="A short-lived link to download the reading's photo", errors=(401, 404, 503))
def photo_download(ctx: RequestContext, group_id: str, meter_id: str, reading_id: str) -> dict[str, Any]:
    _member(ctx, group_id, "reading.read")
    return reading_photos.download(ctx.container, group_id=group_id, meter_id=meter_id, reading_id=reading_id)


@route(bp, "/groups/{group_id}/readings/review", "GET", query=ReviewQueueQuery, response=ReadingPage, tags=TAGS,
       summary="Readings flagged as implausible and awaiting review (admins), oldest first, in cursor pages",
       errors=(400, 401, 403, 404))
def review_queue(ctx: RequestContext, query: ReviewQueueQuery, group_id: str) -> dict[str, Any]:
    _member(ctx, group_id, "reading.correct")
    return reading_reviews.queue(ctx.container, group_id=group_id, cursor=query.cursor, limit=query.limit)


@route(bp, "/groups/{group_id}/meters/{meter_id}/readings/{reading_id}/review", "POST", body=ReviewDecision,
       response=ReadingOut, tags=TAGS,
       summary="Accept or reject a flagged reading (admins; a rejected one is kept but not counted; audited)",
       errors=(400, 401, 403, 404, 409))
def review_reading(
    ctx: RequestContext, body: ReviewDecision, group_id: str, meter_id: str, reading_id: str
) -> dict[str, Any]:
    member = _member(ctx, group_id, "reading.correct")
    return reading_reviews.decide(ctx.container, member, meter_id=meter_id, reading_id=reading_id,
                                  decision=body.decision, note=body.note, client_ip=ctx.client_ip)


@route(bp, "/groups/{group_id}/readings/import", "POST", response=ImportResult, status=201, tags=TAGS,
       summary="Import readings from CSV (meter_serial,value,taken_at): all rows or none, with a per-row report",
       errors=(400, 401, 403, 404, 409, 413, 415))
def import_readings(ctx: RequestContext, group_id: str) -> dict[str, Any]:
    member = _member(ctx, group_id, "reading.import")
    content_type = str(ctx.headers.get("content-type", "")).split(";")[0].strip().lower()
    if content_type not in CSV_TYPES:
        raise UnsupportedMediaType("send the readings as text/csv")
    raw = ctx.request.raw_body or b""
    if isinstance(raw, str):
        raw = raw.encode()
    if len(raw) > MAX_IMPORT_BYTES:
        raise PayloadTooLarge(f"an import is at most {MAX_IMPORT_BYTES} bytes")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise UnsupportedMediaType("the CSV must be UTF-8") from None
    return reading_import.import_csv(ctx.container, group_id=group_id, actor_id=member.user_id, text=text)


@route(bp, "/groups/{group_id}/consumption", "GET", query=ConsumptionQuery, response=ConsumptionChart, tags=TAGS,
       summary="Consumption per participant, common and total between local dates, chart-ready",
       errors=(400, 401, 404))
def group_consumption(ctx: RequestContext, query: ConsumptionQuery, group_id: str) -> dict[str, Any]:
    _member(ctx, group_id, "reading.read")
    timezone = consumption.group_timezone(ctx.container, group_id)
    return consumption.chart(ctx.container, group_id=group_id, start=query.from_, end=query.to,
                             granularity=query.granularity, timezone=timezone)
