"""The sandbox reads what a guarded filter is given as `inspect.Signature.bind` would, more
cheaply: the same arguments by name for every call, and the same refusal of a wrong call."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

import pytest
from callguide.sandbox import _COUNTS, _PREDICTED, Sandbox, _binder
from hypothesis import given
from hypothesis import strategies as st

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
