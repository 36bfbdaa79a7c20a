"""Who may do what in a group: one membership read per request, checked against the policy table.

A membership is one document, ``_id = f"{group_id}:{user_id}"``, holding the role, the participant's allocation weights
and its history: ``stays``, every ``{joined_at, left_at}`` of this person in the group, oldest first
(see ``membership_stays``). Leaving or being removed keeps the document (status ``removed``, ``left_at``) so later bills
still know who was present when. ``authorize`` reads it on every request (no cache), so a role change applies from the
next request. Outsiders, former members and members of a deleted group all get the same ``NotFound`` (no existence
leak); a member whose role lacks the action gets ``Forbidden``. Both failures go to the security log.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from chalicelib.adapters.store.port import CollectionSpec, Index
from chalicelib.domain.errors import AuthenticationFailed, Forbidden, NotFound
from chalicelib.domain.policy import Role, is_allowed
from chalicelib.services import audit

if TYPE_CHECKING:
    from chalicelib.adapters.store.port import Collection, Document
    from chalicelib.bootstrap import Container
    from chalicelib.services.sessions import Principal

MEMBERSHIPS = CollectionSpec(
    "memberships", indexes=(Index(("user_id", "status")), Index(("group_id", "status")))
)
ACTIVE = "active"
GROUP_ID_PATTERN = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
NO_SUCH_GROUP = "no such group"


@dataclass(frozen=True)
class Weights:
    """Allocation weights as exact decimal strings (``None`` = not set)."""

    area: str | None = None
    occupants: str | None = None
    custom: str | None = None


@dataclass(frozen=True)
class Membership:
    group_id: str
    user_id: str
    role: Role
    version: int
    weights: Weights
    joined_at: str

    @property
    def participant_id(self) -> str:
        """The id other collections use for this participant (the membership document's ``_id``)."""
        return membership_id(self.group_id, self.user_id)


def membership_id(group_id: str, user_id: str) -> str:
    return f"{group_id}:{user_id}"


def membership_collection(container: Container) -> Collection:
    return container.store.collection(MEMBERSHIPS)


def membership_stays(document: Document) -> list[dict[str, str | None]]:
    """Every stay of the member in the group, oldest first: ``{"joined_at", "left_at"}`` (``left_at`` None if active).

    Invariant, kept inside the one membership document because every join, leave and removal rewrites ``status``,
    ``joined_at``, ``left_at`` and ``stays`` together in one conditional write: the stays are ordered and do not
    overlap, only the last may be open, it is open exactly when the status is active, and its ``joined_at`` is the
    document's. Documents written before stays were recorded have none: an active one stayed since ``joined_at``;
    a removed one without ``left_at`` has no known stay (its leaving date was never recorded).
    """
    stays = document.get("stays")
    if stays is not None:
        return [{"joined_at": s["joined_at"], "left_at": s.get("left_at")} for s in stays]
    if document.get("status") == ACTIVE:
        return [{"joined_at": document["joined_at"], "left_at": None}]
    if document.get("left_at"):
        return [{"joined_at": document["joined_at"], "left_at": document["left_at"]}]
    return []


def to_membership(document: Document) -> Membership:
    weights: dict[str, Any] = document.get("weights") or {}
    return Membership(
        group_id=document["group_id"],
        user_id=document["user_id"],
        role=Role(document["role"]),
        version=document["version"],
        weights=Weights(weights.get("area"), weights.get("occupants"), weights.get("custom")),
        joined_at=document["joined_at"],
    )


def authorize(
    container: Container, principal: Principal | None, group_id: str, action: str, *, client_ip: str = "unknown"
) -> Membership:
    """The caller's membership in ``group_id`` if their role allows ``action``; one store round trip.

    Raises ``AuthenticationFailed`` without a principal, ``NotFound`` for anyone who is not an active member of a live
    group, ``Forbidden`` when the role lacks ``action``, ``ValueError`` for an action missing from the policy table.
    """
    if principal is None:
        raise AuthenticationFailed("authentication required")
    is_allowed(Role.OWNER, action)  # unknown actions fail loudly before any I/O
    member_id = membership_id(group_id, principal.user_id)
    document = membership_collection(container).get(member_id) if _plausible(group_id) else None
    if document is None or document.get("status") != ACTIVE:
        _deny(container, principal, group_id, action, "not-a-member", client_ip)
        raise NotFound(NO_SUCH_GROUP)
    membership = to_membership(document)
    if not is_allowed(membership.role, action):
        _deny(container, principal, group_id, action, f"role-{membership.role}", client_ip)
        raise Forbidden(f"a {membership.role} may not {action}")
    return membership


def _plausible(group_id: str) -> bool:
    return bool(GROUP_ID_PATTERN.match(group_id))


def _deny(container: Container, principal: Principal, group_id: str, action: str, reason: str, client_ip: str) -> None:
    detail = {"group_id": group_id[:64], "action": action, "reason": reason}
    audit.record_security(
        container, actor_id=principal.user_id, event="access.denied", client_ip=client_ip, detail=detail
    )
