"""How keys are written, where the written form is not the model's type.

The model's classes declare the keys (`callguide.model`); msgspec turns them into JSON
Schemas (`callguide.schemas.source`). Most written forms follow from a field's type; these
do not: a text is one string or a map of languages, not a `Text`; `next` is a step name or a
list of branches; an answer type is `true` or a map of settings, which msgspec would write
as an `enum` and so change what the checker tells the analyst. They are given here as the
JSON Schema a field adds (msgspec's `extra_json_schema`).
"""

from __future__ import annotations

from typing import Any, get_args

from msgspec import Meta

Schema = dict[str, Any]

IDENTIFIER = r"^[a-z][a-z0-9_]*$"
DOTTED = r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*$"
DURATION_PATTERN = r"^[0-9]+(\.[0-9]+)?\s*(s|m|h|d)$"

NAME: Schema = {"type": "string", "pattern": IDENTIFIER}
STRING: Schema = {"type": "string"}
FLAG: Schema = {"type": "boolean"}
BOUND: Schema = {"type": ["string", "number"]}
TEXT: Schema = {"$ref": "#/$defs/text"}
CONDITION: Schema = {"$ref": "#/$defs/condition"}

NAMED = Meta(pattern=IDENTIFIER)  # a name in lower case
STORED = Meta(pattern=DOTTED)  # a name to store a value under, parts joined by dots


def key(title: str, description: str, written: Schema | None = None, **extra: Any) -> Meta:
    """A key's hover help; `written`: its shape where the field's type does not give it all;
    `extra`: what the loader and the checker need of it (`misplaced`, `spoken`)."""
    return Meta(title=title, description=description, extra_json_schema=written, extra=extra or None)


def in_order(literal: Any) -> Meta:
    """A `Literal`'s values offered in the order declared (msgspec writes them sorted)."""
    return Meta(extra_json_schema={"x-written": {"enum": list(get_args(literal))}})


def p(title: str, description: str, schema: Schema | None = None) -> Schema:
    """A property: its hover help plus its shape."""
    return {"title": title, "description": description, **(schema or {})}


def obj(properties: dict[str, Schema], required: tuple[str, ...] = (), **extra: Any) -> Schema:
    schema: Schema = {"type": "object", "properties": properties, "additionalProperties": False}
    if required:
        schema["required"] = list(required)
    schema.update(extra)
    return schema


def map_of(value: Schema, key_pattern: str = IDENTIFIER, **extra: Any) -> Schema:
    return {"type": "object", "propertyNames": {"pattern": key_pattern}, "additionalProperties": value, **extra}


def true_or(settings: dict[str, Schema]) -> Schema:
    """An answer type written `true`, or as a map of its settings."""
    return {"oneOf": [{"const": True}, obj(settings)]}


# `next: bye`, or a list of branches (a string's pattern and an array's items do not clash).
# msgspec writes a field's own type over what `extra_json_schema` says of it, so the shape is
# given under `x-written`, which the schema writer puts in place of msgspec's.
NEXT: Schema = {
    "x-written": {"type": ["string", "array"], "pattern": IDENTIFIER, "items": {"$ref": "#/$defs/Case"}, "minItems": 1}
}
SETS: Schema = map_of(CONDITION, DOTTED)
NAMES: Schema = {"propertyNames": {"pattern": IDENTIFIER}}  # a map's keys: names in lower case
NAMES_ONE_OR_MORE: Schema = {**NAMES, "minProperties": 1}
OPTIONS: Schema = {
    "type": ["object", "array"],
    "propertyNames": {"pattern": r"^[A-Za-z0-9_][A-Za-z0-9_\-]*$"},
    "additionalProperties": {
        "anyOf": [
            TEXT,
            obj(
                {
                    "label": {**TEXT, "title": "Label", "description": "What the agent sees."},
                    "if": {
                        **CONDITION,
                        "title": "If",
                        "description": "The option can be picked only when this is true; otherwise it is shown greyed out.",
                    },
                    "else": {
                        **TEXT,
                        "title": "Else",
                        "description": "Why the option is greyed out, e.g. `no valid mobile number`.",
                    },
                },
                required=("label",),
            ),
        ]
    },
    "items": {"type": ["string", "integer"]},
    "minItems": 1,
    "minProperties": 1,
}
DURATION: Schema = {"x-written": {"$ref": "#/$defs/duration"}}
ONE_OR_LIST: Schema = {"x-one-or-list": True}  # one item, or a list of them (not empty)
UNIQUE: Schema = {"uniqueItems": True}
STATE_NAMES: Schema = {"propertyNames": {"pattern": r"^[A-Za-z][A-Za-z0-9_\-]*$"}, "minProperties": 1}
DOTTED_NAMES: Schema = {"propertyNames": {"pattern": DOTTED}}
STEPS: Schema = {"x-written": map_of({"$ref": "#/$defs/step"}, minProperties=1)}
ENVIRONMENTS: Schema = {"x-written": map_of(map_of({"type": ["object", "string", "number"]}), minProperties=1)}
