"""The preview contracts over HTTP: exactly the shapes the issues specify, and clear 400s naming the field."""

from __future__ import annotations

from decimal import Decimal

from tests.integration.conftest import Api

PROBLEMS = "https://sharemeter.dev/problems/"
SIMPLE = {
    "currency": "EUR",
    "total": "10000.00",
    "method": "blend",
    "parts": [{"method": "consumption", "fraction": "0.7"}, {"method": "weights", "key": "area", "fraction": "0.3"}],
    "fixed_charges": "12.00",
    "common_deduction": "0.10",
    "participants": [
        {"id": "me", "consumption": "500", "weights": {"area": "60", "occupants": "2"}},
        {"id": "you", "consumption": "300", "weights": {"area": "40", "occupants": "1"}},
        {"id": "them", "consumption": "200", "weights": {"area": "55", "occupants": "3"}},
    ],
}


def test_preview_needs_a_valid_access_token(api: Api) -> None:
    assert api.post("/splits/preview", SIMPLE).status == 401


def test_simple_preview_shares_add_up_to_what_is_allocated(api: Api) -> None:
    api.token = api.register_verified("splitter@example.org")
    reply = api.post("/splits/preview", SIMPLE)
    assert reply.status == 200, reply.json
    body = reply.json
    assert body["currency"] == "EUR" and body["total"] == "10000.00"
    assert sum(Decimal(s["amount"]) for s in body["shares"]) == Decimal(body["allocated"])
    assert Decimal(body["allocated"]) < Decimal(body["total"])  # the common deduction stays with the owner
    assert {s["id"] for s in body["shares"]} == {"me", "you", "them"}
    assert all("breakdown" in s for s in body["shares"])


def test_lines_preview_adds_up_per_line(api: Api) -> None:
    api.token = api.register_verified("lines@example.org")
    request = {
        "currency": "EUR",
        "lines": [
            {"name": "heating", "amount": "10000.00", "method": "blend",
             "parts": [{"method": "consumption", "meter": "heat", "fraction": "0.7"},
                       {"method": "weights", "key": "area", "fraction": "0.3"}]},
            {"name": "hot water", "amount": "5000.00", "method": "consumption", "meter": "hot_water"},
            {"name": "reading service", "amount": "300.00", "method": "equal"},
        ],
        "participants": [
            {"id": "u1", "consumption": {"heat": "100", "hot_water": "30"}, "weights": {"area": "50"}},
            {"id": "u2", "consumption": {"heat": "70", "hot_water": "11"}, "weights": {"area": "80"}},
            {"id": "u3", "consumption": {"heat": "33", "hot_water": "7"}, "weights": {"area": "65"}},
        ],
    }
    body = api.post("/splits/preview", request).json
    assert sum(Decimal(s["amount"]) for s in body["shares"]) == Decimal("15300.00")
    for index, amount in enumerate(("10000.00", "5000.00", "300.00")):
        assert sum(Decimal(s["lines"][index]["amount"]) for s in body["shares"]) == Decimal(amount)


def test_json_number_amount_is_a_400_naming_the_field(api: Api) -> None:
    api.token = api.register_verified("numbers@example.org")
    reply = api.post("/splits/preview", {**SIMPLE, "total": 10000})
    assert reply.status == 400 and reply.json["errors"][0]["field"] == "total"


def test_blend_fractions_not_summing_to_one_are_refused(api: Api) -> None:
    api.token = api.register_verified("blend@example.org")
    parts = [{"method": "consumption", "fraction": "0.7"}, {"method": "weights", "key": "area", "fraction": "0.2"}]
    reply = api.post("/splits/preview", {**SIMPLE, "parts": parts})
    assert reply.status == 400 and reply.json["type"].startswith(PROBLEMS)
    assert reply.json["errors"][0]["field"] == "parts" and "1" in reply.json["errors"][0]["detail"]


def test_settlement_preview_is_minimal_and_exact(api: Api) -> None:
    api.token = api.register_verified("settle@example.org")
    balances = {"a": "30.00", "b": "-10.00", "c": "-20.00", "d": "5.00", "e": "-5.00"}
    reply = api.post("/settlements/preview", {"currency": "EUR", "balances": balances})
    assert reply.status == 200, reply.json
    assert reply.json["count"] == 3 == len(reply.json["transfers"])


def test_settlement_balances_must_sum_to_zero(api: Api) -> None:
    api.token = api.register_verified("unbalanced@example.org")
    reply = api.post("/settlements/preview", {"currency": "EUR", "balances": {"a": "1.00", "b": "-0.99"}})
    assert reply.status == 400
