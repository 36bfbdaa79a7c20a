"""Route group ``bills``: a group's bills, payments, balances, settle-up and tariff.

Every route authorizes through ``access.authorize`` (one membership read, policy table; outsiders get 404), then calls
one service function. Writes to a bill or the tariff take ``If-Match`` (or ``version``) and answer with an ``ETag``.
"""

from __future__ import annotations

from typing import Any, Literal

from chalice.app import Blueprint
from pydantic import BaseModel, ConfigDict

from chalicelib.domain.policy import is_allowed
from chalicelib.http import Reply, RequestContext, expected_version, idempotent_reply, route, tagged
from chalicelib.schemas.bills import (
    AdjustmentCreate,
    BalancesOut,
    BillCreate,
    BillOut,
    BillPage,
    BillUpdate,
    PaymentCreate,
    PaymentOut,
    PaymentPage,
    SettlementOut,
    SettlementPolicy,
    TariffIn,
    TariffOut,
)
from chalicelib.schemas.groups import PageQuery, VersionQuery
from chalicelib.services import billing_profile, bills, payments
from chalicelib.services.access import Membership, authorize

bp = Blueprint(__name__)
TAGS = ("bills",)
LEDGER_TAGS = ("ledger",)
GROUP = "/groups/{group_id}"
BILL = GROUP + "/bills/{bill_id}"
BILL_BODY_BYTES = 2_000_000  # explicit participants and lines, like the split preview


class SettlementQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    mode: Literal["minimal", "bill_holder"] | None = None
    payee: str | None = None


def _authorize(ctx: RequestContext, group_id: str, action: str) -> Membership:
    return authorize(ctx.container, ctx.require_principal(), group_id, action, client_ip=ctx.client_ip)


# -- bills -------------------------------------------------------------------------------------------------------------


@route(bp, GROUP + "/bills", "POST", body=BillCreate, response=BillOut, status=201, tags=TAGS,
       summary="Draft a bill for a period (inputs from the group and its readings unless given)",
       errors=(400, 401, 403, 404), max_body_bytes=BILL_BODY_BYTES)
def create_bill(ctx: RequestContext, body: BillCreate, group_id: str) -> Reply:
    membership = _authorize(ctx, group_id, "bill.draft")
    return tagged(bills.create(ctx.container, membership, terms=body.to_terms(), client_ip=ctx.client_ip), 201)


@route(bp, GROUP + "/bills", "GET", query=PageQuery, response=BillPage, tags=TAGS,
       summary="The group's bills, newest first", errors=(400, 401, 404))
def list_bills(ctx: RequestContext, query: PageQuery, group_id: str) -> dict[str, Any]:
    membership = _authorize(ctx, group_id, "bill.read")
    return bills.list_bills(ctx.container, membership, cursor=query.cursor, limit=query.limit)


@route(bp, BILL, "GET", response=BillOut, tags=TAGS, summary="One bill with every share", errors=(401, 404))
def get_bill(ctx: RequestContext, group_id: str, bill_id: str) -> Reply:
    return tagged(bills.get(ctx.container, _authorize(ctx, group_id, "bill.read"), bill_id))


@route(bp, BILL, "PATCH", body=BillUpdate, response=BillOut, tags=TAGS,
       summary="Change a draft (If-Match or version required; a bill in review goes back to draft)",
       errors=(400, 401, 403, 404, 409), max_body_bytes=BILL_BODY_BYTES)
def update_bill(ctx: RequestContext, body: BillUpdate, group_id: str, bill_id: str) -> Reply:
    membership = _authorize(ctx, group_id, "bill.draft")
    return tagged(bills.update(ctx.container, membership, bill_id, change=body.to_command(),
                                expected_version=expected_version(ctx, body.version), client_ip=ctx.client_ip))


@route(bp, BILL, "DELETE", query=VersionQuery, status=204, tags=TAGS, summary="Delete a draft",
       errors=(401, 403, 404, 409))
def delete_bill(ctx: RequestContext, query: VersionQuery, group_id: str, bill_id: str) -> None:
    membership = _authorize(ctx, group_id, "bill.draft")
    bills.delete(ctx.container, membership, bill_id, expected_version=expected_version(ctx, query.version),
                 client_ip=ctx.client_ip)


@route(bp, BILL + "/review", "POST", query=VersionQuery, response=BillOut, tags=TAGS,
       summary="Send a draft to review (its inputs freeze)", errors=(400, 401, 403, 404, 409))
def review_bill(ctx: RequestContext, query: VersionQuery, group_id: str, bill_id: str) -> Reply:
    membership = _authorize(ctx, group_id, "bill.draft")
    version = expected_version(ctx, query.version)
    return tagged(bills.submit_for_review(ctx.container, membership, bill_id, expected_version=version,
                                          client_ip=ctx.client_ip))


@route(bp, BILL + "/issue", "POST", query=VersionQuery, response=BillOut, tags=TAGS,
       summary="Issue a reviewed bill: shares with due dates, immutable from now on", errors=(400, 401, 403, 404, 409))
