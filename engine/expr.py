"""Texts and conditions: Jinja, sandboxed and bounded.

Every template and expression of a flow runs in `Sandbox`, Jinja's `SandboxedEnvironment`
with `StrictUndefined` and limits on what the sandbox itself lets through: string and list
repetition, powers, widths of `center` / `format`, `range` and the size of a rendered text.
Texts without `{{` or `{%` never reach Jinja, and Jinja templates are compiled on first use
(a compiled flow shares them with all its sessions), so loading a big pack stays cheap.
"""

from __future__ import annotations

import math
import re
import threading
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from callguide.model import Calendar
from callguide.problems import CallguideError, Pos
from jinja2 import StrictUndefined, TemplateError, nodes, pass_context
from jinja2.exceptions import SecurityError
from jinja2.parser import Parser
from jinja2.sandbox import SandboxedEnvironment

MAX_OUTPUT = 20_000  # characters in one rendered text
MAX_SEQUENCE = 10_000  # items or characters made by `*`, `range`, widths
MAX_POWER = 10_000
MAX_LOOP_NESTING = 2
_WIDTH_METHODS = frozenset({"center", "ljust", "rjust", "zfill", "expandtabs", "format", "format_map"})
_GSM7 = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞ\x1bÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
_GSM7_EXTENDED = frozenset("^{}\\[~]|€\f")


class RenderError(CallguideError):
    """A text or condition failed at run time; says where in the flow files."""

    def __init__(self, pos: Pos, message: str) -> None:
        super().__init__(f"{pos}: {message}")
        self.pos = pos
        self.detail = message


class Sandbox(SandboxedEnvironment):
    """Jinja's sandbox, plus bounds on the resource abuse the sandbox does not stop."""

    intercepted_binops = frozenset({"*", "**", "%"})

    def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
        if operator == "**":
            if (isinstance(right, (int, float)) and abs(right) > 64) or _big(left):
                raise SecurityError("the power is too large")
            result = left**right
        elif operator == "*":
            size = _repeat_size(left, right)
            if size > MAX_SEQUENCE:
                raise SecurityError(f"the result would be {size:,} long; the limit is {MAX_SEQUENCE:,}")
            result = left * right
        else:  # "%": string formatting can ask for any width
            if isinstance(left, str):
                raise SecurityError("`%` formatting of text is not allowed; use filters such as `round`")
            result = left % right
        if isinstance(result, (int, float)) and _big(result):
            raise SecurityError("the number is too large")
        return result

    def call(__self, __context: Any, __obj: Any, *args: Any, **kwargs: Any) -> Any:
        if getattr(__obj, "__name__", "") in _WIDTH_METHODS and isinstance(getattr(__obj, "__self__", None), str):
            _check_widths(args, kwargs)
        return super().call(__context, __obj, *args, **kwargs)


