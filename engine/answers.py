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
from functools import cached_property, lru_cache
from math import isfinite, nan
from typing import Any

import re2
from callguide.i18n import _, ngettext
from callguide.model import Answer
from callguide.problems import InputError

YES = frozenset({"yes", "y", "true", "1", "да", "д", "oui", "si", "ja"})
NO = frozenset({"no", "n", "false", "0", "нет", "н", "non"})
MOMENTS = frozenset({"date", "time", "datetime"})  # the answer kinds read against the call's time
_EMAIL = re.compile(r"^[^@\s]+@[^@\s.]+(\.[^@\s.]+)+$")
_RELATIVE = re.compile(r"^(today|now|tomorrow)?\s*(?:([+-])\s*(\d+)\s*([smhd]))?$")
_UNIT = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days"}
_RELATIVE_STARTS = frozenset("tn+-")  # what `_RELATIVE` can match first, in a text it reads
_DAY = timedelta(days=1)
_MIDNIGHT = (time(0), time(0, fold=1))  # by the fold of the moment it is the midnight of
# compiled at import: the first answer of a process should not pay for them
_PHONE_PUNCTUATION = re.compile(r"[\s\-().]")
_PHONE_DIGITS = re.compile(r"\+?\d{3,17}")
_LIST_SEPARATOR = re.compile(r"[,;]")
_WHOLE_NUMBER = re.compile(r"[-+]?\d{1,15}")
MAX_TEXT = 10_000
_RE2_OPTIONS = re2.Options()
_RE2_OPTIONS.log_errors = False  # a refused pattern is the checker's problem, not stderr's


@dataclass(frozen=True, slots=True)
class Choice:
    key: str
    label: str
    disabled: str | None = None  # why it cannot be picked now


class Options(tuple[Choice, ...]):
    """Options as `pick` reads them: their keys and labels as the agent may spell them
    (case aside), mapped to the option once, on the first pick, instead of compared option
    by option at each answer (a step's fixed options are picked from by every call)."""

    @cached_property
    def spellings(self) -> tuple[dict[str, Choice], dict[str, Choice]]:
        """The options by folded key, and by folded label; the first of an equal spelling."""
        keys: dict[str, Choice] = {}
        labels: dict[str, Choice] = {}
        for option in self:
            keys.setdefault(option.key.casefold(), option)
            labels.setdefault(option.label.strip().casefold(), option)
        return keys, labels


def parse(
    answer: Answer,
    raw: Any,
    *,
    options: Sequence[Choice] = (),
    now: datetime | None = None,
    phone_digits: int | None = None,
    phone_region: str | None = None,
    mismatch: Callable[[], str] | None = None,
) -> Any:
    """The value to store for `raw`, or `InputError`. `now`, the call's local time, is read by
    the kinds in `MOMENTS` (and must be given for them). `mismatch` words the refusal of a
    text that does not fit its pattern (the step's `message`, rendered in the call's language)."""
    kind = answer.kind
    if kind == "choice":
        return pick(options, raw)
    if kind == "multi":
        items = (
            raw
            if isinstance(raw, (list, tuple))
            else [part for part in _LIST_SEPARATOR.split(str(raw)) if part.strip()]
        )
        if not items:
            raise InputError(_("pick at least one option"))
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
            raise InputError(_("`{text}` is not an e-mail address (name@example.com)").format(text=text))
        return text
    if kind in MOMENTS:
        assert now is not None, "a date or a time is read against the call's local time"
        return _moment(answer, text, now)
    raise InputError(_("answers of type {kind} are given through their own steps").format(kind=kind))


