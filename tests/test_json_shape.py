"""The quick check of a snapshot's state never accepts what its JSON Schema refuses, and it
accepts the states real calls go through (or it would never spare jsonschema's time)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from callguide import Engine, FrozenClock
from callguide.json_shape import compile_shape, instant
from callguide.snapshot import Snapshots
from hypothesis import given
from hypothesis import strategies as st

DEMO = Path(__file__).parent / "packs" / "demo"
ANN = {"id": "C1", "name": "Ann Smith", "phone": "0712345678"}

ENGINE = Engine.load(DEMO, clock=FrozenClock("2026-11-23 10:00"), trust_unsigned=True)
SNAPSHOTS: Snapshots = ENGINE.snapshots
SCHEMA = SNAPSHOTS.schema
FIELDS = list(SCHEMA["properties"])

# texts the state's fields name: the pack's names, times, `flow:step` paths, wrap-up keys
NAMES = st.sampled_from(
    [
        "main", "billing", "en", "resolved", "step", "ended", "reason", "close", "queue", "description",
        "main:greet", "ghost:x", "2026-11-23T10:00:00+00:00", "2026-11-23 10:00", "yesterday", "",
        "id", "key", "name", "args", "flow", "result",
    ]
)  # fmt: skip
SCALARS = st.none() | st.booleans() | st.integers(-(2**60), 2**60) | st.floats() | st.text(max_size=5) | NAMES
JSON: st.SearchStrategy[Any] = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(NAMES | st.text(max_size=3), inner, max_size=4),
    max_leaves=12,
)


def schema_allows(value: Any, schema: dict[str, Any]) -> bool:
    from jsonschema import Draft202012Validator

    return not any(Draft202012Validator(schema, format_checker=SNAPSHOTS.validator.format_checker).iter_errors(value))


def started_states() -> list[dict[str, Any]]:
    session = ENGINE.start("main", {"agent": {"name": "Sam"}, "customer": ANN})
    states = [session.snapshot()["state"]]
    session.answer()
    session.answer("billing")
    states.append(session.snapshot()["state"])
    session.hang_up()
    states.append(session.snapshot()["state"])
    session.wrap_up("done")
    states.append(session.snapshot()["state"])
    return [json.loads(json.dumps(state)) for state in states]


@pytest.mark.parametrize("state", started_states())
def test_the_states_of_a_call_fit_without_jsonschema(state: dict[str, Any]) -> None:
    assert SNAPSHOTS.fits(state)


@pytest.mark.parametrize("name", FIELDS)
@given(value=JSON)
def test_a_field_that_fits_is_one_the_schema_allows(name: str, value: Any) -> None:
    state = {**started_states()[1], name: value}
    if SNAPSHOTS.fits(state):
        assert schema_allows(state, SCHEMA)


@given(value=JSON)
def test_a_value_that_fits_a_nested_value_is_one_the_schema_allows(value: Any) -> None:
    schema = SCHEMA["properties"]["vars"]
    if compile_shape(schema, {"instant": instant})(value):
        assert schema_allows(value, schema)


@pytest.mark.parametrize(
    ("schema", "value", "fits"),
    [
        ({"type": "integer"}, True, False),  # `true` is not a number in JSON Schema
        ({"type": "integer", "minimum": 1}, 0, False),
        ({"enum": ["a", None]}, None, True),
        ({"enum": [1]}, True, False),
        ({"type": "array", "items": {"type": "string"}, "maxItems": 1}, ["a", "b"], False),
        ({"type": "object", "additionalProperties": False}, {"a": 1}, False),
        ({"type": "object", "required": ["a"]}, {}, False),
        ({"type": "object", "propertyNames": {"enum": ["a"]}}, {"b": 1}, False),
        ({"anyOf": [{"type": "string", "maxLength": 1}, {"type": "null"}]}, "ab", False),
        ({"anyOf": [{"type": "string", "maxLength": 1}, {"type": "string", "pattern": "^b"}]}, "bc", True),
        ({"type": "string", "format": "instant"}, "2026-11-23T10:00:00", False),
    ],
)
def test_each_keyword_refuses_what_it_should(schema: dict[str, Any], value: Any, fits: bool) -> None:
    assert compile_shape(schema, {"instant": instant})(value) is fits


OPTIONAL_FIELD = {"type": "object", "properties": {"a": {"type": "string"}}, "additionalProperties": False}
SCALAR_OR_LIST = {"type": ["string", "array"], "maxLength": 1, "items": {"type": "null"}}
MAP_OR_NULL = {"anyOf": [{"type": "object", "additionalProperties": {"type": "integer"}}, {"type": "null"}]}


@pytest.mark.parametrize(
    ("schema", "value", "fits"),
    [
        ({}, {"a": [1, None, {"b": 1.5}]}, True),
        (OPTIONAL_FIELD, {}, True),
        (OPTIONAL_FIELD, {"a": "x"}, True),
        (OPTIONAL_FIELD, {"a": 1}, False),
        (OPTIONAL_FIELD, {"b": "x"}, False),
        ({"type": "array", "items": SCALAR_OR_LIST}, ["a", [None], []], True),
        ({"type": "array", "items": SCALAR_OR_LIST}, ["a", [None], "ab"], False),
        ({"type": "array", "items": SCALAR_OR_LIST}, ["a", [1]], False),
        ({"type": "array", "items": SCALAR_OR_LIST}, [None], False),
        (MAP_OR_NULL, None, True),
        (MAP_OR_NULL, {"a": 1}, True),
        (MAP_OR_NULL, {"a": "1"}, False),
        (MAP_OR_NULL, [], False),
        ({"enum": ["a", 1]}, ["a"], False),  # a list is never one of the choices (nor hashed)
        ({"type": "object", "required": ["a"], "properties": {"a": {"enum": [True]}}}, {"a": True, "b": 2}, True),
        ({"type": "object", "required": ["a"], "properties": {"a": {"enum": [True]}}}, {"a": 1}, False),
    ],
)
def test_the_written_checks_of_nested_and_optional_values(schema: dict[str, Any], value: Any, fits: bool) -> None:
    assert compile_shape(schema, {})(value) is fits
    assert schema_allows(value, schema) is fits


def test_a_keyword_it_cannot_check_is_a_mistake_never_ignored() -> None:
    with pytest.raises(TypeError, match="uniqueItems"):
        compile_shape({"type": "array", "uniqueItems": True}, {})