def issue_bill(ctx: RequestContext, query: VersionQuery, group_id: str, bill_id: str) -> Reply:
    membership = _authorize(ctx, group_id, "bill.issue")
    return tagged(bills.issue(ctx.container, membership, bill_id, expected_version=expected_version(ctx, query.version),
                               client_ip=ctx.client_ip))


@route(bp, BILL + "/adjustments", "POST", body=AdjustmentCreate, response=BillOut, status=201, tags=TAGS,
       summary="Draft a correcting bill for an issued one (charge or credit)", errors=(400, 401, 403, 404, 409),
       max_body_bytes=BILL_BODY_BYTES)
def adjust_bill(ctx: RequestContext, body: AdjustmentCreate, group_id: str, bill_id: str) -> Reply:
    membership = _authorize(ctx, group_id, "bill.draft")
    return tagged(bills.create_adjustment(ctx.container, membership, bill_id, terms=body.to_terms(),
                                           direction=body.direction, client_ip=ctx.client_ip), 201)


# -- ledger ------------------------------------------------------------------------------------------------------------


@route(bp, GROUP + "/payments", "POST", body=PaymentCreate, response=PaymentOut, status=201, tags=LEDGER_TAGS,
       summary="Record a payment (Idempotency-Key header required); members may record their own",
       errors=(400, 401, 403, 404, 409))
def record_payment(ctx: RequestContext, body: PaymentCreate, group_id: str) -> Reply:
    own = body.payer == ctx.require_principal().user_id
    membership = _authorize(ctx, group_id, "payment.create" if own else "payment.record")
    view, created = payments.record(ctx.container, membership, request=body.to_command(),
                                    idempotency_key=ctx.headers.get("idempotency-key"), client_ip=ctx.client_ip,
                                    own_share_only=not is_allowed(membership.role, "payment.record"))
    return idempotent_reply(view, created=created)


@route(bp, GROUP + "/payments", "GET", query=PageQuery, response=PaymentPage, tags=LEDGER_TAGS,
       summary="The group's payments, newest first", errors=(400, 401, 404))
def list_payments(ctx: RequestContext, query: PageQuery, group_id: str) -> dict[str, Any]:
    membership = _authorize(ctx, group_id, "bill.read")
    return payments.list_payments(ctx.container, membership, cursor=query.cursor, limit=query.limit)


@route(bp, GROUP + "/balances", "GET", response=BalancesOut, tags=LEDGER_TAGS,
       summary="Per participant: shares owed, payments, balance (positive: is owed money)", errors=(401, 404))
def get_balances(ctx: RequestContext, group_id: str) -> dict[str, Any]:
    return payments.group_balances(ctx.container, _authorize(ctx, group_id, "settlement.read"))


@route(bp, GROUP + "/settlement", "GET", query=SettlementQuery, response=SettlementOut, tags=LEDGER_TAGS,
       summary="Transfers that settle the ledger (the group's policy unless mode is given)", errors=(400, 401, 404))
def get_settlement(ctx: RequestContext, query: SettlementQuery, group_id: str) -> dict[str, Any]:
    membership = _authorize(ctx, group_id, "settlement.read")
    return payments.settlement(ctx.container, membership, mode=query.mode, payee=query.payee)


@route(bp, GROUP + "/settlement", "PUT", body=SettlementPolicy, response=TariffOut, tags=LEDGER_TAGS,
       summary="Choose how the group settles: minimal transfers or everyone with the bill holder",
       errors=(400, 401, 403, 404, 409))
def put_settlement(ctx: RequestContext, body: SettlementPolicy, group_id: str) -> Reply:
    membership = _authorize(ctx, group_id, "group.update")
    version = expected_version(ctx, None)
    return tagged(billing_profile.put_settlement(ctx.container, membership, request=body.to_command(),
                                                 expected_version=version, client_ip=ctx.client_ip))


# -- tariff ------------------------------------------------------------------------------------------------------------


@route(bp, GROUP + "/tariff", "GET", response=TariffOut, tags=TAGS, summary="How the group is billed",
       errors=(401, 404))
def get_tariff(ctx: RequestContext, group_id: str) -> Reply:
    membership = _authorize(ctx, group_id, "bill.read")
    return tagged(billing_profile.get(ctx.container, membership.group_id))


@route(bp, GROUP + "/tariff", "PUT", body=TariffIn, response=TariffOut, tags=TAGS,
       summary="Set the tariff (prices by meter kind, blocks, standing charge, tax) and invoice/tariff billing",
       errors=(400, 401, 403, 404, 409))
def put_tariff(ctx: RequestContext, body: TariffIn, group_id: str) -> Reply:
    membership = _authorize(ctx, group_id, "group.update")
    version = expected_version(ctx, body.version)
    return tagged(billing_profile.put_tariff(ctx.container, membership, request=body.to_command(),
                                             expected_version=version, client_ip=ctx.client_ip))
