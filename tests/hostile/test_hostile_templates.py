"""Hostile texts and conditions: the classic Jinja sandbox escapes and resource abuse.

Every payload goes into a flow file (`check_pack`, then `Engine`) and straight into the
sandbox with no checker in front (`template_probe.py`). Each must be refused by the checker
with a problem at its place, or at run time with `RenderError` / `FlowRuntimeError`, or be
harmless; never a crash, a shell command, an import of what it names, or a leak of Python
internals, and never past the child's memory and CPU limits.
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from .corpus import ACCEPTED, CRASH, REFUSED, Corpus
from .isolation import run_snippet
from .payloads import ESCAPES, RESOURCES

pytestmark = pytest.mark.slow_hostile

PROBE = """
from hostile.payloads import {which}
from hostile.template_probe import run_payloads, watch_imports
watch_imports()
run_payloads({which}, report)
"""
# a refusal by the checker or the engine names the flow file, its line and column
PLACED = re.compile(r"^/\S+/main\.yaml:\d+:\d+: ")
# resource payloads whose result is bounded and harmless: they may render
BOUNDED = {"power_tower", "huge_int_to_text", "int_of_10000_digits"}
# CPU seconds for one payload through both layers, with a generous margin (never wall-clock
# time: CI runs on two busy cores); the slowest takes about half a second.
MAX_CPU_SECONDS = 10.0


def run(which: str, corpus: Corpus) -> dict[str, dict[str, Any]]:
    outcome = run_snippet(PROBE.format(which=which))
    corpus.add(f"templates/{which.lower()}", [report for report in outcome.reports if report["input"] != "(imports)"])
    assert outcome.ok, outcome.describe()
    return {report["input"]: report for report in outcome.reports}


def problems_with(report: dict[str, Any]) -> list[str]:
    wrong = []
    name, layers = report["input"], report["layers"]
    if report["verdict"] == CRASH:
        return [f"{name}: {report}"]
    flow_status, flow_said = layers["flow"]
    if flow_status == "refused":
        unplaced = [said for said in flow_said if not PLACED.match(said)]
        if unplaced:
            wrong.append(f"{name}: refused without file:line:col: {unplaced}")
    if report["cpu_seconds"] > MAX_CPU_SECONDS:
        wrong.append(f"{name}: took {report['cpu_seconds']:.2f}s of CPU")
    return wrong


def test_sandbox_escapes_are_refused_or_harmless(corpus: Corpus) -> None:
    assert len(ESCAPES) >= 40
    reports = run("ESCAPES", corpus)
    assert reports.pop("(imports)")["forbidden"] == []
    assert sorted(reports) == sorted(payload.name for payload in ESCAPES)
    wrong = [problem for report in reports.values() for problem in problems_with(report)]
    assert not wrong, "\n".join(wrong)
    # the few that render print nothing of Python's (the probe checks every output for leaks)
    rendered = sorted(name for name, report in reports.items() if report["verdict"] == ACCEPTED)
    # (an unsafe attribute read by `attr` or `map` is refused as soon as the value is made)
    assert rendered == ["condition_globals"], rendered


def test_resource_abuse_is_refused_within_the_limits(corpus: Corpus) -> None:
    reports = run("RESOURCES", corpus)
    assert reports.pop("(imports)")["forbidden"] == []
    assert sorted(reports) == sorted(payload.name for payload in RESOURCES)
    wrong = [problem for report in reports.values() for problem in problems_with(report)]
    assert not wrong, "\n".join(wrong)
    for name, report in reports.items():
        if name in BOUNDED:
            assert report["verdict"] == ACCEPTED, report
            assert len(report["layers"]["flow"][1]) < 20_000
        else:
            assert report["verdict"] == REFUSED, report
            # the sandbox holds by itself too, without the checker in front of it
            assert report["layers"]["sandbox"][0] == "refused", report
