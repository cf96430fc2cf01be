"""The house style of callguide's YAML files, taught to ruamel.yaml.

The bundled packs are the style guide: two-space maps, lists indented under their key
(`- ` two columns in), top-level lists at the margin, texts never wrapped, `null` written
out, no trailing spaces. Two things a YAML emitter cannot know are kept as the author wrote
them, read from the positions ruamel.yaml records while loading:

- one-line values aligned in a column (`booked:        {label: ...}`): a map whose values
  were padded to a column keeps that column;
- flow lists and maps broken over several lines (`path: [a, b,` / `        c]`): the same
  items start the continuation lines, at the same distance from the opening bracket.

Comments, key order and quoting are kept by ruamel.yaml's round trip.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.emitter import Emitter
from ruamel.yaml.events import SequenceEndEvent
from ruamel.yaml.representer import RoundTripRepresenter

# Texts are never wrapped: a line is as long as the author's sentence.
_NO_WRAP = 1 << 30


class HouseEmitter(Emitter):
    """Lists that are a map's value are indented under their key (`key:` / `  - item`); lists
    at the top or inside a list start at their own column (`- - item`), as in the packs."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._bare: list[bool] = []  # per open block list: is it outside a map's value?

    def expect_block_sequence(self) -> None:
        bare = not self.mapping_context
        super().expect_block_sequence()
        self._bare.append(bare)

    def expect_block_sequence_item(self, first: bool = False) -> None:
        if not first and isinstance(self.event, SequenceEndEvent):
            self._bare.pop()
            super().expect_block_sequence_item(first)
            return
        offset = self.sequence_dash_offset
        if self._bare and self._bare[-1]:
            self.sequence_dash_offset = 0
        try:
            super().expect_block_sequence_item(first)
        finally:
            self.sequence_dash_offset = offset

    def increase_indent(self, flow: bool = False, sequence: bool | None = None, indentless: bool = False) -> None:
        super().increase_indent(flow, sequence, indentless)
        # the items of a bare list sit two columns after its dash, not four
        if self.indent is not None and self.indents.last_seq() and self._bare and self._bare[-1] and not indentless:
            self.indent -= self.best_sequence_indent - 2


class HouseRepresenter(RoundTripRepresenter):
    """`null` is written out (`answer: null`), never left as an empty value."""

    def represent_none(self, data: Any) -> Any:
        return self.represent_scalar("tag:yaml.org,2002:null", "null")


HouseRepresenter.add_representer(type(None), HouseRepresenter.represent_none)


def house_yaml() -> YAML:
    """A round-trip YAML reader and writer in the house style."""
    yaml = YAML(typ="rt")
    yaml.Emitter = HouseEmitter
    yaml.Representer = HouseRepresenter
    yaml.preserve_quotes = True
    yaml.brace_single_entry_mapping_in_flow_sequence = True
    yaml.width = _NO_WRAP
    yaml.indent(mapping=2, sequence=4, offset=2)
    return yaml


def house_style(text: str) -> str:
    """`text` written in the house style: same data, comments and key order."""
    yaml = house_yaml()
    source = yaml.load(text)
    out = io.StringIO()
    yaml.dump(source, out)
    written = _strip_trailing_spaces(out.getvalue())
    written = _align(written, text, source, yaml)
    return _rewrap(written, source, yaml)


def _strip_trailing_spaces(text: str) -> str:
    return "".join(line.rstrip() + "\n" for line in text.splitlines())


# Alignment -----------------------------------------------------------------------------


def _align(written: str, text: str, source: Any, yaml: YAML) -> str:
    """Pad the one-line values of every map the author aligned to the author's column."""
    source_lines = text.splitlines()
    columns = {id(node): _aligned_column(node, source_lines) for node in _block_maps(source)}
    if not any(columns.values()):
        return written  # nothing aligned: no need to read the written text again
    lines = written.splitlines()
    inserts: list[tuple[int, int, int]] = []  # (line, column, spaces)
    for before, after in _pairs(source, yaml.load(written)):
        column = columns.get(id(before))
        if column is None:
            continue
        for key in after:
            key_line, key_column = after.lc.key(key)
            value_line, value_column = after.lc.value(key)
            if value_line == key_line and _one_line(after[key]) and value_column - key_column < column:
                inserts.append((value_line, value_column, column - (value_column - key_column)))
    for line, column, spaces in sorted(inserts, reverse=True):
        lines[line] = _pad(lines[line], column, spaces)
    return "".join(line + "\n" for line in lines)


