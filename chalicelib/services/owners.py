"""The owners of a group: never fewer than one, held in the group document's ``owner_ids``.

``owner_ids`` is always a subset of the members whose role is owner: shrunk before a demotion, removal or leave (and
refused if it would become empty: ``LastOwner``), grown after a promotion and re-checked against the membership after
growing, so "never fewer than one owner" is checked and written in one document. A request that dies in between
leaves ``owner_ids`` smaller than reality, which can only refuse a later leave too early, never let the group lose its
last owner; a shrink counts only ids whose membership is still an active owner. Callers: ``services.members`` (role
changes, removal, leaving) and ``services.invitations`` (an owner invited joins the list after the membership).
"""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING

from chalicelib.domain.errors import Conflict
from chalicelib.domain.policy import Role
from chalicelib.services.access import ACTIVE, membership_collection, membership_id
from chalicelib.services.concurrency import retry_on_conflict
from chalicelib.services.groups import group_collection, load

if TYPE_CHECKING:
    from chalicelib.adapters.store.port import Document
    from chalicelib.bootstrap import Container


class LastOwner(Conflict):
    code = "last-owner"
    title = "The last owner cannot leave"


def change_owners(container: Container, group_id: str, *, add: str | None = None, remove: str | None = None) -> None:
    """Grow or shrink ``owner_ids`` in one conditional write; refuses to leave the group without an owner.

    Shrinking counts only the remaining ids whose membership is an active owner (and drops the others in the same
    write), so a stale id can never stand in for the last real owner. Growing re-reads the membership afterwards and
    takes the id out again if it is no longer an owner: a demotion that ran between the promotion's membership write
    and this call found nothing to remove, so this call must not leave a non-owner behind.
    """
    _write_owners(container, group_id, add=add, remove=remove)
    if add is not None and not _is_owner(membership_collection(container).get(membership_id(group_id, add))):
        with contextlib.suppress(LastOwner):  # no confirmed owner is left anyway: the id stays until one is made
            _write_owners(container, group_id, remove=add)


def _is_owner(member: Document | None) -> bool:
    return member is not None and member.get("status") == ACTIVE and member.get("role") == Role.OWNER.value


def _write_owners(container: Container, group_id: str, *, add: str | None = None, remove: str | None = None) -> None:
    collection = group_collection(container)

    def attempt() -> None:
        group = load(container, group_id)
        owners = [o for o in group.get("owner_ids", []) if o != remove]
        if add is not None and add not in owners:
            owners.append(add)
        if remove is not None:
            found = membership_collection(container).get_many([membership_id(group_id, o) for o in owners])
            confirmed = {m["user_id"] for m in found if _is_owner(m)}
            owners = [o for o in owners if o in confirmed]
        if not owners:
            raise LastOwner("the group needs at least one owner; make someone else owner first")
        if owners != group.get("owner_ids"):
            collection.update(group_id, {"owner_ids": owners}, expected_version=group["version"])

    retry_on_conflict(attempt, what="the group")
