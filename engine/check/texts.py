"""Checks of single texts and conditions: Jinja syntax, filters, loops, languages, forbidden
phrases, and the standard names (`phrases.x`, `env.group.key`, `rules.x`) they refer to."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from typing import Any, TypeVar

from callguide.analysis import Analysis, analyse, is_template, parse_condition, parse_text
from callguide.check.base import Checker
from callguide.check.broken import NOTHING_BROKEN, Broken
from callguide.check.hints import suggest
from callguide.check.lines import SourceLines, line_start, word_at
from callguide.check.values import Finding, names_read, stored_kinds, value_mistakes
from callguide.model import Condition, Pack, Text
from callguide.problems import Pos, Problem, did_you_mean
from callguide.sandbox import MAX_LOOP_NESTING, Sandbox
from callguide.shapes import condition_tree, text_tree
from jinja2 import TemplateSyntaxError, nodes

_Tree = TypeVar("_Tree", bound=nodes.Node)

# `{{ name }` or `{{ name` with no `}}` before the next `{{` or the end: an unclosed print.
_UNCLOSED = re.compile(r"\{\{(?:(?!\}\}|\{\{).)*?(?:\}(?!\})|$|(?=\{\{))", re.DOTALL)
_UNCLOSED_ERRORS = ("unexpected '}'", "unexpected end of template, expected 'end of print statement'.")
EMPTY_ANALYSIS = Analysis(frozenset(), frozenset(), frozenset(), frozenset(), 0)
# How deep an expression may nest (`a + (b * (c ...`, `x.a.b.c`, `not not x`): deeper ones
# would exhaust Python's stack when Jinja compiles them.
MAX_NESTING = 60


@dataclass(frozen=True, slots=True)
class _TooDeep:
    depth: int | None


def _depth(tree: nodes.Node) -> int:
    """How deep a Jinja syntax tree is, without recursion."""
    deepest = 0
    todo = [(tree, 1)]
    while todo:
        node, depth = todo.pop()
        deepest = max(deepest, depth)
        todo.extend((child, depth + 1) for child in node.iter_child_nodes())
    return deepest


class TextChecker(Checker):
    def __init__(
        self,
        pack: Pack,
        env: Sandbox,
        problems: list[Problem],
        broken: Broken = NOTHING_BROKEN,
        lines: SourceLines | None = None,
    ) -> None:
        super().__init__(pack, problems, broken)
        self.env = env
        self.lines = lines or SourceLines({})
        self.kinds = stored_kinds(pack)
        self.typed = names_read(self.kinds)
        self.findings: dict[tuple[str, bool], list[Finding]] = {}
        self.cache: dict[tuple[str, bool], Analysis | TemplateSyntaxError | _TooDeep] = {}
        self.forbidden = [
            (re.compile(item.pattern, re.IGNORECASE), item) for item in pack.forbidden if _compiles(item.pattern)
        ]
        self.environment_keys = _environment_paths(pack.environments)

    def text(self, text: Text | None, what: str, *, spoken: bool = True) -> Analysis:
        """Check every language of a text; returns what the text reads."""
        if text is None:
            return EMPTY_ANALYSIS
        self._languages(text, what)
        found = EMPTY_ANALYSIS
        for language, source in text.variants:
            pos = self.lines.variant(text, language) if len(text.variants) > 1 else text.pos
            if spoken:
                self._forbidden(source, pos, what)
            if is_template(source):
                found = _merge(found, self._analyse(source, pos, what, condition=False))
        return found

    def labels(self) -> None:
        """The pack's texts that are no templates (outcomes, lookups, queues, states, a rule
        action's description): every language of them too."""
        pack = self.pack
        named = [
            *((text, f"outcome `{name}`") for name, text in pack.outcomes.items()),
            *((text, f"lookup `{name}`") for name, text in pack.lookups.items()),
            *((text, f"queue `{name}`") for catalog in pack.catalogs.values() for name, text in catalog.queues.items()),
            *(
                (text, f"state `{name}` of `{lifecycle.name}`")
                for lifecycle in pack.lifecycles.values()
                for name, text in lifecycle.states.items()
            ),
            *(
                (action.description, f"rule `{rule.name}`")
                for rule in pack.rules.values()
                for action in rule.then
                if action.description
            ),
        ]
        for text, what in named:
            self._languages(text, what)

    def condition(self, condition: Condition | None, what: str) -> Analysis:
        if condition is None:
            return EMPTY_ANALYSIS
        return self._analyse(condition.source, condition.pos, what, condition=True)

    def value(self, value: Any, what: str) -> Analysis:
        """An effect argument: a text, a nested map or list of them, or a plain value."""
        if isinstance(value, Text):
            return self.text(value, what)
        if isinstance(value, Mapping):
            return _merge_all(self.value(item, what) for item in value.values())
        if isinstance(value, tuple):
            return _merge_all(self.value(item, what) for item in value)
        return EMPTY_ANALYSIS

    def _analyse(self, source: str, pos: Pos, what: str, *, condition: bool) -> Analysis:
        key = (source, condition)
        if key not in self.cache:
            try:
                # `analyse` looks below the root: a condition's root (`x | f`, `x is t`, a bare
                # name) must be a child to be seen
                tree = (
                    nodes.Output([_read(self.env, source, condition_tree, parse_condition)])
                    if condition
                    else _read(self.env, source, text_tree, parse_text)
                )
                depth = _depth(tree)
                if depth > MAX_NESTING:
                    self.cache[key] = _TooDeep(depth)
                else:
                    analysis = analyse(tree)
                    self.cache[key] = _without_macros(tree, analysis) if "macro" in source else analysis
                    if analysis.names & self.typed:
                        self.findings[key] = value_mistakes(tree, self.kinds)
            except TemplateSyntaxError as err:
                self.cache[key] = err
            except RecursionError:
                self.cache[key] = _TooDeep(None)
        found = self.cache[key]
        if isinstance(found, _TooDeep):
            kind = "condition" if condition else "template"
            deep = f"{found.depth:,} levels deep" if found.depth else "too deeply"
            message = f"the {kind} in {what} is nested {deep}; the limit is {MAX_NESTING} levels"
            self.error(pos, "template-limit", message)
            return EMPTY_ANALYSIS
        if isinstance(found, TemplateSyntaxError):
            kind = "condition" if condition else "template"
            message = f"Jinja {kind} syntax in {what}: {found.message}"
            unclosed = _UNCLOSED.search(source) if found.message in _UNCLOSED_ERRORS and not condition else None
            if unclosed is not None:
                offset = unclosed.start()
                message += f"; `{_shorten(unclosed.group().strip())}` is not closed: close it with `}}}}`"
            else:
                offset = line_start(source, found.lineno or 1)
            self.error(self.lines.at(pos, source, offset), "template-syntax", message)
            return EMPTY_ANALYSIS
        self._names(found, pos, what, source)
        for finding in self.findings.get(key, ()):
            at = self.lines.at(pos, source, line_start(source, finding.line))
            self.error(at, "impossible-value", f"{finding.message} (in {what})")
        return found

    def locate(self, item: Text | Condition | None, word: str, pos: Pos) -> Pos:
        """Where `word` is used in a text or condition (its line in a long text), else `pos`."""
        if isinstance(item, Condition):
            return self._at(item.pos, item.source, word)
        if item is None:
            return pos
        for language, source in item.variants:
            if word_at(source, word) >= 0:
                start = self.lines.variant(item, language) if len(item.variants) > 1 else item.pos
                return self._at(start, source, word)
        return pos

    def _at(self, pos: Pos, source: str, word: str) -> Pos:
        return self.lines.at(pos, source, max(word_at(source, word), 0))

    def _names(self, found: Analysis, pos: Pos, what: str, source: str) -> None:
        for name in sorted(found.filters - set(self.env.filters)):
            self.error(
                self._at(pos, source, name),
                "unknown-filter",
                f"no filter named `{name}` in {what}{did_you_mean(name, self.env.filters)}",
            )
        for name in sorted(found.tests - set(self.env.tests)):
            self.error(
                self._at(pos, source, name),
                "unknown-filter",
                f"no test named `{name}` in {what}{did_you_mean(name, self.env.tests)}",
            )
        if found.loop_depth > MAX_LOOP_NESTING:
            self.error(
                pos,
                "template-limit",
                f"loops nested {found.loop_depth} deep in {what}; the limit is {MAX_LOOP_NESTING}",
            )
        for path in sorted(found.paths):
            self._standard_name(path, self._at(pos, source, ".".join(path[:2])), what)
        if "phrases" in found.names and not any(p[0] == "phrases" for p in found.paths):
            self.error(pos, "unknown-phrase", f"use a phrase by its name, `phrases.name`, in {what}")

    def _standard_name(self, path: tuple[str, ...], pos: Pos, what: str) -> None:
        head, rest = path[0], path[1:]
        if head == "phrases" and rest[0] not in self.pack.phrases and not self.broken.has("phrases", rest[0]):
            hint = suggest(rest[0], self.pack.phrases, "phrases of the pack")
            self.error(pos, "unknown-phrase", f"no phrase named `{rest[0]}` in {what}{hint}")
        elif head == "rules" and rest[0] not in self.pack.rules and not self.broken.has("rules", rest[0]):
            self.error(
                pos,
                "unknown-rule",
                f"no rule named `{rest[0]}` in {what}{suggest(rest[0], self.pack.rules, 'rules')}",
            )
        elif head == "env" and not self.pack.environments:
            self.error(
                pos,
                "unknown-environment-key",
                f"{what} reads `env`, but the pack defines no `environments`",
            )
        elif head == "env":
            for depth in range(1, len(path)):
                prefix, parent = path[1 : depth + 1], path[1:depth]
                if parent not in self.environment_keys or not self.environment_keys[parent]:
                    break  # below a plain value: nothing more to check
                if prefix not in self.environment_keys:
                    shown = ".".join(("env", *prefix))
                    hint = did_you_mean(prefix[-1], self.environment_keys[parent])
                    message = f"`{shown}` is not defined by the pack's environments in {what}{hint}"
                    self.error(pos, "unknown-environment-key", message)
                    break

    def _languages(self, text: Text, what: str) -> None:
        known = self.pack.all_languages
        for language in text.languages:
            if language not in known:
                message = (
                    f"{what} is written in `{language}`, which the pack does not declare (it speaks {', '.join(known)})"
                )
                self.error(text.pos, "unknown-language", message)
        missing = [language for language in known if language not in text.languages]
        # a plain text is in the pack's language; a map of languages should have them all
        if missing and (len(text.variants) > 1 or text.languages != (self.pack.language,) or self.lines.is_map(text)):
            self.warning(text.pos, "missing-translation", f"{what} has no `{'`, `'.join(missing)}` version")

    def _forbidden(self, source: str, pos: Pos, what: str) -> None:
        for pattern, item in self.forbidden:
            match = pattern.search(source)
            if match:
                shown = " ".join(match.group().split())
                self.error(
                    self.lines.at(pos, source, match.start()),
                    "forbidden-phrase",
                    f"{what} says `{shown}`: {item.message}",
                )


