"""Where a character of a text stands in its file.

The model keeps where each text starts. A mistake inside a long text (a template error on
its fifth line, a forbidden phrase in the middle of a `>` paragraph) is reported at the line
that holds it: the text's characters are matched with the file's, ignoring white space,
which is all that YAML's `|`, `>` and multi-line plain texts change between the two.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import replace

from callguide.model import Text
from callguide.problems import Pos

_BLOCK = re.compile(r"[|>][-+0-9]*\s*(#.*)?$")
_SCAN_LINES = 500  # how far below a map of languages one language's version is looked for


def _solid(text: str) -> int:
    """How many characters of `text` are not white space."""
    return len(text) - sum(text.count(space) for space in " \t\n\r")


class SourceLines:
    def __init__(self, texts: Mapping[str, str]) -> None:
        self.texts = texts
        self._lines: dict[str, list[str]] = {}

    def lines(self, file: str) -> list[str]:
        found = self._lines.get(file)
        if found is None:
            found = self._lines[file] = self.texts.get(file, "").split("\n")
        return found

    def variant(self, text: Text, language: str) -> Pos:
        """Where one language's version of a text starts (the text's own place when it is
        not a map of languages)."""
        pos = text.pos
        lines = self.lines(pos.file)
        if not self.is_map(text):
            return pos
        key = re.compile(rf"(?:^|[{{,\s]){re.escape(language)}\s*:(?:\s+|$)")
        for index in range(pos.line - 1, min(len(lines), pos.line - 1 + _SCAN_LINES)):
            line = lines[index]
            start = pos.col - 1 if index == pos.line - 1 else 0
            found = key.search(line, start)
            if found is None:
                continue
            rest = line[found.end() :]
            if _BLOCK.match(rest):
                for below in range(index + 1, min(len(lines), index + _SCAN_LINES)):
                    if lines[below].strip():
                        content = lines[below]
                        return Pos(pos.file, below + 1, len(content) - len(content.lstrip(" ")) + 1)
                return pos
            return Pos(pos.file, index + 1, found.end() + 1)
        return pos

    def is_map(self, text: Text) -> bool:
        """Whether the text is written as a map of languages (`{en: ...}`, or `en:` below)."""
        pos = text.pos
        lines = self.lines(pos.file)
        if not 0 < pos.line <= len(lines):
            return False
        first = lines[pos.line - 1][pos.col - 1 :]
        if first.startswith(("{{", "{%", "{#")):  # a `|` or `>` text that starts with a template
            return False
        return first.startswith("{") or any(re.match(rf"{re.escape(lang)}\s*:", first) for lang in text.languages)

    def at(self, pos: Pos, value: str, offset: int) -> Pos:
        """The place of `value[offset]`, for a text `value` that starts at `pos`: its line,
        at the column where that line's text starts (the text's own column on its first line)."""
        lines = self.lines(pos.file)
        if offset <= 0 or not 0 < pos.line <= len(lines):
            return pos
        before = _solid(value[:offset])
        index = pos.line - 1
        seen = _solid(lines[index][pos.col - 1 :])
        last = min(len(lines), pos.line + value.count("\n") + _solid(value) + 1)
        while seen <= before and index + 1 < last:
            index += 1
            seen += _solid(lines[index])
        if index == pos.line - 1:
            return pos
        content = lines[index]
        return replace(pos, line=index + 1, col=len(content) - len(content.lstrip(" ")) + 1)


def line_start(value: str, number: int) -> int:
    """The offset in `value` where its line `number` (from 1) starts."""
    offset = 0
    for _ in range(max(number - 1, 0)):
        found = value.find("\n", offset)
        if found < 0:
            break
        offset = found + 1
    return offset


_TAG = re.compile(r"\{\{.*?\}\}|\{%.*?%\}", re.DOTALL)


def word_at(source: str, word: str) -> int:
    """Where a name (`reason`, `client.name`, a filter's name) is first used in a text's
    `{{ }}` and `{% %}` (or in a condition, which is all expression); -1 when it is not."""
    pattern = re.compile(rf"(?<![\w.]){re.escape(word)}(?!\w)")
    for tag in _TAG.finditer(source):
        found = pattern.search(source, tag.start(), tag.end())
        if found:
            return found.start()
    found = pattern.search(source)
    return found.start() if found else -1
