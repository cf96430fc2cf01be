"""The compiled text layer: a flow's texts in every language they were written in, rendered
in the call's language, and effect arguments rendered into plain JSON data.

`Texts` compiles the model's texts and conditions once, at load; sessions only render.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from datetime import date, time
from types import MappingProxyType
from typing import Any

from callguide.analysis import is_template
from callguide.expr import CompiledCondition, CompiledText
from callguide.model import Condition, Text
from callguide.sandbox import Sandbox


class Texts:
    """Compiles the model's texts into shared `CompiledText`s, one per language variant."""

    def __init__(self, env: Sandbox, language: str) -> None:
        self.env = env
        self.language = language
        self.made: list[CompiledText | CompiledCondition] = []  # in the order made, for `expr.prepare`

    def text(self, text: Text | None) -> LocalText | None:
        if text is None:
            return None
        variants = {lang: CompiledText(self.env, source, text.pos) for lang, source in text.variants}
        self.made.extend(variants.values())
        return LocalText(variants, self.language)

    def condition(self, condition: Condition | None) -> CompiledCondition | None:
        return None if condition is None else self._condition(condition.source, condition)

    def _condition(self, source: str, where: Condition | Text) -> CompiledCondition:
        made = CompiledCondition(self.env, source, where.pos)
        self.made.append(made)
        return made

    def value(self, value: Any) -> Any:
        """A value to render with `render_value`: its texts compiled, maps made read-only."""
        if isinstance(value, Text):
            source = value.variants[0][1] if len(value.variants) == 1 else None
            if source is not None and not is_template(source):
                return source  # the same in every call: nothing to render
            single = _SINGLE_EXPRESSION.fullmatch(source) if source is not None else None
            if single:  # `{{ expression }}` alone passes the value itself: a list stays a list
                return NativeValue(self._condition(single.group(1), value))
            return self.text(value)
        if isinstance(value, Mapping):
            return MappingProxyType({key: self.value(item) for key, item in value.items()})
        if isinstance(value, tuple):
            return tuple(self.value(item) for item in value)
        return value


_SINGLE_EXPRESSION = re.compile(r"\{\{\s*((?:(?!\}\}|\{\{|\{%).)+?)\s*\}\}", re.DOTALL)


class NativeValue:
    """An effect argument written as one `{{ expression }}`: its value, not its text."""

    __slots__ = ("expression",)

    def __init__(self, expression: CompiledCondition) -> None:
        self.expression = expression


class LocalText:
    """A text in the languages it was written in; renders the session's one."""

    __slots__ = ("default", "variants")

    def __init__(self, variants: dict[str, CompiledText], default: str) -> None:
        self.variants = variants
        self.default = variants.get(default) or next(iter(variants.values()))

    def render(self, context: dict[str, Any], language: str | None = None) -> str:
        chosen = self.variants.get(language, self.default) if language else self.default
        return chosen.render(context)

    @property
    def is_literal(self) -> bool:
        return all(text.is_literal for text in self.variants.values())

    def reads_only(self, names: frozenset[str]) -> bool:
        """Every language's text is the same whenever `names` are (`CompiledText.reads_only`)."""
        return all(text.reads_only(names) for text in self.variants.values())


def render_value(value: Any, context: dict[str, Any], language: str | None) -> Any:
    """Effect arguments (what `Texts.value` made): every text rendered, the shape kept; the
    result is plain data, made anew by every call (a host may change what it is handed)."""
    # `Texts.value` makes these types exactly: told apart by `type`, without the
    # `Mapping` ABC's isinstance (the most of rendering a map of constants)
    kind = type(value)
    if kind is NativeValue:
        return plain(value.expression.value(context))
    if kind is LocalText:
        return value.render(context, language)
    if kind is MappingProxyType:
        # loops, not comprehensions (a frame each), and a constant kept without a call:
        # most arguments are constants or one text
        rendered: dict[str, Any] = {}
        for key, item in value.items():
            rendered[key] = item if type(item) in _CONSTANTS else render_value(item, context, language)
        return rendered
    if kind is tuple:
        return [item if type(item) in _CONSTANTS else render_value(item, context, language) for item in value]
    return value


# what `Texts.value` keeps as it is, rendered as it is (immutable: shared by every call)
_CONSTANTS = frozenset({str, int, float, bool, type(None)})


# what `plain` keeps as it is, without a call per item of a record (exact types: a
# subclass goes through `plain`); not a float, which `plain` checks (nan and infinity are
# not JSON), whereas a float of `_CONSTANTS` comes from a flow file, whose loader refuses them
_LEAVES = frozenset({str, int, bool, type(None)})


def plain(value: Any) -> Any:
    """Effect arguments and stored answers are plain JSON data."""
    kind = type(value)
    if kind is dict:  # most of what is not text nor a number: before the `Mapping` ABC's isinstance
        return {str(key): item if type(item) in _LEAVES else plain(item) for key, item in value.items()}
    if kind is list:
        return [item if type(item) in _LEAVES else plain(item) for item in value]
    if value is None or isinstance(value, (str, int, bool)):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, (date, time)):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {str(key): plain(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(item) for item in value]
    return str(value)
