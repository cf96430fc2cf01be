"""The atheris fuzz target of the loader (`fuzz_loader.py`), for a fixed number of inputs.

Seeded with every bundled flow file and the small hostile YAML cases, libFuzzer mutates them
from a fixed seed for a fixed number of runs, so that every CI run tries the same inputs, in a
child process limited to 1 GiB and bounded in CPU time; any exception other than a placed
refusal, any crash, or memory past 900 MB fails the test (libFuzzer leaves the input as
`crash-*` / `timeout-*` in the artifacts folder named in the message). Longer fuzzing, from a
new seed each time, is `make fuzz`.
"""

from __future__ import annotations

import importlib.util
import re
import shutil
import tempfile
from pathlib import Path

import pytest

from .corpus import ACCEPTED, Corpus
from .isolation import HERE, run_snippet

pytestmark = pytest.mark.slow_hostile

RUNS = 3_000
SEED = 20_261_202
# libFuzzer's per-input `-timeout` is wall-clock time: far above what any input takes, so that
# a busy machine never trips it; an input that computes without end is stopped by the CPU limit.
PER_INPUT_SECONDS = 120
CPU_SECONDS = 180

RUN = """
import runpy, sys
sys.argv = ["fuzz_loader.py", "-runs={runs}", "-seed={seed}", "-timeout={timeout}", "-rss_limit_mb=900",
            "-print_final_stats=1", "-artifact_prefix={artifacts}/"]
runpy.run_path({target!r}, run_name="__main__")
"""


@pytest.mark.skipif(
    importlib.util.find_spec("atheris") is None,
    reason="atheris is not installed (pip install atheris; it ships wheels for Linux and CPython 3.11+)",
)
def test_fuzz_the_loader_with_a_fixed_seed_and_number_of_inputs(corpus: Corpus) -> None:
    work = Path(tempfile.mkdtemp(prefix="callguide-fuzz-"))
    outcome = run_snippet(
        RUN.format(
            runs=RUNS, seed=SEED, timeout=PER_INPUT_SECONDS, artifacts=work, target=str(HERE / "fuzz_loader.py")
        ),
        cpu=CPU_SECONDS,
    )
    executed = re.search(r"stat::number_of_executed_units:\s*(\d+)", outcome.stderr)
    runs = int(executed.group(1)) if executed else 0
    corpus.add("fuzz/loader", [{"input": f"{runs} libFuzzer inputs", "verdict": ACCEPTED, "count": runs}])
    assert outcome.ok, f"artifacts in {work}\n" + outcome.describe()
    assert runs >= RUNS, outcome.stderr[-2000:]
    shutil.rmtree(work)  # kept only when the test fails: the crash or timeout input is in it
