"""The evaluator that runs texts and conditions from Jinja's parse (names, fields, items,
constants, comparisons, `and` / `or` / `not`, filters, tests, `~`, arithmetic, list and map
literals, method calls; `Hello {{ customer.name }}`, `{% if %}` blocks, loops, `set`) gives
exactly what Jinja gives on the same source: the same value, or the same error message."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import Any

import pytest
from callguide.analysis import parse_condition
from callguide.direct import _plain
from callguide.direct import expression as _direct
from callguide.direct import text as _direct_text
from callguide.expr import RUNTIME_ERRORS, _explain_runtime, _jinja_expression, _jinja_text
from callguide.filters import make_environment
from callguide.shapes import condition_tree, text_tree
from hypothesis import given
from hypothesis import strategies as st
from jinja2 import Undefined, nodes
from jinja2.nodes import EvalContext
from jinja2.optimizer import Optimizer

ENV = make_environment()
CONTEXT: dict[str, Any] = {
    "x": "abc",
    "empty": "",
    "n": 5,
    "ratio": 2.5,
    "flag": True,
    "nothing": None,
    "items": [1, 2, 3],
    "pair": (1, "b"),
    "customer": {"name": "Ann", "phone": "0712345678", "tags": ["vip"], "address": {"city": "Nairobi"}},
    "history": [{"date": "2026-01-0" + str(day), "text": "t" * day} for day in (3, 1, 2)],
    "today": "2026-02-01",
}
NAMES = [*CONTEXT, "missing"]
FIELDS = ["name", "phone", "tags", "address", "city", "upper", "missing", "real", "__class__", "_private", "items"]
ITEMS = ["0", "1", "2", "7", "-1", "-4", "'name'", "'tags'", "'missing'", "none"]
CONSTANTS = ["1", "0", "12", "2.5", "'a'", "'abc'", "''", "none", "true", "false", "[1, 2]", "(1, 'b')", "[]"]
OPERATORS = ["==", "!=", "<", ">", "<=", ">=", "in", "not in"]
Runner = Callable[[dict[str, Any]], Any]


def _lookup() -> st.SearchStrategy[str]:
    """A name, followed by fields and constant items: `customer.address.city`, `items[0]`."""
    suffix = st.one_of(
        st.sampled_from(FIELDS).map(lambda field: f".{field}"), st.sampled_from(ITEMS).map(lambda key: f"[{key}]")
    )
    return st.tuples(st.sampled_from(NAMES), st.lists(suffix, max_size=3)).map(
        lambda parts: parts[0] + "".join(parts[1])
    )


# filters and tests as analysts use them (the sandbox's guarded ones, the pack's own too)
FILTERS = [
    "default('d')",
    "default(n, true)",
    "d",
    "upper",
    "capitalize",
    "length",
    "first",
    "string",
    "join(', ')",
    "replace('a', 'b')",
    "mask_phone",
    "format_date",
    "list",
    "select",
]
# methods of texts, lists and maps, with the ones the sandbox measures or refuses
METHODS = [
    "upper()",
    "split()",
    "split(',')",
    "startswith('a')",
    "get('name', 'd')",
    "get(n)",
    "items()",
    "count('a')",
    "format(n, x)",
    "join(items)",
    "center(n)",
    "replace('a', x)",
    "append(1)",
    "mro()",
    "bit_length()",
    "missing()",
]
TESTS = ["defined", "undefined", "none", "string", "number", "in(items)", "email", "phone", "mobile", "sameas(none)"]


def expressions(max_leaves: int = 6) -> st.SearchStrategy[str]:
    atoms = st.one_of(_lookup(), st.sampled_from(CONSTANTS))

    def extend(inner: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
        return st.one_of(
            inner.map(lambda a: f"(not {a})"),
            inner.map(lambda a: f"(-{a})"),
            st.tuples(inner, inner, inner).map(lambda t: f"({t[0]} if {t[1]} else {t[2]})"),
            st.tuples(inner, st.sampled_from(["and", "or"]), inner).map(lambda t: f"({t[0]} {t[1]} {t[2]})"),
            st.tuples(inner, st.lists(st.tuples(st.sampled_from(OPERATORS), inner), min_size=1, max_size=2)).map(
                lambda t: "(" + t[0] + "".join(f" {op} {right}" for op, right in t[1]) + ")"
            ),
            st.tuples(inner, st.sampled_from(["~", "+", "-", "//"]), inner).map(lambda t: f"({t[0]} {t[1]} {t[2]})"),
            st.tuples(inner, st.sampled_from(FILTERS)).map(lambda t: f"({t[0]} | {t[1]})"),
            st.tuples(inner, st.sampled_from(TESTS)).map(lambda t: f"({t[0]} is {t[1]})"),
            st.tuples(inner, inner).map(lambda t: f"({t[0]})[{t[1]}]"),
            st.lists(inner, max_size=3).map(lambda items: "[" + ", ".join(items) + "]"),
            st.tuples(inner, inner).map(lambda t: f"{{'k': {t[0]}, {t[1]}: 1}}"),
            st.tuples(inner, st.sampled_from(METHODS)).map(lambda t: f"({t[0]}).{t[1]}"),
        )

    return st.recursive(atoms, extend, max_leaves=max_leaves)


def _outcome(run: Callable[[dict[str, Any]], Any]) -> tuple[str, Any]:
    try:
        result = run(CONTEXT)
        if isinstance(result, Undefined):
            str(result)  # as a condition does: an undefined result names what is missing
    except RUNTIME_ERRORS as err:
        return "error", _explain_runtime(err)
    return "value", result


def _same(source: str, fast: Callable[[], Runner | None], jinja: Callable[[], Runner]) -> None:
    """Both ways fail alike while compiling (Jinja folds constants then), or both are made
    and give the same value or error."""
    try:
        expected = jinja()
    except RUNTIME_ERRORS as err:
        with pytest.raises(type(err)) as raised:
            fast()
        assert _explain_runtime(raised.value) == _explain_runtime(err)
        return
    made = fast()
    assert made is not None, f"`{source}` should take the fast way"
    assert _outcome(made) == _outcome(expected)


@given(expressions())
def test_a_condition_of_a_common_shape_is_what_jinja_makes_of_it(source: str) -> None:
    _same(source, lambda: _direct(ENV, parse_condition(ENV, source)), lambda: _jinja_expression(ENV, source))


def _texts() -> st.SearchStrategy[str]:
    """Words, `{{ expression }}` and `{% if %}` blocks (with `elif` and `else`) around them."""
    holes = expressions(max_leaves=3).map(lambda source: f"{{{{ {source} }}}}")
    parts = st.one_of(holes, st.sampled_from(["Hi ", ", ", "!", "\n"]))

    def blocks(inner: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
        test = expressions(max_leaves=2)
        return st.tuples(test, inner, st.lists(st.tuples(test, inner), max_size=1), st.none() | inner).map(
            lambda t: (
                f"{{% if {t[0]} %}}{t[1]}"
                + "".join(f"{{% elif {e} %}}{body}" for e, body in t[2])
                + (f"{{% else %}}{t[3]}" if t[3] is not None else "")
                + "{% endif %}"
            )
        )

    return st.recursive(st.lists(parts, max_size=4).map("".join), blocks, max_leaves=4)


@given(_texts())
def test_a_text_of_a_common_shape_renders_as_jinja_renders_it(source: str) -> None:
    source = source or "{{ x }}"
    _same(source, lambda: _direct_text(ENV, ENV.parse(source)), lambda: _jinja_text(ENV, source))


# what a loop's body shows: its target, `loop`, a method of either, a name a `set` bound
_IN_LOOPS = [
    "{{ i }}",
    "{{ loop.index }}",
    "{{ loop.last }}",
    "{{ '' if loop.last else ', ' }}",
    "{{ loop.length }}-{{ loop.revindex0 }}",
    "{{ loop.previtem | default('-') }}",
    "{{ loop.cycle('a', 'b') }}",
    "{{ loop.changed(i) }}",
    "{{ i.upper() }}",
    "{{ x.split('b') }}",
    "{{ y }}",
    "{{ i | days_since }}",
]
_ITERABLES = ["items", "customer.tags", "customer", "x", "[]", "nothing", "missing", "pair", "history", "items * 3"]


def _loop_texts() -> st.SearchStrategy[str]:
    """Loops (with an `if`, an `else`, loops in them) over lists, maps, texts and what is not
    a list, after a `set` or not; their bodies read the target, `loop` and outer names."""
    parts = st.one_of(st.sampled_from(_IN_LOOPS), expressions(max_leaves=2).map(lambda source: f"{{{{ {source} }}}}"))
    words = st.sampled_from(["Hi ", ", ", "\n"])

    def loops(inner: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
        test = st.none() | st.sampled_from(["i", "not i", "i != 2", "i in items", "x", "loop"])
        return st.tuples(
            st.sampled_from(["i", "x", "y"]), st.sampled_from(_ITERABLES), test, inner, st.none() | inner
        ).map(
            lambda t: (
                f"{{% for {t[0]} in {t[1]}"
                + (f" if {t[2]}" if t[2] else "")
                + f" %}}{t[3]}"
                + (f"{{% else %}}{t[4]}" if t[4] is not None else "")
                + "{% endfor %}"
            )
        )

    body = st.recursive(st.lists(st.one_of(parts, words), min_size=1, max_size=3).map("".join), loops, max_leaves=3)
    sets = st.sampled_from(
        ["", "{% set y = history | sort(attribute='date') | last %}", "{% set today = '2026-03-01' %}"]
    )
    return st.tuples(sets, loops(body), st.sampled_from(["", "{{ y }}", "{{ i }}", "{{ loop }}"])).map("".join)


@given(_loop_texts())
def test_a_loop_renders_as_jinja_renders_it(source: str) -> None:
    fast = lambda: _direct_text(ENV, ENV.parse(source))  # noqa: E731
    if " if loop " in source:  # Jinja's scoping of a loop's `if`: left to Jinja
        assert fast() is None
        return
    _same(source, fast, lambda: _jinja_text(ENV, source))


def _rendered(source: str, context: dict[str, Any]) -> tuple[tuple[str, Any], tuple[str, Any]]:
    fast = _direct_text(ENV, ENV.parse(source))
    assert fast is not None, f"`{source}` should take the fast way"
    jinja = _jinja_text(ENV, source)
    return _outcome(lambda _: fast(context)), _outcome(lambda _: jinja(context))


def test_loops_spend_the_work_budget_and_the_output_limit_as_jinja_does() -> None:
    context = {**CONTEXT, "big": list(range(1000)), "some": list(range(300)), "long": "x" * 500}
    for source in (
        "{% for a in big %}{% for b in big %}{% endfor %}{% endfor %}",  # rounds alone
        "{% for a in big if a > 1 %}{% for b in big if false %}{% endfor %}{% endfor %}",  # rounds an `if` drops
        "{% for a in big %}{{ long }}{% endfor %}",  # the output limit
        "{% for a in big %}{% for b in some %}{{ long.upper() }}{% endfor %}{% endfor %}",  # calls
        "{% for a in big %}{{ loop.cycle(long, long) }}{% endfor %}",
    ):
        fast, jinja = _rendered(source, context)
        assert fast == jinja
        assert fast[0] == "error", source


def test_filters_given_constants_spend_the_work_budget_and_refuse_as_before() -> None:
    """What a filter charges and refuses, however its constant arguments are resolved: a
    sort charges the list it reads and the list it makes (90,002 characters each: two sorts
    fit the budget, three do not); a list too big to make is refused (the walk stops soon
    after the limit), as are wrong counts and widths."""
    items = ["x" * 8] * 9000  # 90,002 characters as a value
    context = {**CONTEXT, "big": items, "bigger": ["x" * 10] * 9000, "long": "x" * 20_000}
    too_much = "refused by the sandbox: the text does too much work (more than 500,000 steps); loop over fewer items, or make smaller values"
    for source, expected in (
        ("{{ big | sort | length }}{{ big | list | length }}", ("value", "90009000")),
        ("{{ big | sort | length }}{{ big | sort | length }}{{ big | list | length }}", ("error", too_much)),
        ("{{ big | sort(reverse=true) | length }}" * 3, ("error", too_much)),
        (
            "{{ bigger | sort | length }}",
            ("error", "refused by the sandbox: the value would be 100,002 characters long; the limit is 100,000"),
        ),
        (
            "{{ x | truncate(-5) }}",
            ("error", "refused by the sandbox: `truncate` takes a length from 0 to 10,000, not -5"),
        ),
        (
            "{{ x | wordwrap(0) }}",
            ("error", "refused by the sandbox: `wordwrap` takes a width from 1 to 10,000, not 0"),
        ),
        ("{{ x | center(20000) }}", ("error", "refused by the sandbox: a width of 20,000 is too large")),
        (
            "{{ long | replace('x', 'yyyyyy') }}",
            ("error", "refused by the sandbox: the value would be 120,000 characters long; the limit is 100,000"),
        ),
        ("{{ items | select | join(', ') }}|{{ x | replace('b', '-') }}", ("value", "1, 2, 3|a-c")),
    ):
        assert _rendered(source, context) == (expected, expected), source


def test_a_set_is_seen_after_it_and_by_filters_not_a_loops_target() -> None:
    context = {**CONTEXT, "when": "2026-01-01"}
    for source, expected in (
        ("{% set n = 7 %}{{ n }}{% for n in [1] %}{{ n }}{% endfor %}{{ n }}", "717"),
        ("{% set today = '2026-01-11' %}{{ when | days_since }}", "10"),
        ("{% for today in ['2026-01-21'] %}{{ when | days_since }}{% endfor %}", "31"),
        ("{% for i in items if i > 1 %}{{ i }}{{ loop.last }}{% else %}none{% endfor %}{{ n }}", "2False3True5"),
    ):
        assert _rendered(source, context) == (("value", expected), ("value", expected)), source


def test_what_the_fast_way_does_not_take_is_left_to_jinja() -> None:
    for source in (
        "{% for i in items %}{% set y = i %}{% endfor %}",  # a `set` in a loop
        "{% for i in items %}{{ y }}{% endfor %}{% set y = 1 %}",  # read before its `set`: Jinja's own scoping
        "{% set y = y ~ 'a' %}",
        "{% set a, b = pair %}",
        "{% for a, b in [pair] %}{{ a }}{% endfor %}",
        "{% for i in items recursive %}{{ i }}{% endfor %}",
        "{% for loop in items %}{% endfor %}",
        "{{ range(3) }}",
        "{{ x.upper(*items) }}",
    ):
        assert _direct_text(ENV, ENV.parse(source)) is None, source


def test_an_inline_if_with_an_else_takes_the_fast_way() -> None:
    for source in ("x if flag else n", "customer.name if nothing else 'nobody'", "(n if missing else x)"):
        fast = _direct(ENV, parse_condition(ENV, source))
        assert fast is not None, f"`{source}` should take the fast way"
        assert _outcome(fast) == _outcome(_jinja_expression(ENV, source))
    assert _direct(ENV, parse_condition(ENV, "x if flag")) is None  # no `else`: Jinja's own undefined


def test_what_only_reads_the_data_is_evaluated_without_a_run() -> None:
    for source in ("reason == 'technical'", "open_topics", "not verified", "a.b[0] and not c", "x if y else z.w"):
        assert _plain(parse_condition(ENV, source)), source
    for source in ("Hello {{ customer.name }}!", "Cancel{% if ref %} {{ ref }}{% elif n %}{{ n }}{% endif %}"):
        assert _plain(ENV.parse(source)), source
    for source in ("x | upper", "x is defined", "[x]", "x ~ y", "x + 1", "x.upper()", "{'a': x}", "x[1:]"):
        assert not _plain(parse_condition(ENV, source)), source
    for source in ("{% for i in items %}{{ i }}{% endfor %}", "{% set y = 1 %}{{ y }}", "{{ x | upper }}"):
        assert not _plain(ENV.parse(source)), source


def test_a_plain_text_meets_the_output_limit_where_jinja_does() -> None:
    """A text read without a run measures what it writes as it writes it: past the limit,
    the limit's error, before whatever a later part would have said."""
    context = {**CONTEXT, "big": "x" * 15_000, "many": ["x" * 100] * 300}
    for source in (
        "{{ big }}{{ big }}{{ missing }}",
        "{% if n %}{{ big }}{% endif %}{{ big }}{{ missing.field }}",
        "{{ many }}",
        "{{ big }}, {{ many[0] }}{{ big if n else x }}{{ x.__class__ }}",
    ):
        assert _plain(ENV.parse(source)), source
        fast, jinja = _rendered(source, context)
        assert fast == jinja
        assert fast == ("error", "refused by the sandbox: the text would be longer than 20,000 characters"), source


