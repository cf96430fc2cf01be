"""Schema checks: each file against its kind's JSON Schema, reported in an analyst's words.

jsonschema's own messages quote the schema (`'nxet' does not match '^[a-z]...'`); here every
kind of violation becomes a sentence that names the key, says what is expected and, for a
misspelt key or value, what was probably meant.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from functools import cache
from typing import Any, NamedTuple

from callguide.check.hidden import misplaced
from callguide.load.yaml_source import Document
from callguide.problems import Problem, closest, did_you_mean
from callguide.schemas import schema
from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError
from jsonschema.protocols import Validator

_NAME_PATTERNS = {
    r"^[a-z][a-z0-9_]*$": "a name in lower case (letters, digits, `_`, starting with a letter)",
    r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*$": "a name in lower case, parts joined by dots (e.g. `caller.phone`)",
    r"^[0-9]+(\.[0-9]+)?\s*(s|m|h|d)$": "a duration: a number and s, m, h or d (e.g. `15s`, `4h`)",
    r"^[a-z]{2}(-[A-Z]{2})?$": "a language code such as `en` or `ru`",
    r"^[A-Za-z0-9_][A-Za-z0-9_\-]*$": "a word of letters, digits, `_` or `-` (no spaces)",
    r"^[A-Za-z][A-Za-z0-9_\-]*$": "a word of letters, digits, `_` or `-`, starting with a letter",
    r"^[A-Z]{2}$": "a two-letter country code such as `KE`",
    r"^\d{4}-\d\d-\d\d$": "a date written YYYY-MM-DD",
    r"^\d\d:\d\d-\d\d:\d\d$": "opening hours written HH:MM-HH:MM",
}
_TYPE_WORDS = {
    "string": "text",
    "object": "a map of `key: value`",
    "array": "a list",
    "integer": "a whole number",
    "number": "a number",
    "boolean": "true or false",
    "null": "nothing",
}


@cache
def validator(kind: str) -> Validator:
    found = schema(kind)
    # Editors get a branch per step kind (`$defs/step`), to complete only the keys of the kind
    # being written; a step is checked against every step key (`$defs/any_step`), and the
    # loader says which key does not fit its kind, in an analyst's words.
    if "any_step" in found["$defs"]:
        found["$defs"]["step"] = found["$defs"]["any_step"]
    plain = Draft202012Validator(found)
    # jsonschema passes its resolver on to every part it descends into (`evolve`); the
    # attribute is private (its stubs leave it out) but it is how a validator takes one
    return plain.evolve(_resolver=_Refs(plain._resolver))  # type: ignore[attr-defined]


class _Resolved(NamedTuple):
    contents: Any
    resolver: Any


class _Refs:
    """A schema's resolver that looks each `$ref` into its own `$defs` up once.

    jsonschema looks a reference up again wherever it meets it: in a 5,000-step flow that is
    17,000 look-ups through `referencing`, a third of the schema check. Our schemas' references
    all point into their own `$defs` (`#/$defs/text`) and none of their parts has an `$id` of
    its own (tests/test_schemas.py holds them to that), so what a reference resolves to never
    depends on where it is met. Any other reference, or a part with its own `$id`, is left to
    `referencing`'s resolver as before.
    """

    def __init__(self, resolver: Any) -> None:
        self._resolver = resolver
        self._found: dict[str, _Resolved] = {}

    def lookup(self, ref: str) -> Any:
        if not ref.startswith("#/"):
            return self._resolver.lookup(ref)
        found = self._found.get(ref)
        if found is None:
            found = self._found[ref] = _Resolved(self._resolver.lookup(ref).contents, self)
        return found

    def in_subresource(self, subresource: Any) -> Any:
        return self if subresource.id() is None else self._resolver.in_subresource(subresource)


def schema_problems(document: Document, kind: str) -> list[Problem]:
    return [problem for error in validator(kind).iter_errors(document.data) for problem in _explain(error, document)]


def _explain(error: ValidationError, document: Document) -> Iterator[Problem]:
    error = _most_relevant(error)
    path = tuple(error.absolute_path)
    where = document.pos(path)
    key = _last_key(path)
    value = error.instance
    rule = error.validator
    spec = error.schema if isinstance(error.schema, dict) else {}

    def problem(code: str, message: str, at_key: bool = False) -> Problem:
        return Problem(document.pos(path, key=True) if at_key else where, "error", code, message)

    if rule == "additionalProperties" and isinstance(value, dict):
        known = list(spec.get("properties", {}))
        for extra in value:
            if extra in spec.get("properties", {}):
                continue
            indented = misplaced(document, path, extra)
            if indented is not None:
                yield indented
                continue
            meant = closest(extra, known)
            if meant in value:  # following a "did you mean" would give the key twice
                suggestion = f"; `{meant}` is already given here: remove one of them"
            else:
                suggestion = f" - did you mean `{meant}`?" if meant else ""
            allowed = "" if suggestion else f" (allowed here: {', '.join(f'`{k}`' for k in known)})"
            yield Problem(
                document.pos((*path, extra), key=True),
                "error",
                "unknown-key",
                f"unknown key `{extra}`{_in(key)}{suggestion or allowed}",
            )
    elif rule == "required":
        missing = str(error.message).split("'")[1]
        help_ = spec.get("properties", {}).get(missing, {}).get("description", "")
        yield problem("missing-key", f"`{missing}` is missing{_in(key)}: {help_}".rstrip(": "))
    elif rule == "type" or (rule in ("oneOf", "anyOf") and not _context_relevant(error)):
        yield problem("wrong-type", _wrong_type(key, value, error))
    elif rule == "const":
        yield problem("wrong-type", f"`{key}` takes `true` here (or leave it out), not `{_show(value)}`")
    elif rule == "enum":
        choices = [str(choice) for choice in (spec.get("enum") or [])]
        suggestion = did_you_mean(str(value), choices)
        options = ", ".join(f"`{choice}`" for choice in choices)
        yield problem(
            "bad-value",
            f"`{_show(value)}` is not allowed for `{key}`: use one of {options}{suggestion}",
        )
    elif _under_property_names(error):
        # jsonschema reports a bad key as its own `pattern` error, at the map that holds it
        expected = _NAME_PATTERNS.get(str(error.validator_value), f"text matching `{error.validator_value}`")
        yield Problem(
            document.pos((*path, str(value)), key=True),
            "error",
            "bad-name",
            f"`{_show(value)}` is not a valid name{_in(key)}: use {expected}",
        )
    elif rule == "pattern":
        expected = _NAME_PATTERNS.get(str(error.validator_value), f"text matching `{error.validator_value}`")
        yield problem("bad-value", f"`{_show(value)}` is not valid for `{key}`: expected {expected}")
    elif rule in ("minimum", "maximum"):
        side = "at least" if rule == "minimum" else "at most"
        yield problem("bad-value", f"`{key}` must be {side} {error.validator_value}, not {_show(value)}")
    elif rule in ("minItems", "minProperties"):
        yield problem("bad-value", f"`{key}` must not be empty")
    elif rule == "uniqueItems":
        yield problem("duplicate-option", f"`{key}` lists the same item twice")
    else:
        yield problem("bad-value", f"`{key}`: {error.message}")


def _most_relevant(error: ValidationError) -> ValidationError:
    """For `oneOf` / `anyOf`, the violation inside the branch that fits the value's type."""
    while error.validator in ("oneOf", "anyOf") and _context_relevant(error):
        candidates = [sub for sub in error.context or () if sub.validator not in ("type", "const")]
        error = max(candidates, key=lambda sub: len(sub.absolute_path))
    return error


