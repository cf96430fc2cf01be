"""`callguide test`: run scenario files, report coverage, generate skeletons, write reports."""

from __future__ import annotations

import json
import sys
import time
from collections import defaultdict
from pathlib import Path

import click
from callguide.check import find_packs, pack_of
from callguide.cli.schema_files import modeline
from callguide.cli.test_reports import Ran, json_report, junit_xml
from callguide.coverage import Coverage, skeleton
from callguide.load.files import display
from callguide.problems import FlowError, Problem, ScenarioError
from callguide.testing import Result, compiled_pack, find_scenarios, run_scenario
from rich.console import Console
from rich.markup import escape
from rich.progress import Progress


@click.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option(
    "--coverage",
    is_flag=True,
    help="Report steps, branches, rules and end reasons no scenario exercised (fails if any).",
)
@click.option("--generate", is_flag=True, help="Write a skeleton scenario for every step no scenario reaches.")
@click.option("-k", "pattern", help="Only scenarios whose name or file contains this text.")
@click.option("-v", "--verbose", is_flag=True, help="Print every scenario and its transcript.")
@click.option(
    "--format",
    "output",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="json: one report on stdout (scenarios, failures with their lines, broken packs, coverage).",
)
@click.option(
    "--junit-xml",
    "junit_file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Also write a JUnit XML report here (for CI tools).",
)
@click.option(
    "--coverage-html",
    "html_folder",
    type=click.Path(file_okay=False, path_type=Path),
    help="Also write an HTML coverage report here: each flow's diagram with what was covered and missed.",
)
def test(
    paths: tuple[Path, ...],
    coverage: bool,
    generate: bool,
    pattern: str | None,
    verbose: bool,
    output: str,
    junit_file: Path | None,
    html_folder: Path | None,
) -> None:
    """Run scenario tests (YAML files starting with `scenario:`) in files, packs or folders."""
    as_json = output == "json"
    # with --format json, stdout is the report alone: what would be printed goes to stderr
    console = Console(highlight=False, soft_wrap=True, stderr=as_json)
    files = [
        f
        for f in find_scenarios(paths)
        if not pattern or pattern in str(f) or pattern in f.read_text(encoding="utf-8", errors="replace")[:500]
    ]
    packs = sorted({root.resolve() for path in paths for root in _packs(path)})
    broken = _broken_packs(console, sorted({*packs, *filter(None, (pack_of(f) for f in files))}))
    runs = _run_all(console, files, broken, verbose and not as_json)
    results = [ran.result for ran in runs if ran.result is not None]
    measured = _measure([root for root in packs if root not in broken], results) if packs else []
    incomplete = any(m.gaps() for m in measured)
    if coverage or generate:
        _print_coverage(console, measured, coverage, generate)
    if junit_file:
        junit_file.write_text(junit_xml(runs, broken), encoding="utf-8")
    if html_folder:
        from callguide.cli.coverage_html import write_coverage_site

        write_coverage_site(html_folder, measured, runs)
    counts = _counts(runs)
    if as_json:
        report = json_report(runs, broken, measured)
        click.echo(json.dumps(report, indent=2, ensure_ascii=False))
    else:
        summary = f"{counts['passed']} passed, {counts['failed'] + counts['error']} failed"
        if counts["skipped"]:
            summary += f", {counts['skipped']} not run"
        console.print(summary, markup=False)
    failed = counts["failed"] + counts["error"] + counts["skipped"]
    sys.exit(1 if failed or broken or (coverage and incomplete) or not files else 0)


def _packs(path: Path) -> list[Path]:
    if path.is_dir():
        return find_packs(path)
    owner = pack_of(path)
    return [owner] if owner else []


def _broken_packs(console: Console, roots: list[Path]) -> dict[Path, list[Problem]]:
    """The packs that do not load, each reported once with every problem (its scenarios are not run)."""
    broken: dict[Path, list[Problem]] = {}
    for root in roots:
        try:
            compiled_pack(root)
        except FlowError as error:
            broken[root] = list(error.problems)
            console.print(f"[bold red]{escape(display(root))}: the pack has errors; its scenarios are not run[/]")
            for problem in error.problems:
                console.print(f"  {problem}", markup=False, style="red")
    return broken


def _run_all(console: Console, files: list[Path], broken: dict[Path, list[Problem]], verbose: bool) -> list[Ran]:
    runs: list[Ran] = []
    show_progress = console.is_terminal and not verbose and len(files) > 3
    with Progress(console=console, transient=True, disable=not show_progress) as progress:
        task = progress.add_task("scenarios", total=len(files))
        for file in files:
            runs.append(_run_one(console, file, broken, verbose))
            progress.advance(task)
    return runs


def _run_one(console: Console, file: Path, broken: dict[Path, list[Problem]], verbose: bool) -> Ran:
    root = pack_of(file)
    if root in broken:
        return Ran(file, root, skipped=True)
    started = time.perf_counter()
    try:
        result = run_scenario(file)
    except (ScenarioError, FlowError) as error:
        for problem in error.problems:
            console.print(str(problem), markup=False, style="red")
        return Ran(file, root, problems=list(error.problems), seconds=time.perf_counter() - started)
    ran = Ran(file, root, result=result, seconds=time.perf_counter() - started)
    if verbose or not result.passed:
        mark = "[green]PASS[/green]" if result.passed else "[bold red]FAIL[/bold red]"
        console.print(f"{mark} {escape(str(result.file))}: {escape(result.name)}")
    for failure in result.failures:
        console.print(f"  {failure}", markup=False)
    if verbose:
        for line in result.transcript:
            console.print(f"    {line}", markup=False, style="dim")
    return ran


def _counts(runs: list[Ran]) -> dict[str, int]:
    counts = dict.fromkeys(("passed", "failed", "error", "skipped"), 0)
    for ran in runs:
        counts[ran.status] += 1
    return counts


def _measure(packs: list[Path], results: list[Result]) -> list[Coverage]:
    """Each pack's coverage by the scenarios that ran."""
    by_pack: dict[Path, list[Result]] = defaultdict(list)
    for result in results:
        if result.pack is not None:
            by_pack[result.pack.resolve()].append(result)
    measured: list[Coverage] = []
    for root in packs:
        coverage = Coverage(compiled_pack(root))
        for result in by_pack.get(root, []):
            coverage.add(result)
        measured.append(coverage)
    return measured


def _print_coverage(console: Console, measured: list[Coverage], report: bool, generate: bool) -> None:
    for coverage in measured:
        root = Path(coverage.compiled.pack.root)
        summary = ", ".join(f"{name} {done}/{total}" for name, (done, total) in coverage.totals().items())
        gaps = coverage.gaps()
        colour = "green" if not gaps else "yellow"
        console.print(f"[{colour}]coverage of {escape(display(root))}: {escape(summary)}[/{colour}]")
        if report:
            for gap in gaps:
                console.print(f"  {gap}", markup=False)
        if generate:
            _generate(console, root, coverage)


def _generate(console: Console, root: Path, measured: Coverage) -> None:
    folder = root / "tests"
    folder.mkdir(exist_ok=True)
    for flow in measured.compiled.flows.values():
        for step in flow.steps:
            if "~" in step or (flow.name, step) in measured.steps:
                continue
            text = skeleton(measured.compiled, flow.name, step, modeline(folder, "scenario"))
            if text is None:
                continue
            target = folder / f"generated_{flow.name}_{step}.yaml"
            if not target.exists():
                target.write_text(text, encoding="utf-8")
                console.print(f"  wrote {escape(display(target))}")
            measured.steps.update((flow.name, s) for s in flow.steps)  # one skeleton reaches much of a flow
            break
