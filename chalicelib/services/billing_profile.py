"""How a group is billed and settles: its tariff (issue 9) and its settlement policy, one document per group.

``{_id: group_id, billed_by: "invoice" | "tariff", prices: {kind: [{price, up_to}]}, standing_charge, tax_rate,
settlement: {mode, payee}, next_draft_at, last_drafted_boundary}``. ``next_draft_at`` (indexed) is when the bill-drafts
job next looks at the group: the instant its current reading window closes (the billing-cycle boundary day ends in the
group's time zone). A group without this document is billed by invoice, settles minimally and gets no drafts.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from fractions import Fraction
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from chalicelib.adapters.store.port import CollectionSpec, DuplicateKey, Index
from chalicelib.domain.billing_cycles import current_boundary, cycle_ending, previous_boundary
from chalicelib.domain.errors import ValidationFailed, VersionConflict
from chalicelib.domain.ledger import UTILITY
from chalicelib.domain.money import currency_exponent, parse_amount, parse_quantity
from chalicelib.domain.tariffs import Block, Tariff, block_cost
from chalicelib.domain.timestamps import utc_iso, utc_iso_at
from chalicelib.services import audit, groups
from chalicelib.services.access import ACTIVE, membership_collection, membership_id

if TYPE_CHECKING:
    from chalicelib.adapters.store.port import Collection, Document
    from chalicelib.bootstrap import Container
    from chalicelib.domain.commands import SetSettlementPolicy, SetTariff
    from chalicelib.services.access import Membership

PROFILES = CollectionSpec("billing_profiles", indexes=(Index(("next_draft_at",)),))
DEFAULT_SETTLEMENT: dict[str, Any] = {"mode": "minimal", "payee": None}


def profile_collection(container: Container) -> Collection:
    return container.store.collection(PROFILES)


# -- billing cycle -----------------------------------------------------------------------------------------------------


def cycle_at(group: Document, now: datetime) -> tuple[date, date, datetime] | None:
    """(first day, last day) of the last period whose reading window has closed by ``now``, and when the current one
    closes; None for a cycle without a known boundary (custom, ``domain.billing_cycles``)."""
    cycle = str(group.get("billing_cycle", "monthly"))
    zone = ZoneInfo(str(group.get("timezone") or "UTC"))
    current = current_boundary(cycle, now.astimezone(zone).date())
    if current is None:
        return None
    closed = cycle_ending(cycle, previous_boundary(cycle, current))
    closes = datetime.combine(current + timedelta(days=1), time(0), tzinfo=zone)
    return closed.start, closed.end, closes


# -- tariff ------------------------------------------------------------------------------------------------------------


def to_tariff(profile: Document, currency: str) -> Tariff:
    """The domain tariff: prices per unit in minor units (exact), standing charge in minor units."""
    scale = 10 ** currency_exponent(currency)
    prices = {
        kind: tuple(
            Block(parse_quantity(b["price"], field=f"prices.{kind}[{i}].price") * scale,
                  None if b.get("up_to") is None else parse_quantity(b["up_to"], field=f"prices.{kind}[{i}].up_to"))
            for i, b in enumerate(blocks)
        )
        for kind, blocks in (profile.get("prices") or {}).items()
    }
    standing = profile.get("standing_charge")
    tax = profile.get("tax_rate")
    return Tariff(
        prices=prices,
        standing_charge=0 if standing is None else parse_amount(standing, currency, field="standing_charge"),
        tax_rate=Fraction(0) if tax is None else parse_quantity(tax, field="tax_rate"),
    )


def _check_tariff(fields: dict[str, Any], currency: str) -> None:
    if fields["billed_by"] == "tariff" and not fields["prices"]:
        raise ValidationFailed("a tariff-billed group needs a price for its meter", field="prices")
    if len(fields["prices"]) > 1:
        raise ValidationFailed("a group has one utility: give prices for one meter kind", field="prices")
    tariff = to_tariff(fields, currency)
    for kind, blocks in tariff.prices.items():
        if not blocks:
            raise ValidationFailed("give at least one block", field=f"prices.{kind}")
        limits = [b.up_to for b in blocks[:-1]]
        if any(limit is None for limit in limits) or blocks[-1].up_to is not None:
            raise ValidationFailed("only the last block has no upper limit", field=f"prices.{kind}")
        block_cost(blocks, sum((b.up_to or Fraction(0) for b in blocks[:-1]), Fraction(1)), field=f"prices.{kind}")
    if tariff.tax_rate >= 1:
        raise ValidationFailed("must be below 1 (e.g. 0.19)", field="tax_rate")


def view(profile: Document | None) -> dict[str, Any]:
    profile = profile or {}
    return {
        "billed_by": profile.get("billed_by", "invoice"), "prices": profile.get("prices") or {},
        "standing_charge": profile.get("standing_charge"), "tax_rate": profile.get("tax_rate"),
        "settlement": profile.get("settlement") or DEFAULT_SETTLEMENT, "next_draft_at": profile.get("next_draft_at"),
        "version": profile.get("version", 0),
    }


def get(container: Container, group_id: str) -> dict[str, Any]:
    groups.load(container, group_id)
    return view(profile_collection(container).get(group_id))


def settlement_policy(container: Container, group_id: str) -> dict[str, Any]:
    profile = profile_collection(container).get(group_id) or {}
    return dict(profile.get("settlement") or DEFAULT_SETTLEMENT)


def _write(
    container: Container, membership: Membership, changes: dict[str, Any], *, action: str,
    expected_version: int | None, client_ip: str,
) -> dict[str, Any]:
    group_id = membership.group_id
    collection = profile_collection(container)
    current = collection.get(group_id)
    now = utc_iso(container.clock())
    pending = audit.intent(
        container, group_id=group_id, actor_id=membership.user_id, action=action, target=f"billing:{group_id}",
        before={k: (current or {}).get(k) for k in changes}, after=changes, client_ip=client_ip,
    )
    if current is None:
        if expected_version not in (None, 0):
            raise VersionConflict(f"the billing profile is at version 0, not {expected_version}")
        try:
            stored = audit.insert_with(container, collection, {"_id": group_id, **changes, "updated_at": now}, pending)
        except DuplicateKey:
            raise VersionConflict("the billing profile was created meanwhile; reload it") from None
        return view(stored)
    if expected_version is None:
        raise ValidationFailed("send the version you edited, as If-Match or in the body", field="version")
    if current["version"] != expected_version:
        raise VersionConflict(f"the billing profile is at version {current['version']}, not {expected_version}")
    stored = audit.update_with(container, collection, current, {**changes, "updated_at": now}, pending,
                               expected_version=expected_version)
    return view(stored)


def put_tariff(
    container: Container, membership: Membership, *, request: SetTariff, expected_version: int | None, client_ip: str
) -> dict[str, Any]:
    """Set how the group is billed; from now on the drafts job drafts each period's bill when its window closes."""
    group = groups.load(container, membership.group_id)
    fields: dict[str, Any] = {
        "billed_by": request.billed_by,
        "prices": {kind: [{"price": block.price, "up_to": block.up_to} for block in blocks]
                   for kind, blocks in request.prices.items()},
        "standing_charge": request.standing_charge, "tax_rate": request.tax_rate,
    }
    _check_tariff(fields, group["currency"])
    cycle = cycle_at(group, datetime.fromtimestamp(container.clock(), UTC))
    fields["next_draft_at"] = utc_iso_at(cycle[2]) if cycle else None
    return _write(container, membership, fields, action="billing.tariff", expected_version=expected_version,
                  client_ip=client_ip)


def put_settlement(
    container: Container, membership: Membership, *, request: SetSettlementPolicy, expected_version: int | None,
    client_ip: str,
) -> dict[str, Any]:
    """Choose minimal transfers, or "everyone settles with the bill holder" (a member or the utility)."""
    groups.load(container, membership.group_id)
    if request.mode == "bill_holder" and request.payee is None:
        raise ValidationFailed("bill_holder mode needs the payee everyone settles with", field="payee")
    if request.mode == "minimal" and request.payee is not None:
        raise ValidationFailed("a payee is only used in bill_holder mode", field="payee")
    if request.payee not in (None, UTILITY):
        member = membership_collection(container).get(membership_id(membership.group_id, request.payee))
        if member is None or member.get("status") != ACTIVE:
            raise ValidationFailed('must be a member of the group or "utility"', field="payee")
    settlement = {"mode": request.mode, "payee": request.payee}
    return _write(container, membership, {"settlement": settlement}, action="billing.settlement",
                  expected_version=expected_version, client_ip=client_ip)
