"""`callguide test`: run scenario files, report coverage, generate skeletons."""

from __future__ import annotations

import sys
from collections import defaultdict
from pathlib import Path

import click
from callguide.check import pack_of
from callguide.coverage import Coverage, skeleton
from callguide.load.files import display
from callguide.problems import FlowError, ScenarioError
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
def test(paths: tuple[Path, ...], coverage: bool, generate: bool, pattern: str | None, verbose: bool) -> None:
    """Run scenario tests (YAML files starting with `scenario:`) in files, packs or folders."""
    console = Console(highlight=False, soft_wrap=True)
    files = [
        f
        for f in find_scenarios(paths)
        if not pattern or pattern in str(f) or pattern in f.read_text(encoding="utf-8", errors="replace")[:500]
    ]
    packs = sorted({root for path in paths for root in _packs(path)})
    results: list[Result] = []
    errors = 0
    show_progress = console.is_terminal and not verbose and len(files) > 3
    with Progress(console=console, transient=True, disable=not show_progress) as progress:
        task = progress.add_task("scenarios", total=len(files))
        for file in files:
            try:
                result = run_scenario(file)
            except (ScenarioError, FlowError) as error:
                errors += 1
                for problem in error.problems:
                    console.print(f"[red]{escape(str(problem))}[/red]", markup=True)
                progress.advance(task)
                continue
            results.append(result)
            progress.advance(task)
            if verbose or not result.passed:
                mark = "[green]PASS[/green]" if result.passed else "[bold red]FAIL[/bold red]"
                console.print(f"{mark} {escape(str(result.file))}: {escape(result.name)}")
            for failure in result.failures:
                console.print(f"  {failure}", markup=False)
            if verbose:
                for line in result.transcript:
                    console.print(f"    {line}", markup=False, style="dim")
    failed = sum(not result.passed for result in results) + errors
    incomplete = False
    if coverage or generate:
        incomplete = _coverage(console, packs, results, coverage, generate)
    console.print(f"{len(results) - failed + errors} passed, {failed} failed", markup=False)
    sys.exit(1 if failed or (coverage and incomplete) or not files else 0)


def _packs(path: Path) -> list[Path]:
    from callguide.check import find_packs

    if path.is_dir():
        return find_packs(path)
    owner = pack_of(path)
    return [owner] if owner else []


def _coverage(console: Console, packs: list[Path], results: list[Result], report: bool, generate: bool) -> bool:
    by_pack: dict[Path, list[Result]] = defaultdict(list)
    for result in results:
        if result.pack is not None:
            by_pack[result.pack.resolve()].append(result)
    incomplete = False
    for root in packs:
        try:
            compiled = compiled_pack(root)
        except FlowError:
            continue
        measured = Coverage(compiled)
        for result in by_pack.get(root.resolve(), []):
            measured.add(result)
        totals = measured.totals()
        summary = ", ".join(f"{name} {done}/{total}" for name, (done, total) in totals.items())
        gaps = measured.gaps()
        incomplete = incomplete or bool(gaps)
        colour = "green" if not gaps else "yellow"
        console.print(f"[{colour}]coverage of {escape(display(root))}: {escape(summary)}[/{colour}]")
        if report:
            for gap in gaps:
                console.print(f"  {gap}", markup=False)
        if generate:
            _generate(console, root, compiled, measured)
    return incomplete


def _generate(console: Console, root: Path, compiled: object, measured: Coverage) -> None:
    folder = root / "tests"
    folder.mkdir(exist_ok=True)
    for flow in measured.compiled.flows.values():
        for step in flow.steps:
            if "~" in step or (flow.name, step) in measured.steps:
                continue
            text = skeleton(measured.compiled, flow.name, step)
            if text is None:
                continue
            target = folder / f"generated_{flow.name}_{step}.yaml"
            if not target.exists():
                target.write_text(text, encoding="utf-8")
                console.print(f"  wrote {escape(display(target))}")
            measured.steps.update((flow.name, s) for s in flow.steps)  # one skeleton reaches much of a flow
            break
