"""Route group ``groups``: groups, participants, invitations and the audit log.

Every route that names a group authorizes through ``access.authorize`` (one membership read, policy table), then calls
one service function. Outsiders get 404 for any group they are not in.
"""

from __future__ import annotations

from typing import Any

from chalice.app import Blueprint

from chalicelib.domain.policy import Role
from chalicelib.http import Reply, RequestContext, expected_version, route, tagged
from chalicelib.schemas.groups import (
    AuditPage,
    AuditVerification,
    Group,
    GroupCreate,
    GroupPage,
    GroupUpdate,
    Invitation,
    InvitationCreate,
    InvitationPage,
    InvitationPreview,
    InvitationToken,
    Joined,
    Member,
    MemberPage,
    MemberUpdate,
    PageQuery,
    RoleChange,
    VersionQuery,
)
from chalicelib.services import audit, groups, invitations, members
from chalicelib.services.access import Membership, authorize
from chalicelib.services.throttle import throttle

bp = Blueprint(__name__)
TAGS = ("groups",)
MEMBER_TAGS = ("participants",)
AUDIT_TAGS = ("audit",)
GROUP = "/groups/{group_id}"


def _authorize(ctx: RequestContext, group_id: str, action: str) -> Membership:
    return authorize(ctx.container, ctx.require_principal(), group_id, action, client_ip=ctx.client_ip)


# -- groups ------------------------------------------------------------------------------------------------------------


@route(bp, "/groups", "POST", body=GroupCreate, response=Group, status=201, tags=TAGS,
       summary="Create a group; you become its owner", errors=(400, 401))
def create_group(ctx: RequestContext, body: GroupCreate) -> Reply:
    principal = ctx.require_principal()
    created = groups.create(ctx.container, user_id=principal.user_id, request=body.to_command(),
                            client_ip=ctx.client_ip)
    return tagged(created, 201)


@route(bp, "/groups", "GET", query=PageQuery, response=GroupPage, tags=TAGS,
       summary="Your groups, one page at a time", errors=(400, 401))
def list_groups(ctx: RequestContext, query: PageQuery) -> dict[str, Any]:
    principal = ctx.require_principal()
    return groups.list_for_user(ctx.container, user_id=principal.user_id, cursor=query.cursor, limit=query.limit)


@route(bp, GROUP, "GET", response=Group, tags=TAGS, summary="One group", errors=(401, 404))
def get_group(ctx: RequestContext, group_id: str) -> Reply:
    return tagged(groups.get(ctx.container, _authorize(ctx, group_id, "group.read")))


@route(bp, GROUP, "PATCH", body=GroupUpdate, response=Group, tags=TAGS,
       summary="Change group settings (If-Match or version required; 409 when stale)",
       errors=(400, 401, 403, 404, 409))
def update_group(ctx: RequestContext, body: GroupUpdate, group_id: str) -> Reply:
    membership = _authorize(ctx, group_id, "group.update")
    updated = groups.update(
        ctx.container, membership, request=body.to_command(), expected_version=expected_version(ctx, body.version),
        client_ip=ctx.client_ip,
    )
    return tagged(updated)


@route(bp, GROUP, "DELETE", query=VersionQuery, status=204, tags=TAGS,
       summary="Delete the group (soft; refused while bills are unpaid)", errors=(401, 403, 404, 409))
def delete_group(ctx: RequestContext, query: VersionQuery, group_id: str) -> None:
    membership = _authorize(ctx, group_id, "group.delete")
    version = expected_version(ctx, query.version)
    groups.delete(ctx.container, membership, expected_version=version, client_ip=ctx.client_ip)


# -- participants ------------------------------------------------------------------------------------------------------


@route(bp, GROUP + "/members", "GET", query=PageQuery, response=MemberPage, tags=MEMBER_TAGS,
       summary="The group's participants", errors=(400, 401, 404))
def list_members(ctx: RequestContext, query: PageQuery, group_id: str) -> dict[str, Any]:
    _authorize(ctx, group_id, "member.read")
    return members.list_members(ctx.container, group_id, cursor=query.cursor, limit=query.limit)


@route(bp, GROUP + "/members/{user_id}", "PATCH", body=MemberUpdate, response=Member, tags=MEMBER_TAGS,
       summary="Change a participant's allocation weights or sub-meter link", errors=(400, 401, 403, 404, 409))
def update_member(ctx: RequestContext, body: MemberUpdate, group_id: str, user_id: str) -> Reply:
    membership = _authorize(ctx, group_id, "member.update")
    updated = members.update_member(
        ctx.container, membership, user_id, request=body.to_command(),
        expected_version=expected_version(ctx, body.version), client_ip=ctx.client_ip,
    )
    return tagged(updated)


@route(bp, GROUP + "/members/{user_id}/role", "PUT", body=RoleChange, response=Member, tags=MEMBER_TAGS,
       summary="Change a participant's role (admins cannot grant or take ownership)",
       errors=(400, 401, 403, 404, 409))
