"""Finding a pack's files and reading each as a YAML `Document` of a known kind."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

from callguide.load.yaml_source import (
    DEFAULT_LIMITS,
    HARD_LIMITS,
    Document,
    Limits,
    YamlProblem,
    read_yaml,
)
from callguide.problems import Pos, Problem, did_you_mean

KINDS = ("pack", "flow", "rules", "catalog", "lifecycle", "worklist", "phrases", "scenario")
PACK_FILE = "pack.yaml"
# Folders of a pack that hold something other than flow files.
NOT_FLOW_FOLDERS = frozenset({"data", "tests"})
YAML_SUFFIXES = (".yaml", ".yml")
MAX_FILES = 2_000  # a pack is read whole: bound what one check can cost
MAX_PACK_BYTES = 64 * 1_048_576


@dataclass(slots=True)
class SourceFile:
    path: Path
    kind: str
    document: Document
    digest: str


@dataclass(slots=True)
class PackSource:
    """Everything read from one pack folder, before any checking."""

    root: Path
    files: list[SourceFile] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    unreadable: list[Path] = field(default_factory=list)  # files whose problem is in `problems`

    def of_kind(self, kind: str) -> list[SourceFile]:
        return [source for source in self.files if source.kind == kind]


def display(path: Path) -> str:
    """A path as the analyst typed it: relative to the working folder when possible."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def pack_files(root: Path) -> list[Path]:
    """The YAML files of a pack: its folder and sub-folders, except sample data and tests."""
    found = []
    for path in sorted(root.rglob("*")):
        relative = path.relative_to(root).parts
        if path.suffix in YAML_SUFFIXES and path.is_file() and not NOT_FLOW_FOLDERS & set(relative[:-1]):
            found.append(path)
    return found


def read_file(path: Path, limits: Limits = DEFAULT_LIMITS) -> SourceFile | Problem:
    """Read one file and tell its kind by its first key, or say why it cannot be used."""
    name = display(path)
    try:
        raw = path.read_bytes()
    except OSError as err:
        return Problem(Pos(name), "error", "file-read", f"cannot read the file: {err.strerror or err}")
    try:
        document = read_yaml(raw, name, limits)
    except YamlProblem as err:
        return err.problem
    data = document.data
    if not isinstance(data, dict) or not data:
        what = "empty" if not data else f"a {type(data).__name__}, not a map"
        message = f"the file is {what}; it must start with one of {_kinds_list()}"
        return Problem(Pos(name), "error", "unknown-file-kind", message)
    kinds = [key for key in data if key in KINDS]
    if not kinds:
        first = next(iter(data))
        message = f"the file starts with `{first}`, not with one of {_kinds_list()}{did_you_mean(first, KINDS)}"
        return Problem(document.pos((first,), key=True), "error", "unknown-file-kind", message)
    return SourceFile(path, kinds[0], document, hashlib.sha256(raw).hexdigest())


def read_pack(root: Path) -> PackSource:
    source = PackSource(root)
    manifest = root / PACK_FILE
    limits = DEFAULT_LIMITS
    if manifest.is_file():
        first = read_file(manifest, HARD_LIMITS)
        if isinstance(first, SourceFile):
            limits = pack_limits(first.document.data)
    else:
        message = f"no `{PACK_FILE}` in this folder: every pack needs a manifest (`callguide new pack`)"
        source.problems.append(Problem(Pos(display(root)), "error", "missing-pack", message))
    paths = pack_files(root)
    total = sum(path.stat().st_size for path in paths)
    if len(paths) > MAX_FILES or total > MAX_PACK_BYTES:
        message = f"the pack has {len(paths):,} YAML files ({total:,} bytes); the limits are {MAX_FILES:,} files and {MAX_PACK_BYTES:,} bytes"
        source.problems.append(Problem(Pos(display(root)), "error", "yaml-limit", message))
        return source
    for path in paths:
        result = read_file(path, limits)
        if isinstance(result, Problem):
            source.problems.append(result)
            source.unreadable.append(path)
        else:
            source.files.append(result)
    return source


def pack_limits(manifest: object) -> Limits:
    """The pack's own YAML limits, each within the hard maximum."""
    wanted = manifest.get("limits") if isinstance(manifest, dict) else None
    if not isinstance(wanted, dict):
        return DEFAULT_LIMITS
    chosen = {
        name: value
        for name, value in wanted.items()
        if name in Limits.__dataclass_fields__ and isinstance(value, int) and value > 0
    }
    return Limits(**chosen).within(HARD_LIMITS)


def _kinds_list() -> str:
    return ", ".join(f"`{kind}:`" for kind in KINDS)
