"""Tenant changes, pure: membership intervals become local stays; consumption splits at the interim reading."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from fractions import Fraction
from typing import Any
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from chalicelib.domain.proration import Span, local_stays
from chalicelib.domain.readings import Meter, Reading, consumption_by_holder
from chalicelib.schemas.splits import SplitPreviewRequest
from chalicelib.services.splits import preview_split

BERLIN = ZoneInfo("Europe/Berlin")
YEAR = Span(date(2027, 1, 1), date(2027, 12, 31))


def _at(day: date, hour: int = 12) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=BERLIN).astimezone(UTC)


def test_stay_runs_from_the_day_joined_through_the_day_before_leaving_in_the_groups_zone() -> None:
    # joined 1 Jan 2027 00:30 Berlin (still 31 Dec in UTC), handed the keys over on 15 March
    joined = datetime(2026, 12, 31, 23, 30, tzinfo=UTC)
    assert local_stays([(joined, _at(date(2027, 3, 15)))], BERLIN, YEAR) == (Span(date(2027, 1, 1), date(2027, 3, 14)),)
    assert local_stays([(_at(date(2027, 3, 15)), None)], BERLIN, YEAR) == (Span(date(2027, 3, 15), date(2027, 12, 31)),)


def test_member_who_left_before_the_period_or_joined_after_it_has_no_stay() -> None:
    assert local_stays([(_at(date(2026, 2, 1)), _at(date(2026, 11, 1)))], BERLIN, YEAR) == ()
    assert local_stays([(_at(date(2028, 1, 2)), None)], BERLIN, YEAR) == ()
    assert local_stays([(_at(date(2027, 5, 5), 9), _at(date(2027, 5, 5), 18))], BERLIN, YEAR) == ()  # one day


def test_rejoining_adds_a_stay() -> None:
    intervals = [(_at(date(2026, 6, 1)), _at(date(2027, 2, 1))), (_at(date(2027, 10, 1)), None)]
    assert local_stays(intervals, BERLIN, YEAR) == (Span(date(2027, 1, 1), date(2027, 1, 31)),
                                                    Span(date(2027, 10, 1), date(2027, 12, 31)))


instants = st.datetimes(min_value=datetime(2026, 10, 1), max_value=datetime(2028, 3, 1), timezones=st.just(UTC))


@settings(max_examples=200, deadline=None)
@given(joined=instants, cut=instants, left=st.one_of(st.none(), instants))
def test_leaving_and_rejoining_at_one_instant_changes_no_stay(joined: datetime, cut: datetime,
                                                              left: datetime | None) -> None:
    """Splitting a membership in two at any instant inside it gives exactly the same stays."""
    if left is not None and left <= joined:
        joined, left = left, joined
    if not (joined < cut and (left is None or cut < left)):
        return
    assert local_stays([(joined, cut), (cut, left)], BERLIN, YEAR) == local_stays([(joined, left)], BERLIN, YEAR)


def _request(stays: list[dict[str, str]], proration: str) -> dict[str, Any]:
    return {
        "currency": "EUR", "period": {"from": "2027-01-01", "to": "2027-12-31"}, "proration": proration,
        "lines": [{"name": "heating", "amount": "5000.00", "method": "blend",
                   "parts": [{"method": "consumption", "fraction": "0.5"},
                             {"method": "weights", "key": "area", "fraction": "0.5"}]},
                  {"name": "reading service", "amount": "99.99", "method": "equal"}],
        "participants": [{"id": "other flat", "consumption": "1200", "weights": {"area": "140"}},
                         {"id": "tenant", "consumption": "300", "weights": {"area": "60"}, "present": stays}],
    }


@settings(max_examples=60, deadline=None)
@given(start=st.integers(0, 364), length=st.integers(1, 365), cut=st.integers(1, 364),
       proration=st.sampled_from(["days", "degree_days"]))
def test_splitting_a_stay_in_two_changes_no_share_of_a_bill(start: int, length: int, cut: int, proration: str) -> None:
    first = YEAR.start + timedelta(days=start)
    last = min(first + timedelta(days=length - 1), YEAR.end)
    middle = first + timedelta(days=cut)
    if not first < middle <= last:
        return
    whole = [{"from": first.isoformat(), "to": last.isoformat()}]
    split = [{"from": first.isoformat(), "to": (middle - timedelta(days=1)).isoformat()},
             {"from": middle.isoformat(), "to": last.isoformat()}]
    one = preview_split(SplitPreviewRequest.model_validate(_request(whole, proration)).to_terms())
    two = preview_split(SplitPreviewRequest.model_validate(_request(split, proration)).to_terms())
    assert [s["amount"] for s in one["shares"]] == [s["amount"] for s in two["shares"]]
    assert sum(Fraction(s["amount"]) for s in one["shares"]) == Fraction("5099.99")


METER = Meter("m", installed_at=datetime(2027, 1, 1, tzinfo=UTC), initial_value=Fraction(0))
READINGS = [Reading(datetime(2027, 2, 1, tzinfo=UTC), Fraction(100)),
            Reading(datetime(2027, 3, 15, tzinfo=UTC), Fraction(500)),  # the interim reading at the change
            Reading(datetime(2027, 4, 1, tzinfo=UTC), Fraction(520))]
MONTHS = [datetime(2027, month, 1, tzinfo=UTC) for month in (1, 2, 3, 4)]


def test_consumption_splits_at_the_interim_reading_not_by_time() -> None:
    before, after = consumption_by_holder(METER, READINGS, MONTHS, [datetime(2027, 3, 15, tzinfo=UTC)])
    # February ends between the readings of 1 Feb (100) and 15 Mar (500): 100 + 400 x 28/42 on 1 March; from there
    # the old tenant's March runs to the interim reading (500), the new tenant's from it (500 -> 520)
    assert [p.quantity for p in before] == [100, Fraction(400 * 28, 42), Fraction(400 * 14, 42)]
    assert [p.quantity for p in after] == [0, 0, 20]
    [whole] = consumption_by_holder(METER, READINGS, MONTHS, ())
    assert [a.quantity + b.quantity for a, b in zip(before, after, strict=True)] == [p.quantity for p in whole]


@settings(max_examples=100, deadline=None)
@given(cuts=st.lists(st.integers(1, 89), min_size=0, max_size=4, unique=True))
def test_holders_parts_add_up_to_the_meters_consumption(cuts: list[int]) -> None:
    instants = [datetime(2027, 1, 1, tzinfo=UTC) + timedelta(days=d) for d in sorted(cuts)]
    holders = consumption_by_holder(METER, READINGS, MONTHS, instants)
    assert len(holders) == len(cuts) + 1
    [whole] = consumption_by_holder(METER, READINGS, MONTHS, ())
    for index, period in enumerate(whole):
        assert sum(h[index].quantity for h in holders) == period.quantity