def _aligned_column(node: CommentedMap, lines: list[str]) -> int | None:
    """The column (from the key) the author lined the map's one-line values up at, if any:
    a column padded to that two or more values share. One padded value alone is a slip."""
    columns: dict[int, int] = {}  # column -> how many values start there
    padded: set[int] = set()
    for key in node:
        key_line, key_column = node.lc.key(key)
        value_line, value_column = node.lc.value(key)
        if value_line != key_line or not _one_line(node[key]):
            continue
        column = value_column - key_column
        columns[column] = columns.get(column, 0) + 1
        before_value = lines[value_line][:value_column]
        if len(before_value) - len(before_value.rstrip()) > 1:
            padded.add(column)
    shared = [column for column in padded if columns[column] > 1]
    return max(shared, key=lambda column: (columns[column], column)) if shared else None


def _block_maps(node: Any) -> Iterator[CommentedMap]:
    for found in _collections(node):
        if isinstance(found, CommentedMap) and not found.fa.flow_style():
            yield found


def _collections(node: Any, seen: set[int] | None = None) -> Iterator[CommentedMap | CommentedSeq]:
    """Every list and map of a document, each once (an alias names one written elsewhere)."""
    seen = set() if seen is None else seen
    if not isinstance(node, CommentedMap | CommentedSeq) or id(node) in seen:
        return
    seen.add(id(node))
    yield node
    for child in node.values() if isinstance(node, CommentedMap) else node:
        yield from _collections(child, seen)


def _one_line(value: Any) -> bool:
    """A value written on its key's line: a scalar or a flow list or map."""
    return not isinstance(value, CommentedMap | CommentedSeq) or bool(value.fa.flow_style())


def _pad(line: str, column: int, spaces: int) -> str:
    """Insert `spaces` before `column`; a comment after the value keeps its column if it can."""
    padded = line[:column] + " " * spaces + line[column:]
    hash_at = _comment_column(padded, column + spaces)
    if hash_at is None:
        return padded
    gap = len(padded[:hash_at]) - len(padded[:hash_at].rstrip())
    removable = min(spaces, gap - 1)
    return padded[: hash_at - removable] + padded[hash_at:] if removable > 0 else padded


def _comment_column(line: str, start: int) -> int | None:
    """Where a trailing ` #` comment starts after `start`, outside quotes."""
    quote: str | None = None
    for index in range(start, len(line)):
        char = line[index]
        if quote:
            if char == quote:
                quote = None
        elif char in "'\"":
            quote = char
        elif char == "#" and index > 0 and line[index - 1] in " \t":
            return index
    return None


# Flow collections broken over lines ---------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Break:
    """A line break the author put before an item of a flow collection."""

    path: tuple[Any, ...]  # where the collection is in the document
    index: int  # the item (or key) the new line starts with
    offset: int  # its column minus the column of the opening bracket


def _rewrap(written: str, source: Any, yaml: YAML) -> str:
    """Break flow collections where the author broke them. Breaks are made from the last to
    the first, all at once, when each broken collection opens on a line of its own; otherwise
    one at a time, reading the text again after each (a break moves what follows it)."""
    breaks = list(_breaks(source, ()))
    if not breaks:
        return written
    tree = yaml.load(written)
    opening = {wanted.path: _at(tree, wanted.path).lc.line for wanted in breaks}
    at_once = len(set(opening.values())) == len(opening) and not any(
        path != other and other[: len(path)] == path for path in opening for other in opening
    )
    if at_once:
        lines = written.splitlines()
        for wanted in reversed(breaks):
            _break_line(lines, _at(tree, wanted.path), wanted)
        return "".join(line + "\n" for line in lines)
    for wanted in breaks:
        lines = written.splitlines()
        _break_line(lines, _at(yaml.load(written), wanted.path), wanted)
        written = "".join(line + "\n" for line in lines)
    return written


