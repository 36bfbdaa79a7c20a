"""Invitations to a group: sending one, listing and revoking them, and accepting or declining one.

An invitation is a single-use, expiring bearer token sent by email or SMS; only an HMAC of it is stored. It can be
accepted or declined only by the signed-in user whose verified email (or verified phone) it was sent to, so a forwarded
or leaked link is useless to anyone else. When the provider refuses the message the invitation is revoked at once
(audited) and the request answers 503, so no pending invitation is left whose link nobody received. Accepting creates
(or reactivates) the membership first and then marks the invitation used; repeating an interrupted accept finishes it.
An owner invited joins the group's owner list after the membership is written (``owners.change_owners``).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import uuid
from typing import TYPE_CHECKING, Any

from chalicelib.adapters.notify.port import DeliveryFailed
from chalicelib.adapters.store.port import CollectionSpec, DuplicateKey, Index
from chalicelib.domain.errors import Conflict, Forbidden, NotFound, VersionConflict
from chalicelib.domain.policy import Role
from chalicelib.domain.timestamps import utc_iso
from chalicelib.observability import record_event
from chalicelib.services import audit, groups, owners
from chalicelib.services.access import ACTIVE, Membership, membership_collection, membership_id, membership_stays
from chalicelib.services.app_links import ACCEPT_INVITATION, app_link
from chalicelib.services.members import merged_weights
from chalicelib.services.notifications import send_to
from chalicelib.services.users import display_name, get_user, normalize_email

if TYPE_CHECKING:
    from chalicelib.adapters.notify.port import Channel
    from chalicelib.adapters.store.port import Collection, Document
    from chalicelib.bootstrap import Container
    from chalicelib.domain.commands import Invite

INVITATIONS = CollectionSpec(
    "invitations", indexes=(Index(("token_hash",), unique=True), Index(("group_id", "status")))
)
INVITATION_TTL_SECONDS = 7 * 24 * 3600
PENDING = "pending"
_INVALID_INVITATION = "the invitation is invalid, used or expired"


class InvitationInvalid(NotFound):
    code = "invitation-invalid"
    title = "Invalid invitation"


class AlreadyMember(Conflict):
    code = "already-member"
    title = "Already a member of this group"


def invitation_collection(container: Container) -> Collection:
    return container.store.collection(INVITATIONS)


def _token_hash(container: Container, token: str) -> str:
    digest = hmac.new(container.settings.code_pepper.bytes(), b"invitation:" + token.encode(), hashlib.sha256)
    return digest.hexdigest()


def invitation_view(invitation: Document) -> dict[str, Any]:
    return {
        "id": invitation["_id"],
        "group_id": invitation["group_id"],
        "channel": invitation["channel"],
        "recipient": invitation["recipient"],
        "role": invitation["role"],
        "status": invitation["status"],
        "expires_at": utc_iso(invitation["expires_at"]),
        "created_at": invitation["created_at"],
    }


def invite(container: Container, actor: Membership, *, request: Invite, client_ip: str) -> dict[str, Any]:
    """Create a single-use invitation and send its link to the email or phone given."""
    role = Role(request.role)
    if role is Role.OWNER and actor.role is not Role.OWNER:
        raise Forbidden("only an owner may invite an owner")
    group = groups.load(container, actor.group_id)
    channel: Channel = "email" if request.email else "sms"
    recipient = normalize_email(request.email) if request.email else str(request.phone)
    token = secrets.token_urlsafe(32)
    now = container.clock()
    invitation: Document = {
        "_id": uuid.uuid4().hex, "group_id": actor.group_id, "channel": channel, "recipient": recipient,
        "role": role.value, "weights": merged_weights(request.weights), "status": PENDING,
        "token_hash": _token_hash(container, token), "invited_by": actor.user_id,
        "created_at": utc_iso(now), "expires_at": int(now) + INVITATION_TTL_SECONDS,
    }
    pending = audit.intent(
        container, group_id=actor.group_id, actor_id=actor.user_id, action="member.invite",
        target=f"invitation:{invitation['_id']}", before=None,
        after={"channel": channel, "recipient": recipient, "role": role.value}, client_ip=client_ip,
    )
    stored = audit.insert_with(container, invitation_collection(container), invitation, pending)
    link = app_link(container.settings.public_app_url, ACCEPT_INVITATION, token=token)
    inviter = display_name(container, actor.user_id) or "A sharemeter user"
    template = "group-invitation" if channel == "email" else "group-invitation-sms"
    days = str(INVITATION_TTL_SECONDS // 86400)
    values = {"group": str(group["name"]), "inviter": inviter, "link": link, "days": days}
    try:
        send_to(container, channel, recipient, template, values, context="invitations")
    except DeliveryFailed:
        _settle(container, stored, "revoked", actor.user_id, client_ip)  # nobody got its link: not left pending
        raise
    record_event("group.invited", group_id=actor.group_id, channel=channel)
    return invitation_view(stored)


def list_invitations(container: Container, group_id: str, *, cursor: str | None, limit: int) -> dict[str, Any]:
    page = invitation_collection(container).find_page(
        {"group_id": group_id, "status": PENDING}, order_by="_id", limit=limit, cursor=cursor
    )
    return {"items": [invitation_view(i) for i in page.items], "next_cursor": page.next_cursor}


def revoke(container: Container, actor: Membership, invitation_id: str, *, client_ip: str) -> None:
    invitation = invitation_collection(container).get(invitation_id) if len(invitation_id) <= 64 else None
    if invitation is None or invitation["group_id"] != actor.group_id or invitation["status"] != PENDING:
        raise NotFound("no such invitation")
    _settle(container, invitation, "revoked", actor.user_id, client_ip)


def preview(container: Container, token: str) -> dict[str, Any]:
    """What the invitation link's page shows before anyone signs in: who invites to which group, with which role,
    and (for an email invitation) the address to sign up or sign in with. Only the link's holder can ask."""
    invitation = _pending(container, token)
    group = groups.load(container, invitation["group_id"])
    return {
        "group_name": group["name"],
        "inviter": display_name(container, invitation["invited_by"]) or "A sharemeter user",
        "role": invitation["role"],
        "channel": invitation["channel"],
        "email": invitation["recipient"] if invitation["channel"] == "email" else None,
        "expires_at": utc_iso(invitation["expires_at"]),
    }