def _without_macros(tree: nodes.Node, found: Analysis) -> Analysis:
    """A text's own `{% macro name(...) %}` defines `name` (and, in its body, `caller`,
    `varargs` and `kwargs`): calling it reads no stored name."""
    macros = {node.name for node in tree.find_all(nodes.Macro)}
    if not macros:
        return found
    defined = macros | {"caller", "varargs", "kwargs"}
    paths = frozenset(path for path in found.paths if path[0] not in defined)
    return replace(found, names=found.names - defined, paths=paths)


# A pack's commonest texts and conditions (`{{ customer.name }}`, `reason == 'x'`) are read
# by `shapes` without Jinja's lexer, into the very tree Jinja makes: a 5,000-step flow has
# thousands of them. Only one-line ones: Jinja numbers the lines of the nodes it makes, and
# the checker says on which line of a text a mistake is.
def _read(
    env: Sandbox, source: str, quickly: Callable[[str], _Tree | None], parse: Callable[[Sandbox, str], _Tree]
) -> _Tree:
    tree = quickly(source) if "\n" not in source and "\r" not in source else None
    if tree is None:
        return parse(env, source)
    tree.set_lineno(1, override=True)
    return tree


def _shorten(text: str) -> str:
    return text if len(text) <= 40 else text[:37] + "..."


def _compiles(pattern: str) -> bool:
    try:
        re.compile(pattern)
    except re.error:
        return False
    return True


def _environment_paths(
    environments: Mapping[str, Mapping[str, Any]],
) -> dict[tuple[str, ...], set[str]]:
    """Every key path any environment defines -> the names below it (empty for a value)."""
    paths: dict[tuple[str, ...], set[str]] = {(): set()}

    def walk(prefix: tuple[str, ...], values: Mapping[str, Any]) -> None:
        for key, value in values.items():
            paths.setdefault(prefix, set()).add(key)
            paths.setdefault((*prefix, key), set())
            if isinstance(value, Mapping):
                walk((*prefix, key), value)

    for values in environments.values():
        walk((), values)
    return paths


def _merge(first: Analysis, second: Analysis) -> Analysis:
    return Analysis(
        first.names | second.names,
        first.paths | second.paths,
        first.filters | second.filters,
        first.tests | second.tests,
        max(first.loop_depth, second.loop_depth),
    )


def _merge_all(analyses: Iterable[Analysis]) -> Analysis:
    found = EMPTY_ANALYSIS
    for analysis in analyses:
        found = _merge(found, analysis)
    return found
