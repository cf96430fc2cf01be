"""Values as an analyst reads them: `yes`/`no`, `-` for nothing, lists and maps spelled out
(never Python's `None`, `False` or `{'a': 1}`)."""

from __future__ import annotations

from typing import Any

from callguide.i18n import _


def words(value: Any) -> str:
    """One value on one line, in words."""
    if value is None or value == "":
        return "-"
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dict):
        return ", ".join(f"{key}: {words(item)}" for key, item in value.items()) or "-"
    if isinstance(value, list | tuple):
        return ", ".join(words(item) for item in value) or "-"
    return str(value)


def rows(value: Any, prefix: str = "") -> list[tuple[str, str]]:
    """A map as (field, value) rows, nested maps flattened (`vehicle.reg`), for a table."""
    if not isinstance(value, dict):
        return [(prefix or "value", words(value))]
    found: list[tuple[str, str]] = []
    for key, item in value.items():
        name = f"{prefix}.{key}" if prefix else str(key)
        if isinstance(item, dict) and item:
            found.extend(rows(item, name))
        else:
            found.append((name, words(item)))
    return found
