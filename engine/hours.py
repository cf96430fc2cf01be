"""Business hours for due times: a task postponed (or created) to fall due outside the
pack's opening hours falls due at the next opening instead, by the pack's calendar and in
its time zone. Texts get the same rule through the `next_open` filter."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from callguide.filters import BusinessCalendar
from callguide.model import Pack


def opening(pack: Pack) -> Callable[[datetime], datetime]:
    """A function from an aware due time to the same time, or the next opening when the
    centre is closed then (in UTC, as the engine stores times)."""
    calendar = BusinessCalendar(pack.calendar)
    zone = ZoneInfo(pack.timezone)

    def shift(due: datetime) -> datetime:
        return calendar.next_open(due.astimezone(zone)).astimezone(UTC)

    return shift
