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
    try:
        copied: _Data = _plain_copy(value, 0)
    except _NotPlain:
        return copy.deepcopy(value)
    return copied


class _NotPlain(Exception):
    """What `_plain_copy` leaves to deepcopy: raised (rare), not returned and checked at every value."""


def _plain_copy(value: Any, depth: int) -> Any:
    # loops, not comprehensions (a call each), and a scalar kept without a call: a call
    # record's copy (a hundred values) costs 40 % less than with a call per value
    if depth >= _DEEPEST:
        raise _NotPlain
    kind = type(value)
    if kind is dict:
        copied: dict[Any, Any] = {}
        for key, item in value.items():
            if type(key) not in _SCALARS:
                raise _NotPlain
            copied[key] = item if type(item) in _SCALARS else _plain_copy(item, depth + 1)
        return copied
    if kind is list:
        listed: list[Any] = []
        for item in value:
            listed.append(item if type(item) in _SCALARS else _plain_copy(item, depth + 1))
        return listed
    raise _NotPlain
