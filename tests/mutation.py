"""What the fuzz tests of plain YAML data share."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any


def paths(data: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    """Every place in nested maps and lists, as a path of keys and indexes (the root first)."""
    yield path
    if isinstance(data, dict):
        for key, value in data.items():
            yield from paths(value, (*path, key))
    elif isinstance(data, list):
        for index, value in enumerate(data):
            yield from paths(value, (*path, index))