class _Book(Mapping[str, str]):
    """A map that is not a dict, with a method (`label`) named like one of its items."""

    __slots__ = ("_items",)

    def __init__(self, items: dict[str, str]) -> None:
        self._items = items

    def __getitem__(self, key: str) -> str:
        return self._items[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._items)

    def __len__(self) -> int:
        return len(self._items)

    def label(self) -> str:
        return "the method"


class _OwnAttributes(_Book):
    __slots__ = ("__dict__",)


class _Dynamic(_Book):
    __slots__ = ()

    def __getattr__(self, name: str) -> str:
        return f"attribute {name}"


def test_a_field_of_any_kind_of_map_is_read_as_the_sandbox_reads_it() -> None:
    """An item where Python finds no attribute of that name, else the attribute, whatever
    the map's class (an attribute of the instance's own, or one its class makes up)."""
    items = {"name": "Ann", "label": "the item", "get": "the item", "_items": "the item"}
    own = _OwnAttributes(items)
    own.__dict__["name"] = "its own"
    context = {**CONTEXT, "book": _Book(items), "own": own, "dynamic": _Dynamic(items)}
    for holder in ("book", "own", "dynamic", "customer", "x", "items"):
        for field in ("name", "label", "get", "missing", "_items", "__class__", "mro", "upper"):
            fast, jinja = _evaluated(f"{holder}.{field}", context)
            assert fast == jinja, f"{holder}.{field}"
    assert _evaluated("book.name", context)[0] == ("value", "Ann")
    assert _evaluated("own.name", context)[0] == ("value", "its own")
    assert _evaluated("dynamic.name", context)[0] == ("value", "attribute name")


