"""Business hours: due times outside the pack's opening hours move to the next opening."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from callguide.filters import BusinessCalendar
from callguide.model import Calendar
from hypothesis import given
from hypothesis import strategies as st

WEEK = Calendar(days=("mon", "tue", "wed", "thu", "fri", "sat"), hours="08:00-18:00", holidays=("2026-11-24",))
business = BusinessCalendar(WEEK)


def test_a_time_after_closing_moves_to_the_next_business_mornings_opening() -> None:
    # Monday 22:00 -> Tuesday is a holiday -> Wednesday 08:00
    assert business.next_open(datetime(2026, 11, 23, 22, 0)) == datetime(2026, 11, 25, 8, 0)


def test_a_time_before_opening_moves_to_that_mornings_opening_and_an_open_time_stays() -> None:
    assert business.next_open(datetime(2026, 11, 23, 6, 30)) == datetime(2026, 11, 23, 8, 0)
    assert business.next_open(datetime(2026, 11, 23, 14, 0)) == datetime(2026, 11, 23, 14, 0)


def test_sunday_moves_to_monday_and_the_time_zone_is_kept() -> None:
    sunday = datetime(2026, 11, 29, 10, 0, tzinfo=UTC)
    assert business.next_open(sunday) == datetime(2026, 11, 30, 8, 0, tzinfo=UTC)


@given(st.datetimes(min_value=datetime(2026, 1, 1), max_value=datetime(2027, 12, 31)))
def test_the_next_opening_is_open_and_no_earlier_opening_is_skipped(moment: datetime) -> None:
    found = business.next_open(moment)
    assert found >= moment
    assert business.is_open(found)
    # nothing between the moment and the answer is open (checked minute by minute is too
    # slow; the hour marks and the minute before are enough for whole-hour opening times)
    probe = moment.replace(second=0, microsecond=0) + timedelta(minutes=1)
    while probe < found - timedelta(minutes=1):
        assert not business.is_open(probe), probe
        probe += timedelta(hours=1)
