"""The timing harness: timeit-style repeated runs, a warm-up, medians and spread.

Every measurement is a function that returns `Row`s. A timed operation runs in batches
(`number` calls per batch, found by calibration so a batch lasts long enough for the
clock); each batch gives one per-call time, a warm-up batch is thrown away, and the
median of the `repeat` batches is the figure reported, with its quartiles, minimum and
maximum. Unlike `timeit`, the garbage collector stays on: a host that keeps 100,000
calls alive pays for its collections too, and a median is not moved by the odd pause.
"""

from __future__ import annotations

import gc
import statistics
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True)
class Settings:
    """How hard to measure: `quick` for everyday use, full for the report."""

    quick: bool
    repeat: int  # batches per timed operation (after the warm-up)
    min_batch_seconds: float  # calibration: a batch lasts at least this long
    load_repeat: int  # runs of the slow, one-shot measurements (loading packs)
    live_sessions: int  # how many live sessions the scale and memory measurements keep

    @classmethod
    def make(cls, quick: bool) -> Settings:
        if quick:
            return cls(quick=True, repeat=7, min_batch_seconds=0.02, load_repeat=3, live_sessions=10_000)
        return cls(quick=False, repeat=25, min_batch_seconds=0.05, load_repeat=7, live_sessions=100_000)


@dataclass(frozen=True, slots=True)
class Stats:
    """Per-call times of the batches, in seconds."""

    median: float
    q1: float
    q3: float
    minimum: float
    maximum: float
    mean: float
    batches: int
    number: int  # calls per batch
    samples: tuple[float, ...] = ()

    @classmethod
    def of(cls, samples: Sequence[float], number: int) -> Stats:
        ordered = sorted(samples)
        if len(ordered) >= 2:
            q1, _, q3 = statistics.quantiles(ordered, n=4, method="inclusive")
        else:
            q1 = q3 = ordered[0]
        return cls(
            median=statistics.median(ordered),
            q1=q1,
            q3=q3,
            minimum=ordered[0],
            maximum=ordered[-1],
            mean=statistics.fmean(ordered),
            batches=len(ordered),
            number=number,
            samples=tuple(samples),
        )

    @classmethod
    def merged(cls, first: Stats, *others: Stats) -> Stats:
        """One measurement taken several times (before and after something), as one."""
        return cls.of(tuple(sample for part in (first, *others) for sample in part.samples), first.number)


@dataclass(slots=True)
class Row:
    """One line of the report: a measured value, its target and whether it is met."""

    key: str  # stable identifier, for the JSON report and for comparing runs
    group: str
    title: str
    value: float | None  # in `unit`; None when the measurement could not run
    unit: str  # "s", "B", "x" (a ratio) or "" (a count)
    target: str = ""  # as written in the issue, e.g. "<= 40 µs"
    met: bool | None = None  # None: no target
    stats: Stats | None = None
    note: str = ""
    details: dict[str, Any] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        data = asdict(self)
        if self.stats is None:
            data.pop("stats")
        return data


def timed_batch(call: Callable[[], object], number: int) -> float:
    """Seconds per call of `call`, over one batch of `number` calls."""
    loop = range(number)
    start = time.perf_counter()
    for _ in loop:
        call()
    return (time.perf_counter() - start) / number


def timed_over(call: Callable[[Any], object], items: Sequence[Any]) -> float:
    """Seconds per call of `call(item)` over prepared items (one fresh object per call).

    The collector is run first, untimed: preparing a batch (two thousand live sessions) is
    what fills the collector's counts, and the full collection it then triggers inside the
    timed loop (a hundred milliseconds over the whole heap, every other batch) would be
    charged to the operation; the collections the operation's own allocations trigger are
    still timed."""
    gc.collect()
    start = time.perf_counter()
    for item in items:
        call(item)
    return (time.perf_counter() - start) / len(items)


def timed_between(call: Callable[[], object], items: Sequence[Any], before: Callable[[Any], object]) -> float:
    """Seconds per call of `call()`, each made right after `before(item)` and timed alone:
    what a call costs in the state the work before it leaves the machine in (its caches
    holding that work's code and data), not in a loop of its own. Each call is timed between
    two clock readings, less the cost of reading the clock, read twice more just before."""
    gc.collect()
    clock = time.perf_counter
    spent = 0.0
    for item in items:
        before(item)
        start = clock()
        ready = clock()
        call()
        spent += (clock() - ready) - (ready - start)
    return spent / len(items)


