"""The fields of the records a lookup answers with, as the pack's sample data shows them.

A `lookup` question stores the record the agent picks; its fields are whatever the host
returns. A pack that ships sample records (`data/<lookup>.yaml`, what `callguide run` and
the scenario tests search) shows them: a text that reads `client.first_nme` would fail in
the simulator, and probably with the real host too. Without sample data nothing is said.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from callguide.load.files import is_inside
from callguide.load.yaml_source import DEFAULT_LIMITS, YamlProblem, read_yaml

SAMPLE_FOLDER = "data"


def sample_fields(root: Path, lookups: Iterable[str]) -> dict[str, frozenset[str]]:
    """For each lookup with sample records, every field one of them has."""
    found: dict[str, frozenset[str]] = {}
    for name in lookups:
        path = root / SAMPLE_FOLDER / f"{name}.yaml"
        try:
            if not path.is_file() or path.stat().st_size > DEFAULT_LIMITS.max_bytes:
                continue
            if not is_inside(path, root.resolve()):
                continue  # a link out of the pack: never read, nothing of it shown
            records = read_yaml(path.read_bytes(), str(path)).data
        except (OSError, YamlProblem):
            continue  # the host reports sample data it cannot read when it loads it
        if isinstance(records, list) and records and all(isinstance(record, dict) for record in records):
            found[name] = frozenset(key for record in records for key in record)
    return found
