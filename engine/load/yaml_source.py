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
from itertools import islice
from typing import Any

import yaml
from callguide.problems import Pos, Problem
from callguide.problems import YamlProblem as YamlProblem  # raised here; importers name it from here

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
    max_nodes=300_000,
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
        # nearly always the place of the value (or key) itself: the loader asks 44,000 times
        # for a 5,000-step flow
        found = (self.keys if key else self.values).get(path) or self.values.get(path) or self.keys.get(path)
        if found:
            return Pos(self.file, *found)
        for end in range(len(path) - 1, -1, -1):
            sub = path[:end]
            found = self.values.get(sub) or self.keys.get(sub)
            if found:
                return Pos(self.file, *found)
        return Pos(self.file, 1, 1)


_PLAIN = "tag:callguide:plain"
_STR_TAG = "tag:yaml.org,2002:str"
_NULLS = frozenset({"", "~", "null", "Null", "NULL"})
_BOOLS = {"true": True, "True": True, "TRUE": True, "false": False, "False": False, "FALSE": False}
_INT = re.compile(r"[-+]?[0-9]+")
_HEX_OCT = re.compile(r"0x[0-9a-fA-F]+|0o[0-7]+")
_FLOAT = re.compile(r"[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?")
_NON_FINITE = re.compile(r"[-+]?\.(inf|Inf|INF)|\.(nan|NaN|NAN)")
_MAX_INT_DIGITS = 18
# Below this many `[` / `{` plus the longest line's length, no file can nest deep enough to
# exhaust the C composer's stack (it crashes near 30,000 levels on an 8 MB stack, and
# threads may have far less); above it, the parser's events are scanned first.
_SAFE_NESTING = 1_000
# Above this size a file's parser events are scanned first too, so that a file of too many
# values is refused before the composer has built them all.
_SCAN_BYTES = 65_536
# Characters YAML does not allow, and line separators it reads as new lines (which would put
# every place reported after them on the wrong line).
_NOT_TEXT = re.compile("[^\t\n\r\x20-\x7e\xa0-\u2027\u202a-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_UNQUOTED_TEMPLATE = re.compile(r"(?:^|[:\-,\[]\s)\s*\{\{")


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
        nodes = list(islice(yaml.compose_all(text, Loader=_Loader), 2))  # a second one is refused
    except yaml.MarkedYAMLError as err:
        mark = err.problem_mark or err.context_mark
        where = Pos(file, mark.line + 1, mark.column + 1) if mark else Pos(file)
        raise YamlProblem(Problem(where, "error", "yaml-syntax", _syntax_message(err, text))) from None
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


def check_file_size(size: int, file: str, limits: Limits) -> None:
    """Refuse a file too big to read (before reading it, when its size is known)."""
    if size > limits.max_bytes:
        message = f"the file is {size:,} bytes; the limit is {limits.max_bytes:,}"
        raise YamlProblem(Problem(Pos(file), "error", "yaml-limit", message))


def _decode(raw: bytes, file: str, limits: Limits) -> str:
    check_file_size(len(raw), file, limits)
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
    found = _NOT_TEXT.search(text)
    if found:
        where = found.start()
        line = text.count("\n", 0, where) + 1
        col = where - (text.rfind("\n", 0, where) + 1) + 1
        code = f"U+{ord(found.group()):04X}"
        if found.group() in "\x85\u2028\u2029":
            message = f"the file contains a line separator ({code}) that YAML reads as a new line; use a plain new line"
        else:
            message = f"the file contains the control character {code}; remove it"
        raise YamlProblem(Problem(Pos(file, line, col), "error", "yaml-encoding", message))
    return text


def _syntax_message(err: yaml.MarkedYAMLError, text: str) -> str:
    """PyYAML's finding, then where the construct it was reading started, then a hint."""
    mark, context = err.problem_mark, err.context_mark
    message = f"YAML syntax: {err.problem or err.context}"
    if err.problem and err.context:
        moved = context is not None and (mark is None or (context.line, context.column) != (mark.line, mark.column))
        started = f" at line {context.line + 1}, column {context.column + 1}" if context and moved else ""
        message += f" ({err.context}{started})"
    if mark is None:
        return message
    line = text.split("\n")[mark.line] if mark.line < text.count("\n") + 1 else ""
    found = line[mark.column : mark.column + 1]
    if found == "\t" or (not line[: mark.column].strip() and "\t" in line[: mark.column + 1]):
        return message + "; indent with spaces, not tabs"
    if "cannot start any token" in str(err.problem) and found:
        shown = "a backtick" if found == "`" else f"`{found}`"
        return message + f"; a text that starts with {shown} must be in quotes"
    if _UNQUOTED_TEMPLATE.search(line):
        return message + '; a text that starts with `{{` must be in quotes: "{{ ... }}"'
    if "mapping values are not allowed" in str(err.problem):
        return message + "; put a text that contains `: ` in quotes, or check the indentation"
    if "expected key" in str(err.problem):
        return message + "; check the indentation of this line"
    return message


def _scan_structure(text: str, file: str, limits: Limits) -> None:
    """Refuse over-long lines, deep nesting before the C composer can crash on it, and (in a
    big file) too many values before the composer has spent a second building them.

    The builder checks the depth of every value exactly; this only guards the composer,
    which recurses in C. Brackets in texts and comments cannot hide nesting from it: it
    reads the parser's events.
    """
    lengths = [len(line) for line in text.split("\n")]
    longest = max(lengths)
    if longest > limits.max_line_length:
        number = next(n for n, length in enumerate(lengths, 1) if length > limits.max_line_length)
        message = f"line is {lengths[number - 1]:,} characters long; the limit is {limits.max_line_length:,}"
        raise YamlProblem(Problem(Pos(file, number, 1), "error", "yaml-limit", message))
    if longest + text.count("[") + text.count("{") <= _SAFE_NESTING and len(text) <= _SCAN_BYTES:
        return
    depth = values = documents = 0
    try:
        for event in yaml.parse(text, Loader=_Loader):
            if isinstance(event, yaml.DocumentStartEvent):
                documents += 1
                if documents > 1:
                    return  # the composer refuses a second document
            if isinstance(event, (yaml.ScalarEvent, yaml.AliasEvent, yaml.CollectionStartEvent)):
                values += 1
                if values > limits.max_nodes:
                    mark = event.start_mark
                    where = Pos(file, mark.line + 1, mark.column + 1) if mark else Pos(file)
                    message = f"the file holds more than {limits.max_nodes:,} values"
                    raise YamlProblem(Problem(where, "error", "yaml-limit", message))
            if isinstance(event, yaml.CollectionStartEvent):
                depth += 1
                # the builder counts the top value as depth 0
                if depth > limits.max_depth + 1:
                    mark = event.start_mark
                    where = Pos(file, mark.line + 1, mark.column + 1) if mark else Pos(file)
                    message = f"values are nested more than {limits.max_depth} levels deep"
                    raise YamlProblem(Problem(where, "error", "yaml-limit", message))
            elif isinstance(event, yaml.CollectionEndEvent):
                depth -= 1
    except yaml.YAMLError:
        return  # the composer reports it, with its place


class _Builder:
    """Turns a composed node graph into plain values, within the limits."""

    def __init__(self, document: Document, limits: Limits) -> None:
        self.document = document
        self.limits = limits
        self.lines = document.text.split("\n")
        self.nodes = 0
        self.aliases = 0
        self.merges = 0
        self.seen: set[int] = set()
        # Where the `*alias` being expanded is used: a limit passed inside an expansion is
        # reported there, not at the anchor the nodes (and their marks) come from.
        self.site: tuple[int, int] | None = None

    def refuse(self, node: yaml.Node, code: str, message: str) -> YamlProblem:
        line, col = self.site or self.start(node)
        return YamlProblem(Problem(Pos(self.document.file, line, col), "error", code, message))

    def start(self, node: yaml.Node) -> tuple[int, int]:
        """Where a value starts; a block text (`|`, `>`) starts on the line after its indicator."""
        mark = node.start_mark
        if isinstance(node, yaml.ScalarNode) and node.style in ("|", ">") and mark.line + 1 < len(self.lines):
            content = self.lines[mark.line + 1]
            if content.strip():
                return mark.line + 2, len(content) - len(content.lstrip(" ")) + 1
        return mark.line + 1, mark.column + 1

    def use_site(self, path: Path) -> tuple[int, int]:
        """The place of the key (or list) where a repeated node, an `*alias`, is used."""
        if path and isinstance(path[-1], str) and path in self.document.keys:
            return self.document.keys[path]
        return self.document.values.get(path[:-1], (1, 1))

    def build(self, node: yaml.Node, path: Path, depth: int) -> Any:
        self.nodes += 1
        if self.nodes > self.limits.max_nodes:
            message = f"the file expands to more than {self.limits.max_nodes:,} values (aliases?)"
            raise self.refuse(node, "yaml-limit", message)
        if depth > self.limits.max_depth:
            message = f"values are nested more than {self.limits.max_depth} levels deep"
            raise self.refuse(node, "yaml-limit", message)
        self.document.values.setdefault(path, self.start(node))
        if isinstance(node, yaml.ScalarNode):
            self.seen.add(id(node))
            return self.scalar(node)
        if id(node) not in self.seen:
            self.seen.add(id(node))
            return self.collection(node, path, depth)
        outer = self.site
        self.site = outer or self.use_site(path)
        try:
            self.aliases += 1
            if self.aliases > self.limits.max_aliases:
                raise self.refuse(node, "yaml-limit", f"more than {self.limits.max_aliases} uses of `*alias`")
            return self.collection(node, path, depth)
        finally:
            self.site = outer

    def collection(self, node: yaml.Node, path: Path, depth: int) -> Any:
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

    def key(self, node: yaml.Node, parent: yaml.MappingNode) -> str:
        if not isinstance(node, yaml.ScalarNode):
            mark = parent.start_mark
            if parent.flow_style and self.lines[mark.line][mark.column : mark.column + 2] == "{{":
                raise self.refuse(parent, "yaml-key", 'a text that starts with `{{` must be in quotes: "{{ ... }}"')
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
        merges: list[tuple[yaml.Node, yaml.Node]] = []
        for key_node, value_node in node.value:
            if isinstance(key_node, yaml.ScalarNode) and key_node.tag == _PLAIN and key_node.value == "<<":
                merges.append((key_node, value_node))
                continue
            key = self.key(key_node, node)
            if key in first_seen:
                message = (
                    f"the key `{key}` appears twice in this map (first on line {first_seen[key]});"
                    " YAML would silently keep only the last one"
                )
                raise self.refuse(key_node, "duplicate-key", message)
            first_seen[key] = key_node.start_mark.line + 1
            child = (*path, key)
            # `setdefault`: a key of this map keeps its place over one merged in from elsewhere
            self.document.keys.setdefault(child, (key_node.start_mark.line + 1, key_node.start_mark.column + 1))
            result[key] = self.build(value_node, child, depth + 1)
        # Merged keys come last, so that the map's own keys and values keep their places.
        for key_node, value_node in merges:
            for source in self.merge(key_node, value_node, path, depth):
                for key, value in source.items():
                    result.setdefault(key, value)
        return result

    def merge(self, key_node: yaml.Node, node: yaml.Node, path: Path, depth: int) -> Iterator[dict[str, Any]]:
        sources = node.value if isinstance(node, yaml.SequenceNode) else [node]
        outer = self.site
        self.site = outer or (key_node.start_mark.line + 1, key_node.start_mark.column + 1)
        try:
            for source in sources:
                self.merges += 1
                if self.merges > self.limits.max_merges:
                    raise self.refuse(source, "yaml-limit", f"more than {self.limits.max_merges} merge keys (`<<`)")
                if not isinstance(source, yaml.MappingNode):
                    raise self.refuse(source, "yaml-syntax", "a merge key `<<` takes a map or a list of maps")
                value = self.build(source, path, depth + 1)
                assert isinstance(value, dict)
                yield value
        finally:
            self.site = outer


def _tag_message(tag: str) -> str:
    shown = tag.replace("tag:yaml.org,2002:", "!!")
    return f"the tag `{shown}` is not allowed in flow files; write plain values"
