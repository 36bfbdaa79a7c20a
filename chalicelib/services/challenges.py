"""One-time codes sent by email or SMS: email and phone verification, password reset, sign-in codes.

A challenge stores only an HMAC of its code (and of its link token), lives ``code_ttl`` seconds, is single use, allows
``MAX_TRIES`` wrong guesses and may be bound to one login attempt (ASVS V6.6.x out-of-band verifiers). Issuing a new
challenge for the same purpose replaces the old one.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from contextlib import suppress
from typing import TYPE_CHECKING, Literal

from chalicelib.adapters.store.port import CollectionSpec, DuplicateKey, Index
from chalicelib.domain.errors import ValidationFailed, VersionConflict
from chalicelib.domain.otp import codes_match, hash_code, new_numeric_code
from chalicelib.domain.timestamps import utc_iso
from chalicelib.services.app_links import app_link
from chalicelib.services.concurrency import retry_on_conflict
from chalicelib.services.notifications import send_to

if TYPE_CHECKING:
    from chalicelib.adapters.notify.port import Channel
    from chalicelib.adapters.store.port import Collection, Document
    from chalicelib.bootstrap import Container

Purpose = Literal["verify-email", "verify-phone", "password-reset", "login-code", "change-email"]
MAX_TRIES = 5
CHALLENGES = CollectionSpec(
    "challenges", indexes=(Index(("link_hash",), unique=True), Index(("user_id",))), expires_field="expires_at"
)


class InvalidCode(ValidationFailed):
    code = "invalid-code"
    title = "The code is wrong, used or expired"


def _challenge_collection(container: Container) -> Collection:
    return container.store.collection(CHALLENGES)


def _challenge_id(purpose: Purpose, user_id: str, bound_to: str | None) -> str:
    return f"{purpose}:{user_id}:{bound_to or '-'}"


def issue(
    container: Container,
    *,
    user_id: str,
    purpose: Purpose,
    channel: Channel,
    recipient: str,
    bound_to: str | None = None,
    link_page: str | None = None,
    link_query: Mapping[str, str] | None = None,
) -> None:
    """Create the challenge and send its code to ``recipient``, and a link to the app's ``link_page`` when given
    (``?token=`` plus ``link_query``)."""
    pepper = container.settings.code_pepper.bytes()
    code = new_numeric_code()
    link_token = secrets.token_urlsafe(32) if link_page else None
    now = container.clock()
    challenge_id = _challenge_id(purpose, user_id, bound_to)
    document: Document = {
        "_id": challenge_id,
        "user_id": user_id,
        "purpose": purpose,
        "code_hash": hash_code(code, pepper),
        "tries": 0,
        "created_at": utc_iso(now),
        "expires_at": int(now) + container.settings.code_ttl,
    }
    if link_token:
        document["link_hash"] = hash_code(link_token, pepper)
    collection = _challenge_collection(container)

    def replace() -> None:
        collection.delete(challenge_id)
        collection.insert(document)  # DuplicateKey: a concurrent request issued one between delete and insert

    retry_on_conflict(replace, what="the code", retry_on=(DuplicateKey,))
    link = ""
    if link_page and link_token:
        link = app_link(container.settings.public_app_url, link_page, token=link_token, **(link_query or {}))
    send_to(container, channel, recipient, purpose, {"code": code, "link": link}, context="challenges")


def consume(
    container: Container, *, user_id: str, purpose: Purpose, code: str, bound_to: str | None = None
) -> None:
    """Accept ``code`` once; count a wrong guess; refuse after ``MAX_TRIES`` or expiry. Raises ``InvalidCode``."""
    collection = _challenge_collection(container)
    challenge = collection.get(_challenge_id(purpose, user_id, bound_to))
    if challenge is None or challenge["tries"] >= MAX_TRIES:
        raise InvalidCode("the code is wrong, used or expired", field="code")
    if not codes_match(challenge["code_hash"], code, container.settings.code_pepper.bytes()):
        with suppress(VersionConflict):  # a concurrent guess was counted; this one fails anyway
            tries = {"tries": challenge["tries"] + 1}
            collection.update(challenge["_id"], tries, expected_version=challenge["version"])
        raise InvalidCode("the code is wrong, used or expired", field="code")
    if not _take(collection, challenge):
        raise InvalidCode("the code is wrong, used or expired", field="code")


def consume_link(container: Container, *, purpose: Purpose, token: str) -> str:
    """Accept a link token once; returns the user id it was issued to."""
    collection = _challenge_collection(container)
    challenge = collection.find_one({"link_hash": hash_code(token, container.settings.code_pepper.bytes())})
    if challenge is None or challenge["purpose"] != purpose or challenge["tries"] >= MAX_TRIES:
        raise InvalidCode("the link is invalid, used or expired", field="token")
    if not _take(collection, challenge):
        raise InvalidCode("the link is invalid, used or expired", field="token")
    return str(challenge["user_id"])


def _take(collection: Collection, challenge: Document) -> bool:
    """Delete the challenge if nobody else used or changed it meanwhile: exactly one caller wins."""
    try:
        return collection.delete(challenge["_id"], expected_version=challenge["version"])
    except VersionConflict:
        return False