def _under_property_names(error: ValidationError) -> bool:
    schema_path = list(error.relative_schema_path)
    return len(schema_path) >= 2 and schema_path[-2] == "propertyNames"


def _context_relevant(error: ValidationError) -> bool:
    return any(sub.validator not in ("type", "const") for sub in error.context or ())


def _wrong_type(key: str, value: Any, error: ValidationError) -> str:
    expected = _expected_types(error.schema)
    found = _describe(value)
    message = f"`{key}` should be {expected}, but is {found}"
    if isinstance(value, bool) and "text" in expected:
        message += f'; write it in quotes ("{_show(value)}") if it is text'
    return message


def _expected_types(spec: Any) -> str:
    kinds: list[str] = []
    if isinstance(spec, dict):
        if "const" in spec:
            kinds.append("`true`")
        declared = spec.get("type")
        kinds.extend([declared] if isinstance(declared, str) else declared or [])
        for branch in spec.get("oneOf", []) + spec.get("anyOf", []):
            kinds.append(_expected_types(branch))
        if "$ref" in spec:
            kinds.append("text" if spec["$ref"].endswith(("/text", "/condition", "/duration")) else "a map")
    words = list(dict.fromkeys(_TYPE_WORDS.get(kind, kind) for kind in kinds if kind))
    return " or ".join(words) or "something else"


def _describe(value: Any) -> str:
    if isinstance(value, bool):
        return f"`{_show(value)}` (a yes/no value)"
    if value is None:
        return "empty"
    if isinstance(value, (int, float)):
        return f"the number {value}"
    if isinstance(value, str):
        return f"the text `{_show(value)}`"
    return "a list" if isinstance(value, list) else "a map"


def _show(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False)[:60]
    text = str(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _last_key(path: tuple[str | int, ...]) -> str:
    for part in reversed(path):
        if isinstance(part, str):
            return part
    return "the file"


def _in(key: str) -> str:
    return "" if key == "the file" else f" in `{key}`"