def pick(options: Sequence[Choice], raw: Any) -> str:
    """An option by its key, its number in the list (from 1) or its label."""
    text = _text(raw)
    folded = text.casefold()  # its `spelling`, from the text already trimmed
    keys, labels = (options if isinstance(options, Options) else Options(options)).spellings
    found = keys.get(folded)
    if found is None and text.isdecimal() and 1 <= int(text) <= len(options):
        found = options[int(text) - 1]
    found = found or labels.get(folded)
    if found is not None:
        if found.disabled is not None:
            raise InputError(_("`{label}` is not available: {why}").format(label=found.label, why=found.disabled))
        return found.key
    listed = ", ".join(f"{n}. {option.label}" for n, option in enumerate(options, 1))
    if not text:
        raise InputError(_("pick one of the options: {listed}").format(listed=listed))
    raise InputError(_("`{text}` is not one of the options: {listed}").format(text=text, listed=listed))


def yes_no(raw: Any) -> bool:
    if isinstance(raw, bool):
        return raw
    text = spelling(raw)
    if text in YES:
        return True
    if text in NO:
        return False
    raise InputError(_("answer yes or no, not `{text}`").format(text=text))


def spelling(raw: Any) -> str:
    """An answer as it is compared with the options' keys and labels, yes and no: trimmed,
    case folded (`Options.spellings` folds the options the same way)."""
    return _text(raw).casefold()


def _text(raw: Any) -> str:
    if type(raw) is str:  # as most answers come: no checks of other types, no conversion (half the time)
        text = raw.strip()
    elif raw is None:
        return ""
    elif isinstance(raw, (dict, list)):
        raise InputError(_("give a single value"))
    else:
        text = str(raw).strip()
    if len(text) > MAX_TEXT:
        raise InputError(
            _("the answer is {length} characters long; at most {limit} are accepted").format(
                length=f"{len(text):,}", limit=f"{MAX_TEXT:,}"
            )
        )
    return text


def _check_text(answer: Answer, text: str, mismatch: Callable[[], str] | None) -> str:
    if answer.min_length is not None and len(text) < answer.min_length:
        raise _length_refusal(answer.min_length, len(text), at_least=True)
    if answer.max_length is not None and len(text) > answer.max_length:
        raise _length_refusal(answer.max_length, len(text), at_least=False)
    if answer.pattern is not None and not answer_pattern(answer.pattern).fullmatch(text):
        raise InputError(mismatch() if mismatch else _("`{text}` does not have the expected form").format(text=text))
    return text


def _length_refusal(limit: int, length: int, *, at_least: bool) -> InputError:
    form = (
        ngettext(
            "must be at least {count} character long (it has {length})",
            "must be at least {count} characters long (it has {length})",
            limit,
        )
        if at_least
        else ngettext(
            "must be at most {count} character long (it has {length})",
            "must be at most {count} characters long (it has {length})",
            limit,
        )
    )
    return InputError(form.format(count=limit, length=length))


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


def _number(answer: Answer, text: str) -> int | float:
    cleaned = text.replace(" ", "").replace("\u00a0", "")
    value: int | float
    if _WHOLE_NUMBER.fullmatch(cleaned):
        value = int(cleaned)
    else:
        try:
            value = float(cleaned.replace(",", "."))
        except ValueError:
            value = nan
        if not isfinite(value):  # `nan`, `inf`: float() reads them, an agent does not mean them
            raise InputError(_("`{text}` is not a number").format(text=text))
    if answer.integer and value != int(value):
        raise InputError(_("must be a whole number, not {text}").format(text=text))
    if isinstance(answer.minimum, (int, float)) and value < answer.minimum:
        raise InputError(_("must be at least {minimum}").format(minimum=answer.minimum))
    if isinstance(answer.maximum, (int, float)) and value > answer.maximum:
        raise InputError(_("must be at most {maximum}").format(maximum=answer.maximum))
    return int(value) if answer.integer else value


