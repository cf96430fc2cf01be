"""The cyclic garbage collector, paused while a pack is loaded.

Loading builds hundreds of thousands of objects that live as long as the engine: none of
them is garbage, yet every full collection that the allocations set off would walk all of
them (in a second process loading a 5,000-step flow from the check cache, two full
collections took most of the time). Freed objects are still freed at once (reference
counting); cycles made meanwhile wait for the next collection after the load.

When the pause ends, the objects made during it go straight to the oldest generation
(`gc.freeze()` then `gc.unfreeze()`: a move between the collector's lists, no walk). Left in
the youngest one, the first collection after the load would walk every one of them, and the
next older one again (a 5,000-step flow: about 226,000 objects, 40-80 ms each time); in the
oldest they are walked by the next full collection only, as any long-lived object is. They
stay collectable: a dropped engine's cycles are freed by that full collection (`gc.freeze()`
alone would keep them forever). Objects a host froze itself (`gc.get_freeze_count()`) are
left frozen: then nothing is moved.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def paused() -> Iterator[None]:
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if collecting:  # the outermost pause: an inner one leaves the collector to it
            _to_oldest_generation()
            gc.enable()


def _to_oldest_generation() -> None:
    """Every tracked object into the oldest generation, without a collection; nothing moved
    while a host keeps objects frozen (unfreezing would undo its freeze)."""
    if gc.get_freeze_count() == 0:
        gc.freeze()
        gc.unfreeze()
