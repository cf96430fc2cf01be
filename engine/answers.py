"""Answer types: what an agent may type at an `ask`, and what is stored.

`parse` turns the agent's raw input into the stored value or raises `InputError` with a
message the agent can act on ("must be 10 digits"). Stored values are plain JSON (dates as
ISO text) so that a snapshot holds them exactly.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from typing import Any

import phonenumbers
import re2
from callguide.model import Answer
from callguide.problems import InputError

YES = frozenset({"yes", "y", "true", "1", "да", "д", "oui", "si", "ja"})
NO = frozenset({"no", "n", "false", "0", "нет", "н", "non"})
_EMAIL = re.compile(r"^[^@\s]+@[^@\s.]+(\.[^@\s.]+)+$")
_RELATIVE = re.compile(r"^(today|now|tomorrow)?\s*(?:([+-])\s*(\d+)\s*([smhd]))?$")
_UNIT = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days"}
MAX_TEXT = 10_000
_RE2_OPTIONS = re2.Options()
_RE2_OPTIONS.log_errors = False  # a refused pattern is the checker's problem, not stderr's


@dataclass(frozen=True, slots=True)
class Choice:
    key: str
    label: str
    disabled: str | None = None  # why it cannot be picked now


def parse(
    answer: Answer,
    raw: Any,
    *,
    options: Sequence[Choice] = (),
    now: datetime,
    phone_digits: int | None = None,
    phone_region: str | None = None,
    mismatch: Callable[[], str] | None = None,
) -> Any:
    """The value to store for `raw`, or `InputError`. `mismatch` words the refusal of a
    text that does not fit its pattern (the step's `message`, rendered in the call's language)."""
    kind = answer.kind
    if kind == "choice":
        return pick(options, raw)
    if kind == "multi":
        items = (
            raw if isinstance(raw, (list, tuple)) else [part for part in re.split(r"[,;]", str(raw)) if part.strip()]
        )
        if not items:
            raise InputError("pick at least one option")
        picked = [pick(options, item) for item in items]
        return list(dict.fromkeys(picked))
    if kind == "yes_no":
        return yes_no(raw)
    text = _text(raw)
    if kind == "text":
        return _check_text(answer, text, mismatch)
    if kind == "number":
        return _number(answer, text)
    if kind == "phone":
        return _phone(
            text,
            answer.digits or (None if answer.region else phone_digits),
            answer.region or phone_region,
            answer.mobile,
        )
    if kind == "email":
        if not _EMAIL.match(text):
            raise InputError(f"`{text}` is not an e-mail address (name@example.com)")
        return text
    if kind in ("date", "time", "datetime"):
        return _moment(answer, text, now)
    raise InputError(f"answers of type {kind} are given through their own steps")


def pick(options: Sequence[Choice], raw: Any) -> str:
    """An option by its key, its number in the list (from 1) or its label."""
    text = _text(raw)
    folded = text.casefold()
    found = next((option for option in options if text == option.key or folded == option.key.casefold()), None)
    if found is None and text.isdecimal() and 1 <= int(text) <= len(options):
        found = options[int(text) - 1]
    found = found or next((option for option in options if folded == option.label.strip().casefold()), None)
    if found is not None:
        if found.disabled is not None:
            raise InputError(f"`{found.label}` is not available: {found.disabled}")
        return found.key
    listed = ", ".join(f"{n}. {option.label}" for n, option in enumerate(options, 1))
    if not text:
        raise InputError(f"pick one of the options: {listed}")
    raise InputError(f"`{text}` is not one of the options: {listed}")


def yes_no(raw: Any) -> bool:
    if isinstance(raw, bool):
        return raw
    text = _text(raw).casefold()
    if text in YES:
        return True
    if text in NO:
        return False
    raise InputError(f"answer yes or no, not `{text}`")


def _text(raw: Any) -> str:
    if raw is None:
        return ""
    if isinstance(raw, (dict, list)):
        raise InputError("give a single value")
    text = str(raw).strip()
    if len(text) > MAX_TEXT:
        raise InputError(f"the answer is {len(text):,} characters long; at most {MAX_TEXT:,} are accepted")
    return text


def _check_text(answer: Answer, text: str, mismatch: Callable[[], str] | None) -> str:
    if answer.min_length is not None and len(text) < answer.min_length:
        raise InputError(f"must be at least {_characters(answer.min_length)} long (it has {len(text)})")
    if answer.max_length is not None and len(text) > answer.max_length:
        raise InputError(f"must be at most {_characters(answer.max_length)} long (it has {len(text)})")
    if answer.pattern is not None and not answer_pattern(answer.pattern).fullmatch(text):
        raise InputError(mismatch() if mismatch else f"`{text}` does not have the expected form")
    return text


@lru_cache(maxsize=1024)
def answer_pattern(pattern: str) -> Any:
    """An analyst's pattern, compiled by RE2: it matches in a time linear in the answer, so no
    pattern can hang the engine (`(a+)+$` backtracks for hours in Python's `re`). Raises
    `ValueError` with the reason when RE2 cannot run it (see `pattern_problem`)."""
    try:
        return re2.compile(pattern, _RE2_OPTIONS)
    except re2.error as err:
        reason = err.args[0].decode("utf-8", "replace") if err.args and isinstance(err.args[0], bytes) else str(err)
        raise ValueError(reason) from None


def pattern_problem(pattern: str) -> str | None:
    """Why an answer pattern cannot be used, in the checker's words; None when it can."""
    try:
        answer_pattern(pattern)
    except ValueError as err:
        try:
            re.compile(pattern)
        except re.error:
            return str(err)
        # valid for Python, but needs backtracking
        return (
            f"{err} (back-references and look-arounds are not supported:"
            " patterns are matched in a time linear in the answer)"
        )
    return None


def _characters(count: int) -> str:
    return "1 character" if count == 1 else f"{count} characters"


def _number(answer: Answer, text: str) -> int | float:
    cleaned = text.replace(" ", "").replace("\u00a0", "")
    try:
        value: int | float = (
            int(cleaned) if re.fullmatch(r"[-+]?\d{1,15}", cleaned) else float(cleaned.replace(",", "."))
        )
    except ValueError:
        raise InputError(f"`{text}` is not a number") from None
    if value != value or value in (float("inf"), float("-inf")):
        raise InputError(f"`{text}` is not a number")
    if answer.integer and value != int(value):
        raise InputError(f"must be a whole number, not {text}")
    if isinstance(answer.minimum, (int, float)) and value < answer.minimum:
        raise InputError(f"must be at least {answer.minimum}")
    if isinstance(answer.maximum, (int, float)) and value > answer.maximum:
        raise InputError(f"must be at most {answer.maximum}")
    return int(value) if answer.integer else value


def _phone(text: str, digits: int | None, region: str | None, mobile: bool) -> str:
    compact = re.sub(r"[\s\-().]", "", text)
    if not re.fullmatch(r"\+?\d{3,17}", compact):
        raise InputError(f"`{text}` is not a phone number: use digits only")
    count = len(compact.lstrip("+"))
    if digits is not None and not compact.startswith("+") and count != digits:
        raise InputError(f"must be {digits} digits long (it has {count})")
    if region:
        problem = _region_problem(compact, region, mobile)
        if problem == "parse":
            raise InputError(f"`{text}` is not a phone number of {region}")
        if problem == "invalid":
            raise InputError(f"`{text}` is not a valid phone number of {region}")
        if problem == "mobile":
            raise InputError(f"`{text}` is not a mobile number")
    return compact


def prepare_region(region: str) -> None:
    """Load a region's numbering plan and compile its patterns now, at load: `phonenumbers`
    does it on the first number of the region, which made the first call after loading
    pay for it (about 18 ms). Done once per region and process."""
    example = phonenumbers.example_number(region)
    if example is not None:
        _region_problem(phonenumbers.national_significant_number(example), region, True)


_MOBILE_KINDS = (phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE)


@lru_cache(maxsize=8192)
def _region_problem(compact: str, region: str, mobile: bool) -> str | None:
    """What the region's numbering plan says of a number: None (valid), `parse`, `invalid`
    or `mobile` (not a mobile number). `phonenumbers` matches the number against every
    pattern of the region's plan (31 µs); conditions such as `caller.phone is phone` ask it
    of the same stored number at every move, so each answer is kept (pure, and bounded)."""
    try:
        number = phonenumbers.parse(compact, region)
    except phonenumbers.NumberParseException:
        return "parse"
    if not phonenumbers.is_valid_number(number):
        return "invalid"
    if mobile and phonenumbers.number_type(number) not in _MOBILE_KINDS:
        return "mobile"
    return None


def valid_phone(value: Any, digits: int | None, region: str | None, mobile: bool = False) -> bool:
    """For the `is phone` / `is mobile` tests: stored numbers checked by the pack's rule."""
    if value is None or isinstance(value, (dict, list, bool)):
        return False
    try:
        _phone(str(value), digits, region, mobile)
    except InputError:
        return False
    return True


def valid_email(value: Any) -> bool:
    return isinstance(value, str) and bool(_EMAIL.match(value.strip()))


def relative(text: str, now: datetime) -> datetime | None:
    """`today`, `tomorrow`, `now+2h`, `+3d` -> a moment; None if `text` is not relative."""
    match = _RELATIVE.match(text.strip().lower())
    if not match or not (match.group(1) or match.group(2)):
        return None
    base = now
    if match.group(1) in ("today", "tomorrow"):
        base = now.replace(hour=0, minute=0, second=0, microsecond=0)
    if match.group(1) == "tomorrow":
        base += timedelta(days=1)
    if match.group(2):
        amount = int(match.group(3)) * (1 if match.group(2) == "+" else -1)
        base += timedelta(**{_UNIT[match.group(4)]: amount})
    return base


def _moment(answer: Answer, text: str, now: datetime) -> str:
    kind = answer.kind
    value = _read_moment(kind, text, now)
    for bound, side in ((answer.minimum, "min"), (answer.maximum, "max")):
        if bound is None:
            continue
        limit = _read_moment(kind, str(bound), now)
        if (side == "min" and value < limit) or (side == "max" and value > limit):
            word = "earlier than" if side == "min" else "later than"
            raise InputError(f"must not be {word} {_show(kind, limit)}")
    return _show(kind, value)


def _read_moment(kind: str, text: str, now: datetime) -> Any:
    moment = relative(text, now)
    try:
        if kind == "date":
            return moment.date() if moment else date.fromisoformat(text)
        if kind == "time":
            return moment.time().replace(second=0, microsecond=0) if moment else time.fromisoformat(text)
        found = moment or datetime.fromisoformat(text.replace(" ", "T")).replace(tzinfo=now.tzinfo)
        return found.replace(tzinfo=None, second=0, microsecond=0)
    except ValueError:
        form = {"date": "YYYY-MM-DD", "time": "HH:MM", "datetime": "YYYY-MM-DD HH:MM"}[kind]
        raise InputError(f"`{text}` is not a {kind.replace('datetime', 'date and time')}: write {form}") from None


def _show(kind: str, value: Any) -> str:
    if kind == "date":
        return str(value.isoformat())
    if kind == "time":
        return str(value.strftime("%H:%M"))
    return str(value.strftime("%Y-%m-%d %H:%M"))
