"""The check cache: a pack's model and problems, kept as JSON and keyed by its files' hashes.

Loading a pack reads and hashes its files every time; when nothing changed (same files,
same engine) the checked model comes from the cache instead of being parsed and checked
again. The cache is plain JSON decoded into the model's own classes only (never pickle),
so a cache file someone edited can at worst make a load fail the check of its key, not
run code. A second process pays for reading it: the text is compact and parsed by orjson.
An object is its class and the fields that differ from their defaults,
`{"@Case": {"pos": 7, "go": "end"}}`; a place (half the objects of a pack) is its number in
one table of places, written once and made once however many objects stand there. An
object's own place (`pos`) and where its keys stand (`places`, `["go", 8]`) are written as
bare numbers: the class says they are places, so they need no object of their own to say so.
A text and a condition (a third of a pack's objects) are rows: `{"@Text": [3, "en", "Hi"]}`
(its place, then each language and its source), `{"@Condition": [16, "x == 1"]}`.
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

FORMAT = 5
# a mapping of the model is `{"@map": {...}}`; a place `{"@Pos": n}`, its number in the file's
# table of places; a text or a condition a row (below); any other object
# `{"@" + its class: {field: value}}`
MAP = "@map"
POS = "@Pos"
TEXT = "@Text"  # `[place, language, source, language, source...]`
CONDITION = "@Condition"  # `[place, source]`
PLACES = "@places"  # a map of places (where each key of a written map stands): `{key: n}`
_CLASSES: dict[str, type[Any]] = {
    "@" + name: cls
    for name, cls in vars(model).items()
    if isinstance(cls, type) and (dataclasses.is_dataclass(cls) or issubclass(cls, msgspec.Struct))
}
_CLASSES.update({"@Pos": Pos, "@Problem": Problem})
# the fields that hold places in every class that has them: its own place, and (a `Placed`
# map) the place of each of its keys
OWN_PLACE = "pos"
KEY_PLACES = "places"
_NESTED = (list, dict)
_NO_DEFAULT = object()


def _defaults(cls: type[Any]) -> dict[str, Any]:
    """Each field of a model class and its default (`_NO_DEFAULT` for none)."""
    if issubclass(cls, msgspec.Struct):
        # the class's own tuples: `msgspec.structs.fields` resolves every annotation first,
        # 15 ms at each process's import for the model's classes
        names, written = cls.__struct_fields__, cls.__struct_defaults__
        defaults = (msgspec.NODEFAULT,) * (len(names) - len(written)) + written
        return {name: _default(default) for name, default in zip(names, defaults, strict=True)}
    return {info.name: _dataclass_default(info) for info in dataclasses.fields(cls)}


def _dataclass_default(info: dataclasses.Field[Any]) -> Any:
    """A dataclass field's default: its value, what its factory makes, or none."""
    if info.default_factory is not dataclasses.MISSING:
        return info.default_factory()
    return _NO_DEFAULT if info.default is dataclasses.MISSING else info.default


class _Probe(msgspec.Struct):
    made: list[Any] = msgspec.field(default_factory=list)


_FACTORY = type(_Probe.__struct_defaults__[0])  # how a struct class holds a default factory


def _default(written: Any) -> Any:
    """A struct field's default as `__struct_defaults__` holds it: a value, a factory, or none."""
    if written is msgspec.NODEFAULT:
        return _NO_DEFAULT
    return written.factory() if isinstance(written, _FACTORY) else written


# A field whose value is its default is left out of the file (most of a step's fields are):
# the file is smaller and a second process decodes fewer values.
_DEFAULTS: dict[type[Any], dict[str, Any]] = {cls: _defaults(cls) for cls in _CLASSES.values()}
_PLACED = frozenset(cls for cls in _CLASSES.values() if OWN_PLACE in _DEFAULTS[cls])
_KEYS_PLACED = frozenset(cls for cls in _CLASSES.values() if issubclass(cls, model.Placed))


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
            pack, problems = decode(path.read_bytes())
    except (OSError, ValueError, LookupError, TypeError, AttributeError):  # orjson.JSONDecodeError is a ValueError
        return None
    return msgspec.structs.replace(pack, root=str(root)) if pack.root != str(root) else pack, problems


def save(root: Path, pack: model.Pack, problems: list[Problem]) -> None:
    folder = cache_folder()
    try:
        folder.mkdir(parents=True, exist_ok=True)
        target = folder / f"{pack_key(root)}.json"
        temporary = target.with_suffix(f".{os.getpid()}.tmp")
        temporary.write_bytes(encode(pack, problems))
        temporary.replace(target)
    except OSError:
        pass  # a cache that cannot be written only costs time


