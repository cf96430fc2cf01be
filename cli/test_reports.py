"""Machine-readable reports of `callguide test`: JUnit XML for CI tools, and JSON."""

from __future__ import annotations

import platform
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

from callguide.coverage import Coverage
from callguide.load.files import display
from callguide.problems import Problem
from callguide.testing import Result


@dataclass(slots=True)
class Ran:
    """One scenario file: its result, or why it could not run."""

    file: Path
    pack: Path | None
    result: Result | None = None
    problems: list[Problem] = field(default_factory=list)  # the scenario file itself is wrong
    skipped: bool = False  # its pack has errors
    seconds: float = 0.0

    @property
    def status(self) -> str:
        if self.skipped:
            return "skipped"
        if self.result is None:
            return "error"
        return "passed" if self.result.passed else "failed"

    @property
    def name(self) -> str:
        return self.result.name if self.result else self.file.stem


def junit_xml(runs: list[Ran], broken: dict[Path, list[Problem]]) -> str:
    """One test suite per pack, one test case per scenario (class name: the pack and flow);
    a pack that does not load is one test case `pack loads` in error, its scenarios skipped."""
    by_pack: dict[Path | None, list[Ran]] = defaultdict(list)
    for ran in runs:
        by_pack[ran.pack].append(ran)
    for broken_root in broken:
        by_pack.setdefault(broken_root, [])
    suites = ElementTree.Element("testsuites", name="callguide test")
    totals = dict.fromkeys(("tests", "failures", "errors", "skipped"), 0)
    for root, ran_here in sorted(by_pack.items(), key=lambda item: str(item[0])):
        pack_name = root.name if root else "(no pack)"
        suite = ElementTree.SubElement(suites, "testsuite", name=pack_name, hostname=platform.node())
        counts = dict.fromkeys(("tests", "failures", "errors", "skipped"), 0)
        if root in broken:
            case = ElementTree.SubElement(
                suite, "testcase", classname=pack_name, name="pack loads", file=display(root / "pack.yaml")
            )
            problems = broken[root]
            error = ElementTree.SubElement(case, "error", message=f"the pack has {len(problems)} problem(s)")
            error.text = "\n".join(map(str, problems))
            counts["tests"] += 1
            counts["errors"] += 1
        for ran in ran_here:
            counts["tests"] += 1
            flow = ran.result.flow if ran.result else ""
            case = ElementTree.SubElement(
                suite,
                "testcase",
                classname=f"{pack_name}.{flow}" if flow else pack_name,
                name=ran.name,
                file=display(ran.file),
                time=f"{ran.seconds:.3f}",
            )
            if ran.status == "skipped":
                counts["skipped"] += 1
                ElementTree.SubElement(case, "skipped", message="not run: the pack has errors")
            elif ran.status == "error":
                counts["errors"] += 1
                error = ElementTree.SubElement(case, "error", message=str(ran.problems[0]) if ran.problems else "")
                error.text = "\n".join(map(str, ran.problems))
            elif ran.result is not None and ran.status == "failed":
                counts["failures"] += 1
                failures = ran.result.failures
                failure = ElementTree.SubElement(case, "failure", message=str(failures[0]))
                failure.text = "\n".join([*map(str, failures), "", "transcript:", *ran.result.transcript])
        for key, value in counts.items():
            suite.set(key, str(value))
            totals[key] += value
    for key, value in totals.items():
        suites.set(key, str(value))
    ElementTree.indent(suites)
    return ElementTree.tostring(suites, encoding="unicode", xml_declaration=True) + "\n"


def json_report(runs: list[Ran], broken: dict[Path, list[Problem]], measured: list[Coverage]) -> dict[str, Any]:
    """Everything `test` found: each scenario, the packs that do not load, and coverage."""
    counts = dict.fromkeys(("passed", "failed", "error", "skipped"), 0)
    for ran in runs:
        counts[ran.status] += 1
    return {
        **counts,
        "scenarios": [_scenario(ran) for ran in runs],
        "broken_packs": [
            {"pack": display(root), "problems": [problem.as_json() for problem in problems]}
            for root, problems in broken.items()
        ],
        "coverage": [_coverage(coverage) for coverage in measured],
    }


def _scenario(ran: Ran) -> dict[str, Any]:
    result = ran.result
    return {
        "file": display(ran.file),
        "name": ran.name,
        "pack": display(ran.pack) if ran.pack else None,
        "flow": result.flow if result else None,
        "status": ran.status,
        "failures": [
            {"file": f.pos.file, "line": f.pos.line, "col": f.pos.col, "message": f.message}
            for f in (result.failures if result else [])
        ],
        "problems": [problem.as_json() for problem in ran.problems],
        "outcome": result.outcome if result else None,
        "path": [step for step in result.visited if "~" not in step] if result else [],
        "seconds": round(ran.seconds, 4),
    }


def _coverage(coverage: Coverage) -> dict[str, Any]:
    return {
        "pack": display(Path(coverage.compiled.pack.root)),
        "totals": {name: {"covered": done, "total": total} for name, (done, total) in coverage.totals().items()},
        "gaps": [
            {"kind": gap.kind, "file": gap.pos.file, "line": gap.pos.line, "col": gap.pos.col, "message": gap.message}
            for gap in coverage.gaps()
        ],
    }
