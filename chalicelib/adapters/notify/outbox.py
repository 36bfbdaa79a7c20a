"""Local outbox: messages are stored in the document store instead of being sent (``make run``, tests).

A developer reads them at ``GET /dev/outbox``. The console log names the message, never its body (bodies hold codes).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable

from chalicelib.adapters.notify.port import Message
from chalicelib.adapters.store.port import CollectionSpec, DocumentStore, Index
from chalicelib.domain.timestamps import utc_iso
from chalicelib.observability import logger

OUTBOX = CollectionSpec("outbox", indexes=(Index(("created_at",)), Index(("recipient",))))


class OutboxNotifier:
    def __init__(self, store: DocumentStore, clock: Callable[[], float]) -> None:
        self._store = store
        self._outbox = store.collection(OUTBOX)
        self._clock = clock

    def ping(self) -> None:
        self._store.ping()

    def send(self, message: Message) -> str:
        message_id = str(uuid.uuid4())
        self._outbox.insert(
            {
                "_id": message_id,
                "channel": message.channel,
                "recipient": message.recipient,
                "subject": message.subject,
                "body": message.body,
                "template": message.template,
                "created_at": utc_iso(self._clock()),
            }
        )
        logger().info("message queued in local outbox", extra={"message_id": message_id, "template": message.template})
        return message_id

    def messages(self, *, recipient: str | None = None, limit: int = 100) -> list[dict[str, object]]:
        """Newest first; filtered by recipient when given."""
        where = {"recipient": recipient} if recipient else {}
        page = self._outbox.find_page(where, order_by="created_at", descending=True, limit=limit)
        return [{k: v for k, v in doc.items() if k != "version"} for doc in page.items]
