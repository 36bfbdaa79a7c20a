"""Preview services: strict request models in, the documented JSON out, precise field paths on refusal."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from chalicelib.domain.errors import ValidationFailed
from chalicelib.schemas.splits import (
    SettlementPreviewRequest,
    SettlementPreviewResponse,
    SplitPreviewRequest,
    SplitPreviewResponse,
)
from chalicelib.services.splits import preview_settlement, preview_split

LINES_REQUEST: dict[str, Any] = {
    "currency": "EUR",
    "period": {"from": "2026-01-01", "to": "2026-12-31"},
    "lines": [
        {
            "name": "heating",
            "amount": "10000.00",
            "method": "blend",
            "parts": [
                {"method": "consumption", "meter": "heat", "fraction": "0.7"},
                {"method": "weights", "key": "area", "fraction": "0.3"},
            ],
        },
        {"name": "hot water", "amount": "5000.00", "method": "consumption", "meter": "hot_water"},
        {"name": "maintenance", "amount": "3000.00", "method": "weights", "key": "area"},
        {"name": "reading service", "amount": "300.00", "method": "equal"},
    ],
    "participants": [
        {"id": "u2", "consumption": {"heat": "250", "hot_water": "20"}, "weights": {"area": "80"}},
        {"id": "u1", "consumption": {"heat": "100", "hot_water": "30"}, "weights": {"area": "50"}},
        {"id": "u3", "consumption": {"heat": "150", "hot_water": "50"}, "weights": {"area": "70"}},
    ],
}

SIMPLE_REQUEST: dict[str, Any] = {
    "currency": "EUR",
    "total": "100.00",
    "method": "blend",
    "parts": [{"method": "consumption", "fraction": "0.7"}, {"method": "weights", "key": "area", "fraction": "0.3"}],
    "fixed_charges": "12.00",
    "common_deduction": "0.10",
    "participants": [
        {"id": "me", "consumption": "500", "weights": {"area": "60"}},
        {"id": "you", "consumption": "300", "weights": {"area": "40"}},
    ],
}


def _split(body: dict[str, Any]) -> dict[str, Any]:
    response = preview_split(SplitPreviewRequest.model_validate(body).to_terms())
    SplitPreviewResponse.model_validate(response)
    return response


def _with(body: dict[str, Any], **changes: Any) -> dict[str, Any]:
    return {**body, **changes}


def _refusal(body: dict[str, Any]) -> str | None:
    with pytest.raises(ValidationFailed) as error:
        preview_split(SplitPreviewRequest.model_validate(body).to_terms())
    return error.value.field


def test_lines_preview_returns_shares_in_request_order_with_each_line() -> None:
    response = _split(LINES_REQUEST)
    assert (response["total"], response["allocated"]) == ("18300.00", "18300.00")
    assert [share["id"] for share in response["shares"]] == ["u2", "u1", "u3"]
    u1 = response["shares"][1]
    # heating: 7000 x 100/500 + 3000 x 50/200; hot water 5000 x 30/100; maintenance 3000 x 50/200; reading 100
    assert [line["amount"] for line in u1["lines"]] == ["2150.00", "1500.00", "750.00", "100.00"]
    assert u1["amount"] == "4500.00"
    assert "breakdown" not in u1
    heat = u1["lines"][0]["parts"][0]
    assert heat == {
        "label": "consumption:heat",
        "fraction": "0.7",
        "pool": "7000",
        "quantity": "100",
        "total": "500",
        "rate": "14",
        "exact": "1400",
    }
    assert u1["lines"][0]["parts"][1]["presence"] == "365"
    assert u1["lines"][0]["explanation"].startswith("heating: 2150.00 EUR = 1400 (consumption:heat: 100 of 500 at 14)")


def test_every_line_adds_up_across_participants() -> None:
    response = _split(LINES_REQUEST)
    for index, line in enumerate(response["lines"]):
        cents = sum(int(share["lines"][index]["amount"].replace(".", "")) for share in response["shares"])
        assert cents == int(line["allocated"].replace(".", ""))


def test_simple_preview_reports_breakdown_and_what_the_owner_absorbs() -> None:
    response = _split(SIMPLE_REQUEST)
    assert (response["total"], response["allocated"]) == ("100.00", "90.00")
    me, you = response["shares"]
    # 90.00 after the deduction; 6.00 fixed each; 78.00: 70 % by consumption 500:300, 30 % by area 60:40.
    # me 54.165, you 35.835: equal remainders, the unit goes to the id that sorts first.
    assert (me["amount"], you["amount"]) == ("54.17", "35.83")
    assert set(me["breakdown"]) == {"fixed_charges", "consumption", "weights:area"}
    assert me["breakdown"]["consumption"]["exact"] == "34.125"
    assert me["lines"][0]["rounding"] == 1


def test_jpy_amounts_have_no_decimals() -> None:
    body = {
        "currency": "JPY",
        "total": "1000",
        "method": "equal",
        "participants": [{"id": "a"}, {"id": "b"}, {"id": "c"}],
    }
    assert [share["amount"] for share in _split(body)["shares"]] == ["334", "333", "333"]


def test_proration_by_presence_with_an_inclusive_period() -> None:
    body = _with(
        LINES_REQUEST,
        lines=[{"name": "reading service", "amount": "365.00", "method": "equal"}],
        participants=[{"id": "a", "present": [{"from": "2026-01-01", "to": "2026-01-31"}]}, {"id": "b"}],
    )
    shares = _split(body)["shares"]
    # 31 and 365 person-days of 396
    assert [share["amount"] for share in shares] == ["28.57", "336.43"]
    assert shares[0]["lines"][0]["parts"][0]["presence"] == "31"


@pytest.mark.parametrize(
    "body",
    [
        _with(SIMPLE_REQUEST, total=100.0),
        _with(SIMPLE_REQUEST, unknown="x"),
        _with(SIMPLE_REQUEST, participants=[{"id": "a", "consumption": 500}]),
        _with(LINES_REQUEST, period={"from": 20260101, "to": "2026-12-31"}),
        _with(LINES_REQUEST, period={"from": "01/01/2026", "to": "2026-12-31"}),
        _with(SIMPLE_REQUEST, total="1e3"),
    ],
)
def test_request_model_refuses_numbers_unknown_fields_and_loose_formats(body: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        SplitPreviewRequest.model_validate(body)


def _line0(**changes: Any) -> dict[str, Any]:
    return _with(LINES_REQUEST, lines=[LINES_REQUEST["lines"][0] | changes, *LINES_REQUEST["lines"][1:]])


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (
            _line0(
                parts=[
                    {"method": "consumption", "meter": "heat", "fraction": "0.7"},
                    {"method": "weights", "key": "area", "fraction": "0.2"},
                ]
            ),
            "lines[0].parts",
        ),
        (
            _line0(
                parts=[
                    {"method": "consumption", "meter": "heat", "fraction": "0.7"},
                    {"method": "weights", "key": "area", "fraction": "0.3000000000001"},
                ]
            ),
            "lines[0].parts[1].fraction",
        ),
        (_line0(parts=[{"method": "consumption", "fraction": "1"}]), "lines[0].parts[0].meter"),
        (_line0(parts=[{"method": "weights", "fraction": "1"}]), "lines[0].parts[0].key"),
        (_line0(method="equal"), "lines[0].parts"),
        (_line0(key="area"), "lines[0].key"),
        (_with(LINES_REQUEST, total="1.00"), "total"),
        (_with(LINES_REQUEST, method="equal"), "method"),
        (_with(LINES_REQUEST, currency="XYZ"), "currency"),
        (_with(LINES_REQUEST, participants=[]), "participants"),
        (_with(LINES_REQUEST, participants=[*LINES_REQUEST["participants"], {"id": "u1"}]), "participants[3].id"),
        (
            _with(
                LINES_REQUEST,
                participants=[
                    *LINES_REQUEST["participants"][:2],
                    {"id": "u9", "consumption": {"heat": "1", "hot_water": "1"}},
                ],
            ),
            "participants[2].weights.area",
        ),
        (_with(SIMPLE_REQUEST, total="100.001"), "total"),
        (_with(SIMPLE_REQUEST, total=None), "total"),
        (_with(SIMPLE_REQUEST, method=None), "method"),
        (
            _with(SIMPLE_REQUEST, method="consumption", parts=None, participants=[{"id": "a", "consumption": "0"}]),
            "meter",
        ),
        (
            _with(
                SIMPLE_REQUEST,
                method="consumption",
                parts=None,
                main_meter="100",
                participants=[{"id": "a", "consumption": "101"}],
            ),
            "main_meter",
        ),
        (_with(SIMPLE_REQUEST, method="equal", parts=None, unmetered="owner"), "unmetered"),
        (
            _with(
                LINES_REQUEST,
                participants=[
                    {
                        "id": "a",
                        "present": [
                            {"from": "2026-01-01", "to": "2026-02-01"},
                            {"from": "2026-02-01", "to": "2026-03-01"},
                        ],
                    }
                ],
            ),
            "participants[0].present[1]",
        ),
        (_with(LINES_REQUEST, period=None, participants=[{"id": "a", "present": []}]), "participants[0].present"),
    ],
)
def test_cross_field_errors_name_the_exact_field(body: dict[str, Any], field: str) -> None:
    assert _refusal(body) == field


def _settle(body: dict[str, Any]) -> dict[str, Any]:
    response = preview_settlement(SettlementPreviewRequest.model_validate(body).to_command())
    SettlementPreviewResponse.model_validate(response)
    return response


def test_settlement_preview_returns_minimal_transfers_as_decimal_strings() -> None:
    response = _settle(
        {"currency": "EUR", "balances": {"a": "10.00", "b": "-4.00", "c": "-6.00", "d": "0.50", "e": "-0.50"}}
    )
    assert response == {
        "currency": "EUR",
        "transfers": [
            {"from": "b", "to": "a", "amount": "4.00"},
            {"from": "c", "to": "a", "amount": "6.00"},
            {"from": "e", "to": "d", "amount": "0.50"},
        ],
        "count": 3,
    }


def test_settlement_preview_bill_holder_mode_pays_through_the_payee() -> None:
    body = {
        "currency": "EUR",
        "balances": {"a": "10.00", "b": "-4.00", "c": "-6.00"},
        "mode": "bill_holder",
        "payee": "b",
    }
    transfers = _settle(body)["transfers"]
    assert transfers == [{"from": "b", "to": "a", "amount": "10.00"}, {"from": "c", "to": "b", "amount": "6.00"}]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"currency": "EUR", "balances": {"a": "1.00", "b": "-0.99"}}, "balances"),
        ({"currency": "EUR", "balances": {"a": "1.001", "b": "-1.001"}}, "balances.a"),
        ({"currency": "EUR", "balances": {"a": "1.00", "b": "-1.00"}, "mode": "bill_holder"}, "payee"),
        ({"currency": "EUR", "balances": {"a": "1.00", "b": "-1.00"}, "payee": "a"}, "payee"),
    ],
)
def test_settlement_preview_refusals_name_the_field(body: dict[str, Any], field: str) -> None:
    with pytest.raises(ValidationFailed) as error:
        preview_settlement(SettlementPreviewRequest.model_validate(body).to_command())
    assert error.value.field == field


def test_settlement_request_refuses_json_numbers() -> None:
    with pytest.raises(ValidationError):
        SettlementPreviewRequest.model_validate({"currency": "EUR", "balances": {"a": 1, "b": -1}})
