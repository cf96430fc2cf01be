"""The sandbox: Jinja, bounded, where every text and condition of a flow runs.

Every template and expression of a flow runs in `Sandbox`: Jinja's immutable sandbox (a
text cannot reach Python internals, nor change the call's data in place) with a strict
undefined that names what is missing in an analyst's words, plus:

* nothing of Python's own: no type among the globals (`dict(...)` is a function that makes
  a map, so no `dict.update(pack, ...)`), no attribute of a function, class or module, no
  method of the class behind a value (`now.now()`, `now.tzinfo.clear_cache()`); every value
  made, shown, stored or handed to a filter, test or call must be plain data (a function, a
  macro or the phrase book is refused; a lazy sequence a filter makes becomes a list);
* every value a text or condition makes (`~`, `+`, `*`, literals, filters, calls) prints
  to at most `MAX_VALUE` characters, and what can grow far beyond its inputs (`*`, `join`,
  `replace`, `indent`, widths of `center` / `format` / `%5s`...) is measured before it is made;
* one render does at most `MAX_WORK` (every loop round and every value made counts, and
  every filter, test and method pays for the size of what it reads), so nested loops end
  with an error instead of running for minutes;
* filters check their size and count arguments before they use them;
* powers, `range`, macros and recursive loops calling themselves, and the rendered text
  have their own limits.

A limit passed raises Jinja's `SecurityError`, which a render reports as a `RenderError`
with the place in the flow file (expr.py). The analysts' filters are in filters.py.
"""

from __future__ import annotations

import inspect
import re
import string
from collections.abc import Callable, ItemsView, Iterable, Iterator, KeysView, Mapping, Sequence, ValuesView
from datetime import date, datetime, time, timedelta, tzinfo
from types import MappingProxyType, ModuleType
from typing import Any

from jinja2 import StrictUndefined, Undefined, nodes, pass_context, pass_environment, pass_eval_context
from jinja2.compiler import CodeGenerator, Frame
from jinja2.exceptions import SecurityError
from jinja2.runtime import LoopContext, Macro, markup_join, str_join
from jinja2.sandbox import ImmutableSandboxedEnvironment
from jinja2.utils import missing

MAX_OUTPUT = 20_000  # characters in one rendered text
MAX_SEQUENCE = 10_000  # items or characters made by `*`, `range`, widths
MAX_POWER = 10_000
MAX_LOOP_NESTING = 2
MAX_VALUE = 100_000  # characters any one value made by a text or condition prints to
MAX_WORK = 500_000  # one render: its loop rounds, calls and the sizes of the values it makes
MAX_VALUE_DEPTH = 32  # lists in lists (or maps) a value may nest
MAX_CALL_DEPTH = 16  # macros and recursive loops calling themselves
_CALL_COST = 10  # a macro call costs Python about ten rounds of a loop
_WIDTH_METHODS = frozenset({"center", "ljust", "rjust", "zfill", "expandtabs", "to_bytes"})
_WIDTH_FILTERS = frozenset({"center", "indent", "wordwrap", "batch", "slice", "tojson"})
_FORMATTER = string.Formatter()
_PRINTF = re.compile(r"%(?:\((?P<key>[^)]*)\))?[-#0 +]*(?P<width>\*|\d+)?(?:\.(?P<precision>\*|\d+))?[hlL]?[a-zA-Z%]")


class AnalystUndefined(StrictUndefined):
    """Jinja's strict undefined, saying what is missing in an analyst's words: never the
    name of a Python class (`jinja2.runtime.StrictUndefined object has no attribute`)."""

    __slots__ = ()

    @property
    def _undefined_message(self) -> str:
        name = self._undefined_name
        if self._undefined_hint:
            return self._undefined_hint
        if isinstance(name, Undefined):
            return str(name._undefined_message)
        if self._undefined_obj is missing:
            return f"`{name}` is undefined"
        what = _kind(self._undefined_obj)
        if isinstance(name, str):
            return f"{what} has no field `{name}`"
        if isinstance(name, (int, float)):
            return f"{what} has no item {name!r}"
        return f"{what} has no item {_kind(name)}"  # a key that is a list, a function...


def _kind(value: Any) -> str:
    if isinstance(value, Undefined):
        return str(value._undefined_message)
    if inspect.isroutine(value) or isinstance(value, (type, Macro)):
        return "a function"
    kinds: tuple[tuple[type | tuple[type, ...], str], ...] = (
        (bool, "a yes/no value"),
        (str, "a text"),
        ((int, float), "a number"),
        (Mapping, "a map"),
        ((list, tuple, range), "a list"),
        (datetime, "a date and time"),
        (date, "a date"),
        (type(None), "an empty value"),
    )
    return next((what for kind, what in kinds if isinstance(value, kind)), "this value")


