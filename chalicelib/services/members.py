"""Members of a group: who is in it, their allocation weights and sub-meter links, roles, removal and leaving.

Who holds a sub-meter is one fact, kept in one place: the meter's ``participant_id`` (``services.meter_records``; it
also decides consumption, reading rights and reminders). A member's ``sub_meter_id`` is derived from it, and linking
one through ``PATCH .../members/{user_id}`` assigns the meter (``meters.update``).

Ownership changes go through ``owners.change_owners`` (the group document holds the owner list), in the order that
keeps the invariant safe if a request dies half-way: shrink the owner list before demoting or removing an owner, grow
it after promoting one. Joining is ``invitations.accept``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from chalicelib.domain.commands import ChangeMeter
from chalicelib.domain.errors import Forbidden, NotFound, ValidationFailed, VersionConflict
from chalicelib.domain.money import parse_quantity
from chalicelib.domain.policy import Role, may_change_role
from chalicelib.domain.readings import MeterKind
from chalicelib.domain.timestamps import utc_iso
from chalicelib.services import audit, meters, owners
from chalicelib.services.access import ACTIVE, Membership, membership_collection, membership_id, membership_stays
from chalicelib.services.meter_records import group_meters, held_sub_meters, load
from chalicelib.services.users import display_name, user_collection

if TYPE_CHECKING:
    from chalicelib.adapters.store.port import Document
    from chalicelib.bootstrap import Container
    from chalicelib.domain.commands import ChangeMember, ChangeWeights

REMOVED = "removed"


def merged_weights(request: ChangeWeights | None, current: dict[str, Any] | None = None) -> dict[str, Any]:
    """``current`` with the weights ``request`` sets (``None`` clears one), each checked exact and non-negative."""
    weights = dict(current or {})
    if request is None:
        return weights
    for name, value in request.sent_values().items():
        if value is not None:
            parse_quantity(value, field=f"weights.{name}")  # exact, non-negative, bounded
        weights[name] = value
    return weights


def member_view(member: Document, name: str, sub_meter_id: str | None) -> dict[str, Any]:
    weights = member.get("weights") or {}
    return {
        "user_id": member["user_id"],
        "name": name,
        "role": member["role"],
        "weights": {k: weights.get(k) for k in ("area", "occupants", "custom")},
        "sub_meter_id": sub_meter_id,
        "joined_at": member["joined_at"],
        "version": member["version"],
    }


def _held_sub_meters(container: Container, group_id: str) -> dict[str, list[str]]:
    return held_sub_meters(group_meters(container, group_id=group_id), utc_iso(container.clock()))


def _sub_meter_of(container: Container, group_id: str, user_id: str) -> str | None:
    return next(iter(_held_sub_meters(container, group_id).get(user_id, [])), None)


def list_members(container: Container, group_id: str, *, cursor: str | None, limit: int) -> dict[str, Any]:
    """One page of active members with their names and sub-meters (three round trips)."""
    page = membership_collection(container).find_page(
        {"group_id": group_id, "status": ACTIVE}, order_by="_id", limit=limit, cursor=cursor
    )
    found = user_collection(container).get_many([m["user_id"] for m in page.items])
    names = {u["_id"]: u.get("name", "") for u in found}
    held = _held_sub_meters(container, group_id)
    items = [member_view(m, names.get(m["user_id"], ""), next(iter(held.get(m["user_id"], [])), None))
             for m in page.items]
    return {"items": items, "next_cursor": page.next_cursor}


def _member(container: Container, group_id: str, user_id: str) -> Document:
    member = membership_collection(container).get(membership_id(group_id, user_id)) if len(user_id) <= 64 else None
    if member is None or member.get("status") != ACTIVE:
        raise NotFound("no such member")
    return member


def update_member(
    container: Container, actor: Membership, user_id: str, *, request: ChangeMember, expected_version: int | None,
    client_ip: str,
) -> dict[str, Any]:
    """Change a participant's allocation weights or sub-meter link.

    An admin cannot touch an owner (``policy``). A link must name a sub-meter of this group: it is assigned to the
    member; ``null`` unassigns the sub-meters the member holds (each a ``meter.update``, the reminder roster follows).
    Everything is checked, the member's version included, before anything is written; the meter is written before the
    weights, so a request that loses a race on the membership in between answers 409 and its retry finds the link
    already made.
    """
    if expected_version is None:
        raise ValidationFailed("send the version you edited, as If-Match or in the body", field="version")
    member = _member(container, actor.group_id, user_id)
    if member["role"] == Role.OWNER.value and actor.role is not Role.OWNER:
        raise Forbidden(f"a {actor.role} may not change an owner")
    linked = _sub_meter_to_link(container, actor.group_id, request) if "sub_meter_id" in request.sent else None
    if member["version"] != expected_version:
        raise VersionConflict(f"the member is at version {member['version']}, not {expected_version}")
    if "sub_meter_id" in request.sent:
        held = _held_sub_meters(container, actor.group_id).get(user_id, [])
        holders: dict[str, str | None] = {meter_id: None for meter_id in held}  # unlink: nobody holds them
        if linked is not None:
            holders = {} if linked in held else {linked: user_id}
        for meter_id, holder in holders.items():
            meters.update(container, group_id=actor.group_id, meter_id=meter_id, actor_id=actor.user_id,
                          request=ChangeMeter(participant_id=holder, sent=frozenset({"participant_id"})),
                          client_ip=client_ip)
    stored = member
    if "weights" in request.sent:
        changes = {"weights": merged_weights(request.weights, member.get("weights"))}
        pending = audit.intent(
            container, group_id=actor.group_id, actor_id=actor.user_id, action="member.update",
            target=f"member:{user_id}", before={"weights": member.get("weights")}, after=changes, client_ip=client_ip,
        )
        stored = audit.update_with(
            container, membership_collection(container), member, changes, pending, expected_version=expected_version
        )
    return member_view(stored, display_name(container, user_id), _sub_meter_of(container, actor.group_id, user_id))


def _sub_meter_to_link(container: Container, group_id: str, request: ChangeMember) -> str | None:
    """The sub-meter ``request`` links (checked: a sub-meter of this group), or None to unlink."""
    if request.sub_meter_id is None:
        return None
    try:
        meter = load(container, group_id=group_id, meter_id=request.sub_meter_id)
    except NotFound:
        raise ValidationFailed("no meter of this group has this id", field="sub_meter_id") from None
    if meter["kind"] != MeterKind.SUB.value:
        raise ValidationFailed("only a sub-meter belongs to a participant", field="sub_meter_id")
    return str(meter["_id"])


def change_role(
    container: Container, actor: Membership, user_id: str, *, role: Role, expected_version: int | None,
    client_ip: str,
) -> dict[str, Any]:
    """Give a member another role; admins never touch ownership, and the last owner stays owner."""
    member = _member(container, actor.group_id, user_id)
    current = Role(member["role"])
    if not may_change_role(actor.role, current, role):
        raise Forbidden(f"a {actor.role} may not change a {current} into a {role}")
    if expected_version is None:
        raise ValidationFailed("send the version you edited, as If-Match or in the body", field="version")
    if member["version"] != expected_version:
        raise VersionConflict(f"the member is at version {member['version']}, not {expected_version}")
    if current is role:
        return member_view(member, display_name(container, user_id), _sub_meter_of(container, actor.group_id, user_id))
    if current is Role.OWNER:
        owners.change_owners(container, actor.group_id, remove=user_id)  # before the demotion: never zero owners
    pending = audit.intent(
        container, group_id=actor.group_id, actor_id=actor.user_id, action="member.role",
        target=f"member:{user_id}", before={"role": current.value}, after={"role": role.value}, client_ip=client_ip,
    )
    stored = audit.update_with(container, membership_collection(container), member, {"role": role.value}, pending)
    if role is Role.OWNER:
        owners.change_owners(container, actor.group_id, add=user_id)  # after the promotion
    return member_view(stored, display_name(container, user_id), _sub_meter_of(container, actor.group_id, user_id))


def remove(container: Container, actor: Membership, user_id: str, *, client_ip: str) -> None:
    """Remove a member (removing yourself is leaving)."""
    if user_id == actor.user_id:
        leave(container, actor, client_ip=client_ip)
        return
    member = _member(container, actor.group_id, user_id)
    if not may_change_role(actor.role, Role(member["role"]), None):
        raise Forbidden(f"a {actor.role} may not remove a {member['role']}")
    _close(container, actor, member, action="member.remove", client_ip=client_ip)


def leave(container: Container, membership: Membership, *, client_ip: str) -> None:
    member = _member(container, membership.group_id, membership.user_id)
    _close(container, membership, member, action="member.leave", client_ip=client_ip)


def _close(container: Container, actor: Membership, member: Document, *, action: str, client_ip: str) -> None:
    if member["role"] == Role.OWNER.value:
        owners.change_owners(container, actor.group_id, remove=member["user_id"])
    left_at = utc_iso(container.clock())
    stays = membership_stays(member)
    if stays and stays[-1]["left_at"] is None:
        stays[-1] = {**stays[-1], "left_at": left_at}
    pending = audit.intent(
        container, group_id=actor.group_id, actor_id=actor.user_id, action=action,
        target=f"member:{member['user_id']}", before={"role": member["role"], "status": ACTIVE},
        after={"status": REMOVED, "left_at": left_at}, client_ip=client_ip,
    )
    # status, left_at and the closed stay in one write: the membership's history never disagrees with its status
    changes = {"status": REMOVED, "left_at": left_at, "stays": stays}
    audit.update_with(container, membership_collection(container), member, changes, pending)
