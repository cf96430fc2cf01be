"""Whether a JSON value fits a JSON Schema, at the speed of its data.

The keywords the snapshot's state schema uses are compiled once into nested functions that
answer yes or no and nothing else: where the answer is no, jsonschema is asked for the
refusal and its message (a valid snapshot never imports it). The functions never accept
what the schema refuses; they may refuse what it would accept in corners no snapshot of
this engine has (an integer written `3.0`, a tuple, a subclass of `dict`): jsonschema then
has the last word.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

Fits = Callable[[Any], bool]

# the Python type of each JSON value `json.loads` makes, by JSON Schema type name
_TYPES: dict[str, tuple[type, ...]] = {
    "null": (type(None),),
    "boolean": (bool,),
    "integer": (int,),
    "number": (int, float),
    "string": (str,),
    "array": (list,),
    "object": (dict,),
}
_SCALARS = (type(None), bool, int, float, str)
_IGNORED = frozenset({"$schema", "description"})
_KEYWORDS = frozenset(
    {
        "type", "enum", "anyOf", "format", "pattern", "minLength", "maxLength", "minimum", "maximum",
        "minItems", "maxItems", "items", "maxProperties", "properties", "additionalProperties", "required",
        "propertyNames",
    }
) | _IGNORED  # fmt: skip


def compile_shape(schema: Mapping[str, Any], formats: Mapping[str, Callable[[str], bool]]) -> Fits:
    """A function telling whether a value fits `schema`; `formats` checks each `format` named.
    A keyword it does not know is a mistake of the caller's schema (TypeError), never ignored."""
    return _fits(_Compiler(formats).compile(schema))


def instant(value: str) -> bool:
    """A date and time with its time zone."""
    try:
        return datetime.fromisoformat(value).tzinfo is not None
    except ValueError:
        return False


# A compiled schema: the check of each Python type a value may have (a type missing does not
# fit; `_yes` needs no call). Containers look their items' checks up here themselves: most
# items are scalars, and a call less per item is what makes the check quick.
Checks = dict[type, Fits]


def _fits(checks: Checks) -> Fits:
    def fits(value: Any) -> bool:
        check = checks.get(type(value))
        return check is not None and (check is _yes or check(value))

    return fits


class _Compiler:
    def __init__(self, formats: Mapping[str, Callable[[str], bool]]) -> None:
        self.formats = formats
        # schemas are shared by identity (the levels of a nested value): each is compiled once
        self.done: dict[int, Checks] = {}

    def compile(self, schema: Mapping[str, Any]) -> Checks:
        found = self.done.get(id(schema))
        if found is None:
            found = self.done[id(schema)] = self._compile(schema)
        return found

    def _compile(self, schema: Mapping[str, Any]) -> Checks:
        unknown = sorted(set(schema) - _KEYWORDS)
        if unknown:
            raise TypeError(f"no fast check for the JSON Schema keyword {unknown[0]!r}")
        named = schema.get("type")
        names = [named] if isinstance(named, str) else list(named) if named is not None else list(_TYPES)
        allowed = {kind for name in names for kind in _TYPES[name]}
        own: dict[type, Fits | None] = {
            str: self._string(schema),
            list: self._array(schema),
            dict: self._object(schema),
        }
        own[int] = own[float] = _number(schema)
        checks: Checks = {kind: _both(_yes, own.get(kind)) for kind in allowed}
        if "enum" in schema:
            checks = _enum(schema["enum"], checks)
        if "anyOf" in schema:
            checks = _any_of([self.compile(option) for option in schema["anyOf"]], checks)
        return checks

    def _string(self, schema: Mapping[str, Any]) -> Fits | None:
        low, high = schema.get("minLength", 0), schema.get("maxLength")
        pattern = re.compile(schema["pattern"]) if "pattern" in schema else None
        form = self.formats[schema["format"]] if "format" in schema else None
        if not low and high is None and pattern is None and form is None:
            return None

        def fits(value: str) -> bool:
            size = len(value)
            return (
                size >= low
                and (high is None or size <= high)
                and (pattern is None or pattern.search(value) is not None)
                and (form is None or form(value))
            )

        return fits

    def _array(self, schema: Mapping[str, Any]) -> Fits | None:
        low, high = schema.get("minItems", 0), schema.get("maxItems")
        items = self.compile(schema["items"]) if "items" in schema else None
        if not low and high is None and items is None:
            return None

        def fits(value: list[Any]) -> bool:
            size = len(value)
            if size < low or (high is not None and size > high):
                return False
            if items is not None:
                for item in value:
                    check = items.get(type(item))
                    if check is None or (check is not _yes and not check(item)):
                        return False
            return True

        return fits

    def _object(self, schema: Mapping[str, Any]) -> Fits:
        high = schema.get("maxProperties")
        required = tuple(schema.get("required", ()))
        properties = {name: self.compile(part) for name, part in schema.get("properties", {}).items()}
        others = schema.get("additionalProperties", True)
        rest = None if others is True else {} if others is False else self.compile(others)
        names = schema.get("propertyNames")
        if names is not None and set(names) - {"enum"}:
            raise TypeError("no fast check for `propertyNames` other than an `enum`")
        known = frozenset(names["enum"]) if names is not None else None

        def fits(value: dict[Any, Any]) -> bool:
            if high is not None and len(value) > high:
                return False
            for name in required:
                if name not in value:
                    return False
            for name, item in value.items():
                if type(name) is not str or (known is not None and name not in known):
                    return False
                checks = properties.get(name, rest)
                if checks is None:
                    continue
                check = checks.get(type(item))
                if check is None or (check is not _yes and not check(item)):
                    return False
            return True

        return fits


def _number(schema: Mapping[str, Any]) -> Fits | None:
    low, high = schema.get("minimum"), schema.get("maximum")
    if low is None and high is None:
        return None
    return lambda value: (low is None or value >= low) and (high is None or value <= high)


def _enum(choices: list[Any], checks: Checks) -> Checks:
    """Only scalars are listed in our schemas; a value is one of them with its own type
    (`true` is not `1`, as JSON Schema has it)."""
    if not all(isinstance(choice, _SCALARS) for choice in choices):
        raise TypeError("no fast check for an `enum` of lists or maps")
    listed = frozenset((type(choice), choice) for choice in choices)

    def one_of(value: Any) -> bool:
        return (type(value), value) in listed

    return {kind: _both(check, one_of) for kind, check in checks.items() if kind in _SCALARS}


def _any_of(options: list[Checks], checks: Checks) -> Checks:
    """`anyOf` where the options take values of different types (`X or null`): each type's
    check is its option's; otherwise a value is tried against every option."""
    kinds = [kind for option in options for kind in option]
    if len(kinds) == len(set(kinds)):
        merged = {kind: check for option in options for kind, check in option.items()}
    else:
        tries = [_fits(option) for option in options]

        def any_fits(value: Any) -> bool:
            return any(fits(value) for fits in tries)

        merged = dict.fromkeys(kinds, any_fits)
    return {kind: _both(checks[kind], check) for kind, check in merged.items() if kind in checks}


def _both(first: Fits, second: Fits | None) -> Fits:
    if second is None or second is _yes:
        return first
    if first is _yes:
        return second
    return lambda value: first(value) and second(value)


def _yes(value: Any) -> bool:
    return True
