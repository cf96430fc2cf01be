"""The JSON Schemas as files beside the packs, and `$schema` modelines that reach them.

An editor's YAML language server reads `# yaml-language-server: $schema=PATH` relative to
the file it is in. A pack in this repository reaches `schemas/` at the top; a pack anywhere
else gets its own copy (`callguide new pack`, or `callguide schema --write DIR`), so that
the modelines resolve wherever the pack lives and with no network.
"""

from __future__ import annotations

import os
from pathlib import Path

from callguide.schemas.source import KINDS, render

SCHEMA_FOLDER = "schemas"


def write_schemas(folder: Path) -> list[Path]:
    """Every file kind's schema as `folder/<kind>.json`, generated from the model's classes
    (`callguide schema --write schemas` regenerates the shipped ones); the files written."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for kind in KINDS:
        target = folder / f"{kind}.json"
        target.write_text(render(kind), encoding="utf-8")
        written.append(target)
    return written


def schema_reference(folder: Path, kind: str) -> str | None:
    """The path from `folder` to the nearest `schemas/<kind>.json` at or above it, if any."""
    start = folder.resolve()
    for place in (start, *start.parents):
        candidate = place / SCHEMA_FOLDER / f"{kind}.json"
        if candidate.is_file():
            return Path(os.path.relpath(candidate, start)).as_posix()
    return None


def modeline(folder: Path, kind: str) -> str:
    """The first line of a new file of `kind` in `folder` (empty when no schema is reachable)."""
    reference = schema_reference(folder, kind)
    return f"# yaml-language-server: $schema={reference}\n" if reference else ""
