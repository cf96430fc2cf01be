"""The filters and tests analysts use in texts and conditions (days since a date, business
days, SMS segments, masking a phone number...), and the pack's business calendar behind them.

`make_environment` gives each pack its sandbox with these filters; the sandbox guards and
charges every one of them like Jinja's own (sandbox.py).
"""

from __future__ import annotations

import math
from datetime import date, datetime, time, timedelta
from typing import Any

from callguide.answers import valid_email, valid_phone
from callguide.model import Calendar
from callguide.sandbox import AnalystUndefined, Sandbox, seal
from jinja2 import pass_context
from jinja2.exceptions import SecurityError

_GSM7 = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞ\x1bÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
_GSM7_EXTENDED = frozenset("^{}\\[~]|€\f")  # each sent as two units
_GSM7_ANY = _GSM7 | _GSM7_EXTENDED


def as_date(value: Any) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        return datetime.fromisoformat(value.strip().replace(" ", "T")).date()
    raise TypeError(f"`{value}` is not a date")


def as_datetime(value: Any) -> datetime:
    if isinstance(value, datetime):
        return value
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day)
    if isinstance(value, str):
        return datetime.fromisoformat(value.strip().replace(" ", "T"))
    raise TypeError(f"`{value}` is not a date and time")


def sms_encoding(text: str) -> str:
    """`GSM-7` when every character fits the GSM alphabet, else `UCS-2` (e.g. Cyrillic)."""
    # the text's characters looked up by the set itself, not one by one in Python (an SMS
    # step shows its length at every view of it)
    return "GSM-7" if _GSM7_ANY.issuperset(text) else "UCS-2"


def sms_segments(text: str) -> int:
    """How many messages an SMS costs: 160 / 153 GSM-7 units, or 70 / 67 UCS-2 characters."""
    text = str(text)
    if sms_encoding(text) == "GSM-7":
        units = len(text) + sum(map(text.count, _GSM7_EXTENDED))
        return 1 if units <= 160 else math.ceil(units / 153)
    # UCS-2 is sent as UTF-16: two units for a character past U+FFFF, one for any other
    # (a lone surrogate included, as `surrogatepass` writes it)
    units = len(text.encode("utf-16-le", "surrogatepass")) // 2
    return 1 if units <= 70 else math.ceil(units / 67)


MAX_MASK_KEEP = 20


def mask_phone(phone: Any, keep: int = 2) -> str:
    """`0712345678` -> `07******78`: enough to confirm a number without reading it out."""
    if not isinstance(keep, int) or not 0 <= keep <= MAX_MASK_KEEP:
        shown = f"{keep:,}" if isinstance(keep, int) else f"`{keep}`"
        raise SecurityError(f"`mask_phone` keeps 0 to {MAX_MASK_KEEP} digits at each end, not {shown}")
    digits = str(phone)
    if len(digits) <= keep * 2:
        return "*" * len(digits)
    return digits[:keep] + "*" * (len(digits) - keep * 2) + digits[-keep:]


class BusinessCalendar:
    """A pack's working days, hours and holidays, for the date filters."""

    def __init__(self, calendar: Calendar) -> None:
        self.calendar = calendar
        self.workdays = frozenset(calendar.workdays)  # the model's are made anew at each read
        self.holidays = frozenset(date.fromisoformat(day) for day in calendar.holidays)

    def is_business_day(self, day: date) -> bool:
        return day.weekday() in self.workdays and day not in self.holidays

    def add_business_days(self, start: Any, days: int) -> date:
        if abs(days) > 3660:
            raise SecurityError("too many business days")
        day, step, left = as_date(start), (1 if days >= 0 else -1), abs(days)
        while left:
            day += timedelta(days=step)
            left -= self.is_business_day(day)
        return day

    def business_days_between(self, start: Any, end: Any) -> int:
        first, last = sorted((as_date(start), as_date(end)))
        if (last - first).days > 36600:
            raise SecurityError("the dates are too far apart")
        return sum(self.is_business_day(first + timedelta(days=n)) for n in range(1, (last - first).days + 1))

    def is_open(self, moment: Any) -> bool:
        when = as_datetime(moment)
        return (
            self.is_business_day(when.date()) and self.calendar.opens <= when.strftime("%H:%M") < self.calendar.closes
        )

    def next_open(self, moment: Any) -> datetime:
        """The moment itself when the centre is open then, else the next opening (a due
        time at 22:00 moves to 08:00 of the next business day). Local time in, local out."""
        when = as_datetime(moment)
        if self.is_open(when):
            return when
        opens = time.fromisoformat(self.calendar.opens)
        day = when.date()
        if not (self.is_business_day(day) and when.time() < opens):
            day = self.add_business_days(day, 1)
        return datetime.combine(day, opens, tzinfo=when.tzinfo)


def make_environment(
    calendar: Calendar | None = None, phone_digits: int | None = None, phone_region: str | None = None
) -> Sandbox:
    """The sandbox of one pack, with its business calendar and phone rule behind the filters."""
    env = Sandbox(undefined=AnalystUndefined, autoescape=False, keep_trailing_newline=False)
    business = BusinessCalendar(calendar or Calendar())

    @pass_context
    def days_since(context: Any, value: Any, today: Any = None) -> int:
        """Days from a date to today (the session's today, not the machine's)."""
        return (as_date(today or context.get("today") or date.today()) - as_date(value)).days

    @pass_context
    def months_since(context: Any, value: Any, today: Any = None) -> int:
        start, end = as_date(value), as_date(today or context.get("today") or date.today())
        return (end.year - start.year) * 12 + end.month - start.month - (end.day < start.day)

    def add_minutes(value: Any, minutes: int) -> str:
        """`'10:30' | add_minutes(120)` -> `12:30`; a date-time gives a date-time."""
        text = str(value)
        if len(text) <= 5 and ":" in text:
            moment = datetime.combine(date(2000, 1, 1), time.fromisoformat(text)) + timedelta(minutes=int(minutes))
            return moment.strftime("%H:%M")
        return (as_datetime(value) + timedelta(minutes=int(minutes))).strftime("%Y-%m-%d %H:%M")

    env.filters.update(
        days_since=days_since,
        months_since=months_since,
        add_days=lambda value, days: as_date(value) + timedelta(days=int(days)),
        add_minutes=add_minutes,
        add_business_days=business.add_business_days,
        business_days_between=business.business_days_between,
        is_open=business.is_open,
        next_open=business.next_open,
        sms_segments=sms_segments,
        sms_encoding=sms_encoding,
        mask_phone=mask_phone,
        as_date=as_date,
        as_datetime=as_datetime,
        format_date=lambda value, fmt="%d.%m.%Y": as_datetime(value).strftime(_bounded_format(fmt)),
    )
    env.tests["business_day"] = lambda value: business.is_business_day(as_date(value))
    env.tests["open"] = business.is_open
    env.tests["email"] = valid_email
    env.tests["phone"] = lambda value: valid_phone(value, phone_digits, phone_region)
    env.tests["mobile"] = lambda value: valid_phone(value, phone_digits, phone_region, mobile=True)
    return seal(env)


def _bounded_format(fmt: str) -> str:
    if len(fmt) > 64:
        raise SecurityError("date format too long")
    return fmt