def _phone(text: str, digits: int | None, region: str | None, mobile: bool) -> str:
    compact = _PHONE_PUNCTUATION.sub("", text)
    problem = _phone_problem(compact, digits, region, mobile, typed=True)
    if problem is None:
        return compact
    if problem == "form":
        raise InputError(_("`{text}` is not a phone number: use digits only").format(text=text))
    if problem == "digits":
        assert digits is not None  # what the number is held to
        raise InputError(
            ngettext(
                "must be {digits} digit long (it has {count})", "must be {digits} digits long (it has {count})", digits
            ).format(digits=digits, count=len(compact))
        )
    if problem == "parse":
        raise InputError(_("`{text}` is not a phone number of {region}").format(text=text, region=region))
    if problem == "invalid":
        raise InputError(_("`{text}` is not a valid phone number of {region}").format(text=text, region=region))
    raise InputError(_("`{text}` is not a mobile number").format(text=text))


def _phone_problem(
    compact: str, digits: int | None, region: str | None, mobile: bool, *, typed: bool = False
) -> str | None:
    """What is wrong with a number, punctuation taken out: None (nothing), `form` (not digits),
    `digits` (not as many as the pack's rule says; a number with its `+` is not counted), or
    what the region's plan says (`_region_problem`). A condition that tests a number (`is
    phone`, in an option's `if`: at every move) asks this, not `_phone`: no refusal is made."""
    if not _PHONE_DIGITS.fullmatch(compact):
        return "form"
    if digits is not None and not compact.startswith("+") and len(compact) != digits:
        return "digits"
    return _region_problem(compact, region, mobile, typed=typed) if region else None


def known_region(region: str) -> bool:
    """Whether `phonenumbers` has a numbering plan for the country code `region`."""
    import phonenumbers

    return region in phonenumbers.SUPPORTED_REGIONS


def prepare_region(region: str) -> None:
    """Load a region's numbering plan and compile its patterns now, at load: `phonenumbers`
    does it on the first number of the region, which made the first call after loading
    pay for it (about 18 ms). Done once per region and process.

    `phonenumbers` itself is imported here, by the packs that check numbers by region, not
    by every process that imports callguide (it takes about 20 ms)."""
    import phonenumbers
    from callguide import phone_plans

    phone_plans.prepare(region)
    example = phonenumbers.example_number(region)
    if example is not None:
        _region_problem(phonenumbers.national_significant_number(example), region, mobile=True)
        # as agents type it, with the national prefix (`0712...`): the prefix's patterns too
        national = phonenumbers.format_number(example, phonenumbers.PhoneNumberFormat.NATIONAL)
        _region_problem(_PHONE_PUNCTUATION.sub("", national), region, mobile=True)


def _region_problem(compact: str, region: str, mobile: bool, *, typed: bool = False) -> str | None:
    """What the region's numbering plan says of a number: None (valid), `parse`, `invalid`
    or `mobile` (not a mobile number). Conditions such as `caller.phone is phone` ask it of
    the same stored number at every move: what it says of each number is kept (`_CHECKED`).
    A number just `typed` is checked anew, not looked up: it is new to the process in all
    but a few calls, and an answer then costs the same however often the process has seen
    its number before."""
    key = (compact, region, mobile)
    if not typed:
        try:
            return _CHECKED[key]
        except KeyError:  # not checked yet (or no longer kept)
            pass
    problem = _plan_problem(compact, region, mobile)
    if len(_CHECKED) >= _MOST_CHECKED:  # bounded: whatever was kept is checked again when asked
        _CHECKED.clear()
    _CHECKED[key] = problem
    return problem


_CHECKED: dict[tuple[str, str, bool], str | None] = {}
_MOST_CHECKED = 8192


def _plan_problem(compact: str, region: str, mobile: bool) -> str | None:
    """`phonenumbers.parse`, then the number's type in its plan (`phone_plans`)."""
    import phonenumbers
    from callguide import phone_plans

    try:
        number = phonenumbers.parse(compact, region)
    except phonenumbers.NumberParseException:
        return "parse"
    kind = phone_plans.kind(number)
    if kind == phone_plans.UNKNOWN:
        return "invalid"
    if mobile and kind not in phone_plans.MOBILE_KINDS:
        return "mobile"
    return None


