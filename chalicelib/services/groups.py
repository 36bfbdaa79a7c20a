"""Groups: the people who share one meter, and their billing settings.

A group is one document. It also holds the group-wide invariants that must not race:

- ``owner_ids``, the owners, kept by ``services.owners``: never fewer than one, checked and written in this document.
- ``unpaid_bill_ids``, the set of issued bills with something outstanding, kept by ``services.unpaid_bills`` (one id
  per conditional write, recomputed from each bill's derived status, so repeating a step after a crash changes
  nothing). Deleting a group checks the set is empty in the same conditional write that marks the group deleted.
- ``has_issued_bills``, set (with the first issued bill's id added) before any bill of the group is issued: from then
  on the currency cannot change (``CurrencyLocked``), because balances and payments are amounts in that currency.

Deletion is soft: the group is marked deleted (audited) and then every membership is marked ``group-deleted`` so that
``authorize`` (which reads only the membership) answers 404. If that second step is interrupted, repeating the DELETE
finishes it. Listing a user's groups costs two store round trips per page whatever the user's number of groups: one
page of their memberships, one ``get_many`` of those groups.
"""

from __future__ import annotations

import dataclasses
import uuid
from typing import TYPE_CHECKING, Any

from chalicelib.adapters.store.port import CollectionSpec
from chalicelib.domain.errors import Conflict, NotFound, ValidationFailed, VersionConflict
from chalicelib.domain.money import CURRENCY_EXPONENTS
from chalicelib.domain.policy import Role
from chalicelib.domain.timestamps import utc_iso
from chalicelib.domain.timezones import check_time_zone
from chalicelib.observability import record_event
from chalicelib.services import audit, reminder_schedule
from chalicelib.services.access import ACTIVE, NO_SUCH_GROUP, Membership, membership_collection, membership_id
from chalicelib.services.concurrency import retry_on_conflict

if TYPE_CHECKING:
    from chalicelib.adapters.store.port import Collection, Document
    from chalicelib.bootstrap import Container
    from chalicelib.domain.commands import ChangeGroup, CreateGroup

GROUPS = CollectionSpec("groups")
GROUP_DELETED = "group-deleted"
SETTINGS_FIELDS = (
    "name", "utility_type", "unit", "currency", "billing_cycle", "billing_cycle_days", "default_allocation_key",
    "reading_window_days", "payment_terms_days", "timezone",
)


class GroupHasUnpaidBills(Conflict):
    code = "group-has-unpaid-bills"
    title = "The group still has unpaid bills"


class CurrencyLocked(Conflict):
    code = "currency-locked"
    title = "The currency cannot change once a bill is issued"


def group_collection(container: Container) -> Collection:
    return container.store.collection(GROUPS)


def load(container: Container, group_id: str) -> Document:
    """The live group document, or ``NotFound`` (also for a deleted group)."""
    group = group_collection(container).get(group_id)
    if group is None or group.get("status") != ACTIVE:
        raise NotFound(NO_SUCH_GROUP)
    return group


def view(group: Document, role: Role | str) -> dict[str, Any]:
    return {
        "id": group["_id"],
        **{name: group.get(name) for name in SETTINGS_FIELDS},
        "unpaid_bills": len(group.get("unpaid_bill_ids") or []),
        "your_role": str(role),
        "created_at": group["created_at"],
        "updated_at": group["updated_at"],
        "version": group["version"],
    }


def _settings_of(group: Document) -> dict[str, Any]:
    return {name: group.get(name) for name in SETTINGS_FIELDS}


def check_settings(settings: dict[str, Any]) -> None:
    """Rules the schema cannot express: a real currency, a real time zone, cycle days only for custom cycles."""
    if settings["currency"] not in CURRENCY_EXPONENTS:
        raise ValidationFailed(f"{settings['currency']} is not an active ISO 4217 currency code", field="currency")
    check_time_zone(settings["timezone"])
    is_custom = settings["billing_cycle"] == "custom"
    if is_custom and settings.get("billing_cycle_days") is None:
        raise ValidationFailed("a custom billing cycle needs billing_cycle_days", field="billing_cycle_days")
    if not is_custom and settings.get("billing_cycle_days") is not None:
        raise ValidationFailed("only a custom billing cycle takes billing_cycle_days", field="billing_cycle_days")


def create(container: Container, *, user_id: str, request: CreateGroup, client_ip: str) -> dict[str, Any]:
    """A new group with its creator as the only owner."""
    settings = dataclasses.asdict(request)
    check_settings(settings)
    now = utc_iso(container.clock())
    group_id = uuid.uuid4().hex
    group: Document = {
        "_id": group_id, **settings, "status": ACTIVE, "owner_ids": [user_id], "unpaid_bill_ids": [],
        "created_by": user_id, "created_at": now, "updated_at": now,
    }
    pending = audit.intent(
        container, group_id=group_id, actor_id=user_id, action="group.create", target=f"group:{group_id}",
        before=None, after=settings, client_ip=client_ip,
    )
    stored = audit.insert_with(container, group_collection(container), group, pending)
    owner: Document = {
        "_id": membership_id(group_id, user_id), "group_id": group_id, "user_id": user_id, "role": Role.OWNER.value,
        "status": ACTIVE, "weights": {}, "joined_at": now,
    }
    membership_collection(container).insert(owner)
    record_event("group.created", group_id=group_id)
    return view(stored, Role.OWNER)


