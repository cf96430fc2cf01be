"""The check cache: a pack's model and problems, kept as JSON and keyed by its files' hashes.

Loading a pack reads and hashes its files every time; when nothing changed (same files,
same engine) the checked model comes from the cache instead of being parsed and checked
again. The cache is plain JSON decoded into the model's own classes only (never pickle),
so a cache file someone edited can at worst make a load fail the check of its key, not
run code. A second process pays for reading it: the text is compact (an object is its
class and its fields in order, `{"@Pos": ["main.yaml", 3, 5]}`) and parsed by orjson.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import os
from collections.abc import Mapping
from pathlib import Path
from types import MappingProxyType
from typing import Any

import msgspec
import orjson
from callguide import collector, model
from callguide.load.paths import display, scan_pack
from callguide.problems import Pos, Problem

FORMAT = 2
MAP = "@map"  # a mapping of the model; any other object is `{"@" + its class: [its fields]}`
_CLASSES: dict[str, type[Any]] = {
    "@" + name: cls
    for name, cls in vars(model).items()
    if isinstance(cls, type) and (dataclasses.is_dataclass(cls) or issubclass(cls, msgspec.Struct))
}
_CLASSES.update({"@Pos": Pos, "@Problem": Problem})
_FIELDS: dict[str, tuple[str, ...]] = {
    kind: cls.__struct_fields__ if issubclass(cls, msgspec.Struct) else tuple(f.name for f in dataclasses.fields(cls))
    for kind, cls in _CLASSES.items()
}
# the step classes (msgspec) take keywords only; the dataclasses (most objects: every `Pos`)
# take their fields in order, which spares a map per object
_KEYWORDS_ONLY = frozenset(kind for kind, cls in _CLASSES.items() if issubclass(cls, msgspec.Struct))
_NESTED = (list, dict)


def cache_folder() -> Path:
    configured = os.environ.get("CALLGUIDE_CACHE")
    return Path(configured) if configured else Path.home() / ".cache" / "callguide"


def pack_key(root: Path) -> str:
    """Hash of everything the check of a pack depends on: its files and the engine."""
    # problems name files as seen from the working folder: that is part of the key too
    digest = hashlib.sha256(f"{FORMAT}:{_engine_version()}:{display(root)}".encode())
    files, links_out = scan_pack(root)
    # the lookups' sample records (`data/*.yaml`) tell the checker the fields of a record
    for path in [*files, *sorted((root / "data").glob("*.yaml"))]:
        digest.update(str(path.relative_to(root)).encode() + b"\0")
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    for path in links_out:  # never read: only that they are there
        digest.update(b"link out\0" + str(path.relative_to(root)).encode() + b"\0")
    return digest.hexdigest()


def load(root: Path) -> tuple[model.Pack, list[Problem]] | None:
    path = cache_folder() / f"{pack_key(root)}.json"
    try:
        with collector.paused():  # tens of thousands of new objects, none garbage
            data = orjson.loads(path.read_bytes())
            pack = _decode(data["pack"])
            problems = [_decode(problem) for problem in data["problems"]]
    except (OSError, ValueError, KeyError, TypeError, AttributeError):  # orjson.JSONDecodeError is a ValueError
        return None
    if not isinstance(pack, model.Pack) or not all(isinstance(p, Problem) for p in problems):
        return None
    return msgspec.structs.replace(pack, root=str(root)) if pack.root != str(root) else pack, problems


def save(root: Path, pack: model.Pack, problems: list[Problem]) -> None:
    folder = cache_folder()
    try:
        folder.mkdir(parents=True, exist_ok=True)
        target = folder / f"{pack_key(root)}.json"
        temporary = target.with_suffix(f".{os.getpid()}.tmp")
        temporary.write_bytes(orjson.dumps({"pack": _encode(pack), "problems": [_encode(p) for p in problems]}))
        temporary.replace(target)
    except OSError:
        pass  # a cache that cannot be written only costs time


def _encode(value: Any) -> Any:
    if isinstance(value, msgspec.Struct) or (dataclasses.is_dataclass(value) and not isinstance(value, type)):
        kind = "@" + type(value).__name__
        return {kind: [_encode(getattr(value, name)) for name in _FIELDS[kind]]}
    if isinstance(value, Mapping):
        return {MAP: {key: _encode(item) for key, item in value.items()}}
    if isinstance(value, (tuple, list)):
        return [_encode(item) for item in value]
    return value


def _decode(value: Any) -> Any:
    """The model object `value` encodes. Only lists and maps are looked into: most values
    are texts and numbers, and a second process decodes thousands of them."""
    if type(value) is list:
        return tuple([_decode(item) if type(item) in _NESTED else item for item in value])
    if type(value) is dict:
        ((kind, fields),) = value.items()  # a map of anything but one key is not ours: ValueError
        if kind == MAP:
            return MappingProxyType(
                {key: _decode(item) if type(item) in _NESTED else item for key, item in fields.items()}
            )
        values = [_decode(item) if type(item) in _NESTED else item for item in fields]
        if kind in _KEYWORDS_ONLY:
            return _CLASSES[kind](**dict(zip(_FIELDS[kind], values, strict=True)))
        if len(values) != len(_FIELDS[kind]):
            raise ValueError(f"{kind} has {len(_FIELDS[kind])} fields")  # not ours: never a default in its place
        return _CLASSES[kind](*values)
    return value


@functools.cache
def _engine_version() -> str:
    """The newest change to the engine's code or schemas (installing a version writes its
    files anew): a changed engine invalidates every entry. Worked out once per process."""
    from callguide import schemas

    code = Path(__file__).resolve().parent.parent
    files = [*code.rglob("*.py"), *Path(schemas.__file__).resolve().parent.glob("*.json")]
    return str(max((path.stat().st_mtime_ns for path in files), default=0))
