"""The users collection and what every account use case shares: finding, reading, viewing and updating a user."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from chalicelib.adapters.store.port import CollectionSpec, Document, Index
from chalicelib.domain.errors import NotFound, VersionConflict
from chalicelib.services.concurrency import retry_on_conflict

if TYPE_CHECKING:
    from chalicelib.adapters.store.port import Collection
    from chalicelib.bootstrap import Container

USERS = CollectionSpec("users", indexes=(Index(("email",), unique=True), Index(("phone",))))

DEFAULT_PREFERENCES: dict[str, Any] = {
    "channels": ["email"],
    "reading_reminders": True,
    "payment_reminders": True,
    "quiet_hours_start": 21,
    "quiet_hours_end": 8,
}


def user_collection(container: Container) -> Collection:
    return container.store.collection(USERS)


def normalize_email(email: str) -> str:
    return email.strip().lower()


def find_by_email(container: Container, email: str) -> Document | None:
    return user_collection(container).find_one({"email": normalize_email(email)})


def get_user(container: Container, user_id: str) -> Document:
    user = user_collection(container).get(user_id)
    if user is None or user.get("status") == "disabled":
        raise NotFound("no such user")
    return user


def mfa_methods(user: Document) -> list[str]:
    """The second factors this user can use now, in the order the PWA offers them."""
    mfa = user.get("mfa", {})
    methods = [m for m in ("totp", "sms", "email") if mfa.get(m, {}).get("enabled")]
    if methods and mfa.get("recovery_codes"):
        methods.append("recovery")
    return methods


def profile(user: Document) -> dict[str, Any]:
    return {
        "id": user["_id"],
        "email": user["email"],
        "email_verified": user["email_verified"],
        "name": user["name"],
        "phone": user.get("phone"),
        "phone_verified": user.get("phone_verified", False),
        "locale": user["locale"],
        "timezone": user["timezone"],
        "mfa_methods": mfa_methods(user),
        "notification_preferences": user.get("notification_preferences", DEFAULT_PREFERENCES),
        "created_at": user["created_at"],
    }


def display_name(container: Container, user_id: str) -> str:
    """The user's name as others see it ("" for an unknown user)."""
    user = user_collection(container).get(user_id)
    return str(user.get("name", "")) if user else ""


def update_user(container: Container, user: Document, changes: dict[str, Any]) -> Document:
    """Apply ``changes`` (plain field values) to the user, re-reading and retrying if another request changed it."""
    collection = user_collection(container)

    def attempt() -> Document:
        nonlocal user  # the next attempt writes against the version read last
        try:
            return collection.update(user["_id"], changes, expected_version=user["version"])
        except VersionConflict:
            user = get_user(container, user["_id"])
            raise

    return retry_on_conflict(attempt, what="the account")
