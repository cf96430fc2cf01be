"""Mistakes that YAML hides: the file is valid YAML, but not what the analyst wrote.

* a key indented too deep becomes part of the map above it: `save:` under a question's
  options is an option called `save`, `next:` under `text:` a setting of the answer;
* `#` after a space starts a comment, even in the middle of a sentence: the rest of an
  unquoted text is silently dropped;
* an unquoted text that looks like a number is one: `0800` becomes 800 and `1.50` becomes 1.5;
* a text with `: ` in it, on its own line under its key, becomes a map.

Each is reported at the line where it stands, with what to change there.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import cache
from typing import Any

from callguide import model
from callguide.load.yaml_source import Document, Path
from callguide.problems import Problem

# Step keys no analyst would give an option of a question.
_NEVER_OPTIONS = frozenset(
    {"save", "next", "say", "ask", "hint", "optional", "attempts", "warn", "set", "on_failure", "confirm", "with", "do"}
)
# Keys whose value is a text the agent or the caller reads.
_TEXT_KEYS = frozenset(
    {"say", "ask", "hint", "label", "message", "confirm", "description", "warning", "text", "else", "title", "transfer"}
)
# Maps whose every value (at any depth) is a text.
_TEXT_MAPS = frozenset(
    {"with", "phrases", "queues", "states", "outcomes", "lookups", "environments", "choice", "multi"}
)
# Keys whose value is a name, a condition or a flag, even inside a map of texts.
_NOT_TEXT = frozenset({"if", "go", "then", "call", "end", "save", "next", "reason", "queue", "close", "locked", "do"})
# Texts that a `: ` on their own line turns into a map.
_MAP_KEYS = frozenset({"say", "ask", "hint", "label", "message", "confirm", "warning", "else", "transfer"})
_LANGUAGE = re.compile(r"^[a-z]{2}(-[A-Z]{2})?$")
_STORED_NAME = re.compile(r"[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*")
_EFFECT_NAME = re.compile(r"[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*")
_COMMENT = re.compile(r"\s+#(\S.*)$")
# Mistakes inside one text: the rest of the file is read as meant and checked further.
MEANT_AS_WRITTEN = frozenset({"yaml-comment", "yaml-number"})


@cache
def step_keys() -> frozenset[str]:
    return frozenset(model.step_keys())


def hidden_problems(document: Document, kind: str) -> tuple[list[Problem], set[int]]:
    """The problems, and the lines they explain: the schema's findings there follow from them."""
    problems = list(_Values(document).walk(document.data, ()))
    covered = {problem.pos.line for problem in problems}
    if kind == "flow":
        for problem, path in _options(document):
            problems.append(problem)
            covered.update(_lines_under(document, path))
    return problems, covered


def _lines_under(document: Document, path: Path) -> set[int]:
    """The lines of the value at `path` (a key moved under an option brings its value)."""
    depth = len(path)
    return {line for table in (document.values, document.keys) for at, (line, _) in table.items() if at[:depth] == path}


def misplaced(document: Document, path: Path, key: str) -> Problem | None:
    """A key the schema does not know at `path`: a step's key, or a whole step, indented
    too deep (the step does not have that key at its own level)."""
    if len(path) < 2 or path[0] != "steps" or not isinstance(path[1], str):
        return None
    steps = document.data.get("steps") if isinstance(document.data, dict) else None
    step = steps.get(path[1]) if isinstance(steps, dict) else None
    if not isinstance(step, dict):
        return None
    value = _at(document.data, (*path, key))
    where = document.pos((*path, key), key=True)
    if len(path) == 2:
        if isinstance(value, dict) and step_keys() & set(value):
            shift = where.col - document.pos(path, key=True).col
            message = f"`{key}` looks like a step: indent it by {shift} fewer spaces, to stand beside `{path[1]}`"
            return Problem(where, "error", "misplaced-key", message)
        return None
    if key not in step_keys() or key in step:
        return None
    return _step_key(document, path[1], step, key, (*path, key), f"`{key}` under `{_last_key(path)}`")


def _step_key(document: Document, name: str, step: dict[str, Any], key: str, path: Path, what: str) -> Problem:
    where = document.pos(path, key=True)
    columns = [document.pos(("steps", name, other), key=True).col for other in step]
    shift = where.col - min(columns)
    message = f"{what} looks like a key of the step `{name}`: indent it by {shift} fewer spaces"
    return Problem(where, "error", "misplaced-key", message)


def _options(document: Document) -> Iterator[tuple[Problem, Path]]:
    """A step key among a question's options: an option by YAML, a step key by intent."""
    steps = document.data.get("steps") if isinstance(document.data, dict) else None
    if not isinstance(steps, dict):
        return
    for name, step in steps.items():
        if not isinstance(step, dict):
            continue
        for kind in ("choice", "multi"):
            options = step.get(kind)
            if not isinstance(options, dict):
                continue
            for key, value in options.items():
                if key in _NEVER_OPTIONS and key not in step and _step_value(key, value, steps):
                    what = f"`{key}` among the options of `{kind}`"
                    path = ("steps", name, kind, key)
                    yield _step_key(document, name, step, key, path, what), path


