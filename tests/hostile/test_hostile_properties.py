"""Property tests: random calls against the bundled packs and against generated flows
(valid, and mutated into hostile ones), each run in a child process with the usual limits.
The properties themselves are in `properties.py`; the flow strategies in `flow_strategies.py`.
"""

from __future__ import annotations

import pytest

from .corpus import ACCEPTED, Corpus
from .isolation import run_snippet

pytestmark = pytest.mark.slow_hostile

EXAMPLES = 50  # per bundled pack, and per kind of generated flow

PROBE = """
from hostile.properties import run, run_generated
run(report, {examples})
run_generated(report, {examples})
"""


def test_random_calls_raise_only_engine_errors_and_resume_exactly(corpus: Corpus) -> None:
    outcome = run_snippet(PROBE.format(examples=EXAMPLES), cpu=60)
    corpus.add(
        "properties",
        [{"input": report["input"], "verdict": ACCEPTED, "count": report["examples"]} for report in outcome.reports],
    )
    assert outcome.ok, outcome.describe()
    by_name = {report["input"]: report for report in outcome.reports}
    assert sorted(by_name) == [
        "generated mutated flows",
        "generated valid flows",
        "random calls in acm",
        "random calls in bboxx",
        "random calls in beeline",
        "random calls in helpdesk",
        "random calls in loyalty",
    ]
    for name, report in by_name.items():
        assert report["examples"] == EXAMPLES, name
        if name.startswith("random calls"):
            # random moves leave some calls waiting; enough must end to check their records
            assert report["ended"] >= EXAMPLES * 0.5, f"{name}: too few calls ended to check their records"
    mutated = by_name["generated mutated flows"]
    assert mutated["refused"] > 0 and "unknown-key" in mutated["codes"]
