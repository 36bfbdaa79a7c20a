"""The notification port: services hand a finished message to a ``Notifier``; adapters deliver it.

The port owns its error: an adapter that cannot hand a message to its provider raises ``DeliveryFailed`` (raised
``from`` the provider's exception), whatever the provider, so services catch the port's class, never an adapter's.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, Protocol

from chalicelib.domain.errors import ServiceUnavailable

Channel = Literal["email", "sms"]  # what the adapters deliver today; a channel joins with its provider


class DeliveryFailed(ServiceUnavailable):
    """The provider refused the message or could not be reached."""

    code = "delivery-failed"
    title = "The message could not be handed to the provider"


@dataclass(frozen=True)
class Message:
    channel: Channel
    recipient: str
    subject: str
    body: str
    template: str


class Notifier(Protocol):
    def send(self, message: Message) -> str:
        """Deliver (or durably queue) the message; returns the provider's message id. Raises ``DeliveryFailed``."""
        ...

    def ping(self) -> None:
        """Raise a ``ServiceUnavailable`` (``DeliveryFailed``, ``StoreUnavailable``) unless the provider answers."""
        ...
