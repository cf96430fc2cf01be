"""`callguide docs PACK --out DIR`: a static site of a pack, for analysts and trainers who
would rather look than read YAML (like `dbt docs`).

The index lists the flows, the rules, the end-of-call catalog and the scenarios; each flow
has a page with its diagram (drawn in the page by the Mermaid library shipped with the
package: no network), every step's texts in every language of the pack, its answers and
branches, and the scenarios that pass through it. Which scenarios cover what comes from
running them, as `callguide test` does.
"""

from __future__ import annotations

import sys
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import click
from callguide.cli.site import copy_assets, diagram, e, page, slug
from callguide.compile import CompiledPack
from callguide.load.files import display
from callguide.model import Action, AskStep, CallStep, Case, DoStep, EndStep, Pack, Step, Text
from callguide.problems import FlowError, ScenarioError
from callguide.testing import Result, compiled_pack, find_scenarios, run_scenario


@dataclass(slots=True)
class Covered:
    """Which scenarios went where: steps, rule warnings and limits, end reasons."""

    steps: dict[tuple[str, str], list[str]] = field(default_factory=lambda: defaultdict(list))
    warned: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    limited: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    reasons: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    scenarios: list[tuple[str, str, str, bool]] = field(default_factory=list)  # name, flow, file, passed

    def add(self, result: Result) -> None:
        name = result.name
        self.scenarios.append((name, result.flow, result.file, result.passed))
        for entry in dict.fromkeys(result.visited):
            flow, _, step = entry.partition(":")
            self.steps[(flow, step)].append(name)
        for event in result.events:
            target = self.limited if event.get("limit") else self.warned
            if name not in target[event["rule"]]:
                target[event["rule"]].append(name)
        if result.reason:
            self.reasons[result.reason].append(name)


def scenario_coverage(root: Path) -> tuple[Covered, list[str]]:
    """Every scenario of the pack run once; what they covered, and the ones that could not run."""
    covered, broken = Covered(), list[str]()
    for file in find_scenarios([root]):
        try:
            covered.add(run_scenario(file))
        except (ScenarioError, FlowError) as error:
            broken.extend(str(problem) for problem in error.problems)
    return covered, broken


def write_site(root: Path, folder: Path) -> list[Path]:
    """The site of the pack at `root` in `folder`; the pages written. Raises FlowError."""
    compiled = compiled_pack(root.resolve())
    covered, broken = scenario_coverage(root)
    folder.mkdir(parents=True, exist_ok=True)
    copy_assets(folder)
    (folder / "flows").mkdir(exist_ok=True)
    pages = [folder / "index.html"]
    pages[0].write_text(_index(compiled, covered, broken), encoding="utf-8")
    for name in compiled.flows:
        target = folder / "flows" / f"{slug(name)}.html"
        target.write_text(_flow_page(compiled, name, covered), encoding="utf-8")
        pages.append(target)
    return pages


# --- texts ------------------------------------------------------------------------------------


def _texts(text: Text | None, pack: Pack) -> str:
    """A text in every language of the pack, each marked with its language."""
    if text is None:
        return ""
    written = dict(text.variants)
    languages = [lang for lang in pack.all_languages if lang in written] + [
        lang for lang in written if lang not in pack.all_languages
    ]
    parts = [f'<div><span class="lang">{e(lang)}</span>{e(written[lang])}</div>' for lang in languages]
    if len(pack.all_languages) > 1 and len(written) == 1:
        return "".join(parts)  # one text for every language (a template, or untranslated on purpose)
    missing = [lang for lang in pack.all_languages if lang not in written]
    if missing:
        parts.append(f'<div class="missed">not in {e(", ".join(missing))}</div>')
    return "".join(parts)


def _names(names: list[str]) -> str:
    if not names:
        return '<span class="missed">no scenario</span>'
    return "<br>".join(e(name) for name in names)


# --- the index ---------------------------------------------------------------------------------


