"""The atheris fuzz target of the loader (`fuzz_loader.py`), for a bounded time.

Seeded with every bundled flow file and the small hostile YAML cases, libFuzzer mutates
them for about 15 seconds in a child process limited to 1 GiB; any exception other than a
placed refusal, any crash, an input slower than 5 s or past 900 MB fails the test (libFuzzer
leaves the input as `crash-*` / `timeout-*` in the artifacts folder named in the message).
"""

from __future__ import annotations

import importlib.util
import re
import shutil
import tempfile
from pathlib import Path

import pytest

from .corpus import ACCEPTED, Corpus
from .isolation import HERE, REPO, run_snippet
from .yaml_cases import CASES

SECONDS = 15

RUN = """
import runpy, sys
sys.argv = ["fuzz_loader.py", "-max_total_time={seconds}", "-timeout=5", "-rss_limit_mb=900",
            "-print_final_stats=1", "-artifact_prefix={artifacts}/", {corpus!r}]
runpy.run_path({target!r}, run_name="__main__")
"""


@pytest.mark.skipif(
    importlib.util.find_spec("atheris") is None,
    reason="atheris is not installed (pip install atheris; it ships wheels for Linux and CPython 3.11+)",
)
def test_fuzz_the_loader_for_a_bounded_time(corpus: Corpus) -> None:
    work = Path(tempfile.mkdtemp(prefix="callguide-fuzz-"))
    seeds = work / "corpus"
    seeds.mkdir()
    for n, path in enumerate(sorted((REPO / "flows").glob("*/*.yaml"))):
        (seeds / f"flow-{n}.yaml").write_bytes(path.read_bytes())
    for name, case in CASES.items():
        raw = case.make()
        if len(raw) <= 4096:
            (seeds / f"hostile-{name}.yaml").write_bytes(raw)
    outcome = run_snippet(
        RUN.format(seconds=SECONDS, artifacts=work, corpus=str(seeds), target=str(HERE / "fuzz_loader.py")),
        cpu=SECONDS + 30,
        wall=SECONDS + 60,
    )
    executed = re.search(r"stat::number_of_executed_units:\s*(\d+)", outcome.stderr)
    runs = int(executed.group(1)) if executed else 0
    corpus.add("fuzz/loader", [{"input": f"{runs} libFuzzer inputs", "verdict": ACCEPTED, "count": runs}])
    assert outcome.ok, f"artifacts in {work}\n" + outcome.describe()
    assert runs > 100, outcome.stderr[-2000:]
    shutil.rmtree(work)  # kept only when the test fails: the crash or timeout input is in it
