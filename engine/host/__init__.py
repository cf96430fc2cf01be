"""Ready-made hosts for the engine: a sample-data store and effect handlers backed by it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from callguide.clock import Clock
from callguide.engine import Engine
from callguide.host.store import Store, StoreHandlers
from callguide.problems import StoreError

__all__ = ["Store", "StoreError", "StoreHandlers", "local_engine"]


def local_engine(
    pack: str | Path, *, clock: Clock | None = None, store: Store | None = None, **options: Any
) -> tuple[Engine, Store]:
    """An engine whose effects are all answered by a store filled with the pack's sample data."""
    engine = Engine.load(pack, clock=clock, **options)
    store = store or Store()
    data = Path(pack) / "data"
    if data.is_dir():
        store.load_folder(data)
        store.load_effect_answers(data / "effects")
    engine.handlers.update(StoreHandlers(engine.pack, store).mapping(engine.compiled.effects))
    return engine, store
