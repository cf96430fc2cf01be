"""Safe YAML reading: plain data plus the source position of every key and value.

PyYAML's C composer builds the node graph (it is the fastest parser we have); we turn the
nodes into plain Python values ourselves, because that is where the dangers of YAML live:

* YAML 1.1 reads `yes`, `no`, `on`, `off` as booleans; analysts write them as options and
  answers, so only `true` / `false` are booleans here (the YAML 1.2 core schema).
* aliases and merge keys can expand a few hundred bytes into gigabytes: every value made
  counts against a budget, and aliases and merges have their own caps;
* duplicate keys would silently keep the last value: they are errors;
* tags (`!!python/object`, `!foo`) are refused; so are `.nan`, `.inf` and huge integers;
* the C parser crashes the process on very deep `[[[[`: a cheap scan refuses deep nesting
  before the parser ever sees it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from typing import Any

import yaml
from callguide.problems import Pos, Problem

Path = tuple[str | int, ...]


@dataclass(frozen=True, slots=True)
class Limits:
    """What one YAML file may contain. A pack may lower or raise these up to `HARD_LIMITS`."""

    max_bytes: int = 1_048_576
    max_line_length: int = 4_000
    max_depth: int = 32
    max_aliases: int = 200
    max_merges: int = 100
    max_nodes: int = 200_000
    max_scalar_length: int = 20_000
    max_key_length: int = 200

    def within(self, hard: Limits) -> Limits:
        """These limits, each capped at the hard maximum."""
        capped = {name: min(getattr(self, name), getattr(hard, name)) for name in _LIMIT_NAMES}
        return replace(self, **capped)


_LIMIT_NAMES = tuple(Limits.__dataclass_fields__)
DEFAULT_LIMITS = Limits()
HARD_LIMITS = Limits(
    max_bytes=8 * 1_048_576,
    max_line_length=20_000,
    max_depth=64,
    max_aliases=2_000,
    max_merges=1_000,
    max_nodes=2_000_000,
    max_scalar_length=200_000,
    max_key_length=1_000,
)


@dataclass(slots=True)
class Document:
    """One YAML file as plain data, with where each value and key stands."""

    file: str
    data: Any
    values: dict[Path, tuple[int, int]] = field(default_factory=dict)
    keys: dict[Path, tuple[int, int]] = field(default_factory=dict)
    text: str = ""

    def pos(self, path: Path, *, key: bool = False) -> Pos:
        """The position of the value at `path` (or of its key), else of its nearest parent."""
        table = self.keys if key else self.values
        for end in range(len(path), -1, -1):
            sub = path[:end]
            found = table.get(sub) if end == len(path) else None
            found = found or self.values.get(sub) or self.keys.get(sub)
            if found:
                return Pos(self.file, *found)
        return Pos(self.file, 1, 1)


class YamlProblem(Exception):
    def __init__(self, problem: Problem) -> None:
        super().__init__(str(problem))
        self.problem = problem


_PLAIN = "tag:callguide:plain"
_STR_TAG = "tag:yaml.org,2002:str"
_NULLS = frozenset({"", "~", "null", "Null", "NULL"})
_BOOLS = {"true": True, "True": True, "TRUE": True, "false": False, "False": False, "FALSE": False}
_INT = re.compile(r"[-+]?[0-9]+")
_HEX_OCT = re.compile(r"0x[0-9a-fA-F]+|0o[0-7]+")
_FLOAT = re.compile(r"[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?")
_NON_FINITE = re.compile(r"[-+]?\.(inf|Inf|INF)|\.(nan|NaN|NAN)")
_MAX_INT_DIGITS = 18
# Quoted scalars and comments may hold brackets that do not nest anything.
_NOT_STRUCTURE = re.compile(r"'(?:[^'\n]|'')*'|\"(?:[^\"\\\n]|\\.)*\"|(?:^|(?<=\s))#[^\n]*")
_BRACKETS = re.compile(r"[\[\]{}]")


class _Loader(yaml.CSafeLoader if hasattr(yaml, "CSafeLoader") else yaml.SafeLoader):  # type: ignore[misc]
    """Leaves every untagged plain scalar unresolved: we resolve it ourselves (YAML 1.2 core)."""

    def resolve(self, kind: Any, value: Any, implicit: Any) -> str:
        if kind is yaml.ScalarNode and implicit[0]:
            return _PLAIN
        return str(super().resolve(kind, value, implicit))


def read_yaml(raw: bytes, file: str, limits: Limits = DEFAULT_LIMITS) -> Document:
    """Parse one YAML file; raises `YamlProblem` with the place of the first thing refused."""
    text = _decode(raw, file, limits)
    _scan_structure(text, file, limits)
    try:
        nodes = list(yaml.compose_all(text, Loader=_Loader))
    except yaml.MarkedYAMLError as err:
        mark = err.problem_mark or err.context_mark
        where = Pos(file, mark.line + 1, mark.column + 1) if mark else Pos(file)
        what = " ".join(str(part) for part in (err.context, err.problem) if part)
        raise YamlProblem(Problem(where, "error", "yaml-syntax", f"YAML syntax: {what}")) from None
    except (yaml.YAMLError, RecursionError, ValueError, MemoryError) as err:
        message = f"YAML could not be read: {type(err).__name__}"
        raise YamlProblem(Problem(Pos(file), "error", "yaml-syntax", message)) from None
    if len(nodes) > 1:
        second = nodes[1].start_mark
        where = Pos(file, second.line + 1, second.column + 1)
        message = "a file holds one YAML document; remove the `---` that starts a second"
        raise YamlProblem(Problem(where, "error", "yaml-syntax", message))
    document = Document(file, None, text=text)
    if nodes:
        document.data = _Builder(document, limits).build(nodes[0], (), 0)
    return document


def _decode(raw: bytes, file: str, limits: Limits) -> str:
    if len(raw) > limits.max_bytes:
        message = f"the file is {len(raw):,} bytes; the limit is {limits.max_bytes:,}"
        raise YamlProblem(Problem(Pos(file), "error", "yaml-limit", message))
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        message = "the file is UTF-16; save it as UTF-8"
        raise YamlProblem(Problem(Pos(file), "error", "yaml-encoding", message))
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        before = raw[: err.start]
        line = before.count(b"\n") + 1
        col = len(before) - (before.rfind(b"\n") + 1) + 1
        message = f"byte 0x{raw[err.start]:02x} is not UTF-8; save the file as UTF-8"
        raise YamlProblem(Problem(Pos(file, line, col), "error", "yaml-encoding", message)) from None
    if "\x00" in text:
        line = text.count("\n", 0, text.index("\x00")) + 1
        message = "the file contains a NUL character; it is not a text file"
        raise YamlProblem(Problem(Pos(file, line, 1), "error", "yaml-encoding", message))
    return text


def _scan_structure(text: str, file: str, limits: Limits) -> None:
    """Refuse over-long lines and deep `[{` nesting before the C parser can crash on them."""
    start = 0
    for number, line in enumerate(text.split("\n"), 1):
        if len(line) > limits.max_line_length:
            message = f"line is {len(line):,} characters long; the limit is {limits.max_line_length:,}"
            raise YamlProblem(Problem(Pos(file, number, 1), "error", "yaml-limit", message))
        start += len(line) + 1
    if text.count("[") + text.count("{") <= limits.max_depth:
        return
    depth = 0
    stripped = _NOT_STRUCTURE.sub(lambda m: " " * len(m.group()), text)
    for match in _BRACKETS.finditer(stripped):
        depth += 1 if match.group() in "[{" else -1
        if depth > limits.max_depth:
            offset = match.start()
            row = text.count("\n", 0, offset) + 1
            col = offset - (text.rfind("\n", 0, offset) + 1) + 1
            message = f"values are nested more than {limits.max_depth} levels deep"
            raise YamlProblem(Problem(Pos(file, row, col), "error", "yaml-limit", message))


class _Builder:
    """Turns a composed node graph into plain values, within the limits."""

    def __init__(self, document: Document, limits: Limits) -> None:
        self.document = document
        self.limits = limits
        self.nodes = 0
        self.aliases = 0
        self.merges = 0
        self.seen: set[int] = set()

    def refuse(self, node: yaml.Node, code: str, message: str) -> YamlProblem:
        mark = node.start_mark
        return YamlProblem(Problem(Pos(self.document.file, mark.line + 1, mark.column + 1), "error", code, message))

    def build(self, node: yaml.Node, path: Path, depth: int) -> Any:
        self.nodes += 1
        if self.nodes > self.limits.max_nodes:
            message = f"the file expands to more than {self.limits.max_nodes:,} values (aliases?)"
            raise self.refuse(node, "yaml-limit", message)
        if depth > self.limits.max_depth:
            message = f"values are nested more than {self.limits.max_depth} levels deep"
            raise self.refuse(node, "yaml-limit", message)
        if id(node) in self.seen and not isinstance(node, yaml.ScalarNode):
            self.aliases += 1
            if self.aliases > self.limits.max_aliases:
                message = f"more than {self.limits.max_aliases} uses of `*alias`"
                raise self.refuse(node, "yaml-limit", message)
        self.seen.add(id(node))
        mark = node.start_mark
        self.document.values.setdefault(path, (mark.line + 1, mark.column + 1))
        if isinstance(node, yaml.ScalarNode):
            return self.scalar(node)
        if node.tag not in ("tag:yaml.org,2002:map", "tag:yaml.org,2002:seq"):
            raise self.refuse(node, "yaml-tag", _tag_message(node.tag))
        if isinstance(node, yaml.SequenceNode):
            return [self.build(item, (*path, index), depth + 1) for index, item in enumerate(node.value)]
        assert isinstance(node, yaml.MappingNode)
        return self.mapping(node, path, depth)

    def scalar(self, node: yaml.ScalarNode) -> Any:
        value: str = node.value
        if len(value) > self.limits.max_scalar_length:
            message = f"a text of {len(value):,} characters; the limit is {self.limits.max_scalar_length:,}"
            raise self.refuse(node, "yaml-limit", message)
        if node.tag == _STR_TAG:
            return value
        if node.tag != _PLAIN:
            raise self.refuse(node, "yaml-tag", _tag_message(node.tag))
        if value in _NULLS:
            return None
        if value in _BOOLS:
            return _BOOLS[value]
        if _INT.fullmatch(value) or _HEX_OCT.fullmatch(value):
            if len(value.lstrip("+-")) > _MAX_INT_DIGITS:
                message = f"the number `{value[:24]}...` is too long; quote it if it is text"
                raise self.refuse(node, "yaml-number", message)
            return int(value, 0) if value.startswith(("0x", "0o")) else int(value)
        if _NON_FINITE.fullmatch(value):
            message = f"`{value}` is not a number a call flow can use; quote it if it is text"
            raise self.refuse(node, "yaml-number", message)
        if _FLOAT.fullmatch(value) and any(c.isdigit() for c in value):
            if len(value) > 40:
                raise self.refuse(node, "yaml-number", f"the number `{value[:24]}...` is too long")
            return float(value)
        return value

    def key(self, node: yaml.Node) -> str:
        if not isinstance(node, yaml.ScalarNode):
            raise self.refuse(node, "yaml-key", "a key must be a plain word or text, not a list or map")
        if node.tag not in (_PLAIN, _STR_TAG):
            raise self.refuse(node, "yaml-tag", _tag_message(node.tag))
        if len(node.value) > self.limits.max_key_length:
            message = f"a key of {len(node.value):,} characters; the limit is {self.limits.max_key_length:,}"
            raise self.refuse(node, "yaml-limit", message)
        return str(node.value)

    def mapping(self, node: yaml.MappingNode, path: Path, depth: int) -> dict[str, Any]:
        result: dict[str, Any] = {}
        first_seen: dict[str, int] = {}
        merged: list[dict[str, Any]] = []
        for key_node, value_node in node.value:
            if isinstance(key_node, yaml.ScalarNode) and key_node.tag == _PLAIN and key_node.value == "<<":
                merged.extend(self.merge(value_node, path, depth))
                continue
            key = self.key(key_node)
            if key in first_seen:
                message = (
                    f"the key `{key}` appears twice in this map (first on line {first_seen[key]});"
                    " YAML would silently keep only the last one"
                )
                raise self.refuse(key_node, "duplicate-key", message)
            first_seen[key] = key_node.start_mark.line + 1
            child = (*path, key)
            self.document.keys[child] = (
                key_node.start_mark.line + 1,
                key_node.start_mark.column + 1,
            )
            result[key] = self.build(value_node, child, depth + 1)
        for source in merged:
            for key, value in source.items():
                result.setdefault(key, value)
        return result

    def merge(self, node: yaml.Node, path: Path, depth: int) -> Iterator[dict[str, Any]]:
        sources = node.value if isinstance(node, yaml.SequenceNode) else [node]
        for source in sources:
            self.merges += 1
            if self.merges > self.limits.max_merges:
                message = f"more than {self.limits.max_merges} merge keys (`<<`)"
                raise self.refuse(source, "yaml-limit", message)
            value = self.build(source, path, depth + 1)
            if not isinstance(value, dict):
                raise self.refuse(source, "yaml-syntax", "a merge key `<<` takes a map or a list of maps")
            yield value


def _tag_message(tag: str) -> str:
    shown = tag.replace("tag:yaml.org,2002:", "!!")
    return f"the tag `{shown}` is not allowed in flow files; write plain values"
