"""Reading photos: an upload ticket for the reading's submitters and a short-lived download link for its readers.

The bytes go straight between the client and photo storage (``adapters.photos``); this service only decides who may
and where. Asking for an upload ticket records the new key as the reading's ``photo_key`` (one conditional write to the
reading document), so the latest requested photo is the reading's photo; earlier objects are left to the bucket's
lifecycle expiry.
"""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any

from chalicelib.domain.errors import NotFound
from chalicelib.domain.timestamps import utc_iso
from chalicelib.observability import record_event
from chalicelib.services import meter_records, reading_records, readings

if TYPE_CHECKING:
    from chalicelib.adapters.store.port import Document
    from chalicelib.bootstrap import Container
    from chalicelib.services.access import Membership


class NoPhoto(NotFound):
    code = "no-photo"
    title = "The reading has no photo"


def photo_key(group_id: str, reading_id: str) -> str:
    return f"groups/{group_id}/readings/{reading_id}/{uuid.uuid4().hex}"


def _reading(container: Container, *, group_id: str, meter_id: str, reading_id: str) -> tuple[Document, Document]:
    meter = meter_records.load(container, group_id=group_id, meter_id=meter_id)
    document = reading_records.reading_collection(container).get(reading_id)
    if document is None or document["meter_id"] != meter_id:
        raise NotFound("no such reading")
    return meter, document


def request_upload(
    container: Container, membership: Membership, *, meter_id: str, reading_id: str, content_type: str
) -> dict[str, Any]:
    """An upload ticket for one photo of the reading; members only for readings of their own meters."""
    group_id = membership.group_id
    meter, document = _reading(container, group_id=group_id, meter_id=meter_id, reading_id=reading_id)
    readings.check_may_submit(membership, meter)
    settings = container.settings
    key = photo_key(group_id, reading_id)
    ticket = container.photos.upload_ticket(key, content_type=content_type, max_bytes=settings.photo_max_bytes,
                                            expires_in=settings.photo_link_ttl)
    reading_records.reading_collection(container).update(
        reading_id, {"photo_key": key, "photo_type": content_type, "photo_requested_by": membership.user_id},
        expected_version=document["version"],
    )
    record_event("reading.photo_requested", group_id=group_id, meter_id=meter_id)
    return {
        "method": ticket.method,
        "url": ticket.url,
        "fields": ticket.fields,
        "headers": ticket.headers,
        "max_bytes": ticket.max_bytes,
        "expires_at": utc_iso(ticket.expires_at),
    }


def download(container: Container, *, group_id: str, meter_id: str, reading_id: str) -> dict[str, Any]:
    """A short-lived link to the reading's photo; ``NoPhoto`` when none was requested."""
    _, document = _reading(container, group_id=group_id, meter_id=meter_id, reading_id=reading_id)
    key = document.get("photo_key")
    if not key:
        raise NoPhoto("no photo was attached to this reading")
    ttl = container.settings.photo_link_ttl
    url = container.photos.download_url(str(key), expires_in=ttl)
    return {"url": url, "expires_at": utc_iso(container.clock() + ttl)}