def _evaluated(source: str, context: dict[str, Any]) -> tuple[tuple[str, Any], tuple[str, Any]]:
    fast = _direct(ENV, parse_condition(ENV, source))
    assert fast is not None, f"`{source}` should take the fast way"
    jinja = _jinja_expression(ENV, source)
    return _outcome(lambda _: fast(context)), _outcome(lambda _: jinja(context))


# texts and conditions as analysts write them, with the spacing, newlines and words Jinja reads its own way
_WORDS = ["Hi ", ", ", "!", "\n", "\r\n", "\r"]
_BRACES = ["}", "{ ", " } ", "a }} b", "{{"]
_FIELDS = [
    "{{ x }}",
    "{{customer.name}}",
    "{{  customer.address.city\n}}",
    "{{ x.name if x else customer.name }}",
    "{{ x | upper }}",
    "{{customer.name|default('d', true)|upper}}",
    '{{ n | f(1, "a b",) | g() }}',
    "{{ x | f(none, False, 0, '{{') }}",
]
_OTHER_HOLES = [
    "{{ none }}",
    "{{ x.if }}",
    "{{ x-1 }}",
    "{{- x }}",
    "{{ x if none else y }}",
    "{{ x | f(y) }}",
    "{{ x | f(012) }}",
    "{{ x | f(-1) }}",
    "{{ x | f(a=1) }}",
    "{{ x | if }}",
    "{{ x | f('}}') }}",
    "{{ x | a.b }}",
    "{{ x | f(,) }}",
]


