"""A bill's terms survive their document: what the preview's request maps to reads back unchanged, and old documents
(model dumps with null fields) read back too (chalicelib.services.bill_documents)."""

from __future__ import annotations

from typing import Any

from chalicelib.domain.split_terms import allocate
from chalicelib.schemas.bills import BillUpdate
from chalicelib.schemas.splits import SplitPreviewRequest
from chalicelib.services.bill_documents import bill_terms_of, request_document, split_document, split_terms_of
from tests.unit.test_splits_service import LINES_REQUEST, SIMPLE_REQUEST


def test_split_terms_read_back_from_their_document_unchanged() -> None:
    for body in (LINES_REQUEST, SIMPLE_REQUEST, {**SIMPLE_REQUEST, "main_meter": "900", "method": "consumption",
                                                 "parts": None, "unmetered": "equal", "allow_negative_loss": True}):
        terms = SplitPreviewRequest.model_validate(body).to_terms()
        document = split_document(terms)
        assert split_terms_of(document) == terms
        assert split_document(split_terms_of(document)) == document


def test_bill_terms_read_back_from_their_document_unchanged() -> None:
    body: dict[str, Any] = {
        "title": "heating", "period": {"from": "2027-01-01", "to": "2027-12-31"}, "lines": LINES_REQUEST["lines"],
        "participants": LINES_REQUEST["participants"], "presence": {"u1": [{"from": "2027-01-01", "to": "2027-03-14"}],
                                                                    "u2": []},
        "consumption": {"u3": "12.5", "u2": {"heat": "1"}}, "payee": "u1", "version": 3,
    }
    change = BillUpdate.model_validate(body).to_command()
    assert bill_terms_of(request_document(change.terms)) == change.terms
    assert request_document(change.terms, only={"payee", "total"}) == {"payee": "u1", "total": None}


def test_a_document_with_null_fields_reads_as_if_they_were_absent() -> None:
    document = {**split_document(SplitPreviewRequest.model_validate(SIMPLE_REQUEST).to_terms()), "lines": None,
                "key": None, "proration": None}
    document["participants"] = [{**p, "present": None} for p in document["participants"]]
    assert allocate(split_terms_of(document)).total == 10000