def _step_value(key: str, value: Any, steps: dict[str, Any]) -> bool:
    """Whether an option's value is what the step key of that name takes (`save:` a name,
    `next:` a step or branches...), so that an option really called `set` is left alone."""
    if key in ("next", "on_failure"):
        return isinstance(value, list) or (isinstance(value, str) and value in steps)
    if key == "save":
        return isinstance(value, str) and _STORED_NAME.fullmatch(value) is not None
    if key == "optional":
        return isinstance(value, bool)
    if key in ("attempts", "set", "with"):
        return isinstance(value, dict)
    if key == "warn":
        return isinstance(value, list)
    if key == "do":
        return isinstance(value, str) and _EFFECT_NAME.fullmatch(value) is not None
    return True  # `say`, `ask`, `hint`, `confirm`: a text, like a label


class _Values:
    """Texts whose unquoted value YAML read differently from how it looks."""

    def __init__(self, document: Document) -> None:
        self.document = document
        self.lines = document.text.split("\n")

    def walk(self, value: Any, path: Path, inside: bool = False) -> Iterator[Problem]:
        """`inside`: below a map of texts (`with:`, `phrases:`, a question's options...)."""
        if isinstance(value, dict):
            if path and path[-1] in _MAP_KEYS and _swallowed_map(value):
                yield _map_problem(self.document, path, value)
                return
            below = inside or (bool(path) and path[-1] in _TEXT_MAPS)
            for key, item in value.items():
                yield from self.walk(item, (*path, key), below)
        elif isinstance(value, list):
            below = inside or (bool(path) and path[-1] in _TEXT_MAPS)
            for index, item in enumerate(value):
                yield from self.walk(item, (*path, index), below)
        elif isinstance(value, (str, int, float)) and not isinstance(value, bool) and _is_text(path, inside):
            yield from self.scalar(value, path)

    def scalar(self, value: str | float, path: Path) -> Iterator[Problem]:
        source = self.source(path)
        if not source or source[0] in "\"'|>[{&*!":
            return
        if isinstance(value, str):
            comment = _COMMENT.match(source[len(value) :]) if source.startswith(value) else None
            if comment is not None:
                dropped = _tail("#" + comment.group(1).rstrip(), start=True)
                message = (
                    f"`#` after a space starts a YAML comment, so this text ends at `{_tail(value)}` and"
                    f' `{dropped}` is dropped: put the whole text in quotes ("... {dropped}")'
                )
                yield Problem(self.document.pos(path), "error", "yaml-comment", message)
            return
        spelling = re.match(r"[^\s,\]}#]+", source)
        if spelling is not None and spelling.group() != str(value):
            written = spelling.group()
            message = f'YAML reads `{written}` as the number {value}, so the text is `{value}`: put it in quotes ("{written}")'
            yield Problem(self.document.pos(path), "error", "yaml-number", message)

    def source(self, path: Path) -> str:
        """The rest of the line where the value at `path` starts."""
        place = self.document.values.get(path)
        if place is None or not 0 < place[0] <= len(self.lines):
            return ""
        return self.lines[place[0] - 1][place[1] - 1 :]


def _is_text(path: Path, inside: bool) -> bool:
    """Whether the value at `path` is a text: under a text key (`say`, `label`, one language
    of it, one of a list of `warning`s), or anywhere below a map of texts."""
    keys = [part for part in path[-3:] if isinstance(part, str)]
    if not keys or keys[-1] in _NOT_TEXT:
        return False
    if inside:
        return True
    last = keys[-1]
    parent = keys[-2] if len(keys) > 1 else ""
    return last in _TEXT_KEYS or (parent in _TEXT_KEYS and (_LANGUAGE.match(last) is not None or path[-1] != last))


def _swallowed_map(value: dict[str, Any]) -> bool:
    """What `Note: call back` becomes on its own line under a text key: a map of one key
    that is no name (a space, a capital) and a plain value."""
    if len(value) != 1:
        return False
    key, item = next(iter(value.items()))
    return isinstance(item, (str, int, float)) and not re.fullmatch(r"[a-z0-9_-]+", key)


def _map_problem(document: Document, path: Path, value: dict[str, Any]) -> Problem:
    key, item = next(iter(value.items()))
    message = (
        f"YAML reads `{key}: {_tail(str(item), start=True)}` as a map because of the `: ` in it:"
        f' put the whole text in quotes ("{key}: ...")'
    )
    return Problem(document.pos((*path, key), key=True), "error", "yaml-map", message)


def _at(data: Any, path: Path) -> Any:
    for part in path:
        if isinstance(data, dict) and isinstance(part, str):
            data = data.get(part)
        elif isinstance(data, list) and isinstance(part, int) and part < len(data):
            data = data[part]
        else:
            return None
    return data


def _last_key(path: Path) -> str:
    return next((part for part in reversed(path) if isinstance(part, str)), "")


def _tail(text: str, *, start: bool = False) -> str:
    """A short piece of a text: its end (or its start) past 30 characters."""
    text = " ".join(text.split())
    if len(text) <= 30:
        return text
    return text[:27] + "..." if start else "..." + text[-27:]
