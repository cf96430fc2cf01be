"""Names defined by files that failed their schema.

Such a file is reported by the schema check and left out of the model; references to what
it defines (`call: its_flow`, `{{ phrases.its_phrase }}`, `call_end: its_catalog`) are then
not reported as unknown too: one mistake, one problem.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

# File kinds whose first key names the one thing the file defines, and those that define
# many (the keys of the map under the first key).
_ONE = ("flow", "catalog", "lifecycle", "worklist")
_MANY = ("rules", "phrases")


@dataclass(frozen=True, slots=True)
class Broken:
    names: Mapping[str, frozenset[str]] = field(default_factory=lambda: MappingProxyType({}))

    @classmethod
    def of(cls, documents: Iterable[tuple[str, Any]]) -> Broken:
        """From `(kind, data)` of every file that failed its schema."""
        found: dict[str, set[str]] = {}
        for kind, data in documents:
            if not isinstance(data, dict):
                continue
            value = data.get(kind)
            if kind in _ONE and isinstance(value, str):
                found.setdefault(kind, set()).add(value)
            elif kind in _MANY and isinstance(value, dict):
                found.setdefault(kind, set()).update(str(name) for name in value)
        return cls(MappingProxyType({kind: frozenset(names) for kind, names in found.items()}))

    def has(self, kind: str, name: str | None) -> bool:
        return name is not None and name in self.names.get(kind, frozenset())

    def effect(self, name: str) -> bool:
        """`case.close` of a lifecycle `case` that failed its schema."""
        return self.has("lifecycle", name.partition(".")[0])


NOTHING_BROKEN = Broken()
