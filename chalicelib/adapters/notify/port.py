"""The notification port: services hand a finished message to a ``Notifier``; adapters deliver it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, Protocol

Channel = Literal["email", "sms"]  # what the adapters deliver today; a channel joins with its provider


@dataclass(frozen=True)
class Message:
    channel: Channel
    recipient: str
    subject: str
    body: str
    template: str


class Notifier(Protocol):
    def send(self, message: Message) -> str:
        """Deliver (or durably queue) the message; returns the provider's message id."""
        ...

    def ping(self) -> None:
        """Raise unless the provider answers (``GET /health``)."""
        ...
