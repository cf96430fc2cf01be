"""A property of the sandbox: whatever a text is made of (the sandbox's globals, every filter
and test, the names of the call's context, their fields and methods, calls, literals, loops),
rendering it changes no value of the context, and neither its output nor its error message
shows anything of Python's (`<function`, `<class`, ` object at 0x`...).

The texts go straight into the sandbox, with no checker in front of it.
"""

from __future__ import annotations

import copy
from typing import Any

from callguide import RenderError
from callguide.context import PhraseBook
from callguide.expr import CompiledCondition, CompiledText
from callguide.problems import Pos
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from .test_hostile_sandbox import ENV, REPRS, context

AT = Pos("texts.yaml", 1, 1)
NAMES = sorted({*context(), "phrases", "nope", "loop"})
# fields and methods of the values in the context, and of Python's types behind them
ATTRIBUTES = [
    "name", "title", "permissions", "tags", "count", "year", "tzinfo", "update", "clear", "pop", "setdefault",
    "append", "extend", "insert", "remove", "sort", "reverse", "copy", "get", "items", "keys", "values",
    "upper", "format", "join", "strftime", "replace", "now", "today", "fromtimestamp", "clear_cache",
    "no_cache", "fromkeys", "maketrans", "mro", "__class__", "__dict__", "__globals__", "__self__", "key",
]  # fmt: skip
LITERALS = ["'a'", "1", "-3", "10**6", "none", "true", "[]", "{}", "'x' * 3", "(1, 2)"]


# How a bigger expression is made of one or two smaller ones (`a`, `b`), an attribute, a
# filter and a test.
SHAPES = [
    "{a}.{attr}",
    "{a}()",
    "{a}({b})",
    "{a}({b}, name={b})",
    "{a}|{filter}",
    "{a}|{filter}({b})",
    "({a} is {test})",
    "[{a}, {b}]",
    "({a} ~ {b})",
    "{a}[{b}]",
    "dict.update({a}, x={b})",
    "'{{}}'.format({a})",
]


def expressions() -> st.SearchStrategy[str]:
    def extend(inner: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
        parts = st.fixed_dictionaries(
            {
                "a": inner,
                "b": inner,
                "attr": st.sampled_from(ATTRIBUTES),
                "filter": st.sampled_from(sorted(ENV.filters)),
                "test": st.sampled_from(sorted(ENV.tests)),
            }
        )
        return st.tuples(st.sampled_from(SHAPES), parts).map(lambda shape: shape[0].format(**shape[1]))

    return st.recursive(st.sampled_from(NAMES) | st.sampled_from(LITERALS), extend, max_leaves=6)


def texts() -> st.SearchStrategy[str]:
    return expressions().flatmap(
        lambda expr: st.sampled_from(
            [
                f"{{{{ {expr} }}}}",
                f"Hi {{{{ {expr} }}}}!",
                f"{{% for item in {expr} %}}{{{{ item }}}},{{% endfor %}}",
                f"{{% set v = {expr} %}}{{{{ v }}}}",
                f"{{% if {expr} %}}yes{{% endif %}}",
            ]
        )
    )


def shows_python(text: str) -> list[str]:
    return [shown for shown in REPRS if shown in text]


def the_context() -> dict[str, Any]:
    values = context()
    values["phrases"] = PhraseBook({}, values, "en")
    return values


def comparable(values: dict[str, Any]) -> dict[str, Any]:
    """Everything in the context that is data (the phrase book renders on demand)."""
    return copy.deepcopy({name: value for name, value in values.items() if name != "phrases"})


@settings(max_examples=400, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(source=texts())
def test_a_random_text_changes_nothing_and_shows_nothing_of_pythons(source: str) -> None:
    values = the_context()
    before = comparable(values)
    try:
        shown = CompiledText(ENV, source, AT).render(values)
    except RenderError as refused:
        shown = str(refused)
    assert comparable(values) == before, source
    assert not shows_python(shown), (source, shown)


@settings(max_examples=200, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(source=expressions())
def test_a_random_condition_changes_nothing_and_hands_back_only_data(source: str) -> None:
    values = the_context()
    before = comparable(values)
    try:
        result: Any = CompiledCondition(ENV, source, AT).value(values)
        shown = f"{result}"
    except RenderError as refused:
        shown = str(refused)
    assert comparable(values) == before, source
    assert not shows_python(shown), (source, shown)
