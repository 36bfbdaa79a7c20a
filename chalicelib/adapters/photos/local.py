"""Photos on the local disk for ``make run``: signed, expiring PUT and GET links to ``/dev/photos`` (local stage only).

A link carries the key, the expiry and, for uploads, the content type and size limit, with an HMAC over all of them, so
the dev route needs no session: like a presigned S3 URL, the link is the permission. Files live under ``root/<key>``
with the content type beside them (``<key>.type``).
"""

from __future__ import annotations

import hashlib
import hmac
import os
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlencode

from chalicelib.adapters.photos.port import PHOTO_KEY, UploadTicket
from chalicelib.domain.errors import Forbidden, NotFound, ValidationFailed

if TYPE_CHECKING:
    from collections.abc import Callable

ROUTE = "/dev/photos"


class PhotoLinkInvalid(Forbidden):
    code = "photo-link-invalid"
    title = "The photo link is invalid or has expired"


class PhotoRefused(ValidationFailed):
    code = "photo-refused"
    title = "The photo does not match its upload link"


class LocalPhotoStore:
    def __init__(self, root: Path, *, base_url: str, secret: bytes, clock: Callable[[], float]) -> None:
        self._root = root
        self._base_url = base_url.rstrip("/")
        self._secret = hashlib.sha256(b"local-photo-links:" + secret).digest()
        self._clock = clock

    def upload_ticket(self, key: str, *, content_type: str, max_bytes: int, expires_in: int) -> UploadTicket:
        expires = int(self._clock()) + expires_in
        params = {"op": "put", "key": key, "type": content_type, "max": str(max_bytes), "expires": str(expires)}
        return UploadTicket("PUT", self._link(params), float(expires), max_bytes,
                            headers={"Content-Type": content_type})

    def download_url(self, key: str, *, expires_in: int) -> str:
        return self._link({"op": "get", "key": key, "expires": str(int(self._clock()) + expires_in)})

    def store(self, params: Mapping[str, str], *, content_type: str, body: bytes) -> None:
        """Save an upload made with a link from ``upload_ticket``; refuses a wrong type, size or signature."""
        self._check(params, "put")
        if content_type != params["type"]:
            raise PhotoRefused(f"this link accepts {params['type']} only", field="Content-Type")
        if not 1 <= len(body) <= int(params["max"]):
            raise PhotoRefused(f"a photo is 1 to {params['max']} bytes", field="body")
        path = self._path(params["key"])
        path.parent.mkdir(parents=True, exist_ok=True)
        for target, data in ((path.with_name(path.name + ".type"), content_type.encode()), (path, body)):
            partial = target.with_name(target.name + ".part")
            partial.write_bytes(data)
            os.replace(partial, target)

    def read(self, params: Mapping[str, str]) -> tuple[bytes, str]:
        """The photo and its content type, for a link from ``download_url``."""
        self._check(params, "get")
        path = self._path(params["key"])
        if not path.exists():
            raise NotFound("no photo was uploaded with this key")
        return path.read_bytes(), path.with_name(path.name + ".type").read_text()

    def _link(self, params: dict[str, str]) -> str:
        return f"{self._base_url}{ROUTE}?{urlencode({**params, 'signature': self._sign(params)})}"

    def _sign(self, params: Mapping[str, str]) -> str:
        fields = ("op", "key", "type", "max", "expires")
        message = "\n".join(f"{name}={params.get(name, '')}" for name in fields).encode()
        return hmac.new(self._secret, message, hashlib.sha256).hexdigest()

    def _check(self, params: Mapping[str, str], op: str) -> None:
        signature = params.get("signature", "")
        if params.get("op") != op or not hmac.compare_digest(signature, self._sign(params)):
            raise PhotoLinkInvalid("the photo link is not valid")
        if not params.get("expires", "").isdigit() or int(params["expires"]) < self._clock():
            raise PhotoLinkInvalid("the photo link has expired")
        if not PHOTO_KEY.match(params.get("key", "")):
            raise PhotoLinkInvalid("the photo link is not valid")

    def _path(self, key: str) -> Path:
        return self._root.joinpath(*key.split("/"))