class BoundedCodeGenerator(CodeGenerator):
    """Jinja's code generator, with the values a template builds itself (`~`, list, tuple
    and map literals, slices) checked for size, and every round of a loop charged."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._charged: dict[int, int] = {}  # id of a loop's iterable -> what a round costs

    def visit_Concat(self, node: nodes.Concat, frame: Frame) -> None:
        self.write("environment.joined(context, (")
        for part in node.nodes:
            self.visit(part, frame)
            self.write(", ")
        self.write("))")

    def visit_List(self, node: nodes.List, frame: Frame) -> None:
        self.write("environment.made(context, ")
        super().visit_List(node, frame)
        self.write(")")

    def visit_Dict(self, node: nodes.Dict, frame: Frame) -> None:
        self.write("environment.made(context, ")
        super().visit_Dict(node, frame)
        self.write(")")

    def visit_Tuple(self, node: nodes.Tuple, frame: Frame) -> None:
        if node.ctx != "load":  # a target: `{% for a, b in ... %}`
            super().visit_Tuple(node, frame)
            return
        self.write("environment.made(context, ")
        super().visit_Tuple(node, frame)
        self.write(")")

    def visit_Getitem(self, node: nodes.Getitem, frame: Frame) -> None:
        if not isinstance(node.arg, nodes.Slice):  # an item: looked up, nothing made
            super().visit_Getitem(node, frame)
            return
        self.write("environment.made(context, ")  # a slice copies what it takes
        super().visit_Getitem(node, frame)
        self.write(")")

    def visit_For(self, node: nodes.For, frame: Frame) -> None:
        self._charged[id(node.iter)] = round_cost(node)
        try:
            super().visit_For(node, frame)
        finally:
            del self._charged[id(node.iter)]

    def visit(self, node: nodes.Node, *args: Any, **kwargs: Any) -> Any:
        cost = self._charged.get(id(node))  # Jinja allows no custom nodes: a loop's iterable is marked
        if cost is None:
            return super().visit(node, *args, **kwargs)
        self.write("environment.rounds(context, ")
        super().visit(node, *args, **kwargs)
        self.write(f", {cost:d})")
        return None


def round_cost(loop: nodes.For) -> int:
    """What a round of `loop` costs (`Sandbox.rounds`): one, plus the plain text its body writes."""
    return 1 + sum(len(data.data) for body in loop.body for data in body.find_all(nodes.TemplateData))


class Sandbox(ImmutableSandboxedEnvironment):
    """Jinja's immutable sandbox, plus bounds on the resource abuse the sandbox does not stop."""

    intercepted_binops = frozenset({"*", "**", "%", "+"})
    code_generator_class = BoundedCodeGenerator

    def __init__(self, **options: Any) -> None:
        super().__init__(finalize=self.printed, **options)

    def is_safe_attribute(self, obj: Any, attr: str, value: Any) -> bool:
        """Jinja's rules (no `_` names, no method that changes a list or map), and nothing of
        a function, a class or a module (`dict.update(x, ...)` would change `x`), nor a method
        of the class behind a value (`now.now()`, `now.tzinfo.clear_cache()`)."""
        if inspect.isroutine(obj) or isinstance(obj, (type, ModuleType)) or _bound_to_class(value):
            return False
        return bool(super().is_safe_attribute(obj, attr, value))

    def unsafe_undefined(self, obj: Any, attribute: str) -> Undefined:
        return self.undefined(f"`{attribute}` cannot be used in a text", name=attribute, obj=obj, exc=SecurityError)

    def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
        if operator == "**":
            if (isinstance(right, (int, float)) and abs(right) > 64) or _big(left):
                raise SecurityError("the power is too large")
            result = left**right
        elif operator == "*":
            items, size = _repeat_size(left, right)
            if items > MAX_SEQUENCE:
                raise SecurityError(f"the result would be {items:,} long; the limit is {MAX_SEQUENCE:,}")
            _check_size(size)
            result = left * right
        elif operator == "+":
            if not (_number(left) and _number(right)):
                _check_size(size_of(left) + size_of(right))
            result = left + right
        else:  # "%": string formatting can ask for any width
            if isinstance(left, (str, bytes)):
                raise SecurityError("`%` formatting of text is not allowed; use filters such as `round`")
            result = left % right
        if isinstance(result, (int, float)) and _big(result):
            raise SecurityError("the number is too large")
        return self.made(context, result)

    def call(__self, __context: Any, __obj: Any, *args: Any, **kwargs: Any) -> Any:
        if isinstance(__obj, type) or _bound_to_class(__obj):
            raise SecurityError(f"`{getattr(__obj, '__name__', 'this')}` cannot be used in a text")
        owner = getattr(__obj, "__self__", None)
        # a call costs what it reads: its arguments, and the value whose method it is
        read = _read_arguments(args, kwargs)
        if isinstance(owner, _COLLECTIONS):
            read += size_of(owner, MAX_WORK)
        if isinstance(owner, (str, bytes, int)) and not isinstance(owner, bool) and callable(__obj):
            args = _check_method(getattr(__obj, "__name__", ""), owner, args, kwargs)
        if not isinstance(__obj, (Macro, LoopContext)):
            spend(__context, read)
            return __self.made(__context, super().call(__context, __obj, *args, **kwargs))
        # a macro or a recursive loop: it may call itself
        depth = getattr(__context, "_callguide_depth", 0)
        if depth >= MAX_CALL_DEPTH:
            raise SecurityError(f"macros or recursive loops call themselves more than {MAX_CALL_DEPTH} deep")
        spend(__context, _CALL_COST + read)
        __context._callguide_depth = depth + 1
        try:
            return __self.made(__context, super().call(__context, __obj, *args, **kwargs))
        finally:
            __context._callguide_depth = depth

    def wrap_str_format(self, value: Any) -> Callable[..., str] | None:
        """`'{:>9}'.format(...)` and `format_map`, however reached: measured before they run."""
        wrapped = super().wrap_str_format(value)
        if wrapped is None:
            return None
        template: str = value.__self__
        is_map = value.__name__ == "format_map"

        def bounded(*args: Any, **kwargs: Any) -> str:
            values = args[0] if is_map and args and isinstance(args[0], Mapping) else kwargs
            _check_size(_format_size(template, () if is_map else args, values))
            return wrapped(*args, **kwargs)

        return bounded

    # --- called by the code `BoundedCodeGenerator` writes ---------------------------------

    @pass_context
    def printed(self, context: Any, value: Any) -> Any:
        """What `{{ ... }}` prints, before it is turned into text."""
        spend(context, shown_size(value))
        return value

    def made(self, context: Any, value: Any) -> Any:
        """A value the template made: plain data of at most `MAX_VALUE`, charged to the render.
        What a filter makes lazily (`map`, `select`...) becomes the list of its items."""
        kind = type(value)
        if kind is str:  # what most filters make
            size = len(value)
        else:
            if kind not in _DATA and isinstance(value, Iterator):  # the ABC's check costs more than the rest
                value = list(value)
            size = size_of(value)
        _check_size(size)
        spend(context, size)
        return value

    def joined(self, context: Any, parts: tuple[Any, ...]) -> str:
        """`a ~ b ~ c`."""
        size = sum(size_of(part) for part in parts)
        _check_size(size)
        spend(context, size)
        return markup_join(parts) if context.eval_ctx.autoescape else str_join(parts)

    def rounds(self, context: Any, iterable: Iterable[Any], cost: int) -> Iterator[Any]:
        for item in iterable:
            spend(context, cost)
            yield item


