"""Copies of a call's plain data that share no map or list with it.

What a host passes in (a call's context) and what the engine hands out of a call's state (the
call record) is its reader's to change: nothing the one side does to its maps and lists
afterwards may reach the other.
"""

from __future__ import annotations

import copy
from typing import Any, TypeVar

_Data = TypeVar("_Data")
_SCALARS = frozenset({str, int, float, bool, type(None)})  # immutable: the copy shares them
_DEEPEST = 32  # deeper than a call's data goes: past it (a map that holds itself) deepcopy copies
_NOT_PLAIN = object()  # what `_plain_copy` leaves to deepcopy


def owned(value: _Data) -> _Data:
    """A copy of `value` that shares nothing mutable with it. Plain data (maps, lists, texts,
    numbers: what a call holds) is copied here, several times faster than by `copy.deepcopy`,
    whose memo and dispatch per value cost more than the copy of a few fields; anything else
    is deepcopy's. A list held twice is two lists in the copy (deepcopy would keep one): a
    call's data is JSON, whose snapshot shares nothing either. Texts and numbers are shared,
    being immutable: a hundred thousand calls started with the same context hold its texts
    once (an orjson write and read back, a little faster for a large record, made new ones:
    55 bytes more per live session in the benchmark)."""
    if type(value) in _SCALARS:
        return value
    copied = _plain_copy(value, 0)
    return copy.deepcopy(value) if copied is _NOT_PLAIN else copied


def _plain_copy(value: Any, depth: int) -> Any:
    # a map or list is copied whole first (in C: its texts and numbers shared at once), and
    # only the maps and lists it holds are replaced by their copies; loops, not comprehensions
    # (a call each): a call record's copy (a hundred values) costs half as much as with a
    # call per value, and a fifth less than with a loop that puts back every value
    if depth >= _DEEPEST:
        return _NOT_PLAIN
    kind = type(value)
    if kind is dict:
        copied: dict[Any, Any] = value.copy()
        for key, item in value.items():
            if type(item) not in _SCALARS:
                item = _plain_copy(item, depth + 1)
                if item is _NOT_PLAIN:
                    return _NOT_PLAIN
                copied[key] = item
            if type(key) not in _SCALARS:
                return _NOT_PLAIN
        return copied
    if kind is list:
        listed: list[Any] = value.copy()
        for index, item in enumerate(value):
            if type(item) not in _SCALARS:
                item = _plain_copy(item, depth + 1)
                if item is _NOT_PLAIN:
                    return _NOT_PLAIN
                listed[index] = item
        return listed
    return _NOT_PLAIN
