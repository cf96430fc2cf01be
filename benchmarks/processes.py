"""What a new process pays: loading cold, loading from the check cache, the first call.

Every figure here is taken in a fresh interpreter, imports included, as the CLI and a
service that starts a worker pay them: "cold" is a fresh process with an empty check
cache; "cached" is a second process after a first one filled the cache. The first call
after loading is timed against the calls after it in the same process (templates and
caches that fill on first use show up there).

The fresh processes import callguide from compiled bytecode, as an installed package does
(pip compiles what it installs): `_compiled` writes it first, since a machine that sets
PYTHONDONTWRITEBYTECODE (this one does) would otherwise have every fresh process compile
callguide's hundred-odd modules again, a cost no installed service pays.
"""

from __future__ import annotations

import compileall
import json
import os
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from benchmarks.engine_bench import ROOT, bundled_packs
from benchmarks.generated import write_pack
from benchmarks.harness import Row, Settings, Stats, at_most

# what a load from the check cache never needs: the checker, the YAML parsers, the schemas
HEAVY = ("jsonschema", "callguide.check.run", "callguide.load.yaml_source", "yaml", "ruamel.yaml", "rich")
LOAD = (
    f"HEAVY = {HEAVY!r}\n"
    + """
import json, sys, time
start = time.perf_counter()
from callguide import Engine
imported = time.perf_counter()
for pack in sys.argv[2:]:
    Engine.load(pack, cache=sys.argv[1] == "cached")
done = time.perf_counter()
heavy = sorted(name for name in HEAVY if name in sys.modules)
print(json.dumps({"import": imported - start, "load": done - imported, "heavy": heavy}))
"""
)

FIRST_CALL = """
import json, time
from benchmarks.engine_bench import Call, bench_engine
engine = bench_engine()
call = Call.from_scenario()
times, cold = [], []
for _ in range(21):
    start = time.perf_counter()
    call.whole(engine)
    times.append(time.perf_counter() - start)
junk, scratch = bytearray(EVICT), bytearray(b"x" * EVICT)
for _ in range(7):
    junk[:] = scratch  # the CPU's caches hold none of the engine's code and data, as after a pause
    start = time.perf_counter()
    call.whole(engine)
    cold.append(time.perf_counter() - start)
second = bench_engine()  # the engine's code has run; this engine's pack is new, as are its caches
start = time.perf_counter()
call.whole(second)
again = time.perf_counter() - start
print(json.dumps({"times": times, "cold": cold, "second_engine": again}))
""".replace("EVICT", str(64 << 20))  # bytes copied: twice the machine's last-level cache, and more


# the same calls counted, in a process of their own (counting slows what it counts): a cost
# the engine pays on first use (a cache filled, a text compiled) is a call the first makes
# and the later ones do not
FIRST_CALL_WORK = """
import json, sys
from benchmarks.engine_bench import Call, bench_engine
engine = bench_engine()
call = Call.from_scenario()
counts = []
def count(frame, event, arg):
    if event in ("call", "c_call"):
        counts[-1] += 1
for _ in range(3):
    counts.append(0)
    sys.setprofile(count)
    call.whole(engine)
    sys.setprofile(None)
print(json.dumps({"calls": counts}))
"""


def _compiled() -> None:
    """Bytecode for every module of the project the fresh processes import."""
    for folder in ("engine", "cli", "schemas", "benchmarks"):
        compileall.compile_dir(ROOT / folder, quiet=1)


def _run(script: str, args: Sequence[str], cache: Path | None) -> Any:
    env = {key: value for key, value in os.environ.items() if key != "CALLGUIDE_CACHE"}
    if cache is not None:
        env["CALLGUIDE_CACHE"] = str(cache)
    done = subprocess.run(
        [sys.executable, "-c", script, *args],
        capture_output=True,
        text=True,
        check=True,
        env=env,
        cwd=ROOT,
        timeout=600,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def _loads(packs: Sequence[Path], runs: int, *, cached: bool) -> tuple[Stats, list[dict[str, Any]]]:
    """Load `packs` in `runs` fresh processes: cold (an empty cache each time) or cached
    (a first process fills the cache, the timed ones are each a second process)."""
    parts: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="callguide-bench-cache-") as folder:
        if cached:
            _run(LOAD, ["cached", *map(str, packs)], Path(folder))
        for _ in range(runs):
            parts.append(_run(LOAD, ["cached" if cached else "cold", *map(str, packs)], Path(folder)))
    return Stats.of([part["import"] + part["load"] for part in parts], 1), parts