@given(st.lists(st.sampled_from([*_WORDS, *_BRACES, *_FIELDS, *_OTHER_HOLES]), min_size=1, max_size=6))
def test_a_text_read_without_jinjas_lexer_is_the_tree_jinja_makes(parts: list[str]) -> None:
    source = "".join(parts)
    tree = text_tree(source)
    if tree is not None:
        assert tree == ENV.parse(source)
        # nothing in its `{{ }}` to fold: direct.py skips the optimizer on them
        assert [_optimized(hole) for hole in _holes(text_tree(source))] == _holes(tree)
    if all(part in _WORDS or part in _FIELDS for part in parts) and any(part in _FIELDS for part in parts):
        assert tree is not None, f"`{source!r}` should be read without the lexer"


_FILTERS_WRITTEN = ["| upper", "|default('', true)", "| f(1, 'a',)", "| f()", "| f(none, True)", "| f(012)", "| f(x)"]

_CONDITIONS = st.one_of(
    _lookup(),
    st.tuples(
        st.sampled_from(["x", "customer.name", " n "]),
        st.lists(st.sampled_from(_FILTERS_WRITTEN), min_size=1, max_size=3),
    ).map(lambda t: t[0] + " ".join(t[1])),
    st.sampled_from(NAMES).map(lambda name: f"not {name}"),
    st.tuples(
        st.sampled_from(["x", "customer.name", " n"]),
        st.sampled_from(["==", "!=", " == "]),
        st.sampled_from(["'a'", '"b c"', "0", "12", "012", "'it''s'", "'a\\'b'", "true", "none", "-1"]),
    ).map("".join),
)


