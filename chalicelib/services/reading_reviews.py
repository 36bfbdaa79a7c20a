"""Review of flagged readings: the admins' queue and their accept/reject decisions.

A reading flagged as implausible is stored with ``review_status`` "pending" (``services.readings``). The queue is every
pending reading of the group, oldest first, read through the ``(group_id, review_status, taken_at)`` index in keyset
pages. A decision sets ``review_status`` to "accepted" or "rejected" and ``review`` (decision, note, by, at) with the
audit intent in the same conditional write (``audit.update_with``). Repeating the current decision changes nothing and
is not audited again; a different decision later replaces it (audited). A rejected reading stays in the history but
no longer counts for validation or consumption (``reading_records.counted_history``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal

from chalicelib.domain.errors import Conflict, NotFound
from chalicelib.domain.timestamps import utc_iso
from chalicelib.observability import record_event
from chalicelib.services import audit, meter_records, reading_records

if TYPE_CHECKING:
    from chalicelib.bootstrap import Container
    from chalicelib.services.access import Membership

Decision = Literal["accept", "reject"]
PENDING = "pending"
STATUS_BY_DECISION: dict[str, str] = {"accept": "accepted", "reject": reading_records.REJECTED}


class NotUnderReview(Conflict):
    code = "reading-not-under-review"
    title = "The reading was not flagged for review"


def queue(container: Container, *, group_id: str, cursor: str | None, limit: int) -> dict[str, Any]:
    """One page of the group's readings awaiting review, oldest first, across all its meters."""
    page = reading_records.reading_collection(container).find_page(
        {"group_id": group_id, "review_status": PENDING}, order_by="taken_at", limit=limit, cursor=cursor
    )
    return {"items": [reading_records.view(d) for d in page.items], "next_cursor": page.next_cursor}


def decide(
    container: Container,
    membership: Membership,
    *,
    meter_id: str,
    reading_id: str,
    decision: Decision,
    note: str | None,
    client_ip: str,
) -> dict[str, Any]:
    """Accept or reject a flagged reading; the same decision again returns the reading unchanged."""
    group_id = membership.group_id
    meter_records.load(container, group_id=group_id, meter_id=meter_id)
    collection = reading_records.reading_collection(container)
    document = collection.get(reading_id)
    if document is None or document["meter_id"] != meter_id:
        raise NotFound("no such reading")
    current = document.get("review_status")
    if current is None:
        raise NotUnderReview("only readings flagged as implausible are reviewed; correct other readings instead")
    status = STATUS_BY_DECISION[decision]
    if current == status:
        return reading_records.view(document)
    review = {"decision": decision, "note": note, "by": membership.user_id, "at": utc_iso(container.clock())}
    pending = audit.intent(
        container, group_id=group_id, actor_id=membership.user_id, action=f"reading.review.{decision}",
        target=f"reading:{reading_id}", before={"review_status": current},
        after={"review_status": status, "note": note}, client_ip=client_ip,
    )
    stored = audit.update_with(container, collection, document, {"review_status": status, "review": review}, pending)
    record_event("reading.reviewed", group_id=group_id, meter_id=meter_id, decision=decision)
    return reading_records.view(stored)
