"""The sandbox's guarded filters do what Jinja's own do, more cheaply: they read what they are
given as `inspect.Signature.bind` would (the same arguments by name for every call, the same
refusal of a wrong call), and the async-ready ones give what Jinja's wrapper gives."""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from callguide.direct import Run
from callguide.filters import make_environment
from callguide.sandbox import _COUNTS, _PREDICTED, Sandbox, _binder, pass_argument
from hypothesis import given
from hypothesis import strategies as st
from jinja2.nodes import EvalContext

BOUND = sorted(_PREDICTED | set(_COUNTS))
ARGUMENTS = st.one_of(st.integers(-3, 300), st.text(max_size=3), st.none(), st.booleans())
# the filters' parameters, and one none of them has
NAMES = [
    *("s", "old", "new", "count", "width", "first", "blank", "length", "end", "killwords", "leeway", "d"),
    *("attribute", "value", "indent", "linecount", "slices", "fill_with", "wrapstring", "target", "rel", "x"),
]


def _raw(name: str) -> Callable[..., Any]:
    return Sandbox().filters[name]  # Jinja's own, before the sandbox guards it


def _bound(function: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
    try:
        return dict(inspect.signature(function).bind(*args, **kwargs).arguments)
    except TypeError as err:
        return ("refused", str(err))


def _fast(function: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
    try:
        return dict(_binder(function)(*args, **kwargs))
    except TypeError as err:
        return ("refused", str(err))


@pytest.mark.parametrize("name", BOUND)
@given(
    args=st.lists(ARGUMENTS, max_size=6).map(tuple),
    kwargs=st.dictionaries(st.sampled_from(NAMES), ARGUMENTS, max_size=3),
)
def test_binds_as_inspect_does(name: str, args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
    function = _raw(name)
    assert _fast(function, args, kwargs) == _bound(function, args, kwargs)


def test_refuses_a_name_given_twice_as_inspect_does() -> None:
    function = _raw("replace")
    assert _fast(function, (None, "a", "b", "c"), {"old": "x"}) == (
        "refused",
        "multiple values for argument 'old'",
    )


ENV = make_environment()
ITEMS = [
    {"name": "Ann", "n": 2, "tags": ["a"]},
    {"name": "Bo", "n": 0, "tags": []},
    {"name": "Ann", "n": 5, "tags": []},
]
# Jinja's async-ready filters, called as analysts call them
ASYNC_READY: list[tuple[str, tuple[Any, ...], dict[str, Any]]] = [
    ("first", (), {}),
    ("groupby", ("name",), {}),
    ("join", (", ", "name"), {}),
    ("list", (), {}),
    ("map", (), {"attribute": "n"}),
    ("map", ("string",), {}),
    ("reject", (), {}),
    ("rejectattr", ("n",), {}),
    ("select", (), {}),
    ("selectattr", ("tags",), {}),
    ("slice", (2,), {}),
    ("sum", (), {"attribute": "n"}),
    ("unique", (), {"attribute": "name"}),
]


@pytest.mark.parametrize(("name", "args", "kwargs"), ASYNC_READY)
def test_an_async_ready_filter_gives_what_jinja_gives(name: str, args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
    value = [item["n"] for item in ITEMS] if name in ("reject", "select") else ITEMS
    run = Run(ENV, EvalContext(ENV), {})
    jinja = Sandbox().filters[name]  # Jinja's wrapper, handed what it asks for first
    lead = {"context": run, "eval_context": run.eval_ctx, "environment": ENV}[str(pass_argument(jinja))]
    expected = jinja(lead, value, *args, **kwargs)
    made = list(expected) if isinstance(expected, Iterator) else expected  # the sandbox makes a list of it
    assert ENV.filters[name](run, value, *args, **kwargs) == made
