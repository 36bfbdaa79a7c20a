"""Photos in S3: presigned POST (the policy pins key, content type and size) and presigned GET.

A presigned PUT cannot limit the size, so uploads use a POST policy. boto3 is imported and the client built on first
use; the client can be passed in (tests hand one pointed at moto).
"""

from __future__ import annotations

from functools import cached_property
from typing import TYPE_CHECKING, Any

from chalicelib.adapters.photos.port import PhotoStorageUnavailable, UploadTicket

if TYPE_CHECKING:
    from collections.abc import Callable


class S3PhotoStore:
    def __init__(
        self, bucket: str, *, clock: Callable[[], float], client: Any = None, region: str | None = None,
        endpoint_url: str | None = None,
    ) -> None:
        self._bucket = bucket
        self._clock = clock
        self._given = client
        self._region = region
        self._endpoint_url = endpoint_url

    @cached_property
    def _s3(self) -> Any:
        if self._given is not None:
            return self._given
        import boto3
        from botocore.config import Config

        # SigV4 against the regional endpoint: a URL signed for the global one would redirect, and browsers refuse that
        return boto3.client("s3", region_name=self._region, endpoint_url=self._endpoint_url,
                            config=Config(signature_version="s3v4"))

    def upload_ticket(self, key: str, *, content_type: str, max_bytes: int, expires_in: int) -> UploadTicket:
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            post = self._s3.generate_presigned_post(
                self._bucket, key, Fields={"Content-Type": content_type},
                Conditions=[{"Content-Type": content_type}, ["content-length-range", 1, max_bytes]],
                ExpiresIn=expires_in,
            )
        except (BotoCoreError, ClientError) as error:
            raise PhotoStorageUnavailable("could not sign the upload") from error
        return UploadTicket("POST", str(post["url"]), self._clock() + expires_in, max_bytes,
                            fields={str(k): str(v) for k, v in post["fields"].items()})

    def download_url(self, key: str, *, expires_in: int) -> str:
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            return str(self._s3.generate_presigned_url(
                "get_object", Params={"Bucket": self._bucket, "Key": key}, ExpiresIn=expires_in))
        except (BotoCoreError, ClientError) as error:
            raise PhotoStorageUnavailable("could not sign the download") from error