def _break_line(lines: list[str], node: CommentedMap | CommentedSeq, wanted: _Break) -> None:
    """Start a new line at the item `wanted` asks for, at the author's distance from the bracket."""
    line, column = _item_position(node, wanted.index)
    text = lines[line]
    if _line_starts_at(text, column):
        return  # already on a line of its own
    # never at or left of the margin of the line the collection opens on (not valid YAML)
    indent = max(node.lc.col + wanted.offset, _indent_of(lines[node.lc.line]) + 1)
    lines[line : line + 1] = [text[:column].rstrip(), " " * indent + text[column:]]


def _breaks(node: Any, path: tuple[Any, ...], seen: set[int] | None = None) -> Iterator[_Break]:
    """The author's breaks, each collection once (an alias is the collection it names)."""
    seen = set() if seen is None else seen
    if isinstance(node, CommentedSeq | CommentedMap):
        if id(node) in seen:
            return
        seen.add(id(node))
    if isinstance(node, CommentedSeq | CommentedMap) and node.fa.flow_style():
        keys = list(range(len(node))) if isinstance(node, CommentedSeq) else list(node)
        for index in range(1, len(keys)):
            if isinstance(node, CommentedSeq) and _written_at(node, index) is None:
                continue  # an alias: where it stands is not recorded
            line, column = _item_position(node, index)
            if line != _last_line(node, index - 1):
                yield _Break(path, index, column - node.lc.col)
    if isinstance(node, CommentedSeq):
        for index, item in enumerate(node):
            yield from _breaks(item, (*path, index), seen)
    elif isinstance(node, CommentedMap):
        for key, value in node.items():
            yield from _breaks(value, (*path, key), seen)


def _item_position(node: CommentedMap | CommentedSeq, index: int) -> tuple[int, int]:
    if isinstance(node, CommentedSeq):
        line, column = node.lc.item(index)
    else:
        line, column = node.lc.key(list(node)[index])
    return int(line), int(column)


def _last_line(node: CommentedMap | CommentedSeq, index: int) -> int:
    """The line an item ends on, as far as positions tell: a flow collection ends with its last item."""
    if isinstance(node, CommentedSeq):
        value, place = node[index], _written_at(node, index)
    else:
        key = list(node)[index]
        value, place = node[key], _value_at(node, key)
    if place is None:  # an alias: a word on the line of what is before it
        return (
            _last_line(node, index - 1) if isinstance(node, CommentedSeq) and index else _item_position(node, index)[0]
        )
    if isinstance(value, CommentedMap | CommentedSeq) and value.fa.flow_style() and len(value):
        return _last_line(value, len(value) - 1)
    return place[0]


def _written_at(node: CommentedSeq, index: int) -> tuple[int, int] | None:
    """Where a list's item is written; None for an alias, whose recorded place is its anchor's."""
    place = (int(node.lc.item(index)[0]), int(node.lc.item(index)[1]))
    return place if place > (node.lc.line, node.lc.col) else None


def _value_at(node: CommentedMap, key: Any) -> tuple[int, int] | None:
    """Where a map's value is written; None for an alias."""
    place = (int(node.lc.value(key)[0]), int(node.lc.value(key)[1]))
    return place if place > (int(node.lc.key(key)[0]), int(node.lc.key(key)[1])) else None


def _at(tree: Any, path: tuple[Any, ...]) -> Any:
    for step in path:
        tree = tree[step]
    return tree


def _line_starts_at(line: str, column: int) -> bool:
    return not line[:column].strip()


def _indent_of(line: str) -> int:
    return len(line) - len(line.lstrip())


def _pairs(before: Any, after: Any, seen: set[int] | None = None) -> Iterator[tuple[Any, Any]]:
    """The collections of two documents with the same data, side by side, each once."""
    seen = set() if seen is None else seen
    if not isinstance(before, CommentedMap | CommentedSeq) or id(before) in seen:
        return
    seen.add(id(before))
    yield before, after
    if isinstance(before, CommentedMap) and isinstance(after, CommentedMap):
        for key in before:
            yield from _pairs(before[key], after[key], seen)
    elif isinstance(before, CommentedSeq) and isinstance(after, CommentedSeq):
        for item_before, item_after in zip(before, after, strict=True):
            yield from _pairs(item_before, item_after, seen)
