"""The cyclic garbage collector, paused while a pack is loaded.

Loading builds hundreds of thousands of objects that live as long as the engine: none of
them is garbage, yet every full collection that the allocations set off would walk all of
them (in a second process loading a 5,000-step flow from the check cache, two full
collections took most of the time). Freed objects are still freed at once (reference
counting); cycles made meanwhile wait for the next collection after the load.
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
        if collecting:
            gc.enable()
