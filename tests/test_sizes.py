"""The sandbox measures a value of plain data the quick way (`_plain_size`) exactly as its
item-by-item walk does: the same size and depth, and past the limit or on anything that is
not plain data it leaves the value to the walk (whose figure and errors are the messages)."""

from __future__ import annotations

from typing import Any

from callguide.sandbox import MAX_VALUE, MAX_VALUE_DEPTH, _measure, _plain_size, _walk, size_of
from hypothesis import given
from hypothesis import strategies as st

LEAVES = st.one_of(
    st.text(max_size=20),
    st.integers(min_value=-(2**80), max_value=2**80),
    st.booleans(),
    st.floats(allow_nan=False),
    st.none(),
    st.sampled_from([range(3), b"bytes", frozenset({1})]),
)
SCALARS = st.one_of(
    st.integers(min_value=-(2**80), max_value=2**80),
    st.booleans(),
    st.floats(),
    st.none(),
    st.dates(),
    st.datetimes(),
    st.text(max_size=5),
)
VALUES = st.recursive(
    LEAVES,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.lists(inner, max_size=3).map(tuple),
        st.dictionaries(st.text(max_size=3), inner, max_size=4),
    ),
    max_leaves=30,
)


def _outcome(measure: Any, value: Any, limit: int) -> tuple[str, Any]:
    try:
        return "size", measure(value, limit)
    except Exception as err:  # the walk's refusals: the same type and words
        return "error", (type(err), str(err))


@given(VALUES, st.sampled_from([0, 5, 40, 100_000]))
def test_a_value_measures_the_same_either_way(value: Any, limit: int) -> None:
    quick = _plain_size(value, limit)
    if quick is not None:
        assert quick == _walk(value, limit)
        assert quick[0] <= limit
    assert _outcome(_measure, value, limit) == _outcome(_walk, value, limit)


@given(st.integers(min_value=MAX_VALUE_DEPTH - 2, max_value=MAX_VALUE_DEPTH + 2))
def test_a_value_nested_too_deep_is_refused_by_the_walk(depth: int) -> None:
    value: Any = "x"
    for _ in range(depth):
        value = [value]
    assert _outcome(_measure, value, 100_000) == _outcome(_walk, value, 100_000)


@given(SCALARS)
def test_a_scalar_measures_what_the_walk_counts(value: Any) -> None:
    assert size_of(value) == _walk(value, MAX_VALUE)[0]
