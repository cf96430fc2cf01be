"""`callguide test --coverage-html DIR`: what the scenarios covered, flow by flow, on the
flow's own diagram (visited steps and taken branches green, the rest red), with the rules
and end reasons of each pack and the scenarios that ran."""

from __future__ import annotations

from pathlib import Path

from callguide.cli.site import branch_taken, copy_assets, diagram, e, page, slug
from callguide.cli.test_reports import Ran
from callguide.coverage import Coverage, required_edges
from callguide.diagram import edges
from callguide.load.files import display


def write_coverage_site(folder: Path, measured: list[Coverage], runs: list[Ran]) -> None:
    """`index.html` with every pack's totals, and a page per flow."""
    folder.mkdir(parents=True, exist_ok=True)
    copy_assets(folder)
    rows = []
    for coverage in measured:
        pack = coverage.compiled.pack
        root = Path(pack.root)
        ran_here = [ran for ran in runs if ran.pack is not None and ran.pack.resolve() == root.resolve()]
        (folder / slug(pack.name)).mkdir(exist_ok=True)
        (folder / slug(pack.name) / "index.html").write_text(_pack_page(coverage, ran_here), encoding="utf-8")
        for name in coverage.compiled.flows:
            target = folder / slug(pack.name) / f"{slug(name)}.html"
            target.write_text(_flow_page(coverage, name), encoding="utf-8")
        cells = "".join(f"<td>{_fraction(done, total)}</td>" for done, total in coverage.totals().values())
        rows.append(f'<tr><td><a href="{slug(pack.name)}/index.html">{e(pack.title or pack.name)}</a></td>{cells}</tr>')
    heads = "".join(f"<th>{e(name)}</th>" for name in ("steps", "branches", "rules", "end reasons"))
    body = f"<table><tr><th>pack</th>{heads}</tr>{''.join(rows)}</table>"
    (folder / "index.html").write_text(page("Scenario coverage", body, root=""), encoding="utf-8")


def _fraction(done: int, total: int) -> str:
    css = "covered" if done == total else "missed"
    return f'<span class="{css}">{done}/{total}</span>'


def _mark(covered: bool) -> str:
    return '<span class="covered">covered</span>' if covered else '<span class="missed">missed</span>'


def _pack_page(coverage: Coverage, runs: list[Ran]) -> str:
    compiled = coverage.compiled
    pack = compiled.pack
    flow_rows = []
    for name, flow in compiled.flows.items():
        steps = list(flow.flow.steps)
        done = sum((name, step) in coverage.steps for step in steps)
        flow_rows.append(
            f'<tr><td><a href="{slug(name)}.html">{e(name)}</a></td><td>{e(flow.flow.title)}</td>'
            f"<td>{_fraction(done, len(steps))}</td></tr>"
        )
    rule_rows = []
    for rule in compiled.rules.values():
        name = rule.rule.name
        warns = _mark(name in coverage.warned) if rule.rule.warnings else "no warnings"
        rule_rows.append(f"<tr><td>{e(name)}</td><td>{warns}</td><td>{_mark(name in coverage.limited)}</td></tr>")
    catalog = pack.call_end_catalog
    reason_rows = [
        f"<tr><td>{e(reason.key)}</td><td>{e(reason.label.source(pack.language, pack.language))}</td>"
        f"<td>{_mark(reason.key in coverage.reasons)}</td></tr>"
        for reason in (catalog.reasons.values() if catalog else ())
    ]
    scenario_rows = [
        f"<tr><td>{e(ran.name)}</td><td><code>{e(display(ran.file))}</code></td><td>{e(ran.status)}</td></tr>"
        for ran in runs
    ]
    totals = ", ".join(f"{name} {done}/{total}" for name, (done, total) in coverage.totals().items())
    body = (
        f"<p>{e(totals)}</p>"
        f"<h2>Flows</h2><table><tr><th>flow</th><th>title</th><th>steps visited</th></tr>{''.join(flow_rows)}</table>"
        "<h2>Rules</h2><table><tr><th>rule</th><th>warned</th><th>passed its limit</th></tr>"
        f"{''.join(rule_rows)}</table>"
        "<h2>End reasons</h2><table><tr><th>reason</th><th>label</th><th>chosen</th></tr>"
        f"{''.join(reason_rows)}</table>"
        f"<h2>Scenarios</h2><table><tr><th>scenario</th><th>file</th><th>result</th></tr>{''.join(scenario_rows)}</table>"
    )
    crumbs = '<a href="../index.html">all packs</a>'
    return page(f"Coverage of {pack.title or pack.name}", body, root="../", crumbs=crumbs)


def _flow_page(coverage: Coverage, name: str) -> str:
    compiled = coverage.compiled
    flow = compiled.flows[name]
    step_rows = "".join(
        f"<tr><td>{e(step)}</td><td>{e(model.kind)}</td><td>{_mark((name, step) in coverage.steps)}</td></tr>"
        for step, model in flow.flow.steps.items()
    )
    required = {(source, dest) for flow_name, source, dest in required_edges(compiled) if flow_name == name}
    branch_rows = []
    for edge in edges(flow):
        taken = branch_taken(flow, coverage, edge.source, edge.target)
        if taken is None or not _is_choice(edge.source, required):
            continue
        label = f" ({edge.label})" if edge.label else ""
        branch_rows.append(
            f"<tr><td>{e(edge.source)}</td><td>{e(edge.target)}{e(label)}</td><td>{_mark(taken)}</td></tr>"
        )
    body = (
        "<p>Green: visited by a scenario. Red, dashed: no scenario reaches it.</p>"
        f"{diagram(compiled.pack, flow, coverage)}"
        f"<h2>Steps</h2><table><tr><th>step</th><th>kind</th><th></th></tr>{step_rows}</table>"
        "<h2>Branches</h2><table><tr><th>from</th><th>to</th><th></th></tr>"
        f"{''.join(branch_rows)}</table>"
    )
    crumbs = '<a href="../index.html">all packs</a> · <a href="index.html">pack</a>'
    return page(f"{name}: {flow.flow.title}", body, root="../", crumbs=crumbs)


def _is_choice(source: str, required: set[tuple[str, str]]) -> bool:
    """A step with two or more ways out (the branches coverage counts)."""
    return any(src == source for src, _ in required)