def _index(compiled: CompiledPack, covered: Covered, broken: list[str]) -> str:
    pack = compiled.pack
    flows = "".join(
        f'<tr><td><a href="flows/{slug(name)}.html">{e(name)}</a></td><td>{e(flow.flow.title)}</td>'
        f"<td>{e(flow.flow.description)}</td><td>{e(', '.join(flow.flow.inputs) or '-')}</td>"
        f"<td>{len(flow.flow.steps)}</td></tr>"
        for name, flow in compiled.flows.items()
    )
    body = [
        f"<p>Languages: {e(', '.join(pack.all_languages))} · time zone {e(pack.timezone)}</p>",
        "<h2>Flows</h2>",
        f"<table><tr><th>flow</th><th>title</th><th>what it is for</th><th>input</th><th>steps</th></tr>{flows}</table>",
        _rules(pack, covered),
        _catalog(pack, covered),
        _scenarios(covered, broken),
    ]
    return page(pack.title or pack.name, "\n".join(body), root="")


def _rules(pack: Pack, covered: Covered) -> str:
    if not pack.rules:
        return ""
    rows = []
    for rule in pack.rules.values():
        phrases = "".join(f"<div>{index}. {_texts(phrase, pack)}</div>" for index, phrase in enumerate(rule.phrases, 1))
        then = "<br>".join(e(_action(action)) for action in rule.then)
        within = f" within {int(rule.within)} s" if rule.within else ""
        rows.append(
            f"<tr><td><code>!{e(rule.name)}</code></td><td>{_texts(rule.label, pack)}</td>"
            f"<td>{rule.warnings}{e(within)}</td><td>{phrases or '-'}</td><td>{then}</td>"
            f"<td>{_names(covered.warned.get(rule.name, [])) if rule.warnings else '-'}</td>"
            f"<td>{_names(covered.limited.get(rule.name, []))}</td></tr>"
        )
    heads = "<th>event</th><th>label</th><th>warnings</th><th>warning phrases</th><th>then</th>"
    heads += "<th>warned in</th><th>limit passed in</th>"
    return f"<h2>Rules (in every step)</h2><table><tr>{heads}</tr>{''.join(rows)}</table>"


def _action(action: Action) -> str:
    what = action.outcome or action.flow or action.effect or ""
    return f"{action.kind} {what}".strip() + (f" (reason {action.reason})" if action.reason else "")


def _catalog(pack: Pack, covered: Covered) -> str:
    catalog = pack.call_end_catalog
    if catalog is None:
        return ""
    rows = "".join(
        f"<tr><td><code>{e(reason.key)}</code></td><td>{_texts(reason.label, pack)}</td>"
        f"<td>{'yes' if reason.close else 'no'}{' (locked)' if reason.locked else ''}</td>"
        f"<td>{e(reason.queue or '-')}</td><td>{e(reason.description or catalog.description)}</td>"
        f"<td>{_names(covered.reasons.get(reason.key, []))}</td></tr>"
        for reason in catalog.reasons.values()
    )
    queues = "".join(
        f"<tr><td><code>{e(key)}</code></td><td>{_texts(label, pack)}</td></tr>"
        for key, label in catalog.queues.items()
    )
    heads = (
        "<th>reason</th><th>label</th><th>close the request</th><th>queue</th><th>description</th><th>chosen in</th>"
    )
    return f"<h2>End of call: {e(catalog.title or catalog.name)}</h2><table><tr>{heads}</tr>{rows}</table>" + (
        f"<h3>Queues</h3><table><tr><th>queue</th><th>name</th></tr>{queues}</table>" if queues else ""
    )


def _scenarios(covered: Covered, broken: list[str]) -> str:
    rows = "".join(
        f'<tr><td>{e(name)}</td><td><a href="flows/{slug(flow)}.html">{e(flow)}</a></td>'
        f"<td><code>{e(display(Path(file)))}</code></td>"
        f"<td>{'passes' if passed else '<span class=missed>fails</span>'}</td></tr>"
        for name, flow, file, passed in covered.scenarios
    )
    problems = "".join(f"<li><code>{e(problem)}</code></li>" for problem in broken)
    return f"<h2>Scenarios</h2><table><tr><th>scenario</th><th>flow</th><th>file</th><th></th></tr>{rows}</table>" + (
        f"<h3>Scenarios that cannot run</h3><ul>{problems}</ul>" if problems else ""
    )


