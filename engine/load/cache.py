"""The check cache: a pack's model and problems, kept as JSON and keyed by its files' hashes.

Loading a pack reads and hashes its files every time; when nothing changed (same files,
same engine version) the checked model comes from the cache instead of being parsed and
checked again. The cache is plain JSON decoded into the model's own classes only (never
pickle), so a cache file someone edited can at worst make a load fail the check of its
key, not run code.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
from collections.abc import Mapping
from importlib import metadata
from pathlib import Path
from types import MappingProxyType
from typing import Any

import msgspec
from callguide import model
from callguide.load.files import display, scan_pack
from callguide.problems import Pos, Problem

FORMAT = 1
_CLASSES: dict[str, type[Any]] = {
    name: cls
    for name, cls in vars(model).items()
    if isinstance(cls, type) and (dataclasses.is_dataclass(cls) or issubclass(cls, msgspec.Struct))
}
_CLASSES.update(Pos=Pos, Problem=Problem)


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
        data = json.loads(path.read_text(encoding="utf-8"))
        pack = _decode(data["pack"])
        problems = [_decode(problem) for problem in data["problems"]]
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None
    if not isinstance(pack, model.Pack) or not all(isinstance(p, Problem) for p in problems):
        return None
    return dataclasses.replace(pack, root=str(root)) if pack.root != str(root) else pack, problems


def save(root: Path, pack: model.Pack, problems: list[Problem]) -> None:
    folder = cache_folder()
    try:
        folder.mkdir(parents=True, exist_ok=True)
        target = folder / f"{pack_key(root)}.json"
        temporary = target.with_suffix(f".{os.getpid()}.tmp")
        temporary.write_text(
            json.dumps({"pack": _encode(pack), "problems": [_encode(p) for p in problems]}), encoding="utf-8"
        )
        temporary.replace(target)
    except OSError:
        pass  # a cache that cannot be written only costs time


def _encode(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        fields = {field.name: _encode(getattr(value, field.name)) for field in dataclasses.fields(value)}
        return {"@": type(value).__name__, **fields}
    if isinstance(value, msgspec.Struct):  # the step classes and their parts
        return {"@": type(value).__name__, **{name: _encode(getattr(value, name)) for name in value.__struct_fields__}}
    if isinstance(value, Mapping):
        return {"@map": {key: _encode(item) for key, item in value.items()}}
    if isinstance(value, (tuple, list)):
        return [_encode(item) for item in value]
    return value


def _decode(value: Any) -> Any:
    if isinstance(value, list):
        return tuple(_decode(item) for item in value)
    if isinstance(value, dict):
        if "@map" in value:
            return MappingProxyType({key: _decode(item) for key, item in value["@map"].items()})
        cls = _CLASSES[value["@"]]
        return cls(**{key: _decode(item) for key, item in value.items() if key != "@"})
    return value


def _engine_version() -> str:
    try:
        version = metadata.version("callguide")
    except metadata.PackageNotFoundError:
        version = "unknown"
    from callguide import schemas

    code = Path(__file__).resolve().parent.parent
    files = [*code.rglob("*.py"), *Path(schemas.__file__).resolve().parent.glob("*.json")]
    newest = max((path.stat().st_mtime_ns for path in files), default=0)
    return f"{version}:{newest}"  # a changed engine or schema invalidates every entry
