"""Every cursor-paged listing refuses a cursor it did not hand out with one problem (400, field ``cursor``): the store
port raises ``InvalidCursor`` for both adapters, and no use case translates cursor errors itself."""

from __future__ import annotations

import pytest

from tests.integration.conftest import Api
from tests.integration.reading_helpers import Metered, metered_cast

LISTINGS = (
    "/groups",
    "{g}/members",
    "{g}/invitations",
    "{g}/audit",
    "{g}/bills",
    "{g}/payments",
    "{g}/readings/review",
    "{g}/meters/{m}/readings",
)


def _url(metered: Metered, listing: str) -> str:
    return listing.format(g=f"/groups/{metered.cast.group_id}", m=metered.meters["owner"])


@pytest.fixture
def metered(api: Api) -> Metered:
    return metered_cast(api)


def test_every_listing_refuses_a_cursor_it_did_not_hand_out(api: Api, metered: Metered) -> None:
    for listing in LISTINGS:
        answer = api.get(_url(metered, listing) + "?cursor=bm90LWEtY3Vyc29y", token=metered.cast.token("owner"))
        assert answer.status == 400, (listing, answer.json)
        assert answer.json["type"].endswith("/validation-failed") and answer.json["errors"][0]["field"] == "cursor"


def test_a_cursor_of_another_listing_is_refused(api: Api, metered: Metered) -> None:
    # GIVEN a genuine cursor of the audit log (ordered by seq)
    token = metered.cast.token("owner")
    audit = api.get(_url(metered, "{g}/audit") + "?limit=1", token=token).json
    assert audit["next_cursor"]
    # WHEN it is sent to listings in another order THEN each refuses it as a cursor problem, not a 500
    for listing in ("{g}/bills", "{g}/payments", "{g}/meters/{m}/readings", "{g}/members"):
        answer = api.get(_url(metered, listing) + f"?cursor={audit['next_cursor']}", token=token)
        assert answer.status == 400 and answer.json["errors"][0]["field"] == "cursor", (listing, answer.json)
