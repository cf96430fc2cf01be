"""Time, injected: the engine never reads the system clock behind the host's back.

Tests and the simulator use `FrozenClock` and move it on explicitly; a live host uses
`SystemClock`. Every time the engine stores is an aware UTC datetime.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Protocol

from callguide.problems import UsageError


class Clock(Protocol):
    def now(self) -> datetime:
        """The current time, timezone-aware."""
        ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class FrozenClock:
    """A clock that moves only when told to."""

    def __init__(self, start: datetime | str | None = None) -> None:
        self._now = parse_instant(start) if start is not None else datetime(2026, 1, 5, 9, 0, tzinfo=UTC)

    def now(self) -> datetime:
        return self._now

    def advance(self, seconds: float) -> None:
        if seconds < 0:
            raise UsageError("a clock only moves forward")
        self._now += timedelta(seconds=seconds)


def parse_instant(value: datetime | str) -> datetime:
    """An aware datetime from a datetime or an ISO text (naive values are taken as UTC)."""
    moment = value if isinstance(value, datetime) else datetime.fromisoformat(str(value).strip().replace(" ", "T"))
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


_DURATION = re.compile(r"^([0-9]+(?:\.[0-9]+)?)\s*(s|m|h|d)$")
_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def seconds(duration: str) -> float:
    """A duration as the analyst writes it (`90s`, `10m`, `4h`, `1.5d`) in seconds."""
    match = _DURATION.match(duration.strip())
    if not match:
        raise ValueError(f"not a duration: {duration!r}")
    return float(match.group(1)) * _SECONDS[match.group(2)]