# What most values made are; none of them is an iterator
_DATA = frozenset({str, int, float, bool, type(None), list, tuple, dict})
# Values that print as themselves (a zone prints as its name); anything else that is not a
# text, a number or a collection of values is Python's, never shown nor stored.
_PLAIN_SCALARS = (float, bool, type(None), date, time, timedelta, tzinfo)


def size_of(value: Any, limit: int = MAX_VALUE) -> int:
    """About how many characters `value` prints to: its texts, plus a few for each item (a
    part that several lists share counts once for each, as it prints). Stops counting soon
    after `limit`; refuses values nested deeper than `MAX_VALUE_DEPTH`, and anything in it
    that is not plain data (a function, a macro, an object of Python's)."""
    if isinstance(value, str):  # most values: no walk needed
        return len(value)
    # the scalars handed to filters and shown (`default('', true)`, a count, an empty field):
    # what `_walk` counts for them, without a walk
    kind = type(value)
    if kind is int or kind is bool:
        return int(value.bit_length()) // 3 + 1
    if kind is float or value is None or kind is date or kind is datetime:
        return 8
    return _measure(value, limit)[0]


def _measure(value: Any, limit: int = MAX_VALUE) -> tuple[int, int]:
    """(size, depth) of `value`; iterative, so that no value can exhaust Python's stack."""
    plain = _plain_size(value, limit)
    return plain if plain is not None else _walk(value, limit)


