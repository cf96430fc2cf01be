"""Whether a JSON value fits a JSON Schema, at the speed of its data.

The keywords the snapshot's state schema uses are compiled once into Python functions that
answer yes or no and nothing else: where the answer is no, jsonschema is asked for the
refusal and its message (a valid snapshot never imports it). The functions never accept
what the schema refuses; they may refuse what it would accept in corners no snapshot of
this engine has (an integer written `3.0`, a tuple, a subclass of `dict`): jsonschema then
has the last word.

The functions are written as Python source and compiled once (as `dataclasses` writes an
`__init__`): a scalar's check is an expression written where the value is met, and the fields
of a map with fixed fields are checked one after the other, so that checking a value costs
a few comparisons, not calls. The source holds no text of the schema but the fields' names
(as literals); every other value it uses is a constant passed in by name.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

Fits = Callable[[Any], bool]

# the Python types of each JSON value `json.loads` makes, by JSON Schema type name
_TYPES: dict[str, tuple[str, ...]] = {
    "null": ("None",),
    "boolean": ("bool",),
    "integer": ("int",),
    "number": ("int", "float"),
    "string": ("str",),
    "array": ("list",),
    "object": ("dict",),
}
_CONTAINERS = frozenset({"list", "dict"})
_IGNORED = frozenset({"$schema", "description"})
_KEYWORDS = frozenset(
    {
        "type", "enum", "anyOf", "format", "pattern", "minLength", "maxLength", "minimum", "maximum",
        "minItems", "maxItems", "items", "maxProperties", "properties", "additionalProperties", "required",
        "propertyNames",
    }
) | _IGNORED  # fmt: skip
_SCALARS = (type(None), bool, int, float, str)
_MISSING = object()


def compile_shape(schema: Mapping[str, Any], formats: Mapping[str, Callable[[str], bool]]) -> Fits:
    """A function telling whether a value fits `schema`; `formats` checks each `format` named.
    A keyword it does not know is a mistake of the caller's schema (TypeError), never ignored."""
    return _Compiler(formats).fits(schema)


def instant(value: str) -> bool:
    """A date and time with its time zone."""
    try:
        return datetime.fromisoformat(value).tzinfo is not None
    except ValueError:
        return False


