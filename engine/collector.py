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

That full collection must come. CPython starts one once the objects promoted to the oldest
generation since the last one outnumber a quarter of those it kept, and it counts neither
the objects a pause moves nor, since moving them resets its counts, the allocations before
it. A process that does little but load and check packs (an editor checking at every
change, the loader's fuzzer) would never start one, and the garbage of every check (its
sandbox, filters and tests: 321 objects for a small pack) would pile up for ever. So the
pauses count what they move, and a pause starts a full collection itself once that is as
many objects as the oldest generation held after the last one: at the start of the next
pause, so that a process that loads once pays nothing for it, and one per doubling of the
oldest generation, so that each object moved is walked once or twice, as the young
generations would have walked it without the pause.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


class _Moved:
    """What the pauses moved to the oldest generation since its last full collection."""

    objects = 0
    collections = 0  # the oldest generation's collections when the count began
    kept: int | None = None  # the objects it held after that collection (None: not counted yet)


@contextmanager
def paused() -> Iterator[None]:
    collecting = gc.isenabled()
    if collecting:
        _collect_if_due()
    gc.disable()
    try:
        yield
    finally:
        if collecting:  # the outermost pause: an inner one leaves the collector to it
            _to_oldest_generation()
            gc.enable()


def _collect_if_due() -> None:
    """A full collection, when the objects the pauses moved to the oldest generation since
    its last one are as many as it held after it."""
    collections = gc.get_stats()[2]["collections"]
    if collections != _Moved.collections:  # CPython or the host collected it meanwhile
        _Moved.objects, _Moved.collections, _Moved.kept = 0, collections, None
    if not _Moved.objects:
        return
    if _Moved.kept is None:  # counted once, when first needed: a process that loads once never pays
        _Moved.kept = max(len(gc.get_objects(2)) - _Moved.objects, 0)
    if _Moved.objects > _Moved.kept:
        gc.collect()
        _Moved.objects, _Moved.collections, _Moved.kept = 0, gc.get_stats()[2]["collections"], len(gc.get_objects(2))


def _to_oldest_generation() -> None:
    """Every tracked object into the oldest generation, without a collection, counted; nothing
    moved while a host keeps objects frozen (unfreezing would undo its freeze)."""
    if gc.get_freeze_count() == 0:
        # the objects made since the last collection, less those freed since: what moves
        _Moved.objects += gc.get_count()[0]
        gc.freeze()
        gc.unfreeze()