def _walk(value: Any, limit: int) -> tuple[int, int]:
    """`_measure`, one item at a time; stops soon after `limit` and says how far it got."""
    total, deepest = 0, 0
    todo: list[tuple[Any, int]] = [(value, 0)]
    while todo and total <= limit:
        item, depth = todo.pop()
        children: Iterable[Any]
        if isinstance(item, (str, bytes)):
            total += len(item)
            continue
        if isinstance(item, int):
            total += item.bit_length() // 3 + 1
            continue
        if isinstance(item, range):
            total += len(item)
            continue
        if isinstance(item, (dict, MappingProxyType)):
            children = [*item.keys(), *item.values()]
        elif isinstance(item, (list, tuple, set, frozenset, KeysView, ValuesView, ItemsView)):
            children = item
        elif isinstance(item, _PLAIN_SCALARS):
            total += 8
            continue
        elif isinstance(item, Undefined):
            item._fail_with_undefined_error()
        else:
            raise SecurityError(_not_a_value(item))
        if depth >= MAX_VALUE_DEPTH:
            raise SecurityError(f"values nested more than {MAX_VALUE_DEPTH} deep")
        deepest = max(deepest, depth + 1)
        total += 2 + 2 * len(item)
        if total <= limit:
            todo.extend((child, depth + 1) for child in children)
    return total, deepest


def _plain_size(value: Any, limit: int) -> tuple[int, int] | None:
    """`_measure` of a map or list of texts, numbers, maps and lists within `limit` (what a
    call holds: records of texts), counted with fewer steps: the leaves where they are met.
    None for anything else, or past the limit: `_walk` walks it then, and its figure (how
    far it got) and errors stay what they are. Within the limit the order a value is
    walked in changes neither its size nor its depth."""
    total, deepest = 0, 0
    todo: list[tuple[Any, int]] = [(value, 0)]
    push, pop = todo.append, todo.pop
    while todo:
        item, depth = pop()
        kind = type(item)
        if kind is dict:
            children: Iterable[Any] = (*item, *item.values())
        elif kind is list or kind is tuple:
            children = item
        else:
            return None
        if depth >= MAX_VALUE_DEPTH:
            return None
        if depth >= deepest:
            deepest = depth + 1
        total += 2 + 2 * len(item)
        for child in children:
            kind = type(child)
            if kind is str:
                total += len(child)
            elif kind is int or kind is bool:
                total += child.bit_length() // 3 + 1
            elif kind is float or child is None:
                total += 8
            elif kind is dict or kind is list or kind is tuple:
                push((child, depth + 1))
            else:
                return None
        if total > limit:
            return None
    return total, deepest


def _not_a_value(value: Any) -> str:
    if callable(value):
        return "a function cannot be shown nor stored; call it, e.g. `x.upper()`"
    if isinstance(value, Mapping):
        return "a group of phrases cannot be shown as a whole; use one by its name, e.g. `phrases.thanks`"
    return "this value cannot be shown nor stored: it is not plain data"


def _bound_to_class(value: Any) -> bool:
    """A method of a class or module rather than of a value (`datetime.now`, `ZoneInfo.clear_cache`)."""
    return isinstance(getattr(value, "__self__", None), (type, ModuleType)) and inspect.isroutine(value)


# The filters and tests made for an undefined value; any other fails on one at once, naming
# what is missing (Python would name the undefined value's type).
_TAKE_UNDEFINED = frozenset({"default", "d", "defined", "undefined"})
# Filters and tests that look at their value without reading it through.
_READ_NOTHING = _TAKE_UNDEFINED | {"length", "count", "first", "last", "none", "mapping", "sequence", "iterable"}


def _cost(name: str, value: Any) -> int:
    """What reading the value a filter or test is applied to costs: its size."""
    if isinstance(value, Undefined) and name not in _TAKE_UNDEFINED:
        value._fail_with_undefined_error()
    return 1 if name in _READ_NOTHING else size_of(value, MAX_WORK)


def _read_arguments(args: tuple[Any, ...], kwargs: Mapping[str, Any]) -> int:
    """What reading the arguments of a call, filter or test costs; an undefined argument
    fails here, naming what is missing (Python would name its type)."""
    read = 0
    for argument in (*args, *kwargs.values()) if kwargs else args:
        if isinstance(argument, Undefined):
            argument._fail_with_undefined_error()
        read += size_of(argument, MAX_WORK)
    return read


