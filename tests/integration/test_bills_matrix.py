"""Every bill and ledger route against every role (owner, admin, member, viewer, outsider, anonymous), and IDOR.

Each cell runs on a fresh group; the objects a route acts on are made by the owner before the call.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.integration.bill_helpers import draft, issued, pay, upcoming_period
from tests.integration.conftest import Api, Response
from tests.integration.group_helpers import Cast, answers, cast
from tests.integration.group_helpers import MatrixCase as Case
from tests.integration.group_helpers import expect as _expect
from tests.integration.group_helpers import group_path as _g

BODY = {"period": upcoming_period(), "total": "90.00", "method": "equal"}
TARIFF = {"billed_by": "tariff", "prices": {"kWh": [{"price": "0.30"}]}, "standing_charge": "5.00"}








def _draft(api: Api, c: Cast) -> str:
    return str(draft(api, c.group_id, c.token("owner"), BODY).json["id"])


def _draft_path(api: Api, c: Cast, action: str = "") -> str:
    """A new draft's path (``.../bills/{id}{action}?version=n``) with its version."""
    created = draft(api, c.group_id, c.token("owner"), BODY).json
    return f"{_g(c)}/bills/{created['id']}{action}?version={created['version']}"


def _in_review_path(api: Api, c: Cast, action: str) -> str:
    created = draft(api, c.group_id, c.token("owner"), BODY).json
    reviewed = api.post(f"{_g(c)}/bills/{created['id']}/review?version={created['version']}", token=c.token("owner"))
    assert reviewed.status == 200
    return f"{_g(c)}/bills/{created['id']}{action}?version={reviewed.json['version']}"


def _issued(api: Api, c: Cast) -> str:
    return str(issued(api, c, BODY)["id"])


def _caller_id(c: Cast, role: str) -> str:
    return c.people[role].user_id if role in c.people else c.people["member"].user_id


def _someone_else(c: Cast, role: str) -> str:
    return c.people["admin" if role == "owner" else "owner"].user_id


def _patch(api: Api, c: Cast, token: str | None) -> Response:
    created = draft(api, c.group_id, c.token("owner"), BODY).json
    return api.patch(f"{_g(c)}/bills/{created['id']}", {"total": "91.00", "version": created["version"]}, token=token)


CASES = (
    Case("draft bill", lambda api, c, r, t: api.post(f"{_g(c)}/bills", BODY, token=t), _expect(201, 201, 403, 403)),
    Case("list bills", lambda api, c, r, t: api.get(f"{_g(c)}/bills", token=t), _expect(200, 200, 200, 200)),
    Case("read bill", lambda api, c, r, t: api.get(f"{_g(c)}/bills/{_issued(api, c)}", token=t),
         _expect(200, 200, 200, 200)),
    Case("edit draft", lambda api, c, r, t: _patch(api, c, t), _expect(200, 200, 403, 403)),
    Case("delete draft", lambda api, c, r, t: api.call("DELETE", _draft_path(api, c), token=t),
         _expect(204, 204, 403, 403)),
    Case("review", lambda api, c, r, t: api.post(_draft_path(api, c, "/review"), token=t),
         _expect(200, 200, 403, 403)),
    Case("issue", lambda api, c, r, t: api.post(_in_review_path(api, c, "/issue"), token=t),
         _expect(200, 200, 403, 403)),
    Case("adjust", lambda api, c, r, t: api.post(f"{_g(c)}/bills/{_issued(api, c)}/adjustments",
                                                 {"total": "1.00", "method": "equal"}, token=t),
         _expect(201, 201, 403, 403)),
    Case("record own payment", lambda api, c, r, t: (_issued(api, c), pay(api, c.group_id, t, {
        "from": _caller_id(c, r), "to": "utility", "amount": "1.00"}))[1], _expect(201, 201, 201, 403)),
    Case("record someone's payment", lambda api, c, r, t: pay(api, c.group_id, t, {
        "from": _someone_else(c, r), "to": "utility", "amount": "1.00"}), _expect(201, 201, 403, 403)),
    Case("list payments", lambda api, c, r, t: api.get(f"{_g(c)}/payments", token=t), _expect(200, 200, 200, 200)),
    Case("balances", lambda api, c, r, t: api.get(f"{_g(c)}/balances", token=t), _expect(200, 200, 200, 200)),
    Case("settlement", lambda api, c, r, t: api.get(f"{_g(c)}/settlement", token=t), _expect(200, 200, 200, 200)),
    Case("settlement policy", lambda api, c, r, t: api.call("PUT", f"{_g(c)}/settlement", {"mode": "minimal"},
                                                            token=t), _expect(200, 200, 403, 403)),
    Case("read tariff", lambda api, c, r, t: api.get(f"{_g(c)}/tariff", token=t), _expect(200, 200, 200, 200)),
    Case("set tariff", lambda api, c, r, t: api.call("PUT", f"{_g(c)}/tariff", TARIFF, token=t),
         _expect(200, 200, 403, 403)),
)


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_route_answers_each_role_as_the_policy_says(api: Api, case: Case) -> None:
    assert answers(api, case) == case.expected


def test_every_bill_route_is_in_the_matrix() -> None:
    from chalicelib.http import ENDPOINTS

    routes = {key for key, endpoint in ENDPOINTS.items() if endpoint.tags in {("bills",), ("ledger",)}}
    assert len(routes) == len(CASES) - 1  # one route, two cases: own and someone else's payment


def test_admin_of_one_group_cannot_reach_another_groups_bills(api: Api) -> None:
    a, b = cast(api), cast(api)
    b_bill = _issued(api, b)
    b_draft = _draft(api, b)
    admin = a.token("admin")
    b_owner = b.people["owner"].user_id
    before = api.get(f"{_g(b)}/bills/{b_draft}", token=b.token("owner")).json
    attempts: list[tuple[str, str, Any]] = [
        ("GET", f"{_g(b)}/bills", None),
        ("GET", f"{_g(b)}/bills/{b_bill}", None),
        ("POST", f"{_g(b)}/bills", BODY),
        ("GET", f"{_g(b)}/balances", None),
        ("GET", f"{_g(b)}/settlement", None),
        ("GET", f"{_g(b)}/tariff", None),
        ("GET", f"{_g(b)}/payments", None),
        # B's bills under A's path, where the admin has every bill right
        ("GET", f"{_g(a)}/bills/{b_bill}", None),
        ("PATCH", f"{_g(a)}/bills/{b_draft}", {"total": "1.00", "version": 1}),
        ("DELETE", f"{_g(a)}/bills/{b_draft}", None),
        ("POST", f"{_g(a)}/bills/{b_draft}/review", None),
        ("POST", f"{_g(a)}/bills/{b_bill}/adjustments", {"total": "1.00", "method": "equal"}),
    ]
    for method, path, body in attempts:
        assert api.call(method, path, body, token=admin).status == 404, (method, path)
    # a payment in A naming B's bill or B's people is refused
    assert pay(api, a.group_id, admin, {"from": a.people["admin"].user_id, "to": "utility", "amount": "1.00",
                                        "bill_id": b_bill}).status == 400
    assert pay(api, a.group_id, admin, {"from": b_owner, "to": "utility", "amount": "1.00"}).status == 400
    assert api.get(f"{_g(b)}/bills/{b_draft}", token=b.token("owner")).json == before