def valid_phone(value: Any, digits: int | None, region: str | None, mobile: bool = False) -> bool:
    """For the `is phone` / `is mobile` tests: stored numbers checked by the pack's rule."""
    if value is None or isinstance(value, (dict, list, bool)):
        return False
    return _phone_problem(_PHONE_PUNCTUATION.sub("", str(value)), digits, region, mobile) is None


def valid_email(value: Any) -> bool:
    return isinstance(value, str) and bool(_EMAIL.match(value.strip()))


def relative(text: str, now: datetime) -> datetime | None:
    """`today`, `tomorrow`, `now+2h`, `+3d` -> a moment; None if `text` is not relative."""
    text = text.strip().lower()
    if text[:1] not in _RELATIVE_STARTS:  # a date or a time as written (most answers): no rule to look up
        return None
    rule = _relative_rule(text)
    if rule is None:
        return None
    anchor, shift = rule
    base = now
    if anchor in ("today", "tomorrow"):
        # midnight as `now.replace(hour=0, ...)` makes it (the same fold), at a third of its cost
        base = datetime.combine(now.date(), _MIDNIGHT[now.fold], now.tzinfo)
    if anchor == "tomorrow":
        base += _DAY
    if shift is not None:
        base += shift
    return base


@lru_cache(maxsize=256)
def _relative_rule(text: str) -> tuple[str | None, timedelta | None] | None:
    """`tomorrow+2h` -> ("tomorrow", 2 hours); None if not relative. Read once per text: a
    question's bounds (`today+120d`) are read again at every answer to it."""
    match = _RELATIVE.match(text)
    if not match or not (match.group(1) or match.group(2)):
        return None
    anchor, sign, amount, unit = match.groups()
    shift = timedelta(**{_UNIT[unit]: int(amount) * (1 if sign == "+" else -1)}) if sign else None
    return anchor, shift


def _moment(answer: Answer, text: str, now: datetime) -> str:
    kind = answer.kind
    value = _read_moment(kind, text, now)
    for bound, side in ((answer.minimum, "min"), (answer.maximum, "max")):
        if bound is None:
            continue
        limit = _read_moment(kind, str(bound), now)
        if (side == "min" and value < limit) or (side == "max" and value > limit):
            refusal = _("must not be earlier than {limit}") if side == "min" else _("must not be later than {limit}")
            raise InputError(refusal.format(limit=_show(kind, limit)))
    return _show(kind, value)


def _read_moment(kind: str, text: str, now: datetime) -> Any:
    try:
        moment = relative(text, now)
    except (OverflowError, ValueError):  # `+999999999d`: past the calendar's last day, or `int`'s digits
        raise InputError(_("`{text}` is too far from now").format(text=text)) from None
    try:
        if kind == "date":
            return moment.date() if moment else date.fromisoformat(text)
        if kind == "time":
            return moment.time().replace(second=0, microsecond=0) if moment else time.fromisoformat(text)
        # as written, in the call's wall-clock time: a zone or offset typed with it is dropped
        found = moment or datetime.fromisoformat(text.replace(" ", "T"))
        return found.replace(tzinfo=None, second=0, microsecond=0)
    except ValueError:
        form = {"date": "YYYY-MM-DD", "time": "HH:MM", "datetime": "YYYY-MM-DD HH:MM"}[kind]
        refusal = {
            "date": _("`{text}` is not a date: write {form}"),
            "time": _("`{text}` is not a time: write {form}"),
            "datetime": _("`{text}` is not a date and time: write {form}"),
        }[kind]
        raise InputError(refusal.format(text=text, form=form)) from None


def _show(kind: str, value: Any) -> str:
    if kind == "date":
        return str(value.isoformat())
    if kind == "time":
        return f"{value.hour:02}:{value.minute:02}"  # as strftime("%H:%M") writes it, at a fifth of its cost
    return str(value.strftime("%Y-%m-%d %H:%M"))