_COLLECTIONS = (str, bytes, list, tuple, dict, set, frozenset, MappingProxyType)


def _check_size(size: int) -> None:
    if size > MAX_VALUE:
        raise SecurityError(f"the value would be {size:,} characters long; the limit is {MAX_VALUE:,}")


def spend(context: Any, units: int) -> None:
    """`units` of work done by a render (at least one), refused past `MAX_WORK`."""
    spent = getattr(context, "_callguide_work", 0) + (units if units > 1 else 1)
    if spent > MAX_WORK:
        raise SecurityError(
            f"the text does too much work (more than {MAX_WORK:,} steps); loop over fewer items, or make smaller values"
        )
    context._callguide_work = spent


def _number(value: Any) -> bool:
    return isinstance(value, (int, float))


def _big(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and abs(value) > 10**MAX_POWER


def _repeat_size(left: Any, right: Any) -> tuple[int, int]:
    """Items (or characters) and printed size of `sequence * times`."""
    for seq, times in ((left, right), (right, left)):
        if isinstance(seq, (str, bytes, list, tuple)) and isinstance(times, int):
            times = max(times, 0)
            return len(seq) * times, size_of(seq) * times
    return 0, 0


def _check_widths(args: Iterable[Any]) -> None:
    for value in args:
        if isinstance(value, int) and not isinstance(value, bool) and value > MAX_SEQUENCE:
            raise SecurityError(f"a width of {value:,} is too large")


def _check_method(name: str, text: Any, args: tuple[Any, ...], kwargs: Mapping[str, Any]) -> tuple[Any, ...]:
    """A method of a text (or number) that can make far more than it is given: measured
    first. Returns the arguments to call it with (`join` gets its items as a list)."""
    if name in _WIDTH_METHODS:
        _check_widths((*args, *kwargs.values()))
        if name == "expandtabs":
            tab = args[0] if args else kwargs.get("tabsize", 8)
            tabs = text.count("\t") if isinstance(text, str) else text.count(b"\t")
            _check_size(len(text) + tabs * int(tab))
    elif name == "join" and args:
        items = list(args[0])
        _check_size(sum(size_of(item) for item in items) + len(text) * max(len(items) - 1, 0))
        return (items, *args[1:])
    elif name == "replace" and len(args) >= 2:
        _check_size(_replaced_size(text, args[0], args[1]))
    elif name == "translate" and args and isinstance(args[0], Mapping):
        longest = max((size_of(value) for value in args[0].values()), default=1)
        _check_size(len(text) * max(longest, 1))
    return args


def _replaced_size(text: Any, old: Any, new: Any) -> int:
    if type(text) not in (str, bytes) or type(old) is not type(text):
        return size_of(text) * max(size_of(new), 1)
    count = text.count(old) if old else len(text) + 1
    return len(text) + count * max(size_of(new) - len(old), 0)


def _format_size(template: str, args: Sequence[Any], kwargs: Mapping[str, Any]) -> int:
    """The most `template.format(*args, **kwargs)` can make (widths refused past the limit)."""
    total, auto = 0, 0
    numbers = [value for value in (*args, *kwargs.values()) if isinstance(value, int) and not isinstance(value, bool)]
    for literal, field, spec, _ in _FORMATTER.parse(template):
        total += len(literal)
        if field is None:
            continue
        head = re.match(r"[^.\[]*", field)
        name = head.group() if head else ""
        key: int | str = auto if not name else int(name) if name.isdecimal() else name
        auto += not name
        arg = (args[key] if key < len(args) else None) if isinstance(key, int) else kwargs.get(key)
        widths = [_width(number) for number in re.findall(r"\d+", spec or "")]
        if "{" in (spec or ""):  # `{:{}}`: the width is one of the arguments
            widths.extend(numbers)
            auto += (spec or "").count("{}")
        _check_widths(widths)
        total += max([size_of(arg), *widths])
    return total


def _printf_size(template: str, args: Sequence[Any], kwargs: Mapping[str, Any]) -> int:
    """The most `template % args` (the `format` filter) can make."""
    total = len(template) + sum(size_of(arg) for arg in args)
    numbers = [value for value in args if isinstance(value, int) and not isinstance(value, bool)]
    for match in _PRINTF.finditer(template):
        for part in (match["width"], match["precision"]):
            widths = numbers if part == "*" else [_width(part)] if part else []
            _check_widths(widths)
            total += max(widths, default=0)
        if match["key"] is not None:
            total += size_of(kwargs.get(match["key"]))
    return total


def _width(digits: str) -> int:
    return int(digits) if len(digits) <= 9 else 10**9


def _new_dict(**items: Any) -> dict[str, Any]:
    """`dict(a=1)`: a new map, and nothing of the `dict` type (its `update` would change maps)."""
    return items


def _safe_range(*args: int) -> range:
    result = range(*args)
    if len(result) > MAX_SEQUENCE:
        raise SecurityError(f"range of {len(result):,} items; the limit is {MAX_SEQUENCE:,}")
    return result


# --- filters and tests: every one measured -----------------------------------------------------------

_PASS_CONTEXT = getattr(pass_context(lambda: None), "jinja_pass_arg", None)
_PASS_EVAL_CONTEXT = getattr(pass_eval_context(lambda: None), "jinja_pass_arg", None)
_PASS_ENVIRONMENT = getattr(pass_environment(lambda: None), "jinja_pass_arg", None)


def _predicted(name: str, arguments: Mapping[str, Any]) -> int:
    """The most a filter that can make far more than it is given will make."""
    if name == "join":
        items, separator = arguments["value"], arguments.get("d", "")
        return sum(size_of(item) for item in items) + size_of(separator) * max(len(items) - 1, 0)
    if name == "replace":
        return _replaced_size(arguments["s"], arguments["old"], arguments["new"])
    if name == "indent":
        width = arguments.get("width", 4)
        prefix = size_of(width) if isinstance(width, str) else int(width)
        return size_of(arguments["s"]) + (str(arguments["s"]).count("\n") + 1) * prefix
    if name == "wordwrap":
        text, width = size_of(arguments["s"]), max(int(arguments.get("width", 79)), 1)
        return text + (text // width + 1) * max(size_of(arguments.get("wrapstring") or "\n"), 1)
    if name == "urlize":
        text, extra = size_of(arguments["value"]), size_of(arguments.get("target") or "")
        return 3 * text + (text // 4 + 1) * (extra + size_of(arguments.get("rel") or ""))
    if name == "tojson":
        size, depth = _measure(arguments["value"])
        return size * (1 + int(arguments.get("indent") or 0) * depth)
    if name == "format":
        return _printf_size(str(arguments["value"]), arguments.get("args", ()), arguments.get("kwargs", {}))
    return 0


_VALUE = object()  # where a filter's value goes among the arguments `_Filter.given` binds
# Jinja filters that make a list of the very items of the list or tuple they read
_REORDERING = frozenset({"sort", "list"})
_PREDICTED = frozenset({"join", "replace", "indent", "wordwrap", "urlize", "tojson", "format"})
# Jinja filters that take a size or count they use unchecked (`truncate(-5)` fails an
# assert, `batch(0)` loops): the argument, what it is, and the smallest allowed.
_COUNTS: dict[str, tuple[str, str, int]] = {
    "truncate": ("length", "a length", 0),
    "batch": ("linecount", "a count", 1),
    "slice": ("slices", "a count", 1),
    "wordwrap": ("width", "a width", 1),
}


def _check_count(name: str, arguments: Mapping[str, Any]) -> None:
    argument, what, lowest = _COUNTS[name]
    count = arguments.get(argument)
    if not isinstance(count, int):
        return
    if not lowest <= count <= MAX_SEQUENCE:
        raise SecurityError(f"`{name}` takes {what} from {lowest} to {MAX_SEQUENCE:,}, not {count:,}")
    end = arguments.get("end", "...")
    if name == "truncate" and isinstance(end, str) and count < len(end):
        raise SecurityError(f"`truncate` needs a length of at least {len(end)} to fit `{end}`")


def pass_argument(function: Callable[..., Any]) -> str | None:
    """What Jinja hands a filter or test before its value: `context`, `eval_context`,
    `environment`, or None (direct.py calls them as Jinja's code does)."""
    kind = getattr(function, "jinja_pass_arg", None)
    return {_PASS_CONTEXT: "context", _PASS_EVAL_CONTEXT: "eval_context", _PASS_ENVIRONMENT: "environment"}.get(kind)


class Guard:
    """A filter or test of the sandbox, charged for what it reads. Called as Jinja calls one
    that asks for the render; where a text gives it constant arguments, `given` resolves
    once what a call would resolve each time (direct.py)."""

    __slots__ = ("__name__", "_function", "_kind")
    jinja_pass_arg = _PASS_CONTEXT

    def __init__(self, name: str, function: Any) -> None:  # Jinja's tests are typed `function`
        self.__name__ = name
        self._function = function
        self._kind = getattr(function, "jinja_pass_arg", None)

    def __call__(self, context: Any, value: Any, *args: Any, **kwargs: Any) -> Any:
        return self._apply(context, value, args, kwargs, _read_arguments(args, kwargs) if args or kwargs else 0)

    def given(
        self, of: Callable[[Any], Any], args: tuple[Any, ...], kwargs: dict[str, Any]
    ) -> Callable[[Any], Any] | None:
        """The call of the value `of` the render with these constant arguments, as a function
        of the render, what reading them costs counted now; None when reading them is
        refused (the call refuses them in its turn)."""
        try:
            read = _read_arguments(args, kwargs)
        except SecurityError:
            return None
        if self._kind is None and not kwargs:
            return self._plain(of, args, read)
        apply = self._apply
        return lambda context: apply(context, of(context), args, kwargs, read)

    def _plain(self, of: Callable[[Any], Any], args: tuple[Any, ...], read: int) -> Callable[[Any], Any]:
        """`given` for a function that asks for nothing first, given its arguments by position."""
        apply = self._apply
        return lambda context: apply(context, of(context), args, {}, read)

    def _apply(self, context: Any, value: Any, args: tuple[Any, ...], kwargs: dict[str, Any], read: int) -> Any:
        """The call, what reading its arguments costs (`read`) known."""
        raise NotImplementedError


class _Filter(Guard):
    """A filter whose arguments are measured first and whose result is a made value."""

    __slots__ = ("_bind", "_counted", "_listed", "_predicted", "_reorders", "_takes_lead", "_widths")

    def __init__(self, name: str, filter_: Callable[..., Any], *, sync: bool) -> None:
        """`sync`: the environment is not async."""
        if sync and getattr(filter_, "jinja_async_variant", False):
            # Jinja's async-ready filters (`join`, `map`, `select`...) wrap a plain one, which
            # the wrapper calls (without the lead it does not take) in an environment that is
            # not async: called here directly, with its own lead
            filter_ = inspect.unwrap(filter_)
        super().__init__(name, filter_)
        self._bind = _binder(filter_) if name in _PREDICTED or name in _COUNTS else None
        # Jinja's async-ready filters wrap a plain one that may not take the context
        self._takes_lead = getattr(inspect.unwrap(filter_), "jinja_pass_arg", None) is not None
        self._listed, self._widths = name == "join", name in _WIDTH_FILTERS
        self._counted, self._predicted = name in _COUNTS, name in _PREDICTED
        self._reorders = name in _REORDERING

    def given(
        self, of: Callable[[Any], Any], args: tuple[Any, ...], kwargs: dict[str, Any]
    ) -> Callable[[Any], Any] | None:
        bind = self._bind
        if bind is None:
            return super().given(of, args, kwargs)
        # what the call gives each parameter, the value but a mark: bound now, and its
        # counts checked now (the value is never one of them)
        try:
            read = _read_arguments(args, kwargs)
            arguments = bind(*((None,) if self._takes_lead else ()), _VALUE, *args, **kwargs)
            if self._counted:
                _check_count(self.__name__, arguments)
        except (SecurityError, TypeError):  # the call refuses them, in its turn
            return None
        name = next((name for name, given in arguments.items() if given is _VALUE), None)
        if name is None:  # the value is not a parameter of its own
            return None
        bound = (arguments, name)
        apply = self._apply
        return lambda context: apply(context, of(context), args, kwargs, read, bound)

    def _plain(self, of: Callable[[Any], Any], args: tuple[Any, ...], read: int) -> Callable[[Any], Any]:
        if self._listed or self._widths or self._reorders:
            return super()._plain(of, args, read)
        name, filter_ = self.__name__, self._function

        def call(context: Any) -> Any:  # `_apply` with nothing of it left to decide
            value = of(context)
            spend(context, _cost(name, value) + read)
            return context.environment.made(context, filter_(value, *args))

        return call

    def _apply(
        self,
        context: Any,
        value: Any,
        args: tuple[Any, ...],
        kwargs: dict[str, Any],
        read: int,
        bound: tuple[dict[str, Any], str] | None = None,
    ) -> Any:
        """`bound`: the arguments `given` bound, and the name the value is given."""
        kind = self._kind
        lead: tuple[Any, ...] = ()
        if kind is _PASS_CONTEXT:
            lead = (context,)
        elif kind is _PASS_EVAL_CONTEXT:
            lead = (context.eval_ctx,)
        elif kind is _PASS_ENVIRONMENT:
            lead = (context.environment,)
        if self._listed and type(value) is not list and not isinstance(value, (str, Sequence, Mapping, Undefined)):
            value = list(value)
        cost = _cost(self.__name__, value)
        spend(context, cost + read)
        if self._widths:
            _check_widths((*args, *kwargs.values()))
        if self._reorders and (type(value) is list or type(value) is tuple) and cost <= MAX_VALUE:
            # the list made holds the items of the one read, walked whole (plain data, not
            # too deep): its size is the one just counted
            result = self._function(*lead, value, *args, **kwargs)
            spend(context, cost)
            return result
        bind = self._bind
        if bind is not None:
            if bound is None:
                arguments = bind(*(lead if self._takes_lead else ()), value, *args, **kwargs)
                if self._counted:
                    _check_count(self.__name__, arguments)
            else:
                arguments = bound[0].copy()
                arguments[bound[1]] = value
            if self._predicted:
                _check_size(_predicted(self.__name__, arguments))
        return context.environment.made(context, self._function(*lead, value, *args, **kwargs))


_NAMED = (inspect.Parameter.POSITIONAL_OR_KEYWORD, inspect.Parameter.KEYWORD_ONLY)


def _binder(function: Callable[..., Any]) -> Callable[..., dict[str, Any]]:
    """`inspect.signature(function).bind(...).arguments`: what a call gives each parameter it
    names. The calls analysts write (the leading parameters by position, others by name) are
    bound here directly; `bind` (several times the cost of the filter itself) binds the rest,
    and refuses a wrong call with its own error."""
    signature = inspect.signature(function)
    parameters = list(signature.parameters.values())
    leading = []
    for parameter in parameters:
        if parameter.kind is not inspect.Parameter.POSITIONAL_OR_KEYWORD:
            break
        leading.append(parameter.name)
    named = frozenset(parameter.name for parameter in parameters if parameter.kind in _NAMED)
    required = frozenset(
        parameter.name
        for parameter in parameters
        if parameter.kind in _NAMED and parameter.default is inspect.Parameter.empty
    )

    def bind(*args: Any, **kwargs: Any) -> dict[str, Any]:
        if len(args) <= len(leading):
            arguments = dict(zip(leading, args, strict=False))
            if all(key in named and key not in arguments for key in kwargs):
                arguments.update(kwargs)
                if required.issubset(arguments):
                    return arguments
        return signature.bind(*args, **kwargs).arguments

    return bind


class _Test(Guard):
    """A test (`is email`, `is in`...)."""

    __slots__ = ()

    def _plain(self, of: Callable[[Any], Any], args: tuple[Any, ...], read: int) -> Callable[[Any], Any]:
        name, test = self.__name__, self._function

        def call(context: Any) -> Any:  # `_apply` with nothing of it left to decide
            value = of(context)
            spend(context, _cost(name, value) + read)
            return test(value, *args)

        return call

    def _apply(self, context: Any, value: Any, args: tuple[Any, ...], kwargs: dict[str, Any], read: int) -> Any:
        spend(context, _cost(self.__name__, value) + read)
        kind = self._kind
        lead = (context,) if kind is _PASS_CONTEXT else (context.environment,) if kind is _PASS_ENVIRONMENT else ()
        return self._function(*lead, value, *args, **kwargs)


def shown_size(value: Any) -> int:
    """`size_of` what `{{ ... }}` shows; refused past the output limit, or when it is not plain data."""
    size = size_of(value, MAX_OUTPUT)
    if size > MAX_OUTPUT:  # not a call per value: most are far from it
        check_output(size)
    return size


def check_output(size: int) -> None:
    if size > MAX_OUTPUT:
        raise SecurityError(f"the text would be longer than {MAX_OUTPUT:,} characters")


def seal(env: Sandbox) -> Sandbox:
    """The sandbox made ready for a pack: every filter and test it has is guarded and charged,
    and its globals are the bounded `range` and `dict` (never Python's own types)."""
    env.globals = {"range": _safe_range, "dict": _new_dict}
    env.filters = {name: _Filter(name, filter_, sync=not env.is_async) for name, filter_ in env.filters.items()}
    tests: dict[str, Any] = {name: _Test(name, test) for name, test in env.tests.items()}
    env.tests = tests
    return env