def encode(pack: model.Pack, problems: list[Problem]) -> bytes:
    """The cache file of a checked pack: its model, its problems and the table of places."""
    places: dict[Pos, int] = {}
    files: dict[str, int] = {}

    def place(pos: Pos) -> int:
        number = places.get(pos)
        if number is None:
            number = places[pos] = len(places)
            files.setdefault(pos.file, len(files))
        return number

    def encode(value: Any) -> Any:
        if type(value) is Pos:
            return {POS: place(value)}
        if type(value) is model.Text:
            return {TEXT: [place(value.pos), *(part for variant in value.variants for part in variant)]}
        if type(value) is model.Condition:
            return {CONDITION: [place(value.pos), value.source]}
        if isinstance(value, msgspec.Struct) or (dataclasses.is_dataclass(value) and not isinstance(value, type)):
            cls = type(value)
            fields: dict[str, Any] = {}
            for name, default in _DEFAULTS[cls].items():
                item = getattr(value, name)
                if type(item) is type(default) and item == default:  # `0` is not the default `False`
                    continue
                if name == OWN_PLACE and cls in _PLACED:
                    fields[name] = place(item)
                elif name == KEY_PLACES and cls in _KEYS_PLACED:
                    fields[name] = [part for key, pos in item.items() for part in (key, place(pos))]
                else:
                    fields[name] = encode(item)
            return {"@" + cls.__name__: fields}
        if isinstance(value, Mapping):
            if value and all(type(item) is Pos for item in value.values()):
                return {PLACES: {key: place(item) for key, item in value.items()}}
            return {MAP: {key: encode(item) for key, item in value.items()}}
        if isinstance(value, (tuple, list)):
            return [encode(item) for item in value]
        return value

    data = {"pack": encode(pack), "problems": [encode(problem) for problem in problems]}
    table = [number for pos in places for number in (files[pos.file], pos.line, pos.col)]
    return orjson.dumps({"files": list(files), "places": table, **data})


def decode(text: bytes) -> tuple[model.Pack, list[Problem]]:
    """The pack and problems of a cache file; raises ValueError, LookupError, TypeError or
    AttributeError on a file that is not one (never runs anything but the model's classes)."""
    data = orjson.loads(text)
    files, table = data["files"], data["places"]
    if not set(map(type, files)) <= {str} or not set(map(type, table)) <= {int}:  # 93,000 numbers: not one by one
        raise ValueError("not a table of places")
    # each place made once, however many objects stand there (a step's key and its text...)
    places = _places(files, table)

    def decode(value: Any) -> Any:
        # only lists and maps are looked into: most values are texts and numbers
        if type(value) is list:
            return tuple([decode(item) if type(item) in _NESTED else item for item in value])
        ((kind, fields),) = value.items()  # a map of anything but one key is not ours: ValueError
        if kind == TEXT:  # a number not in the table, an odd count of parts: LookupError, ValueError
            if len(fields) == 3:  # one language: most texts
                return model.Text(((fields[1], fields[2]),), places[fields[0]])
            parts = iter(fields[1:])
            return model.Text(tuple(zip(parts, parts, strict=True)), places[fields[0]])
        if kind == CONDITION:
            number, source = fields
            return model.Condition(source, places[number])
        if kind == POS:
            return places[fields]
        if kind == PLACES:
            return MappingProxyType({key: places[number] for key, number in fields.items()})
        cls = _CLASSES.get(kind)
        # where its keys stand: numbers, nothing to look into
        keys = fields.pop(KEY_PLACES, None) if cls in _KEYS_PLACED else None
        found = {key: decode(item) if type(item) in _NESTED else item for key, item in fields.items()}
        if cls is None:
            if kind != MAP:
                raise KeyError(kind)  # a class not of the model
            return MappingProxyType(found)
        if cls in _PLACED:  # a number not in the table: IndexError or TypeError
            found[OWN_PLACE] = places[found[OWN_PLACE]]
        if keys is not None:
            numbers = iter(keys)
            found[KEY_PLACES] = MappingProxyType({key: places[n] for key, n in zip(numbers, numbers, strict=True)})
        return cls(**found)  # a field it does not have: TypeError

    pack = decode(data["pack"])
    problems = [decode(problem) for problem in data["problems"]]
    if not isinstance(pack, model.Pack) or not all(isinstance(p, Problem) for p in problems):
        raise TypeError("not a pack")
    return pack, problems


def _places(files: list[str], table: list[int]) -> list[Pos]:
    """The places of a table of `file number, line, column` triples.

    Each is made by setting its slots, not by `Pos(...)`: a frozen dataclass's `__init__`
    sets each field through `object.__setattr__`, 20 ms for the 31,000 places of a
    5,000-step pack, 13 ms this way. A count that is not a multiple of 3: ValueError; a file
    number not in the list: IndexError."""
    new = object.__new__
    set_file, set_line, set_col = (vars(Pos)[name].__set__ for name in ("file", "line", "col"))
    made: list[Pos] = []
    for file, line, col in zip(map(files.__getitem__, table[0::3]), table[1::3], table[2::3], strict=True):
        place = new(Pos)
        set_file(place, file)
        set_line(place, line)
        set_col(place, col)
        made.append(place)
    return made


@functools.cache
def _engine_version() -> str:
    """The newest change to the engine's code or schemas (installing a version writes its
    files anew): a changed engine invalidates every entry. Worked out once per process."""
    from callguide import schemas

    code = Path(__file__).resolve().parent.parent
    files = [*code.rglob("*.py"), *Path(schemas.__file__).resolve().parent.glob("*.json")]
    return str(max((path.stat().st_mtime_ns for path in files), default=0))
