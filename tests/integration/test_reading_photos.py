"""Reading photos through short-lived links: who may ask for them, the local signed PUT/GET that stands in for S3 on
the local stage, and the S3 adapter against moto's server (presigned POST upload, then the object is there).

moto does not enforce POST policy conditions (it stores an oversized or wrongly typed file), so for S3 the size and type
limits are checked on the policy the adapter signs; the local adapter enforces them itself and is tested doing so.
"""

from __future__ import annotations

import base64
import json
import urllib.request
import uuid
from dataclasses import replace
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import boto3
import pytest

from chalicelib.adapters.photos.local import LocalPhotoStore
from chalicelib.adapters.photos.s3 import S3PhotoStore
from chalicelib.services.reading_records import READINGS
from tests.integration.conftest import Api, Response
from tests.integration.reading_helpers import Metered, metered_cast, submit

JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 60 + b"\xff\xd9"
BUCKET = "sharemeter-photos-test"


@pytest.fixture
def metered(api: Api) -> Metered:
    return metered_cast(api)


def reading_of(api: Api, metered: Metered, role: str) -> str:
    created = submit(api, metered, role, "5", "2025-02-01T10:00:00Z")
    assert created.status == 201, created.json
    return str(created.json["id"])


def photo_url(metered: Metered, role: str, reading_id: str) -> str:
    return f"{metered.readings(role)}/{reading_id}/photo"


def ask_upload(api: Api, metered: Metered, role: str, reading_id: str, by: str,
               content_type: str = "image/jpeg") -> Response:
    return api.post(photo_url(metered, role, reading_id), {"content_type": content_type}, token=metered.cast.token(by))


def local_path(url: str) -> str:
    """The API path and query of a local link (which the browser reaches under the app's /api), for the test client."""
    parts = urlsplit(url)
    return f"{parts.path.removeprefix('/api')}?{parts.query}"


def put(api: Api, ticket: dict[str, Any], body: bytes, content_type: str | None = None) -> Response:
    headers = {"Content-Type": content_type or ticket["headers"]["Content-Type"]}
    return api.call("PUT", local_path(ticket["url"]), headers=headers, raw=body)


# --- who may ------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("role", "status"), [("member", 201), ("admin", 201), ("owner", 201), ("viewer", 403),
                                              ("outsider", 404)])
def test_upload_links_go_to_those_who_may_record_the_meters_readings(api: Api, metered: Metered, role: str,
                                                                     status: int) -> None:
    reading_id = reading_of(api, metered, "member")
    assert ask_upload(api, metered, "member", reading_id, by=role).status == status


def test_a_member_gets_no_upload_link_for_another_members_meter(api: Api, metered: Metered) -> None:
    reading_id = reading_of(api, metered, "admin")
    refused = ask_upload(api, metered, "admin", reading_id, by="member")
    assert refused.status == 403
    assert api.container.store.collection(READINGS).get(reading_id).get("photo_key") is None  # type: ignore[union-attr]


def test_a_reading_is_found_only_under_its_own_meter_and_type_is_limited(api: Api, metered: Metered) -> None:
    reading_id = reading_of(api, metered, "member")
    assert ask_upload(api, metered, "admin", reading_id, by="owner").status == 404
    assert ask_upload(api, metered, "member", reading_id, by="owner", content_type="text/html").status == 400


@pytest.mark.parametrize(("role", "status"), [("viewer", 200), ("member", 200), ("outsider", 404)])
def test_download_links_go_to_everyone_who_may_read_the_reading(api: Api, metered: Metered, role: str,
                                                                status: int) -> None:
    reading_id = reading_of(api, metered, "admin")
    assert ask_upload(api, metered, "admin", reading_id, by="admin").status == 201
    assert api.get(photo_url(metered, "admin", reading_id), token=metered.cast.token(role)).status == status


def test_a_reading_without_a_photo_has_no_download_link(api: Api, metered: Metered) -> None:
    reading_id = reading_of(api, metered, "member")
    missing = api.get(photo_url(metered, "member", reading_id), token=metered.cast.token("member"))
    assert missing.status == 404 and missing.json["type"].endswith("/no-photo")


# --- the local stage: signed PUT and GET on /dev/photos -----------------------------------------------------------


def test_local_upload_then_download_returns_the_same_photo(api: Api, metered: Metered) -> None:
    reading_id = reading_of(api, metered, "member")
    ticket = ask_upload(api, metered, "member", reading_id, by="member").json
    assert ticket["method"] == "PUT" and ticket["max_bytes"] == api.container.settings.photo_max_bytes
    assert put(api, ticket, JPEG).status == 204
    reading = api.get(metered.readings("member"), token=metered.cast.token("viewer")).json["items"][0]
    assert reading["has_photo"] is True
    link = api.get(photo_url(metered, "member", reading_id), token=metered.cast.token("viewer")).json
    # chalice's test client cannot carry a binary response body (``make run`` serves it), so read through the adapter
    store = api.container.photos
    assert isinstance(store, LocalPhotoStore)
    assert store.read(dict(parse_qsl(urlsplit(link["url"]).query))) == (JPEG, "image/jpeg")
    forged = api.get(local_path(link["url"]).replace("signature=", "signature=0"), headers={"Content-Type": ""})
    assert forged.status == 403 and forged.json["type"].endswith("/photo-link-invalid")
    key = api.container.store.collection(READINGS).get(reading_id)["photo_key"]  # type: ignore[index]
    assert key.startswith(f"groups/{metered.cast.group_id}/readings/{reading_id}/")


