"""The packs the service runs: one engine per pack version, reloaded when the files change.

A session is pinned to the version of the pack it started in (the content hash of its flows).
When the files change the new version serves new calls, while live calls go on in the version
they started in: it stays loaded here, and its files are kept in the database, so that another
instance (or this one after a restart) can load it again. A call whose version is gone goes on
in the newest version if that one migrates it (a flow's `migrate:` section), as the engine decides.
"""

from __future__ import annotations

import hashlib
import logging
import tempfile
import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson
from callguide.engine import Engine
from callguide.host.store import StoreHandlers, load_effect_answers, load_folder
from callguide.problems import FlowError
from callguide.service.db import Database
from callguide.service.entities import PackEntities, bound

log = logging.getLogger("callguide.service")


@dataclass(frozen=True, slots=True)
class Loaded:
    name: str
    version: str
    engine: Engine
    entities: PackEntities


def pack_folders(root: Path) -> list[Path]:
    """A pack folder (with `pack.yaml`), or the pack folders inside a folder."""
    if (root / "pack.yaml").is_file():
        return [root]
    return sorted(path.parent for path in root.glob("*/pack.yaml"))


def pack_version(engine: Engine) -> str:
    """The pack's version: a hash of every flow's content hash."""
    digests = sorted(f"{name}:{flow.flow.digest}" for name, flow in engine.compiled.flows.items())
    return hashlib.sha256("\n".join(digests).encode()).hexdigest()[:16]


def _source_files(folder: Path) -> dict[str, str]:
    """The files an engine is loaded from (scenario tests left out)."""
    files = {}
    for path in sorted(folder.rglob("*")):
        relative = path.relative_to(folder)
        if path.is_file() and relative.parts[0] != "tests":
            try:
                files[str(relative)] = path.read_text(encoding="utf-8")
            except (UnicodeDecodeError, OSError):
                continue
    return files


def _fingerprint(folder: Path) -> tuple[tuple[str, int, int], ...]:
    """What changes when a file of the pack changes (checked every few seconds)."""
    found = []
    for path in sorted(folder.rglob("*.yaml")):
        try:
            status = path.stat()
        except OSError:
            continue
        found.append((str(path), status.st_mtime_ns, status.st_size))
    return tuple(found)


class Packs:
    """Every pack the service runs, in every version a live call may still need."""

    def __init__(self, root: Path, db: Database, secret: bytes, *, sample_data: bool = True) -> None:
        self.root = root
        self.db = db
        self.secret = secret
        self.sample_data = sample_data
        self.folders: dict[str, Path] = {}
        self.current: dict[str, Loaded] = {}
        self.versions: dict[tuple[str, str], Loaded] = {}
        self.fingerprints: dict[Path, tuple[tuple[str, int, int], ...]] = {}
        self.lock = threading.Lock()

    def load_all(self) -> None:
        """Load every pack; a pack that does not load stops the start (its problems are logged)."""
        folders = pack_folders(self.root)
        if not folders:
            raise FlowError([])
        for folder in folders:
            self._load(folder)

    def _engine(self, folder: Path, name_hint: str | None = None) -> Loaded:
        engine = Engine.load(folder, secret=self.secret)
        name = engine.pack.name
        entities = PackEntities(name)
        engine.handlers.update(StoreHandlers(engine.pack, entities).mapping(engine.compiled.effects))
        return Loaded(name, pack_version(engine), engine, entities)

    def _load(self, folder: Path) -> Loaded:
        fingerprint = _fingerprint(folder)
        loaded = self._engine(folder)
        with self.lock:
            self.folders[loaded.name] = folder
            self.fingerprints[folder] = fingerprint
            known = self.versions.get((loaded.name, loaded.version))
            if known is not None:
                self.current[loaded.name] = known
                return known
            self.current[loaded.name] = loaded
            self.versions[(loaded.name, loaded.version)] = loaded
        self._remember(folder, loaded)
        return loaded

    def _remember(self, folder: Path, loaded: Loaded) -> None:
        """Keep the version's files (for live calls on other instances), and the pack's sample
        data the first time the pack is served."""
        now = datetime.now(UTC).isoformat()
        with self.db.transaction() as tx, bound(tx):
            tx.run(
                "insert into pack_versions (pack, version, files, created) values (?, ?, ?, ?)"
                " on conflict (pack, version) do nothing",
                (loaded.name, loaded.version, orjson.dumps(_source_files(folder)).decode(), now),
            )
            if self.sample_data and not loaded.entities.seeded():
                data = folder / "data"
                if data.is_dir():
                    load_folder(loaded.entities, data)
                    load_effect_answers(loaded.entities, data / "effects")
                tx.run(
                    "insert into packs_seeded (pack, seeded) values (?, ?) on conflict (pack) do nothing",
                    (loaded.name, now),
                )

    def get(self, name: str) -> Loaded | None:
        return self.current.get(name)

    def version(self, name: str, version: str) -> Loaded | None:
        """The pack as a call started in it, loaded again from the database if need be; None
        when no instance has ever kept that version."""
        found = self.versions.get((name, version))
        if found is not None:
            return found
        with self.db.transaction() as tx:
            row = tx.one("select files from pack_versions where pack = ? and version = ?", (name, version))
        if row is None:
            return None
        files: dict[str, Any] = orjson.loads(row[0])
        with tempfile.TemporaryDirectory(prefix="callguide-pack-") as temporary:
            folder = Path(temporary)
            for relative, text in files.items():
                target = folder / relative
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_text(str(text), encoding="utf-8")
            try:
                loaded = self._engine(folder)
            except FlowError:
                log.warning("pack %s version %s no longer loads", name, version)
                return None
        with self.lock:
            return self.versions.setdefault((name, version), loaded)

    def reload_changed(self) -> list[str]:
        """Load again every pack whose files changed; returns `pack version` of each new one. A
        pack that no longer loads keeps serving the version it had (the problems are logged)."""
        changed = []
        for folder in pack_folders(self.root):
            if _fingerprint(folder) == self.fingerprints.get(folder):
                continue
            try:
                loaded = self._load(folder)
            except FlowError as error:
                self.fingerprints[folder] = _fingerprint(folder)
                log.error("pack %s not reloaded: %s", folder, error)
                continue
            changed.append(f"{loaded.name} {loaded.version}")
            log.info("pack reloaded", extra={"pack": loaded.name, "version": loaded.version})
        return changed
