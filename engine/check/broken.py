"""Names defined by files that failed their schema, or that could not be read at all.

Such a file is reported by the schema check (or the reader) and left out of the model;
references to what it defines (`call: its_flow`, `{{ phrases.its_phrase }}`, `call_end:
its_catalog`) are then not reported as unknown too: one mistake, one problem. A file that
is not even YAML still declares its name in its first lines (`flow: payment`), which are
read line by line; failing that, a file is taken for the flow its name says.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any

# File kinds whose first key names the one thing the file defines, and those that define
# many (the keys of the map under the first key).
_ONE = ("flow", "catalog", "lifecycle", "worklist")
_MANY = ("rules", "phrases")
_TOP_KEY = re.compile(r"^([A-Za-z_][\w-]*)\s*:(?:\s+(.*?))?\s*(?:#.*)?$")
_INNER_KEY = re.compile(r"^(\s+)([A-Za-z_][\w-]*)\s*:")
_NAME = re.compile(r"^[a-z][a-z0-9_]*$")
_SAVE = re.compile(r"(?:^|[\s{,])save:\s*[\"']?([A-Za-z_][\w.]*)", re.MULTILINE)
_SET = re.compile(r"^(\s*)set:\s*(?:\{(.*)\})?\s*(?:#.*)?$")
_FLOW_KEY = re.compile(r"(?:^|,)\s*[\"']?([A-Za-z_][\w.]*)[\"']?\s*:")
_SALVAGE_BYTES = 1_048_576  # what is read of a broken file to find its names
_LONGEST_LINE = 1_000


@dataclass(frozen=True, slots=True)
class Broken:
    names: Mapping[str, frozenset[str]] = field(default_factory=lambda: MappingProxyType({}))
    stores: frozenset[str] = frozenset()  # what the broken flows may store (`save`, `set`, `input`)

    @classmethod
    def of(cls, documents: Iterable[tuple[str, Any]]) -> Broken:
        """From `(kind, data)` of every file that failed its schema."""
        found: dict[str, set[str]] = {}
        stores: set[str] = set()
        for kind, data in documents:
            if not isinstance(data, dict):
                continue
            if kind == "flow":
                stores.update(_stored(data))
            value = data.get(kind)
            if kind in _ONE and isinstance(value, str):
                found.setdefault(kind, set()).add(value)
            elif kind in _MANY and isinstance(value, dict):
                found.setdefault(kind, set()).update(str(name) for name in value)
        names = MappingProxyType({kind: frozenset(names) for kind, names in found.items()})
        return cls(names, frozenset(name.split(".")[0] for name in stores))

    @classmethod
    def salvage(cls, paths: Iterable[Path]) -> list[tuple[str, Any]]:
        """`(kind, data)` of the names each unreadable file declares, for `of`."""
        found = []
        for path in paths:
            try:
                with path.open("rb") as file:
                    text = file.read(_SALVAGE_BYTES).decode("utf-8", "replace")
            except OSError:
                text = ""
            found.append(declared(text, path.stem))
        return found

    def has(self, kind: str, name: str | None) -> bool:
        return name is not None and name in self.names.get(kind, frozenset())

    def effect(self, name: str) -> bool:
        """`case.close` of a lifecycle `case` that failed its schema."""
        return self.has("lifecycle", name.partition(".")[0])


def _stored(data: dict[str, Any]) -> Iterator[str]:
    """The names a flow's data stores: its `input`, and each step's `save` and `set`."""
    inputs = data.get("input")
    if isinstance(inputs, list):
        yield from (str(name) for name in inputs)
    steps = data.get("steps")
    for step in steps.values() if isinstance(steps, dict) else ():
        if not isinstance(step, dict):
            continue
        branches = step.get("next")
        for item in (step, *(branches if isinstance(branches, list) else ())):
            if isinstance(item, dict) and isinstance(item.get("save"), str):
                yield item["save"]
        if isinstance(step.get("set"), dict):
            yield from (str(name) for name in step["set"])


def declared(text: str, stem: str) -> tuple[str, dict[str, Any]]:
    """What a file that is not YAML declares, read line by line: its kind's first key and
    the name after it (or, for rules and phrases, the names one level below it)."""
    lines = _lines(text)
    for number, line in enumerate(lines):
        top = _TOP_KEY.match(line)
        if top is None or top.group(1) not in (*_ONE, *_MANY, "pack", "scenario"):
            continue
        kind, value = top.group(1), (top.group(2) or "").strip("\"' ")
        if kind == "flow":
            return kind, {kind: value if _NAME.match(value) else stem, "input": sorted(_saved(text))}
        if kind in _ONE:
            return kind, {kind: value if _NAME.match(value) else stem}
        if kind in _MANY:
            return kind, {kind: dict.fromkeys(_inner_keys(lines[number + 1 :]))}
        return kind, {}
    return "flow", {"flow": stem, "input": sorted(_saved(text))}


def _saved(text: str) -> set[str]:
    """The names a flow that is not YAML stores, read line by line: `save: name` and the
    keys of `set:` (a map on its line, or the keys one level below it)."""
    found = set(_SAVE.findall(text))
    lines = _lines(text)
    for number, line in enumerate(lines):
        inline = _SET.match(line)
        if inline is None:
            continue
        if inline.group(2):
            found.update(_FLOW_KEY.findall(inline.group(2)))
            continue
        depth = len(inline.group(1))
        below = []
        for after in lines[number + 1 :]:
            if after.strip() and len(after) - len(after.lstrip()) <= depth:
                break
            below.append(after)
        found.update(_inner_keys(below))
    return found


def _lines(text: str) -> list[str]:
    """The lines of a broken file, but those too long to hold a key (a file refused for its
    long lines is read in linear time)."""
    return [line for line in text.splitlines() if len(line) <= _LONGEST_LINE]


def _inner_keys(lines: list[str]) -> Iterator[str]:
    """The keys one level below a top key, up to the next top key."""
    indent = None
    for line in lines:
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        if not line[0].isspace():
            return
        inner = _INNER_KEY.match(line)
        if inner and indent in (None, inner.group(1)):
            indent = inner.group(1)
            yield inner.group(2)


NOTHING_BROKEN = Broken()