def _big(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and abs(value) > 10**MAX_POWER


def _repeat_size(left: Any, right: Any) -> int:
    for seq, times in ((left, right), (right, left)):
        if isinstance(seq, (str, list, tuple)) and isinstance(times, int):
            return len(seq) * max(times, 0)
    return 0


def _check_widths(args: tuple[Any, ...], kwargs: Mapping[str, Any]) -> None:
    for value in (*args, *kwargs.values()):
        if isinstance(value, int) and value > MAX_SEQUENCE:
            raise SecurityError(f"a width of {value:,} is too large")
        if isinstance(value, str) and any(int(n) > MAX_SEQUENCE for n in re.findall(r"\d+", value)):
            raise SecurityError("a width in the format is too large")


def _safe_range(*args: int) -> range:
    result = range(*args)
    if len(result) > MAX_SEQUENCE:
        raise SecurityError(f"range of {len(result):,} items; the limit is {MAX_SEQUENCE:,}")
    return result


def _bounded(name: str, filter_: Callable[..., Any]) -> Callable[..., Any]:
    def guarded(value: Any, *args: Any, **kwargs: Any) -> Any:
        _check_widths(args, kwargs)
        return filter_(value, *args, **kwargs)

    guarded.__name__ = name
    return guarded


# --- filters analysts use ------------------------------------------------------------------


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
    return "GSM-7" if all(ch in _GSM7 or ch in _GSM7_EXTENDED for ch in text) else "UCS-2"


def sms_segments(text: str) -> int:
    """How many messages an SMS costs: 160 / 153 GSM-7 units, or 70 / 67 UCS-2 characters."""
    text = str(text)
    if sms_encoding(text) == "GSM-7":
        units = sum(2 if ch in _GSM7_EXTENDED else 1 for ch in text)
        return 1 if units <= 160 else math.ceil(units / 153)
    units = sum(2 if ord(ch) > 0xFFFF else 1 for ch in text)
    return 1 if units <= 70 else math.ceil(units / 67)


def mask_phone(phone: Any, keep: int = 2) -> str:
    """`0712345678` -> `07******78`: enough to confirm a number without reading it out."""
    digits = str(phone)
    if len(digits) <= keep * 2:
        return "*" * len(digits)
    return digits[:keep] + "*" * (len(digits) - keep * 2) + digits[-keep:]


class BusinessCalendar:
    """A pack's working days, hours and holidays, for the date filters."""

    def __init__(self, calendar: Calendar) -> None:
        self.calendar = calendar
        self.holidays = frozenset(date.fromisoformat(day) for day in calendar.holidays)

    def is_business_day(self, day: date) -> bool:
        return day.weekday() in self.calendar.workdays and day not in self.holidays

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


def make_environment(
    calendar: Calendar | None = None, phone_digits: int | None = None, phone_region: str | None = None
) -> Sandbox:
    """The sandbox of one pack, with its business calendar and phone rule behind the filters."""
    from callguide.answers import valid_email, valid_phone

    env = Sandbox(undefined=StrictUndefined, autoescape=False, keep_trailing_newline=False)
    business = BusinessCalendar(calendar or Calendar())
    for name in ("center", "indent", "wordwrap", "truncate", "format"):
        env.filters[name] = _bounded(name, env.filters[name])

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
    env.globals = {"range": _safe_range, "dict": dict}
    return env


def _bounded_format(fmt: str) -> str:
    if len(fmt) > 64:
        raise SecurityError("date format too long")
    return fmt


# --- static analysis (the checker) ---------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Analysis:
    """What a text or condition reads: names, `name.attr` pairs, filters, tests, loops."""

    names: frozenset[str]
    paths: frozenset[tuple[str, ...]]
    filters: frozenset[str]
    tests: frozenset[str]
    loop_depth: int


def parse_text(env: Sandbox, source: str) -> nodes.Template:
    return env.parse(source)


def parse_condition(env: Sandbox, source: str) -> nodes.Expr:
    """Parse exactly one expression, as `compile_expression` does: no `}}` injection."""
    parser = Parser(env, source, state="variable")
    expression = parser.parse_expression()
    if not parser.stream.eos:
        token = parser.stream.current
        hint = ": to compare, write `==`" if token.value == "=" else " after the condition"
        parser.fail(f"unexpected `{token.value}`{hint}", token.lineno)
    return expression


def analyse(tree: nodes.Node) -> Analysis:
    """One walk over the tree (the checker runs this for every text of a pack)."""
    loads: list[nodes.Name] = []
    assigned: set[str] = set()
    filters: set[str] = set()
    tests: set[str] = set()
    outermost: list[nodes.Getattr] = []
    deepest = 0
    stack: list[tuple[nodes.Node, int, bool]] = [(tree, 0, False)]
    while stack:
        node, loops, in_chain = stack.pop()
        if isinstance(node, nodes.Name):
            if node.ctx == "load":
                loads.append(node)
            elif node.ctx in ("store", "param"):
                assigned.add(node.name)
        elif isinstance(node, nodes.Filter):
            filters.add(node.name)
        elif isinstance(node, nodes.Test):
            tests.add(node.name)
        elif isinstance(node, nodes.For):
            loops += 1
            deepest = max(deepest, loops)
        is_getattr = isinstance(node, nodes.Getattr)
        if isinstance(node, nodes.Getattr) and not in_chain:
            outermost.append(node)
        for child in node.iter_child_nodes():
            stack.append((child, loops, is_getattr and child is getattr(node, "node", None)))
    names = {name.name for name in loads} - assigned
    paths = {path for path in map(_attribute_path, outermost) if path and path[0] not in assigned}
    return Analysis(frozenset(names), frozenset(paths), frozenset(filters), frozenset(tests), deepest)


def _attribute_path(node: nodes.Getattr) -> tuple[str, ...]:
    """`env.queues.main` -> ("env", "queues", "main"); () when the chain does not start at a name."""
    chain: list[str] = []
    current: nodes.Node = node
    while isinstance(current, nodes.Getattr):
        chain.append(current.attr)
        current = current.node
    if isinstance(current, nodes.Name) and current.ctx == "load":
        return (current.name, *reversed(chain))
    return ()


def is_template(source: str) -> bool:
    return "{{" in source or "{%" in source or "{#" in source


# --- run time ------------------------------------------------------------------------------


class CompiledText:
    """A text ready to render; Jinja compiles it on first use, once for every session."""

    __slots__ = ("_lock", "_render", "env", "pos", "source")

    def __init__(self, env: Sandbox, source: str, pos: Pos) -> None:
        self.env = env
        self.source = source
        self.pos = pos
        self._lock = threading.Lock()
        self._render: Callable[[dict[str, Any]], str] | None = None if is_template(source) else self._literal

    def _literal(self, context: dict[str, Any]) -> str:
        return self.source

    def render(self, context: dict[str, Any]) -> str:
        render = self._render or self._compile()
        try:
            return render(context)
        except (
            TemplateError,
            SecurityError,
            ArithmeticError,
            TypeError,
            ValueError,
            LookupError,
            AttributeError,
        ) as err:
            raise RenderError(self.pos, _explain_runtime(err)) from None

    def _compile(self) -> Callable[[dict[str, Any]], str]:
        with self._lock:
            if self._render is None:
                try:
                    template = self.env.from_string(self.source)
                except TemplateError as err:
                    raise RenderError(self.pos, _explain_runtime(err)) from None

                def render(context: dict[str, Any]) -> str:
                    return _join_bounded(template.root_render_func(template.new_context(context, shared=True)))

                self._render = render
            return self._render


def _join_bounded(chunks: Iterator[str]) -> str:
    parts: list[str] = []
    size = 0
    for chunk in chunks:
        size += len(chunk)
        if size > MAX_OUTPUT:
            raise SecurityError(f"the text would be longer than {MAX_OUTPUT:,} characters")
        parts.append(chunk)
    return "".join(parts)


class CompiledCondition:
    """A condition ready to evaluate; compiled on first use and shared."""

    __slots__ = ("_evaluate", "_lock", "env", "pos", "source")

    def __init__(self, env: Sandbox, source: str, pos: Pos) -> None:
        self.env = env
        self.source = source
        self.pos = pos
        self._lock = threading.Lock()
        self._evaluate: Callable[[dict[str, Any]], Any] | None = None

    def value(self, context: dict[str, Any]) -> Any:
        evaluate = self._evaluate or self._compile()
        try:
            return evaluate(context)
        except (
            TemplateError,
            SecurityError,
            ArithmeticError,
            TypeError,
            ValueError,
            LookupError,
            AttributeError,
        ) as err:
            raise RenderError(self.pos, _explain_runtime(err)) from None

    def test(self, context: dict[str, Any]) -> bool:
        return bool(self.value(context))

    def _compile(self) -> Callable[[dict[str, Any]], Any]:
        with self._lock:
            if self._evaluate is None:
                try:
                    parse_condition(self.env, self.source)
                    expression = self.env.compile_expression(self.source, undefined_to_none=False)
                except TemplateError as err:
                    raise RenderError(self.pos, _explain_runtime(err)) from None
                template = expression._template

                def evaluate(context: dict[str, Any]) -> Any:
                    ctx = template.new_context(context, shared=True)
                    for _ in template.root_render_func(ctx):
                        pass
                    result = ctx.vars["result"]
                    if isinstance(result, StrictUndefined):
                        str(result)  # raises the UndefinedError that says which name
                    return result

                self._evaluate = evaluate
            return self._evaluate


def _explain_runtime(err: BaseException) -> str:
    if isinstance(err, SecurityError):
        return f"refused by the sandbox: {err}"
    message = getattr(err, "message", None) or str(err)
    message = message.replace("'", "`")
    return f"{type(err).__name__}: {message}" if not isinstance(err, TemplateError) else message
