"""Finding a pack's files and reading each as a YAML `Document` of a known kind."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

from callguide.load.paths import PACK_FILE as PACK_FILE
from callguide.load.paths import YAML_SUFFIXES as YAML_SUFFIXES
from callguide.load.paths import display as display
from callguide.load.paths import is_inside as is_inside
from callguide.load.paths import scan_pack as scan_pack
from callguide.load.yaml_source import (
    DEFAULT_LIMITS,
    HARD_LIMITS,
    Document,
    Limits,
    YamlProblem,
    check_file_size,
    read_yaml,
)
from callguide.problems import Pos, Problem, did_you_mean
from callguide.schemas.source import KINDS

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


def outside_problem(path: Path) -> Problem:
    """A link out of the pack, at the link's own path: nothing of its target is quoted."""
    what = "folder" if path.is_dir() else "file"
    message = f"the {what} links to a place outside the pack's folder; a pack's files must be inside it"
    return Problem(Pos(display(path)), "error", "file-outside-pack", message)


def read_document(path: Path, limits: Limits = DEFAULT_LIMITS) -> tuple[bytes, Document] | Problem:
    """Read one YAML file within `limits`, or say (at a place) why it cannot be read. Every
    command that reads a pack's files reads them here (`validate`, the engine, `fmt`)."""
    name = display(path)
    try:
        check_file_size(path.stat().st_size, name, limits)  # before it is read into memory
        raw = path.read_bytes()
        return raw, read_yaml(raw, name, limits)
    except OSError as err:
        return Problem(Pos(name), "error", "file-read", f"cannot read the file: {err.strerror or err}")
    except YamlProblem as err:
        return err.problem


def read_file(path: Path, limits: Limits = DEFAULT_LIMITS) -> SourceFile | Problem:
    """Read one file and tell its kind by its first key, or say why it cannot be used."""
    read = read_document(path, limits)
    if isinstance(read, Problem):
        return read
    raw, document = read
    name = document.file
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
    limits, problem = manifest_limits(root)
    if problem is not None:
        source.problems.append(problem)
    paths, outside = scan_pack(root)
    source.problems.extend(outside_problem(path) for path in outside)
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


def manifest_limits(root: Path) -> tuple[Limits, Problem | None]:
    """The YAML limits a pack's manifest sets (read within the hard maxima), or why there is
    no manifest to read them from."""
    manifest = root / PACK_FILE
    if not manifest.is_file():
        message = f"no `{PACK_FILE}` in this folder: every pack needs a manifest (`callguide new pack`)"
        return DEFAULT_LIMITS, Problem(Pos(display(root)), "error", "missing-pack", message)
    if not is_inside(manifest, root.resolve()):
        return DEFAULT_LIMITS, None  # never read; `read_pack` reports it
    first = read_file(manifest, HARD_LIMITS)
    return (pack_limits(first.document.data) if isinstance(first, SourceFile) else DEFAULT_LIMITS), None


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