def _load_row(key: str, title: str, packs: Sequence[Path], runs: int, cached: bool, limit: float) -> Row:
    stats, parts = _loads(packs, runs, cached=cached)
    imports = statistics.median(part["import"] for part in parts)
    heavy = parts[-1]["heavy"]
    note = f"imports {imports * 1e3:.0f} ms of it"
    if cached:
        note += "; imported although the cache answered: " + (", ".join(heavy) if heavy else "nothing heavy")
    target = f"<= {limit * 1e3:.0f} ms" if limit < 1 else f"<= {limit:g} s"
    return Row(
        key, "load", title, stats.median, "s", target, at_most(stats.median, limit), stats, note, {"runs": parts}
    )


def load_rows(settings: Settings) -> list[Row]:
    runs = 3 if settings.quick else settings.load_repeat
    packs = bundled_packs()
    _compiled()
    rows = [
        _load_row(
            "load.bundled.fresh_cold",
            f"all {len(packs)} bundled packs, cold: a fresh process imports callguide, loads, checks, compiles",
            packs,
            runs,
            False,
            1.0,
        ),
        _load_row(
            "load.bundled.fresh_cached",
            f"all {len(packs)} bundled packs, cached: a second process (imports included) loads from the check cache",
            packs,
            runs,
            True,
            0.3,
        ),
    ]
    with tempfile.TemporaryDirectory(prefix="callguide-bench-pack-") as folder:
        for shape, flows in (("one flow", 1), ("fifty flows", 50)):
            pack = write_pack(Path(folder) / f"generated_{flows}", steps=5_000, flows=flows)
            slug = "one_flow" if flows == 1 else "fifty_flows"
            for cached, limit in ((False, 3.0), (True, 0.3)):
                how = "cached: a second process" if cached else "cold: a fresh process"
                rows.append(
                    _load_row(
                        f"load.generated_{slug}.{'fresh_cached' if cached else 'fresh_cold'}",
                        f"generated 5,000-step pack as {shape}, {how}",
                        [pack],
                        max(2, runs // 2),
                        cached,
                        limit,
                    )
                )
    return rows


def first_call_rows(settings: Settings) -> list[Row]:
    """The first whole Bboxx call after loading, against the median of the next twenty; and
    against later calls each made after the CPU's caches were emptied, as a worker's calls
    are when other work ran between them (the twenty in a row find the engine's code and
    data in the caches, which a first call cannot); and against the first call of a second
    engine loaded in the same process, whose pack is new but whose code Python has run: the
    part of the first call that is the engine's work on a pack's first use, and the part that
    is Python's on code's first run. The calls each of the first three makes are counted too:
    work done on first use only is a call the first makes and no later one."""
    firsts: list[float] = []
    laters: list[float] = []
    colds: list[float] = []
    seconds: list[float] = []
    _compiled()
    for _ in range(3 if settings.quick else 5):
        ran = _run(FIRST_CALL, [], None)
        times = ran["times"]
        firsts.append(times[0])
        laters.append(statistics.median(times[1:]))
        colds.append(statistics.median(ran["cold"]))
        seconds.append(ran["second_engine"])
    first, later, cold = statistics.median(firsts), statistics.median(laters), statistics.median(colds)
    second = statistics.median(seconds)
    ratio = first / later
    calls = _run(FIRST_CALL_WORK, [], None)["calls"]
    return [
        Row(
            "session.first_call",
            "session",
            "the first whole Bboxx call after `Engine.load` (a fresh process)",
            first,
            "s",
            stats=Stats.of(firsts, 1),
            note=f"the calls after it: {later * 1e3:.2f} ms (median of 20); "
            f"a later call after the CPU caches were emptied: {cold * 1e3:.2f} ms",
        ),
        Row(
            "compare.first_call",
            "compare",
            "first call after load / a later call (same process)",
            ratio,
            "x",
            "<= 2x",
            at_most(ratio, 2.0),
            note=f"against a later call made with the CPU caches emptied first: {first / cold:.2f}x; "
            f"the first call of a second engine loaded after them (its pack, compiled texts and caches "
            f"new, the engine's code run before): {second * 1e3:.2f} ms, {second / later:.2f}x a later call "
            f"and {second / cold:.2f}x one after the caches were emptied; "
            f"Python and C calls made by the first call: {calls[0]:,}, by the second and third: "
            f"{calls[1]:,} and {calls[2]:,}",
            details={
                "first_s": firsts,
                "later_s": laters,
                "later_cold_caches_s": colds,
                "second_engine_first_s": seconds,
                "calls": calls,
            },
        ),
    ]