def _pending(container: Container, token: str) -> Document:
    """The pending, unexpired invitation behind ``token``."""
    invitation = invitation_collection(container).find_one({"token_hash": _token_hash(container, token)})
    if invitation is None or invitation["status"] != PENDING or invitation["expires_at"] <= container.clock():
        raise InvitationInvalid(_INVALID_INVITATION)
    return invitation


def _open_invitation(container: Container, user_id: str, token: str, client_ip: str) -> tuple[Document, Document]:
    """The pending, unexpired invitation behind ``token`` if it was sent to this user, and the user."""
    invitation = _pending(container, token)
    user = get_user(container, user_id)
    if invitation["channel"] == "email":
        matches = normalize_email(user["email"]) == invitation["recipient"] and bool(user.get("email_verified"))
    else:
        matches = user.get("phone") == invitation["recipient"] and bool(user.get("phone_verified"))
    if not matches:
        audit.record_security(
            container, actor_id=user_id, event="invitation.wrong_recipient", client_ip=client_ip,
            detail={"invitation_id": invitation["_id"]},
        )
        raise InvitationInvalid(_INVALID_INVITATION)
    return invitation, user


def accept(container: Container, *, user_id: str, token: str, client_ip: str) -> dict[str, Any]:
    """Join the invitation's group with its role and weights; the invitation is then used up."""
    invitation, _ = _open_invitation(container, user_id, token, client_ip)
    groups.load(container, invitation["group_id"])
    group_id = invitation["group_id"]
    collection = membership_collection(container)
    existing = collection.get(membership_id(group_id, user_id))
    if existing is not None and existing.get("status") == ACTIVE:
        if existing.get("invitation_id") != invitation["_id"]:
            raise AlreadyMember("you are already a member of this group")
        # else: an earlier accept of this invitation stopped before marking it used; finish it below
    else:
        now = utc_iso(container.clock())
        earlier = membership_stays(existing) if existing is not None else []
        joined: Document = {
            "group_id": group_id, "user_id": user_id, "role": invitation["role"], "status": ACTIVE,
            "weights": invitation.get("weights") or {}, "joined_at": now, "left_at": None,
            "invitation_id": invitation["_id"],
            "stays": [*earlier, {"joined_at": now, "left_at": None}],  # re-joining adds a stay, in the same write
        }
        pending = audit.intent(
            container, group_id=group_id, actor_id=user_id, action="member.join", target=f"member:{user_id}",
            before=None, after={"role": invitation["role"], "invitation": invitation["_id"]}, client_ip=client_ip,
        )
        try:
            if existing is None:
                audit.insert_with(container, collection, {"_id": membership_id(group_id, user_id), **joined}, pending)
            else:
                audit.update_with(container, collection, existing, joined, pending)
        except (DuplicateKey, VersionConflict):
            raise InvitationInvalid(_INVALID_INVITATION) from None  # a concurrent accept won
    if invitation["role"] == Role.OWNER.value:
        owners.change_owners(container, group_id, add=user_id)
    _settle(container, invitation, "accepted", user_id, client_ip, audited=False)
    record_event("group.joined", group_id=group_id)
    return {"group_id": group_id, "role": invitation["role"]}


def decline(container: Container, *, user_id: str, token: str, client_ip: str) -> None:
    invitation, _ = _open_invitation(container, user_id, token, client_ip)
    _settle(container, invitation, "declined", user_id, client_ip)


def _settle(
    container: Container, invitation: Document, status: str, actor_id: str, client_ip: str, *, audited: bool = True
) -> None:
    """Mark a pending invitation used (accepted, declined or revoked); only one caller wins."""
    changes = {"status": status, "settled_by": actor_id, "settled_at": utc_iso(container.clock())}
    collection = invitation_collection(container)
    try:
        if audited:
            pending = audit.intent(
                container, group_id=invitation["group_id"], actor_id=actor_id, action=f"invitation.{status}",
                target=f"invitation:{invitation['_id']}", before={"status": PENDING}, after={"status": status},
                client_ip=client_ip,
            )
            audit.update_with(container, collection, invitation, changes, pending)
        else:
            collection.update(invitation["_id"], changes, expected_version=invitation["version"])
    except VersionConflict:
        raise InvitationInvalid(_INVALID_INVITATION) from None