def test_local_upload_refuses_wrong_type_oversize_tampering_and_expiry(api: Api, metered: Metered) -> None:
    api.container.settings = replace(api.container.settings, photo_max_bytes=100)
    reading_id = reading_of(api, metered, "member")
    ticket = ask_upload(api, metered, "member", reading_id, by="member").json
    assert put(api, ticket, JPEG, content_type="image/png").status == 400
    assert put(api, ticket, JPEG + b"\x00" * 100).status == 400
    assert put(api, ticket, b"").status == 400
    forged = dict(ticket, url=ticket["url"].replace("max=100", "max=100000"))
    assert put(api, forged, JPEG + b"\x00" * 100).status == 403
    api.clock.advance(api.container.settings.photo_link_ttl + 1)
    assert put(api, ticket, JPEG).status == 403


# --- S3 (moto) ----------------------------------------------------------------------------------------------------


def s3_client(endpoint: str) -> Any:
    return boto3.client("s3", region_name="eu-central-1", endpoint_url=endpoint)


def post_form(url: str, fields: dict[str, str], content: bytes, content_type: str) -> int:
    """A browser-style multipart POST: the policy fields first, the file last."""
    boundary = uuid.uuid4().hex
    parts = [f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode()
             for k, v in fields.items()]
    parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="meter.jpg"\r\n'
                 f"Content-Type: {content_type}\r\n\r\n".encode() + content + f"\r\n--{boundary}--\r\n".encode())
    request = urllib.request.Request(url, data=b"".join(parts), method="POST",  # noqa: S310 (moto on loopback)
                                     headers={"Content-Type": f"multipart/form-data; boundary={boundary}"})
    with urllib.request.urlopen(request) as reply:  # noqa: S310
        return int(reply.status)


def test_s3_presigned_post_uploads_and_presigned_get_downloads(aws_env: str) -> None:
    client = s3_client(aws_env)
    client.create_bucket(Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": "eu-central-1"})
    store = S3PhotoStore(BUCKET, clock=lambda: 1_000.0, region="eu-central-1", endpoint_url=aws_env)
    key = f"groups/g1/readings/r1/{uuid.uuid4().hex}"
    ticket = store.upload_ticket(key, content_type="image/jpeg", max_bytes=1024, expires_in=300)
    assert ticket.method == "POST" and ticket.expires_at == 1_300.0 and ticket.fields["key"] == key
    assert post_form(ticket.url, ticket.fields, JPEG, "image/jpeg") in {200, 201, 204}
    head = client.head_object(Bucket=BUCKET, Key=key)
    assert head["ContentType"] == "image/jpeg" and head["ContentLength"] == len(JPEG)
    with urllib.request.urlopen(store.download_url(key, expires_in=60)) as reply:  # noqa: S310 (moto)
        assert reply.read() == JPEG


def test_s3_post_policy_pins_key_type_and_size(aws_env: str) -> None:
    store = S3PhotoStore(BUCKET, clock=lambda: 0.0, region="eu-central-1", endpoint_url=aws_env)
    ticket = store.upload_ticket("groups/g/readings/r/" + "a" * 32, content_type="image/png", max_bytes=4096,
                                 expires_in=120)
    policy = json.loads(base64.b64decode(ticket.fields["policy"]))
    conditions = policy["conditions"]
    assert ["content-length-range", 1, 4096] in conditions
    assert {"Content-Type": "image/png"} in conditions
    assert {"key": "groups/g/readings/r/" + "a" * 32} in conditions and {"bucket": BUCKET} in conditions
    assert ticket.fields["x-amz-algorithm"] == "AWS4-HMAC-SHA256"


def test_the_api_hands_out_s3_links_when_a_bucket_is_configured(api: Api, metered: Metered, aws_env: str) -> None:
    s3_client(aws_env).create_bucket(Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": "eu-central-1"})
    api.container.settings = replace(api.container.settings, photo_bucket=BUCKET, aws_region="eu-central-1",
                                     aws_endpoint_url=aws_env)
    reading_id = reading_of(api, metered, "member")
    ticket = ask_upload(api, metered, "member", reading_id, by="member").json
    assert ticket["method"] == "POST" and ticket["url"].startswith(aws_env)
    assert post_form(ticket["url"], ticket["fields"], JPEG, "image/jpeg") in {200, 201, 204}
    link = api.get(photo_url(metered, "member", reading_id), token=metered.cast.token("viewer")).json
    with urllib.request.urlopen(link["url"]) as reply:  # noqa: S310 (moto)
        assert reply.read() == JPEG