# --- a flow -------------------------------------------------------------------------------------


def _flow_page(compiled: CompiledPack, name: str, covered: Covered) -> str:
    pack = compiled.pack
    flow = compiled.flows[name].flow
    rows = "".join(_step_row(pack, name, step, covered) for step in flow.steps.values())
    heads = "<th>step</th><th>kind</th><th>what the agent reads</th><th>answer</th><th>next</th><th>scenarios</th>"
    body = [
        f"<p>{e(flow.description)}</p>" if flow.description else "",
        f"<p>Input: {e(', '.join(flow.inputs) or 'none')} · starts at <code>{e(flow.start)}</code></p>",
        diagram(pack, compiled.flows[name]),
        f"<h2>Steps</h2><table><tr>{heads}</tr>{rows}</table>",
    ]
    crumbs = f'<a href="../index.html">{e(pack.title or pack.name)}</a>'
    return page(f"{name}: {flow.title}", "\n".join(body), root="../", crumbs=crumbs)


def _step_row(pack: Pack, flow: str, step: Step, covered: Covered) -> str:
    ask = step if isinstance(step, AskStep) else None
    do = step if isinstance(step, DoStep) else None
    reads = "".join(
        f"<div><b>{e(label)}</b>{_texts(text, pack)}</div>"
        for label, text in (
            ("say", step.say),
            ("ask", ask.ask if ask else None),
            ("hint", step.hint),
            ("confirm", do.confirm if do else None),
        )
        if text is not None
    )
    reads += "".join(f"<div><b>warning</b>{_texts(warning.text, pack)}</div>" for warning in step.warnings)
    if do:
        reads += f"<div><b>does</b> <code>{e(do.effect)}</code></div>"
    if isinstance(step, CallStep):
        reads += f'<div><b>calls</b> <a href="{slug(step.call)}.html">{e(step.call)}</a></div>'
    if isinstance(step, EndStep):
        reads += f"<div><b>ends</b> {e(step.end)}{e(f' ({step.reason})' if step.reason else '')}</div>"
    answer = ""
    if ask and ask.answer is not None:
        answer = f"<div>{e(ask.answer.kind)}{e(f' → {ask.save}' if ask.save else '')}</div>"
        answer += "".join(
            f"<div><code>{e(option.key)}</code> {_texts(option.label, pack)}</div>" for option in ask.answer.options
        )
    branches = "<br>".join(_case(case) for case in step.next)
    on_failure = ask.on_failure if ask else do.on_failure if do else None
    if on_failure:
        branches += f"<br>on failure → <code>{e(on_failure)}</code>"
    return (
        f'<tr id="{e(step.id)}"><td><code>{e(step.id)}</code></td><td>{e(step.kind)}</td><td>{reads}</td>'
        f"<td>{answer}</td><td>{branches}</td><td>{_names(covered.steps.get((flow, step.id), []))}</td></tr>"
    )


def _case(case: Case) -> str:
    where = (
        f"<code>{e(case.go)}</code>"
        if case.go
        else f"calls {e(case.call)}, then <code>{e(case.then or '-')}</code>"
        if case.call
        else f"ends {e(case.end)}{e(f' ({case.reason})' if case.reason else '')}"
    )
    condition = f"if <code>{e(case.condition.source)}</code> → " if case.condition else ""
    return condition + where


@click.command()
@click.argument("pack", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option(
    "--out",
    "folder",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="The folder to write the site into (index.html and a page per flow).",
)
def docs(pack: Path, folder: Path) -> None:
    """Write a browsable site of a pack: diagrams, every text in every language, rules, end reasons, scenarios."""
    try:
        pages = write_site(pack, folder)
    except FlowError as error:
        for problem in error.problems:
            click.echo(str(problem), err=True)
        click.echo(f"{display(pack)}: the pack has errors; no site was written", err=True)
        sys.exit(1)
    click.echo(f"wrote {len(pages)} pages to {display(folder)}: open {display(folder / 'index.html')}")