class _Compiler:
    def __init__(self, formats: Mapping[str, Callable[[str], bool]]) -> None:
        self.formats = formats
        self.constants: dict[str, Any] = {"MISSING": _MISSING}
        self.source: list[str] = []
        # schemas are shared by identity (the levels of a nested value): each is written once
        self.functions: dict[int, str] = {}

    def fits(self, schema: Mapping[str, Any]) -> Fits:
        name = self.function(schema)
        namespace = dict(self.constants)
        exec(compile("\n".join(self.source), "<json_shape>", "exec"), namespace)
        fits: Fits = namespace[name]
        return fits

    def constant(self, value: Any) -> str:
        name = f"C{len(self.constants)}"
        self.constants[name] = value
        return name

    def function(self, schema: Mapping[str, Any]) -> str:
        """The name of the function that checks a value against `schema`, written once."""
        name = self.functions.get(id(schema))
        if name is None:
            name = self.functions[id(schema)] = f"fits_{len(self.functions)}"
            lines = self.body(schema)
            self.source.append(f"def {name}(v):\n" + "\n".join(f"    {line}" for line in lines))
        return name

    def test(self, schema: Mapping[str, Any], var: str) -> str:
        """An expression that is true when the value in `var` fits `schema`: the check itself
        for a scalar, a call of the schema's function for a value that may be a container."""
        options = schema.get("anyOf")
        if _only_options(schema):  # `X or null`: null tried first
            scalars_first = sorted(schema["anyOf"], key=lambda option: not _scalar(option))
            return _any([self.test(option, var) for option in scalars_first])
        if not _scalar(schema):
            call = f"{self.function(schema)}({var})"
            if "anyOf" in schema or _CONTAINERS.issuperset(_kinds(schema)):
                return call
            # a value that may be a scalar is most often one: checked here, a container by its function
            return f"({call} if type({var}) is dict or type({var}) is list else {self.scalars(schema, var)})"
        if options is None:
            return self.scalars(schema, var)
        return f"({self.scalars(schema, var)}) and ({_any([self.test(option, var) for option in options])})"

    def body(self, schema: Mapping[str, Any]) -> list[str]:
        """The statements of a schema's function: the options, each container kind, then the scalars."""
        if _only_options(schema):
            return [f"return {self.test(schema, 'v')}"]
        kinds = _kinds(schema)
        options = [self.test(option, "v") for option in schema.get("anyOf", ())]
        lines = [f"if not ({_any(options)}): return False"] if options else []
        lines.append("t = type(v)")
        if "dict" in kinds:
            lines += ["if t is dict:", *(f"    {line}" for line in self.object(schema)), "    return True"]
        if "list" in kinds:
            lines += ["if t is list:", *(f"    {line}" for line in self.array(schema)), "    return True"]
        return [*lines, f"return {self.scalars(schema, 'v')}"]

    def scalars(self, schema: Mapping[str, Any], var: str) -> str:
        """Whether the value in `var` is a scalar that fits `schema`'s own keywords."""
        kinds = [kind for kind in _kinds(schema) if kind not in _CONTAINERS]
        number = self.number(schema) if "int" in kinds or "float" in kinds else None
        checks = {"str": self.string(schema) if "str" in kinds else None, "int": number, "float": number}
        own = " or ".join(_typed(kind, var, checks.get(kind)) for kind in kinds) or "False"
        if "enum" in schema:
            own = f"({own}) and (type({var}), {var}) in {self.enum(schema['enum'])}"  # a scalar: hashable
        return own

    def bounds(self, schema: Mapping[str, Any], value: str, least: str, most: str) -> list[str]:
        """Conditions that `value` is within the schema's `least` and `most` keywords."""
        bounds = ((least, ">="), (most, "<="))
        return [f"{value} {sign} {self.constant(schema[key])}" for key, sign in bounds if key in schema]

    def string(self, schema: Mapping[str, Any]) -> str | None:
        checks = self.bounds(schema, "len({v})", "minLength", "maxLength")
        if "pattern" in schema:
            checks.append(f"{self.constant(re.compile(schema['pattern']).search)}({{v}}) is not None")
        if "format" in schema:
            checks.append(f"{self.constant(self.formats[schema['format']])}({{v}})")
        return " and ".join(checks) or None

    def number(self, schema: Mapping[str, Any]) -> str | None:
        return " and ".join(self.bounds(schema, "{v}", "minimum", "maximum")) or None

    def enum(self, choices: list[Any]) -> str:
        """A value is one of the choices with its own type (`true` is not `1`, as JSON Schema has it)."""
        if not all(isinstance(choice, _SCALARS) for choice in choices):
            raise TypeError("no fast check for an `enum` of lists or maps")
        return self.constant(frozenset((type(choice), choice) for choice in choices))

    def array(self, schema: Mapping[str, Any]) -> list[str]:
        lines = [f"if not ({size}): return False" for size in self.bounds(schema, "len(v)", "minItems", "maxItems")]
        if "items" in schema:
            lines += ["for x in v:", f"    if not ({self.test(schema['items'], 'x')}): return False"]
        return lines

    def object(self, schema: Mapping[str, Any]) -> list[str]:
        lines = [
            f"if not ({size}): return False" for size in self.bounds(schema, "len(v)", "minProperties", "maxProperties")
        ]
        required = schema.get("required", ())
        if required:
            lines.append(f"if not v.keys() >= {self.constant(frozenset(required))}: return False")
        names = schema.get("propertyNames")
        if names is not None and set(names) - {"enum"}:
            raise TypeError("no fast check for `propertyNames` other than an `enum`")
        properties: Mapping[str, Any] = schema.get("properties", {})
        others = schema.get("additionalProperties", True)
        if others is False and names is None:
            # fixed fields: no others, and each checked in turn (a required one is there)
            lines.append(f"if not v.keys() <= {self.constant(frozenset(properties))}: return False")
            for name, part in properties.items():
                if name in required:
                    lines += [f"x = v[{name!r}]", f"if not ({self.test(part, 'x')}): return False"]
                else:
                    lines += [
                        f"x = v.get({name!r}, MISSING)",
                        f"if x is not MISSING and not ({self.test(part, 'x')}): return False",
                    ]
            return lines
        key = "type(k) is not str"
        if names is not None:
            key += f" or k not in {self.constant(frozenset(names['enum']))}"
        lines += ["for k, x in v.items():", f"    if {key}: return False"]
        branch = "if"
        for name, part in properties.items():
            lines += [f"    {branch} k == {name!r}:", f"        if not ({self.test(part, 'x')}): return False"]
            branch = "elif"
        if others is not True:
            rest = "return False" if others is False else f"if not ({self.test(others, 'x')}): return False"
            lines += ["    else:", f"        {rest}"] if properties else [f"    {rest}"]
        return lines


def _kinds(schema: Mapping[str, Any]) -> list[str]:
    """The Python types a value of `schema` may have (the keyword names checked first)."""
    unknown = sorted(set(schema) - _KEYWORDS)
    if unknown:
        raise TypeError(f"no fast check for the JSON Schema keyword {unknown[0]!r}")
    named = schema.get("type")
    names = [named] if isinstance(named, str) else list(named) if named is not None else list(_TYPES)
    if "enum" in schema:  # only scalars are listed in our schemas
        names = [name for name in names if name not in ("array", "object")]
    return list(dict.fromkeys(kind for name in names for kind in _TYPES[name]))


def _only_options(schema: Mapping[str, Any]) -> bool:
    """Whether `anyOf` is all the schema says."""
    return "anyOf" in schema and set(schema) <= _IGNORED | {"anyOf"}


def _scalar(schema: Mapping[str, Any]) -> bool:
    """Whether only scalars fit: their check is an expression, written where the value is met."""
    options = schema.get("anyOf")
    if options is not None and all(_scalar(option) for option in options):
        return True
    return not _CONTAINERS.intersection(_kinds(schema))


def _typed(kind: str, var: str, check: str | None) -> str:
    is_kind = f"{var} is None" if kind == "None" else f"type({var}) is {kind}"
    return f"{is_kind} and {check.format(v=var)}" if check else is_kind


def _any(options: list[str]) -> str:
    return " or ".join(f"({option})" for option in options)
