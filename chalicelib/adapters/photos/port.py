"""The photo-storage port: services ask for a short-lived upload ticket or download URL; clients move the bytes.

The API never carries photo bytes. ``upload_ticket`` returns what a client needs to send one file straight to storage
(S3: a presigned POST whose policy pins the key, the content type and a size range; locally: a signed PUT to
``/dev/photos``). ``download_url`` returns a short-lived GET URL. Keys are ``groups/{group}/readings/{reading}/{hex}``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal, Protocol

from chalicelib.domain.errors import ServiceUnavailable

PHOTO_KEY = re.compile(r"^groups/[A-Za-z0-9_-]{1,64}/readings/[A-Za-z0-9_-]{1,64}/[0-9a-f]{32}$")


class PhotoStorageUnavailable(ServiceUnavailable):
    code = "photo-storage-unavailable"
    title = "Photo storage is not available"


@dataclass(frozen=True)
class UploadTicket:
    """How to upload one photo: ``method`` to ``url`` with form ``fields`` (POST, file last) or ``headers`` (PUT)."""

    method: Literal["POST", "PUT"]
    url: str
    expires_at: float  # epoch seconds
    max_bytes: int
    fields: dict[str, str] = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)


class PhotoStore(Protocol):
    def upload_ticket(self, key: str, *, content_type: str, max_bytes: int, expires_in: int) -> UploadTicket:
        """A ticket to store exactly one object at ``key`` of ``content_type`` and 1..``max_bytes`` bytes."""
        ...

    def download_url(self, key: str, *, expires_in: int) -> str:
        """A URL that reads ``key`` for ``expires_in`` seconds."""
        ...
