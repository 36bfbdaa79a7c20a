"""The role policy table: who may do what, and who may change whose role."""

from __future__ import annotations

import pytest

from chalicelib.domain.policy import PERMISSIONS, Role, is_allowed, may_change_role

REQUIRED_ACTIONS = (
    "group.read", "group.update", "group.delete", "member.read", "member.invite", "member.update", "member.role",
    "member.remove", "audit.read", "meter.read", "meter.manage", "reading.read", "reading.create", "reading.correct",
    "reading.import", "bill.read", "bill.draft", "bill.issue", "payment.record", "settlement.read",
)
READS = tuple(action for action in PERMISSIONS if action.endswith(".read"))


@pytest.mark.parametrize("action", REQUIRED_ACTIONS)
def test_every_required_action_is_in_the_table(action: str) -> None:
    assert action in PERMISSIONS


def test_unknown_action_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="unknown action"):
        is_allowed(Role.OWNER, "group.explode")


@pytest.mark.parametrize("action", sorted(PERMISSIONS))
def test_owner_may_do_everything(action: str) -> None:
    assert is_allowed(Role.OWNER, action)


@pytest.mark.parametrize("action", sorted(PERMISSIONS))
def test_admin_may_do_everything_but_delete_the_group(action: str) -> None:
    assert is_allowed(Role.ADMIN, action) is (action != "group.delete")


@pytest.mark.parametrize("action", sorted(PERMISSIONS))
def test_viewer_only_reads_and_leaves(action: str) -> None:
    expected = (action in READS and action != "audit.read") or action == "group.leave"
    assert is_allowed(Role.VIEWER, action) is expected


@pytest.mark.parametrize("action", sorted(PERMISSIONS))
def test_member_reads_and_records_readings_and_pays(action: str) -> None:
    viewer_can = is_allowed(Role.VIEWER, action)
    assert is_allowed(Role.MEMBER, action) is (viewer_can or action in {"reading.create", "payment.create"})


def test_roles_are_plain_strings() -> None:
    assert Role("owner") is Role.OWNER
    assert is_allowed("viewer", "group.read")  # type: ignore[arg-type]


@pytest.mark.parametrize("current", list(Role))
@pytest.mark.parametrize("new", [*Role, None])
def test_owner_may_change_any_role(current: Role, new: Role | None) -> None:
    assert may_change_role(Role.OWNER, current, new)


@pytest.mark.parametrize("current", list(Role))
@pytest.mark.parametrize("new", [*Role, None])
def test_admin_never_grants_or_takes_ownership(current: Role, new: Role | None) -> None:
    assert may_change_role(Role.ADMIN, current, new) is (current is not Role.OWNER and new is not Role.OWNER)


@pytest.mark.parametrize("actor", [Role.MEMBER, Role.VIEWER])
@pytest.mark.parametrize("current", list(Role))
def test_members_and_viewers_change_no_roles(actor: Role, current: Role) -> None:
    assert not any(may_change_role(actor, current, new) for new in [*Role, None])