def list_for_user(container: Container, *, user_id: str, cursor: str | None, limit: int) -> dict[str, Any]:
    """One page of the user's groups: a page of memberships and one ``get_many`` (two round trips)."""
    page = membership_collection(container).find_page(
        {"user_id": user_id, "status": ACTIVE}, order_by="_id", limit=limit, cursor=cursor
    )
    roles = {m["group_id"]: m["role"] for m in page.items}
    found = group_collection(container).get_many(list(roles))
    items = [view(g, roles[g["_id"]]) for g in found if g.get("status") == ACTIVE]
    return {"items": items, "next_cursor": page.next_cursor}


def get(container: Container, membership: Membership) -> dict[str, Any]:
    return view(load(container, membership.group_id), membership.role)


def update(
    container: Container, membership: Membership, *, request: ChangeGroup, expected_version: int | None, client_ip: str
) -> dict[str, Any]:
    """Change the settings sent; a write based on another version than the stored one is a ``VersionConflict``."""
    if expected_version is None:
        raise ValidationFailed("send the version you edited, as If-Match or in the body", field="version")
    group = load(container, membership.group_id)
    sent = request.sent_values()
    for name, value in sent.items():
        if value is None and name != "billing_cycle_days":
            raise ValidationFailed("must not be null", field=name)
    before = _settings_of(group)
    after = before | sent
    if after["billing_cycle"] != "custom" and "billing_cycle_days" not in sent:
        after["billing_cycle_days"] = None
    check_settings(after)
    changed = {name: value for name, value in after.items() if before[name] != value}
    if group["version"] != expected_version:
        raise VersionConflict(f"the group is at version {group['version']}, not {expected_version}")
    if "currency" in changed and group.get("has_issued_bills"):
        # the conditional write below re-checks it: issuing sets the flag and so bumps the version
        raise CurrencyLocked("the group has issued bills in its currency; create a new group for another currency")
    if not changed:
        return view(group, membership.role)
    pending = audit.intent(
        container, group_id=group["_id"], actor_id=membership.user_id, action="group.update",
        target=f"group:{group['_id']}", before={k: before[k] for k in changed}, after=changed, client_ip=client_ip,
    )
    stored = audit.update_with(
        container, group_collection(container), group, {**changed, "updated_at": utc_iso(container.clock())}, pending,
        expected_version=expected_version,
    )
    if changed.keys() & {"reading_window_days", "timezone", "billing_cycle"}:  # the reading window moved
        reminder_schedule.sync_group(container, group["_id"])
    return view(stored, membership.role)


def delete(container: Container, membership: Membership, *, expected_version: int | None, client_ip: str) -> None:
    """Soft-delete the group (refused while bills are unpaid), then close every membership. Repeatable."""
    group = group_collection(container).get(membership.group_id)
    if group is None:
        raise NotFound(NO_SUCH_GROUP)
    if group.get("status") == ACTIVE:
        if expected_version is not None and group["version"] != expected_version:
            raise VersionConflict(f"the group is at version {group['version']}, not {expected_version}")
        unpaid = group.get("unpaid_bill_ids") or []
        if unpaid:
            raise GroupHasUnpaidBills(f"the group has {len(unpaid)} unpaid bill(s); settle them first")
        now = utc_iso(container.clock())
        pending = audit.intent(
            container, group_id=group["_id"], actor_id=membership.user_id, action="group.delete",
            target=f"group:{group['_id']}", before={"status": ACTIVE}, after={"status": "deleted"},
            client_ip=client_ip,
        )
        # The conditional write re-checks unpaid_bill_ids: a bill counted meanwhile bumped the version.
        changes = {"status": "deleted", "deleted_at": now}
        audit.update_with(container, group_collection(container), group, changes, pending)
    _close_memberships(container, group["_id"], last=membership.user_id)
    record_event("group.deleted", group_id=group["_id"])


def _close_memberships(container: Container, group_id: str, *, last: str) -> None:
    collection = membership_collection(container)
    tried: set[str] = set()
    while True:
        page = collection.find_page({"group_id": group_id, "status": ACTIVE}, limit=100)
        others = [m for m in page.items if m["user_id"] != last and m["_id"] not in tried]
        if not others:
            break
        for member in others:
            tried.add(member["_id"])
            _mark_closed(collection, member)
    mine = collection.get(membership_id(group_id, last))
    if mine is not None and mine.get("status") == ACTIVE:
        _mark_closed(collection, mine)


def _mark_closed(collection: Collection, member: Document) -> None:
    def attempt() -> None:
        nonlocal member  # the next attempt writes against the version read last
        try:
            collection.update(member["_id"], {"status": GROUP_DELETED}, expected_version=member["version"])
        except VersionConflict:
            fresh = collection.get(member["_id"])
            if fresh is None or fresh.get("status") != ACTIVE:
                return  # closed or left meanwhile: nothing left to do
            member = fresh
            raise

    retry_on_conflict(attempt, what="a membership of the group")
