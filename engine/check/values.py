"""What each stored name can hold, and the comparisons that it can never satisfy.

A question's `save:` stores a value of the question's kind: a choice stores one option's
key, yes/no stores true or false, a number stays within its range, a date is written
`YYYY-MM-DD`, a multi-select stores the list of keys picked. A condition that compares the
name with something it can never hold (an option's label instead of its key, a misspelt
key, `'yes'` for a yes/no answer, a number past the range) runs, and silently takes the
wrong branch; so does a date filter given a choice. These are found here.

A name stored by several steps holds what any of them stores; a name that something else
may store (`set:`, a branch's `save:`, a flow's `input`, the host) is not checked.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, replace
from datetime import date, datetime, time
from typing import Any

from callguide.check.hints import suggest
from callguide.model import Answer, AskStep, Pack, Text
from callguide.problems import closest
from jinja2 import nodes


@dataclass(frozen=True, slots=True)
class Kind:
    """What one stored name can hold."""

    kind: str  # an answer kind: choice, multi, yes_no, number, date, time, datetime, text...
    keys: tuple[str, ...] = ()  # choice, multi: the option keys
    labels: tuple[tuple[str, str], ...] = ()  # choice, multi: (label folded, key)
    low: float | None = None  # number: the range
    high: float | None = None
    source: str | None = None  # lookup: where the record comes from

    def label_key(self, text: str) -> str | None:
        folded = text.strip().casefold()
        return next((key for label, key in self.labels if label == folded), None)


_SHAPES = {"phone": "text", "email": "text", "lookup": "record"}
_ORDER = {"gt": ">", "gteq": ">=", "lt": "<", "lteq": "<=", "eq": "==", "ne": "!="}
_MIRROR = {"gt": "lt", "gteq": "lteq", "lt": "gt", "lteq": "gteq", "eq": "eq", "ne": "ne"}
# Filters that read their value as a date (or a date and time).
DATE_FILTERS = frozenset(
    {
        "days_since",
        "months_since",
        "add_days",
        "add_business_days",
        "business_days_between",
        "is_open",
        "next_open",
        "format_date",
        "as_date",
        "as_datetime",
    }
)
_DATES = frozenset({"date", "datetime"})
_FORMATS = {"date": "YYYY-MM-DD", "time": "HH:MM", "datetime": "YYYY-MM-DD HH:MM"}
_NOT_DATES = frozenset({"choice", "multi", "yes_no", "number", "time", "record"})


def answer_kind(answer: Answer) -> Kind:
    kind = _SHAPES.get(answer.kind, answer.kind)
    if answer.kind in ("choice", "multi"):
        labels = tuple(
            (label.strip().casefold(), option.key) for option in answer.options for _, label in option.label.variants
        )
        return Kind(kind, tuple(option.key for option in answer.options), labels)
    if answer.kind == "lookup":
        return Kind(kind, source=answer.source)
    if answer.kind == "number":
        low, high = answer.minimum, answer.maximum
        return Kind(
            kind,
            low=float(low) if isinstance(low, (int, float)) else None,
            high=float(high) if isinstance(high, (int, float)) else None,
        )
    return Kind(kind)


def stored_kinds(pack: Pack) -> dict[str, Kind]:
    """Every name only questions store, with what it can hold (merged over its questions)."""
    kinds: dict[str, Kind] = {}
    untyped: set[str] = set()
    for flow in pack.flows.values():
        untyped.update(flow.inputs)
        for step in flow.steps.values():
            if not isinstance(step, AskStep):
                untyped.update(step.stores)
                continue
            untyped.update(name for name in step.stores if name != step.save or step.answer is None)
            if step.save and step.answer is not None:
                found = answer_kind(step.answer)
                before = kinds.get(step.save)
                kinds[step.save] = found if before is None else _merge(before, found)
    heads = {name.split(".")[0] for name in untyped}
    return {
        name: kind
        for name, kind in kinds.items()
        if kind.kind != "unknown" and name not in untyped and name.split(".")[0] not in heads - {name}
    }


def _merge(first: Kind, second: Kind) -> Kind:
    if first.kind != second.kind or first.source != second.source:
        return Kind("unknown")
    lows = [first.low, second.low]
    highs = [first.high, second.high]
    return replace(
        first,
        keys=tuple(dict.fromkeys((*first.keys, *second.keys))),
        labels=first.labels + second.labels,
        low=None if None in lows else min(low for low in lows if low is not None),
        high=None if None in highs else max(high for high in highs if high is not None),
    )


@dataclass(frozen=True, slots=True)
class Finding:
    line: int  # in the text or condition, from 1
    message: str


def value_mistakes(tree: nodes.Node, kinds: Mapping[str, Kind]) -> list[Finding]:
    """Comparisons, `in` lists and date filters of a parsed text or condition that the names
    they read can never satisfy."""
    shadowed: set[str] = set()
    checked: list[nodes.Node] = []
    stack = [tree]
    while stack:  # one walk: the names a loop or `set` makes, and what to check
        node = stack.pop()
        if isinstance(node, nodes.Name) and node.ctx in ("store", "param"):
            shadowed.add(node.name)
        elif isinstance(node, (nodes.Compare, nodes.Filter, nodes.Test)):
            checked.append(node)
        stack.extend(node.iter_child_nodes())
    if shadowed:  # a loop's `{% for reason in ... %}` is not the stored `reason`
        kinds = {name: kind for name, kind in kinds.items() if name.split(".")[0] not in shadowed}
    reader = _Reader(kinds)
    found: list[Finding] = []
    for node in checked:
        if isinstance(node, nodes.Compare):
            left = node.expr
            for operand in node.ops:
                found.extend(reader.compare(left, operand.op, operand.expr))
                left = operand.expr
        elif isinstance(node, nodes.Filter) and node.name in DATE_FILTERS:
            found.extend(reader.date_filter(node))
        elif isinstance(node, nodes.Test) and node.name in ("eq", "equalto", "==", "ne", "!=", "in") and node.args:
            op = {"ne": "ne", "!=": "ne", "in": "in"}.get(node.name, "eq")
            found.extend(reader.compare(node.node, op, node.args[0]))
    return found


class _Reader:
    def __init__(self, kinds: Mapping[str, Kind]) -> None:
        self.kinds = kinds

    def name(self, node: nodes.Node) -> str | None:
        """`reason`, `caller.kind`: the stored name an expression reads as a whole."""
        parts: list[str] = []
        while isinstance(node, nodes.Getattr):
            parts.append(node.attr)
            node = node.node
        if isinstance(node, nodes.Name) and node.ctx == "load":
            found = ".".join((node.name, *reversed(parts)))
            return found if found in self.kinds else None
        return None

    def compare(self, left: nodes.Expr, op: str, right: nodes.Expr) -> Iterator[Finding]:
        name = self.name(left)
        if name is not None and _literal(right):
            yield from self._check(name, op, right)
        other = self.name(right)
        if other is not None and _literal(left):
            if op in ("in", "notin"):
                yield from self._member(other, left)
            elif op in _MIRROR:
                yield from self._check(other, _MIRROR[op], left)

    def _check(self, name: str, op: str, value: nodes.Expr) -> Iterator[Finding]:
        kind = self.kinds[name]
        line = value.lineno
        if op in ("in", "notin"):
            if isinstance(value, (nodes.List, nodes.Tuple)):
                for item in value.items:
                    yield from self._check(name, "eq", item)
            return
        assert isinstance(value, nodes.Const)
        constant = value.value
        if kind.kind == "multi" and op in ("eq", "ne"):
            shown = _written(constant)
            yield Finding(
                line, f"`{name}` holds the list of the keys picked, never `{shown}`: write `{shown} in {name}`"
            )
            return
        never = _never(name, kind, op, constant)
        if never:
            yield Finding(line, never)

    def _member(self, name: str, value: nodes.Expr) -> Iterator[Finding]:
        """`'tv' in services`: the key must be one a multi-select can hold."""
        kind = self.kinds[name]
        if kind.kind == "multi" and isinstance(value, nodes.Const):
            message = _never(name, kind, "eq", value.value)
            if message:
                yield Finding(value.lineno, message)

    def date_filter(self, node: nodes.Filter) -> Iterator[Finding]:
        read = [("the value", node.node)] if node.node is not None else []
        if node.name == "business_days_between":
            read += [("the argument", arg) for arg in node.args[:1]]
        for what, expr in read:
            name = self.name(expr) if expr is not None else None
            if name is not None and self.kinds[name].kind in _NOT_DATES:
                kind = self.kinds[name]
                yield Finding(
                    node.lineno,
                    f"`{node.name}` reads {what} as a date, but `{name}` holds {_describe(kind)}, never a date",
                )


def _literal(node: nodes.Expr) -> bool:
    if isinstance(node, nodes.Const):
        return True
    return isinstance(node, (nodes.List, nodes.Tuple)) and all(isinstance(item, nodes.Const) for item in node.items)


def _never(name: str, kind: Kind, op: str, constant: Any) -> str | None:
    """Why `name op constant` can never hold, or None when it can."""
    shown = _show(constant)
    if kind.kind in ("choice", "multi"):
        if op not in ("eq", "ne") or constant is None:
            return None
        holds = f"`{name}` holds {_describe(kind)}"
        if not isinstance(constant, str):
            if str(constant) in kind.keys:
                return f"{holds}, never the number {constant}: the key is text, write `'{constant}'`"
            return f"{holds}, never {shown}"
        if constant in kind.keys:
            return None
        key = kind.label_key(constant)
        if key is not None:
            return f"{holds}, never {shown}: that is the label of the option `{key}`; compare with its key, `'{key}'`"
        meant = closest(constant, kind.keys)
        hint = f" - did you mean `'{meant}'`?" if meant else suggest(constant, kind.keys, "its keys")
        keys = "the key of an option" if kind.kind == "choice" else "option keys"
        return f"`{name}` holds {keys}, never {shown}{hint}"
    if kind.kind == "yes_no":
        if isinstance(constant, str):
            test = f"not {name}" if (constant.strip().lower() in ("no", "n", "false", "0")) == (op == "eq") else name
            return f"`{name}` is a yes/no answer, true or false, never the text {shown}: write `{test}`"
        return None
    if kind.kind == "number":
        if isinstance(constant, str):
            number = constant.strip()
            written = number if re.fullmatch(r"-?\d+(\.\d+)?", number) else "a number"
            return f"`{name}` holds a number, never the text {shown}: compare with {_code(written)}"
        if isinstance(constant, (int, float)) and not isinstance(constant, bool) and op in _ORDER:
            if isinstance(constant, int) and abs(constant) > 10**300:  # no float holds it: past any range
                return None
            return _out_of_range(name, kind, op, float(constant), shown)
        return None
    if kind.kind in _FORMATS:
        if isinstance(constant, str):
            if _written_as(kind.kind, constant):
                return None
            return (
                f"`{name}` holds a {kind.kind.replace('datetime', 'date and time')} written"
                f" `{_FORMATS[kind.kind]}`, so it is never {shown}: write it as `{_FORMATS[kind.kind]}`"
            )
        if isinstance(constant, (int, float)) and not isinstance(constant, bool):
            return f"`{name}` holds a {kind.kind} written `{_FORMATS[kind.kind]}`, never the number {shown}"
        return None
    if kind.kind == "text" and isinstance(constant, (int, float)) and not isinstance(constant, bool):
        return f"`{name}` holds text, never the number {shown}: write it in quotes, `'{constant}'`"
    return None


def _out_of_range(name: str, kind: Kind, op: str, value: float, shown: str) -> str | None:
    low, high = kind.low, kind.high
    never = {
        "eq": (low is not None and value < low) or (high is not None and value > high),
        "gt": high is not None and value >= high,
        "gteq": high is not None and value > high,
        "lt": low is not None and value <= low,
        "lteq": low is not None and value < low,
    }.get(op, False)
    if not never:
        return None
    bounds = " and ".join(
        part
        for part in (
            f"at least {_number(low)}" if low is not None else "",
            f"at most {_number(high)}" if high is not None else "",
        )
        if part
    )
    return f"`{name}` is {bounds}, so `{name} {_ORDER[op]} {_number(value)}` never holds"


def _written_as(kind: str, text: str) -> bool:
    try:
        if kind == "date":
            date.fromisoformat(text)
        elif kind == "time":
            time.fromisoformat(text)
        else:
            datetime.fromisoformat(text.replace(" ", "T"))
    except ValueError:
        return False
    return True


def _describe(kind: Kind) -> str:
    if kind.kind in ("choice", "multi"):
        keys = ", ".join(f"`{key}`" for key in kind.keys[:8]) + (", ..." if len(kind.keys) > 8 else "")
        return f"the key of an option ({keys})" if kind.kind == "choice" else f"a list of option keys ({keys})"
    return {
        "yes_no": "true or false",
        "number": "a number",
        "time": "a time",
        "record": "a record picked from a lookup",
    }.get(kind.kind, f"a {kind.kind}")


def _written(value: Any) -> str:
    """A constant as a condition writes it: `'text'`, `5`, `true`."""
    if isinstance(value, str):
        return f"'{value}'"
    if isinstance(value, bool):
        return str(value).lower()
    return str(value)


def _show(value: Any) -> str:
    return f"`{_written(value)}`"


def _code(text: str) -> str:
    return text if text == "a number" else f"`{text}`"


def _number(value: float) -> str:
    return str(int(value)) if value == int(value) else str(value)


def default_mistake(answer: Answer, default: Any, languages: tuple[str, ...]) -> str | None:
    """A choice's `default:` that the call cannot pick: no key, no option's number, and no
    label in some language of the pack (a label is matched in the call's language)."""
    if answer.kind != "choice" or not isinstance(default, Text) or len(default.variants) != 1:
        return None
    value = default.variants[0][1].strip()
    folded = value.casefold()
    keys = [option.key for option in answer.options]
    if "{" in value or folded in (key.casefold() for key in keys):
        return None
    if value.isdecimal() and 1 <= int(value) <= len(keys):
        return None
    for option in answer.options:
        shown = {language: option.label.source(language, languages[0]).strip() for language in languages}
        if folded in (label.casefold() for label in shown.values()):
            other = [(language, label) for language, label in shown.items() if label.casefold() != folded]
            if not other:
                return None
            language, label = other[0]
            return (
                f"the `default` `{value}` is the label of the option `{option.key}`, which a call in `{language}`"
                f" shows as `{label}`: give its key, `{option.key}`"
            )
    return f"the `default` `{value}` is not one of the options{suggest(value, keys, 'their keys')}"


def names_read(kinds: Iterable[str]) -> frozenset[str]:
    """The first part of every typed name: what a text must read for it to be worth a look."""
    return frozenset(name.split(".")[0] for name in kinds)
