"""`callguide test` reports: JUnit XML, JSON, a broken pack reported once, `given:` ids from sample data."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import TYPE_CHECKING
from xml.etree import ElementTree

from .helpers import invoke, invoke_stdout
from .pages import open_page

if TYPE_CHECKING:
    from playwright.sync_api import Browser

DEMO = Path(__file__).parent.parent / "packs" / "demo"
PASSES = (
    "scenario: Ann needs nothing\nflow: main\ngiven: {customer: {name: Ann, phone: '0712345678'}}\n"
    "play:\n  - answer: null\n  - answer: skip\nexpect:\n  outcome: resolved\n"
)
FAILS = PASSES.replace("Ann needs nothing", "expects the wrong outcome").replace(
    "outcome: resolved", "outcome: dropped"
)


def demo_pack(folder: Path, scenarios: dict[str, str]) -> Path:
    pack = folder / "demo"
    shutil.copytree(DEMO, pack)
    (pack / "tests").mkdir()
    for name, text in scenarios.items():
        (pack / "tests" / name).write_text(text, encoding="utf-8")
    return pack


def test_junit_xml_has_a_case_per_scenario_and_the_failing_line(tmp_path: Path) -> None:
    pack = demo_pack(tmp_path, {"a_passes.yaml": PASSES, "b_fails.yaml": FAILS})
    report = tmp_path / "junit.xml"
    code, _ = invoke("test", str(pack), "--junit-xml", str(report))
    assert code == 1
    suites = ElementTree.parse(report).getroot()
    assert (suites.tag, suites.get("tests"), suites.get("failures"), suites.get("errors")) == (
        "testsuites",
        "2",
        "1",
        "0",
    )
    cases = {case.get("name"): case for case in suites.iter("testcase")}
    assert set(cases) == {"Ann needs nothing", "expects the wrong outcome"}
    assert cases["Ann needs nothing"].get("classname") == "demo.main"
    assert cases["Ann needs nothing"].find("failure") is None
    failure = cases["expects the wrong outcome"].find("failure")
    assert failure is not None
    assert failure.get("message", "").endswith("b_fails.yaml:8:12: outcome: expected `dropped`, got `resolved`")
    assert "transcript:" in (failure.text or "")


def test_json_format_prints_one_report_and_nothing_else(tmp_path: Path) -> None:
    pack = demo_pack(tmp_path, {"a_passes.yaml": PASSES, "b_fails.yaml": FAILS})
    code, out, err = invoke_stdout("test", str(pack), "--format", "json")
    assert code == 1
    assert "FAIL" in err  # what a person reads goes to stderr
    report = json.loads(out)
    assert (report["passed"], report["failed"], report["error"], report["skipped"]) == (1, 1, 0, 0)
    failing = next(s for s in report["scenarios"] if s["status"] == "failed")
    assert failing["failures"] == [
        {
            "file": failing["file"],
            "line": 8,
            "col": 12,
            "message": "outcome: expected `dropped`, got `resolved`",
        }
    ]
    passing = next(s for s in report["scenarios"] if s["status"] == "passed")
    assert passing["path"] == ["main:hello", "main:topic"] and passing["outcome"] == "resolved"
    (coverage,) = report["coverage"]
    assert coverage["totals"]["end reasons"]["covered"] == 1
    assert any(gap["message"] == "step `main:amount` is never visited" for gap in coverage["gaps"])


def test_a_broken_pack_is_reported_once_not_once_per_scenario(tmp_path: Path) -> None:
    pack = demo_pack(tmp_path, {f"s{n}.yaml": PASSES for n in range(3)})
    main = pack / "main.yaml"
    main.write_text(main.read_text(encoding="utf-8").replace("next: topic", "next: topik"), encoding="utf-8")
    code, out = invoke("test", str(pack))
    assert code == 1
    assert out.count("goes to `topik`, which is not a step of `main` - did you mean `topic`?") == 1
    assert "the pack has errors; its scenarios are not run" in out
    assert out.rstrip().endswith("0 passed, 0 failed, 3 not run")
    report = tmp_path / "junit.xml"
    invoke("test", str(pack), "--junit-xml", str(report))
    suites = ElementTree.parse(report).getroot()
    assert (suites.get("tests"), suites.get("errors"), suites.get("skipped")) == ("4", "1", "3")
    error = next(case for case in suites.iter("testcase") if case.get("name") == "pack loads").find("error")
    assert error is not None and "goes to `topik`" in (error.text or "")


def test_given_ids_are_looked_up_in_the_sample_data_like_run_customer(tmp_path: Path) -> None:
    by_id = PASSES.replace("{customer: {name: Ann, phone: '0712345678'}}", "{customer: C1}").replace(
        "  outcome: resolved\n", "  outcome: resolved\n  record: {input: {customer: {name: Ann Smith}}}\n"
    )
    pack = demo_pack(tmp_path, {"by_id.yaml": by_id})
    code, out = invoke("test", str(pack))
    assert (code, out) == (0, "1 passed, 0 failed\n")
    (pack / "tests" / "by_id.yaml").write_text(by_id.replace("customer: C1", "customer: C3"), encoding="utf-8")
    code, out = invoke("test", str(pack))
    assert code == 1
    assert "by_id.yaml:3:19: no customer `C3` in the pack's sample data (data/customers.yaml)" in out


def test_coverage_html_draws_each_flow_with_what_was_covered_and_missed(tmp_path: Path, browser: Browser) -> None:
    pack = demo_pack(tmp_path, {"a_passes.yaml": PASSES})
    site = tmp_path / "coverage"
    code, out = invoke("test", str(pack), "--coverage-html", str(site))
    assert (code, out) == (0, "1 passed, 0 failed\n")
    index, errors = open_page(browser, site / "index.html")
    assert index.locator("td a").first.inner_text() == "Demo centre"
    page, errors = open_page(browser, site / "demo" / "main.html")
    assert errors == []
    assert page.locator("pre.mermaid svg").count() == 1
    covered = page.locator("pre.mermaid svg g.node.covered").count()
    missed = page.locator("pre.mermaid svg g.node.missed").count()
    assert (covered, missed) == (2, 10)  # hello and topic of main's 12 steps
    rows = page.locator("table tr").all_inner_texts()
    assert "hello\tsay\tcovered" in rows and "amount\task\tmissed" in rows
