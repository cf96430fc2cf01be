"""`python -m benchmarks [--quick] [--only GROUP,...] [--out FOLDER]`."""

from __future__ import annotations

import argparse
import gc
import sys
import time
from collections.abc import Callable
from pathlib import Path

from benchmarks import engine_bench, kinds, peers, processes, report
from benchmarks.facts import machine_facts
from benchmarks.harness import Pool, Row, Settings

GROUP_NAMES = ("load", "session", "scale", "peers")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="fewer repeats and 10,000 live sessions (under a minute)")
    parser.add_argument("--only", default="", help=f"comma-separated groups to run: {', '.join(GROUP_NAMES)}")
    parser.add_argument(
        "--out", type=Path, default=Path(__file__).resolve().parent / "results", help="folder for latest.json / .md"
    )
    options = parser.parse_args(argv)
    chosen = [name.strip() for name in options.only.split(",") if name.strip()] or list(GROUP_NAMES)
    unknown = sorted(set(chosen) - set(GROUP_NAMES))
    if unknown:
        parser.error(f"unknown group {unknown[0]!r} (groups: {', '.join(GROUP_NAMES)})")

    settings = Settings.make(options.quick)
    facts = machine_facts(engine_bench.ROOT)  # before the run: the load average is the machine's, not ours
    began = time.perf_counter()
    engine = engine_bench.bench_engine()
    call = engine_bench.Call.from_scenario()
    rows: list[Row] = []

    def group(name: str, run: Callable[[], list[Row]]) -> None:
        if name not in chosen:
            return
        print(f"· {name} ...", file=sys.stderr, flush=True)
        gc.collect()  # what the group before left behind is not this group's cost
        done = time.perf_counter()
        rows.extend(run())
        print(f"  {name} done in {time.perf_counter() - done:.1f} s", file=sys.stderr, flush=True)

    def timed_moves() -> list[Row]:
        """The session's moves, every answer kind and the peers' calls, interleaved in one
        pool (same drift)."""
        pool = Pool()
        builders = []
        found = kinds.Kinds()
        if "session" in chosen:
            builders.append(engine_bench.session_plan(settings, engine, call, pool))
            found = kinds.collect(engine_bench.bundled_packs())
            kinds.kinds_plan(found, pool)
            kinds.trigger_between_plan(found, pool, engine_bench.shared_trigger())
        if "peers" in chosen:
            builders.append(peers.peer_plan(settings, pool))
        engine_bench.warm_up(engine, call)
        stats = pool.run(settings)
        made = [row for build in builders for row in build(stats)]
        if "session" in chosen:
            made += kinds.kinds_rows(found, stats, stats.get("session.shared_trigger"))
            made += processes.first_call_rows(settings)
        return made

    def loads() -> list[Row]:
        return processes.load_rows(settings) + engine_bench.load_rows(settings)

    def scale() -> list[Row]:
        engine_bench.warm_up(engine, call)
        return engine_bench.scale_rows(settings, engine, call)

    group("load", loads)
    if "session" in chosen or "peers" in chosen:
        label = "+".join(name for name in ("session", "peers") if name in chosen)
        chosen.append(label)
        group(label, timed_moves)
    group("scale", scale)
    rows.extend(row for row in report.comparison_rows(rows) if row.value is not None)

    json_path, md_path = report.write(rows, facts, settings, options.out)
    print(report.markdown(rows, facts, settings))
    print(f"written {_shown(json_path)} and {_shown(md_path)} in {time.perf_counter() - began:.0f} s", file=sys.stderr)
    return 0


def _shown(path: Path) -> str:
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)


if __name__ == "__main__":
    sys.exit(main())
