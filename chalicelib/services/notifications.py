"""Telling a person something: which channel and address, and what a refused send means. Every job and use case that
sends goes through here (reading and payment reminders, account notices, codes, invitations).

Two kinds of send, one failure policy each:

- ``notify_user``: a notice or reminder to a user. The channel is the user's choice (``preferred_contact``: SMS when
  their preferences list ``sms`` and their phone is verified, else their account email); security notices always go
  to the account email (``to_account_email``), the address that can reset the password. A refusal
  (``DeliveryFailed`` from the notifier port) never fails the caller: the change the notice is about has happened.
  It is logged by ids (``<context>.delivery_failed``: never the address or the body) and reported as ``False``, so a
  job can count it and decide what the refusal means for its bookkeeping (the payment-reminder job sends it again on
  its next run).
- ``send_to``: a message the person needs in order to go on (a one-time code, an invitation link), to an address that
  need not belong to a user yet. A refusal is logged the same way and raised: the request answers 503 with
  ``Retry-After`` and the client sends it again.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from chalicelib.adapters.notify.port import DeliveryFailed
from chalicelib.observability import logger
from chalicelib.services.messages import compose

if TYPE_CHECKING:
    from chalicelib.adapters.notify.port import Channel, Message
    from chalicelib.adapters.store.port import Document
    from chalicelib.bootstrap import Container


def preferred_contact(user: Document) -> tuple[Channel, str]:
    """(channel, address) the user asked to be reached on: SMS only to a verified phone, else the account email."""
    preferences: dict[str, Any] = user.get("notification_preferences") or {}
    channels = preferences.get("channels") or ["email"]
    if "sms" in channels and user.get("phone") and user.get("phone_verified"):
        return "sms", str(user["phone"])
    return account_email(user)


def account_email(user: Document) -> tuple[Channel, str]:
    return "email", str(user["email"])


def notify_user(
    container: Container,
    user: Document,
    template: str,
    values: Mapping[str, str] | None = None,
    *,
    context: str,
    to_account_email: bool = False,
    log_fields: Mapping[str, str] | None = None,
) -> bool:
    """Send ``template`` filled with ``values`` to ``user``; False (logged, never raised) when the provider refused it.

    ``to_account_email``: for security notices, which go to the account email whatever the preferences say.
    ``context`` names the caller in the log (``reading_reminders``); ``log_fields`` adds ids (``meter_id``).
    """
    channel, address = account_email(user) if to_account_email else preferred_contact(user)
    message = compose(template, channel, address, **(values or {}))
    try:
        container.notifier.send(message)
    except DeliveryFailed:
        _log_refused(message, context, {"user_id": str(user["_id"]), **(log_fields or {})})
        return False
    return True


def send_to(
    container: Container, channel: Channel, recipient: str, template: str, values: Mapping[str, str] | None = None,
    *, context: str,
) -> None:
    """Send a message the recipient needs to go on; raises the port's ``DeliveryFailed`` (503) when refused."""
    message = compose(template, channel, recipient, **(values or {}))
    try:
        container.notifier.send(message)
    except DeliveryFailed:
        _log_refused(message, context, {})
        raise


def _log_refused(message: Message, context: str, ids: Mapping[str, str]) -> None:
    event = f"{context}.delivery_failed"
    logger().warning(event, extra={"event": event, "template": message.template, "channel": message.channel, **ids})