def change_role(ctx: RequestContext, body: RoleChange, group_id: str, user_id: str) -> Reply:
    membership = _authorize(ctx, group_id, "member.role")
    updated = members.change_role(
        ctx.container, membership, user_id, role=Role(body.role), expected_version=expected_version(ctx, body.version),
        client_ip=ctx.client_ip,
    )
    return tagged(updated)


@route(bp, GROUP + "/members/{user_id}", "DELETE", status=204, tags=MEMBER_TAGS,
       summary="Remove a participant", errors=(401, 403, 404, 409))
def remove_member(ctx: RequestContext, group_id: str, user_id: str) -> None:
    principal = ctx.require_principal()
    action = "group.leave" if user_id == principal.user_id else "member.remove"
    members.remove(ctx.container, _authorize(ctx, group_id, action), user_id, client_ip=ctx.client_ip)


@route(bp, GROUP + "/leave", "POST", status=204, tags=MEMBER_TAGS,
       summary="Leave the group (the last owner cannot)", errors=(401, 404, 409))
def leave_group(ctx: RequestContext, group_id: str) -> None:
    members.leave(ctx.container, _authorize(ctx, group_id, "group.leave"), client_ip=ctx.client_ip)


# -- invitations -------------------------------------------------------------------------------------------------------


@route(bp, GROUP + "/invitations", "POST", body=InvitationCreate, response=Invitation, status=201, tags=MEMBER_TAGS,
       summary="Invite someone by email or phone (single-use link, expires in 7 days)",
       errors=(400, 401, 403, 404))
def invite(ctx: RequestContext, body: InvitationCreate, group_id: str) -> dict[str, Any]:
    membership = _authorize(ctx, group_id, "member.invite")
    return invitations.invite(ctx.container, membership, request=body.to_command(), client_ip=ctx.client_ip)


@route(bp, GROUP + "/invitations", "GET", query=PageQuery, response=InvitationPage, tags=MEMBER_TAGS,
       summary="Pending invitations", errors=(400, 401, 403, 404))
def list_invitations(ctx: RequestContext, query: PageQuery, group_id: str) -> dict[str, Any]:
    _authorize(ctx, group_id, "member.invite")
    return invitations.list_invitations(ctx.container, group_id, cursor=query.cursor, limit=query.limit)


@route(bp, GROUP + "/invitations/{invitation_id}", "DELETE", status=204, tags=MEMBER_TAGS,
       summary="Revoke a pending invitation", errors=(401, 403, 404))
def revoke_invitation(ctx: RequestContext, group_id: str, invitation_id: str) -> None:
    membership = _authorize(ctx, group_id, "member.invite")
    invitations.revoke(ctx.container, membership, invitation_id, client_ip=ctx.client_ip)


@route(bp, "/invitations/preview", "POST", body=InvitationToken, response=InvitationPreview, auth=False,
       tags=MEMBER_TAGS, summary="Who invites you to which group (the link's page, before sign-in)",
       errors=(400, 404, 429))
def preview_invitation(ctx: RequestContext, body: InvitationToken) -> dict[str, Any]:
    throttle(ctx.container, "invitation-preview:ip", ctx.client_ip)
    return invitations.preview(ctx.container, body.token)


@route(bp, "/invitations/accept", "POST", body=InvitationToken, response=Joined, tags=MEMBER_TAGS,
       summary="Accept an invitation sent to your verified email or phone", errors=(400, 401, 404, 409))
def accept_invitation(ctx: RequestContext, body: InvitationToken) -> dict[str, Any]:
    principal = ctx.require_principal()
    return invitations.accept(ctx.container, user_id=principal.user_id, token=body.token, client_ip=ctx.client_ip)


@route(bp, "/invitations/decline", "POST", body=InvitationToken, status=204, tags=MEMBER_TAGS,
       summary="Decline an invitation sent to you", errors=(400, 401, 404))
def decline_invitation(ctx: RequestContext, body: InvitationToken) -> None:
    principal = ctx.require_principal()
    invitations.decline(ctx.container, user_id=principal.user_id, token=body.token, client_ip=ctx.client_ip)


# -- audit -------------------------------------------------------------------------------------------------------------


@route(bp, GROUP + "/audit", "GET", query=PageQuery, response=AuditPage, tags=AUDIT_TAGS,
       summary="The group's audit log, newest first", errors=(400, 401, 403, 404))
def audit_log(ctx: RequestContext, query: PageQuery, group_id: str) -> dict[str, Any]:
    _authorize(ctx, group_id, "audit.read")
    items, next_cursor = audit.page(ctx.container, group_id, cursor=query.cursor, limit=query.limit)
    return {"items": [audit.entry_view(entry) for entry in items], "next_cursor": next_cursor}


@route(bp, GROUP + "/audit/verify", "GET", response=AuditVerification, tags=AUDIT_TAGS,
       summary="Check the audit log's hash chain; reports the first altered or missing entry", errors=(401, 403, 404))
def verify_audit(ctx: RequestContext, group_id: str) -> dict[str, Any]:
    _authorize(ctx, group_id, "audit.verify")
    result = audit.verify(ctx.container, audit.group_chain(group_id))
    return {
        "ok": result.ok, "entries": result.entries, "first_broken_seq": result.first_broken_seq,
        "reason": result.reason, "head_seq": result.head_seq,
    }
