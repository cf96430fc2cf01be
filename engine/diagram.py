"""Diagrams of a flow (Mermaid or Graphviz DOT): steps, branches with their conditions,
sub-flows, ends, and the pack's rules that hold in every step. The edges are the flow's step
graph, the one its machine is built from: what is drawn is what runs."""

from __future__ import annotations

import re
from dataclasses import dataclass

from callguide.compile import CompiledFlow
from callguide.graph import ADVANCE, FAIL, GIVE_UP, StepGraph
from callguide.model import AskStep, CallStep, DoStep, EndStep, Pack, Step

_SHAPES = {
    "say": ("[", "]"),
    "ask": ("[/", "/]"),
    "branch": ("{", "}"),
    "do": ("[[", "]]"),
    "call": ("[[", "]]"),
    "end": ("([", "])"),
}


@dataclass(frozen=True, slots=True)
class Edge:
    source: str
    target: str
    label: str
    dashed: bool = False


def node_id(name: str) -> str:
    return "n_" + re.sub(r"\W", "_", name)


def _short(text: str, limit: int = 48) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _label(step: Step, language: str) -> str:
    body = ""
    if step.title:
        body = step.title.source(language, language)
    elif isinstance(step, AskStep):
        body = step.ask.source(language, language)
    elif step.say:
        body = step.say.source(language, language)
    elif isinstance(step, DoStep):
        body = f"do {step.effect}"
    elif isinstance(step, CallStep):
        body = f"call {step.call}"
    if isinstance(step, EndStep):
        body = f"end: {step.end}" + (f" ({step.reason})" if step.reason else "")
    if isinstance(step, AskStep) and step.answer:
        body += f" ({step.answer.kind})"
    return f"{step.id}: {_short(body)}" if body else step.id


def edges(flow: CompiledFlow) -> list[Edge]:
    """Every way out of every step, in order, as the flow's machine has it (a `call` or
    `end` branch is a step of the machine's own, drawn as what it does)."""
    graph = flow.graph
    found: list[Edge] = []
    for step in graph.steps.values():
        ways = graph.ways[step.id]
        branches = sum(way.trigger == ADVANCE for way in ways)
        for way in ways:
            if way.trigger == FAIL:
                found.append(Edge(step.id, way.dest, "on failure", dashed=True))
                continue
            if way.trigger == GIVE_UP:
                attempts = step.attempts if isinstance(step, AskStep) else None
                label = f"after {attempts.limit if attempts else 0} invalid answers"
            else:
                label = way.condition.source if way.condition else ("else" if branches > 1 else "")
            found.extend(_leading(graph, step.id, way.dest, label))
        if isinstance(step, CallStep):
            found.append(Edge(step.id, f"flow:{step.call}", "calls", dashed=True))
    return found


def _leading(graph: StepGraph, source: str, dest: str, label: str) -> list[Edge]:
    """The edges of a way to `dest`: a step, or a `call` / `end` branch."""
    branch = graph.branches.get(dest)
    if branch is None:
        return [Edge(source, dest, label)]
    if isinstance(branch, CallStep):
        then = branch.next[0].go if branch.next else None
        back = [Edge(f"flow:{branch.call}", then, "returns", dashed=True)] if then else []
        return [Edge(source, f"flow:{branch.call}", label or "calls", dashed=True), *back]
    assert isinstance(branch, EndStep)  # a branch step calls a flow or ends
    return [Edge(source, f"end:{branch.end}", label)]


def mermaid(pack: Pack, compiled: CompiledFlow) -> str:
    flow = compiled.flow
    language = pack.language
    lines = ["flowchart TD", f"  %% {pack.name} / {flow.name}: {flow.title}"]
    lines.append(f'  start(("start")) --> {node_id(flow.start)}')
    extra: dict[str, str] = {}
    for step in flow.steps.values():
        left, right = _SHAPES[step.kind]
        lines.append(f'  {node_id(step.id)}{left}"{_escape(_label(step, language))}"{right}')
    for edge in edges(compiled):
        for end in (edge.source, edge.target):
            if ":" in end and end not in extra:
                kind, _, name = end.partition(":")
                extra[end] = (
                    f'  {node_id(end)}[["sub-flow {name}"]]' if kind == "flow" else f'  {node_id(end)}(["end: {name}"])'
                )
        arrow = "-.->" if edge.dashed else "-->"
        label = f'|"{_escape(_short(edge.label, 40))}"|' if edge.label else ""
        lines.append(f"  {node_id(edge.source)} {arrow}{label} {node_id(edge.target)}")
    lines.extend(extra.values())
    if pack.rules:
        lines.append('  subgraph rules["rules - in every step"]')
        for rule in pack.rules.values():
            consequence = ", ".join(f"{a.kind} {a.outcome or a.flow or a.effect or ''}".strip() for a in rule.then)
            window = f" within {int(rule.within)}s" if rule.within else ""
            lines.append(
                f'    {node_id("rule_" + rule.name)}["{_escape(rule.name)}: {rule.warnings} warning(s){window}, then {_escape(consequence)}"]'
            )
        lines.append("  end")
    return "\n".join(lines) + "\n"


def dot(pack: Pack, compiled: CompiledFlow) -> str:
    flow = compiled.flow
    language = pack.language
    shapes = {
        "say": "box",
        "ask": "parallelogram",
        "branch": "diamond",
        "do": "box3d",
        "call": "component",
        "end": "oval",
    }
    lines = [
        f'digraph "{flow.name}" {{',
        "  rankdir=TB;",
        '  node [fontname="Helvetica", fontsize=10];',
        f'  label="{_escape(pack.name)} / {_escape(flow.name)}";',
    ]
    lines.append(f'  start [shape=circle, label="start"];\n  start -> {node_id(flow.start)};')
    for step in flow.steps.values():
        lines.append(f'  {node_id(step.id)} [shape={shapes[step.kind]}, label="{_escape(_label(step, language))}"];')
    seen: set[str] = set()
    for edge in edges(compiled):
        for end in (edge.source, edge.target):
            if ":" in end and end not in seen:
                seen.add(end)
                kind, _, name = end.partition(":")
                shape, text = ("component", f"sub-flow {name}") if kind == "flow" else ("oval", f"end: {name}")
                lines.append(f'  {node_id(end)} [shape={shape}, label="{_escape(text)}"];')
        style = ", style=dashed" if edge.dashed else ""
        lines.append(
            f'  {node_id(edge.source)} -> {node_id(edge.target)} [label="{_escape(_short(edge.label, 40))}"{style}];'
        )
    if pack.rules:
        lines.append('  subgraph cluster_rules { label="rules - in every step"; style=dashed;')
        for rule in pack.rules.values():
            consequence = ", ".join(f"{a.kind} {a.outcome or a.flow or a.effect or ''}".strip() for a in rule.then)
            lines.append(
                f'    {node_id("rule_" + rule.name)} [shape=note, label="{_escape(rule.name)}: {rule.warnings} warning(s), then {_escape(consequence)}"];'
            )
        lines.append("  }")
    lines.append("}")
    return "\n".join(lines) + "\n"


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', "'").replace("\n", " ")