def calibrate(trial: Callable[[int], float], min_seconds: float, limit: int = 1_000_000) -> int:
    """The smallest power-of-ten-ish batch size whose batch lasts `min_seconds`."""
    number = 1
    while number < limit:
        per_call = trial(number)
        if per_call * number >= min_seconds:
            return number
        wanted = int(min_seconds / max(per_call, 1e-9) * 1.2) + 1
        number = min(limit, max(number * 2, wanted))
    return limit


def measure(
    call: Callable[[], object],
    settings: Settings,
    *,
    number: int | None = None,
    repeat: int | None = None,
) -> Stats:
    """Time `call()`: calibrate, warm up, then `repeat` batches."""
    if number is None:
        number = calibrate(lambda n: timed_batch(call, n), settings.min_batch_seconds)
    timed_batch(call, number)  # warm-up
    samples = []
    for _ in range(repeat or settings.repeat):
        samples.append(timed_batch(call, number))
    return Stats.of(samples, number)


def measure_each(
    prepare: Callable[[int], Sequence[Any]],
    call: Callable[[Any], object],
    settings: Settings,
    *,
    number: int | None = None,
    repeat: int | None = None,
    limit: int = 20_000,
) -> Stats:
    """Time `call(item)` on items that `prepare(n)` makes before each batch, untimed
    (for moves that change what they act on: an answer needs a session at that step)."""

    def trial(n: int) -> float:
        return timed_over(call, prepare(n))

    if number is None:
        number = calibrate(trial, settings.min_batch_seconds, limit)
    trial(number)  # warm-up
    samples = []
    for _ in range(repeat or settings.repeat):
        items = prepare(number)
        samples.append(timed_over(call, items))
        del items
    return Stats.of(samples, number)


def measure_once(call: Callable[[], object], repeat: int, *, warmup: bool = True) -> Stats:
    """Slow one-shot operations (loading a pack): `repeat` single runs, median of them."""
    if warmup:
        call()
    samples = []
    for _ in range(repeat):
        gc.collect()
        start = time.perf_counter()
        call()
        samples.append(time.perf_counter() - start)
    return Stats.of(samples, 1)


def at_most(value: float | None, limit: float) -> bool | None:
    return None if value is None else value <= limit


def at_least(value: float | None, limit: float) -> bool | None:
    return None if value is None else value >= limit


def unavailable(key: str, group: str, title: str, unit: str, target: str, why: str) -> Row:
    """A row for a measurement that could not run (a peer not installed, a broken pack)."""
    return Row(key, group, title, None, unit, target, None, note=why)


def first(rows: Iterable[Row], key: str) -> Row | None:
    return next((row for row in rows if row.key == key), None)


class Pool:
    """Timed operations run interleaved: round after round, one batch of each.

    The machines this runs on are shared virtual machines whose speed drifts by tens of
    per cent over seconds. Interleaving puts every operation under the same drift, so the
    ratios between them (an answer against a `transitions` trigger, the engine against a
    peer) hold even when the absolute figures move; the median over rounds drops the
    rounds a burst of noise spoiled.
    """

    def __init__(self) -> None:
        self._trials: dict[str, tuple[Callable[[int], float], int]] = {}

    def add(self, key: str, call: Callable[[], object]) -> None:
        self.add_trial(key, lambda n: timed_batch(call, n), 1_000_000)

    def add_each(
        self,
        key: str,
        prepare: Callable[[int], Sequence[Any]],
        call: Callable[[Any], object],
        limit: int = 20_000,
    ) -> None:
        self.add_trial(key, lambda n: timed_over(call, prepare(n)), limit)

    def add_trial(self, key: str, trial: Callable[[int], float], limit: int) -> None:
        """`trial(n)`: seconds per operation over a batch of `n`, at most `limit`."""
        self._trials[key] = (trial, limit)

    def run(self, settings: Settings) -> dict[str, Stats]:
        numbers: dict[str, int] = {}
        for key, (trial, limit) in self._trials.items():
            numbers[key] = calibrate(trial, settings.min_batch_seconds, limit)
            trial(numbers[key])  # warm-up
        samples: dict[str, list[float]] = {key: [] for key in self._trials}
        for _ in range(settings.repeat):
            for key, (trial, _) in self._trials.items():
                samples[key].append(trial(numbers[key]))
        return {key: Stats.of(found, numbers[key]) for key, found in samples.items()}
