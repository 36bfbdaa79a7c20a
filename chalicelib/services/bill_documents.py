"""A bill's terms as its document stores them, and read back into domain terms (never through a request model).

A bill document keeps what was asked (``request``: ``BillTerms``) and what it is split by (``inputs``: the resolved
``SplitTerms``), both in the shape of ``POST /splits/preview``: amounts and quantities as decimal strings, stays as
``{"from", "to"}``, a field left out when it has no value. ``inputs`` is also what a bill shows as its inputs.
Documents written before these terms existed (model dumps with ``null`` fields) read back the same way.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any

from chalicelib.domain.allocation import Unmetered
from chalicelib.domain.commands import BillTerms
from chalicelib.domain.proration import Proration, Span
from chalicelib.domain.split_terms import (
    ChargeTerms,
    LineRuleTerms,
    LineTerms,
    Method,
    ParticipantTerms,
    PartTerms,
    RuleTerms,
    SplitTerms,
)

JSON = dict[str, Any]
_RULE_FIELDS = ("key", "meter", "main_meter", "unmetered", "allow_negative_loss")
_LINE_RULE_FIELDS = ("method", *_RULE_FIELDS, "parts", "fixed_charges", "common_deduction", "proration")


# -- writing -----------------------------------------------------------------------------------------------------------


def _span(span: Span) -> dict[str, str]:
    return {"from": span.start.isoformat(), "to": span.end.isoformat()}


def span_document(span: Span | None) -> dict[str, str] | None:
    return None if span is None else _span(span)


def _stays_document(stays: Iterable[Span]) -> list[dict[str, str]]:
    return [_span(stay) for stay in stays]


def _rule_document(rule: RuleTerms, names: Iterable[str]) -> JSON:
    document: JSON = {}
    for name in names:
        value = getattr(rule, name)
        if name == "parts" and value is not None:
            value = [{"method": part.method.value, "fraction": part.fraction, **_rule_document(part, _RULE_FIELDS)}
                     for part in value]
        elif isinstance(value, Unmetered | Proration | Method):
            value = value.value
        if value is not None:
            document[name] = value
    return document


def charges_document(charges: ChargeTerms) -> JSON:
    """The top-level rule fields, ``total`` and ``lines`` (each line's name, amount and rule)."""
    document = _rule_document(charges.rule, _LINE_RULE_FIELDS)
    if charges.total is not None:
        document["total"] = charges.total
    if charges.lines is not None:
        document["lines"] = [{"name": line.name, "amount": line.amount, **_rule_document(line, _LINE_RULE_FIELDS)}
                             for line in charges.lines]
    return document


def participant_document(participant: ParticipantTerms) -> JSON:
    document: JSON = {"id": participant.id}
    if participant.present is not None:
        document["present"] = _stays_document(participant.present)
    document["weights"] = dict(participant.weights)
    if participant.consumption is not None:
        consumption = participant.consumption
        document["consumption"] = consumption if isinstance(consumption, str) else dict(consumption)
    return document


def split_document(terms: SplitTerms) -> JSON:
    """``inputs``: the charges, the currency, the period and every participant."""
    return {**charges_document(terms.charges), "currency": terms.currency, "period": span_document(terms.period),
            "participants": [participant_document(participant) for participant in terms.participants]}


def request_document(terms: BillTerms, *, only: Iterable[str] | None = None) -> JSON:
    """``request``: every field with a value, or with ``only`` exactly those fields (``None`` for a cleared one)."""
    fields: JSON = {"title": terms.title, "period": span_document(terms.period), **charges_document(terms.charges),
                    "participants": None, "presence": None, "consumption": None, "payee": terms.payee}
    if terms.participants is not None:
        fields["participants"] = [participant_document(participant) for participant in terms.participants]
    if terms.presence is not None:
        fields["presence"] = {who: _stays_document(stays) for who, stays in terms.presence.items()}
    if terms.consumption is not None:
        fields["consumption"] = {who: units if isinstance(units, str) else dict(units)
                                 for who, units in terms.consumption.items()}
    if only is not None:
        return {name: fields.get(name) for name in only}
    return {name: value for name, value in fields.items() if value is not None}


# -- reading -----------------------------------------------------------------------------------------------------------


def _span_of(document: Mapping[str, str]) -> Span:
    return Span(date.fromisoformat(document["from"]), date.fromisoformat(document["to"]))


def span_of(document: Mapping[str, str] | None) -> Span | None:
    return None if document is None else _span_of(document)


def _stays_of(documents: Iterable[Mapping[str, str]]) -> tuple[Span, ...]:
    return tuple(_span_of(document) for document in documents)


def _rule_fields(document: Mapping[str, Any]) -> dict[str, Any]:
    unmetered = document.get("unmetered")
    return {"key": document.get("key"), "meter": document.get("meter"), "main_meter": document.get("main_meter"),
            "unmetered": None if unmetered is None else Unmetered(unmetered),
            "allow_negative_loss": document.get("allow_negative_loss")}


def _line_rule_fields(document: Mapping[str, Any]) -> dict[str, Any]:
    parts, proration, method = document.get("parts"), document.get("proration"), document.get("method")
    return {
        **_rule_fields(document), "method": None if method is None else Method(method),
        "parts": None if parts is None else tuple(
            PartTerms(method=Method(part["method"]), fraction=part["fraction"], **_rule_fields(part)) for part in parts
        ),
        "fixed_charges": document.get("fixed_charges"), "common_deduction": document.get("common_deduction"),
        "proration": None if proration is None else Proration(proration),
    }


def charges_of(document: Mapping[str, Any]) -> ChargeTerms:
    lines = document.get("lines")
    return ChargeTerms(
        rule=LineRuleTerms(**_line_rule_fields(document)), total=document.get("total"),
        lines=None if lines is None else tuple(
            LineTerms(name=line["name"], amount=line["amount"], **_line_rule_fields(line)) for line in lines
        ),
    )


def participant_of(document: Mapping[str, Any]) -> ParticipantTerms:
    present, consumption = document.get("present"), document.get("consumption")
    return ParticipantTerms(
        id=document["id"], consumption=consumption, weights=dict(document.get("weights") or {}),
        present=None if present is None else _stays_of(present),
    )


def split_terms_of(document: Mapping[str, Any]) -> SplitTerms:
    """The ``SplitTerms`` of a bill's ``inputs``."""
    return SplitTerms(
        currency=document["currency"], charges=charges_of(document), period=span_of(document.get("period")),
        participants=tuple(participant_of(participant) for participant in document.get("participants") or ()),
    )


def bill_terms_of(document: Mapping[str, Any]) -> BillTerms:
    """The ``BillTerms`` of a bill's ``request``."""
    participants, presence = document.get("participants"), document.get("presence")
    return BillTerms(
        title=document.get("title"), period=span_of(document.get("period")), charges=charges_of(document),
        participants=None if participants is None else tuple(participant_of(p) for p in participants),
        presence=None if presence is None else {who: _stays_of(stays) for who, stays in presence.items()},
        consumption=document.get("consumption"), payee=document.get("payee"),
    )
