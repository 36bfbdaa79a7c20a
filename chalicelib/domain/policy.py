"""Roles and the one table that says which role may do what inside a group (RBAC).

Every route that acts on a group calls ``chalicelib.services.access.authorize(..., action)``, which looks the caller's
role up here. Object-level rules (a member corrects only readings of their own meter, an admin cannot touch an owner)
are the caller's, on top of this table; the role-change rule lives here too (``may_change_role``) because it is pure.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from types import MappingProxyType


class Role(StrEnum):
    OWNER = "owner"
    ADMIN = "admin"
    MEMBER = "member"
    VIEWER = "viewer"


_EVERYONE = frozenset(Role)
_CONTRIBUTORS = frozenset({Role.OWNER, Role.ADMIN, Role.MEMBER})
_MANAGERS = frozenset({Role.OWNER, Role.ADMIN})
_OWNERS = frozenset({Role.OWNER})

#: action -> roles allowed. Viewers read; members also record readings; admins manage everything but ownership and
#: the group's deletion; owners do everything.
PERMISSIONS: Mapping[str, frozenset[Role]] = MappingProxyType(
    {
        "group.read": _EVERYONE,
        "group.update": _MANAGERS,
        "group.delete": _OWNERS,
        "group.leave": _EVERYONE,
        "member.read": _EVERYONE,
        "member.invite": _MANAGERS,
        "member.update": _MANAGERS,
        "member.role": _MANAGERS,  # admins cannot grant or take ownership: see may_change_role
        "member.remove": _MANAGERS,  # admins cannot remove an owner: see may_change_role
        "audit.read": _MANAGERS,
        "audit.verify": _MANAGERS,
        "meter.read": _EVERYONE,
        "meter.manage": _MANAGERS,
        "reading.read": _EVERYONE,
        "reading.create": _CONTRIBUTORS,  # members: their own meters only (object-level check by the caller)
        "reading.correct": _MANAGERS,
        "reading.import": _MANAGERS,
        "bill.read": _EVERYONE,
        "bill.draft": _MANAGERS,
        "bill.issue": _MANAGERS,
        "payment.create": _CONTRIBUTORS,  # paying one's own share
        "payment.record": _MANAGERS,  # recording a payment made outside the app (cash, transfer)
        "settlement.read": _EVERYONE,
    }
)


def is_allowed(role: Role, action: str) -> bool:
    """Whether ``role`` may perform ``action``. An action missing from the table is a programming error."""
    allowed = PERMISSIONS.get(action)
    if allowed is None:
        raise ValueError(f"unknown action {action!r}; add it to chalicelib.domain.policy.PERMISSIONS")
    return Role(role) in allowed


def may_change_role(actor: Role, current: Role, new: Role | None) -> bool:
    """Whether ``actor`` may move a member from ``current`` to ``new`` (``None`` = remove them from the group).

    Owners may do anything (the last-owner rule is checked against the group document, not here). Admins may move
    people among admin, member and viewer, and remove them, but never grant, take or remove ownership.
    """
    if actor is Role.OWNER:
        return True
    if actor is Role.ADMIN:
        return current is not Role.OWNER and new is not Role.OWNER
    return False