@given(_CONDITIONS)
def test_a_condition_read_without_jinjas_lexer_is_the_tree_jinja_makes(source: str) -> None:
    tree = condition_tree(source)
    if tree is not None:
        assert tree == parse_condition(ENV, source)
        assert _optimized(condition_tree(source)) == tree  # nothing to fold: direct.py skips the optimizer


def _optimized(tree: nodes.Node | None) -> nodes.Node:
    """What Jinja's optimizer makes of a tree (it rewrites the tree it is given)."""
    assert tree is not None
    folded: nodes.Node = Optimizer(ENV).visit(tree, EvalContext(ENV))
    return folded


def _holes(tree: nodes.Template | None) -> list[nodes.Node]:
    """A text's `{{ }}` expressions (what direct.py folds as Jinja's code generator does)."""
    assert tree is not None
    return [
        node
        for output in tree.find_all(nodes.Output)
        for node in output.nodes
        if not isinstance(node, nodes.TemplateData)
    ]


def test_the_fold_check_tells_a_tree_the_optimizer_changes() -> None:
    assert _optimized(parse_condition(ENV, "x == 1 - 2")) != parse_condition(ENV, "x == 1 - 2")


def test_the_common_conditions_are_read_without_jinjas_lexer() -> None:
    common = ("is_client", "not customer.vip", "reason == 'technical'", 'x != "b c"', "n == 12", "today | f(5)")
    for source in (*common, "x | default('', true) | trim"):
        assert condition_tree(source) == parse_condition(ENV, source), source
    for source in ("x == 012", "not not x", "x == 'a' and y", "x | upper == 'A'", "x == true", "x == -1", "x | f(y)"):
        assert condition_tree(source) is None, source
