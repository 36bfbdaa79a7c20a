"""A notifier that refuses one recipient, as a provider refuses an address, for the tests of refused sends."""

from __future__ import annotations

from dataclasses import dataclass

from chalicelib.adapters.notify.port import DeliveryFailed, Message, Notifier


@dataclass
class RefusingFor:
    """A notifier that refuses every message to one recipient, like SES refusing an address, and passes the rest on."""

    refused: str
    inner: Notifier

    def send(self, message: Message) -> str:
        if message.recipient == self.refused:
            raise DeliveryFailed("email delivery failed")
        return self.inner.send(message)

    def ping(self) -> None:
        self.inner.ping()
