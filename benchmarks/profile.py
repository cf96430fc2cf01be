"""Profile one hot path of the engine: `python -m benchmarks.profile WHAT [--pyinstrument]`.

WHAT is one of: start, view, answer, call, snapshot, resume, load, cached, generated,
generated-cached, one-flow (`cached`: loads with the check cache warm, in a scratch folder).
cProfile (the default) prints the functions that take the most time of their own and the
most time with what they call; `--pyinstrument` prints pyinstrument's call tree instead
(the `bench` extra). The optimisation notes in the benchmark report quote these profiles.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from callguide import Engine

from benchmarks.engine_bench import Call, answered, bench_engine, bundled_packs, show
from benchmarks.generated import write_pack

TARGETS = (
    "start",
    "view",
    "answer",
    "call",
    "snapshot",
    "resume",
    "load",
    "cached",
    "generated",
    "generated-cached",
    "one-flow",
)


def workload(what: str, scratch: Path) -> tuple[Callable[[], Any], int]:
    """The operation to profile and how many times to run it."""
    if what in ("load", "cached", "generated", "generated-cached", "one-flow"):
        cached = what.endswith("cached")
        if cached:
            os.environ["CALLGUIDE_CACHE"] = str(scratch / "cache")
        if what in ("load", "cached"):
            packs = bundled_packs()
            return (lambda: [Engine.load(pack, cache=cached) for pack in packs]), 5
        steps, flows = (1_000, 1) if what == "one-flow" else (5_000, 50)
        pack = write_pack(scratch / what, steps=steps, flows=flows)
        return (lambda: Engine.load(pack, cache=cached)), 3 if cached else 1
    engine, call = bench_engine(), Call.from_scenario()
    if what == "start":
        return (lambda: engine.start(call.flow, context=call.context)), 20_000
    if what == "view":
        return (lambda: show(engine.start(call.flow, context=call.context))), 20_000
    if what == "call":
        return (lambda: call.whole(engine)), 1_000
    if what == "answer":
        ready = [call.play(call.start(engine), 1) for _ in range(20_001)]  # one for the warm-up
        sessions = iter(ready)
        answer = answered("technical")
        return (lambda: answer(next(sessions))), len(ready) - 1
    middle = call.play(call.start(engine), 10)
    if what == "snapshot":
        return middle.snapshot, 20_000
    data = middle.snapshot()
    return (lambda: engine.resume(data)), 20_000


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.profile", description=__doc__)
    parser.add_argument("what", choices=TARGETS)
    parser.add_argument("--pyinstrument", action="store_true", help="a pyinstrument call tree instead of cProfile")
    parser.add_argument("--limit", type=int, default=25, help="functions shown per table")
    parser.add_argument("--output", type=Path, help="also save the cProfile data (for snakeviz, pstats)")
    options = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="callguide-profile-") as folder:
        operation, times = workload(options.what, Path(folder))
        operation()  # warm-up: Jinja compiles templates on first use

        def run() -> None:
            for _ in range(times):
                operation()

        if options.pyinstrument:
            from pyinstrument import Profiler

            profiler = Profiler(interval=0.0001)
            profiler.start()
            run()
            profiler.stop()
            print(profiler.output_text(unicode=True, color=False, show_all=False))
            return 0
        profile = cProfile.Profile()
        profile.enable()
        run()
        profile.disable()
    if options.output:
        profile.dump_stats(str(options.output))
    for order in ("tottime", "cumulative"):
        text = io.StringIO()
        stats = pstats.Stats(profile, stream=text)
        stats.strip_dirs().sort_stats(order).print_stats(options.limit)
        print(f"== {options.what} x {times}, by {order} ==")
        print(text.getvalue().split("\n\n", 1)[-1])
    return 0


if __name__ == "__main__":
    sys.exit(main())
