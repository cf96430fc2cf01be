"""Scenario coverage: which steps, branches, rules and end reasons no scenario exercised,
and skeleton scenarios that reach what is not covered yet (model-based testing)."""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass, field

from callguide.compile import CompiledFlow, CompiledPack
from callguide.graph import GIVE_UP, Way
from callguide.model import AskStep, CallStep, EndStep, Step
from callguide.problems import Pos
from callguide.testing import Result

_EQUALS = re.compile(r"^\s*([a-z][a-z0-9_.]*)\s*==\s*['\"]([^'\"]+)['\"]\s*$")
_TRUTH = re.compile(r"^\s*(not\s+)?([a-z][a-z0-9_.]*)\s*$")


@dataclass(frozen=True, slots=True)
class Gap:
    kind: str  # step | branch | rule | reason
    pos: Pos
    message: str

    def __str__(self) -> str:
        return f"{self.pos}: {self.message}"


@dataclass(slots=True)
class Coverage:
    compiled: CompiledPack
    steps: set[tuple[str, str]] = field(default_factory=set)
    edges: set[tuple[str, str, str]] = field(default_factory=set)
    warned: set[str] = field(default_factory=set)
    limited: set[str] = field(default_factory=set)
    reasons: set[str] = field(default_factory=set)

    def add(self, result: Result) -> None:
        last: dict[str, str] = {}
        for entry in result.visited:
            flow, _, step = entry.partition(":")
            self.steps.add((flow, step))
            if flow in last:
                self.edges.add((flow, last[flow], step))
            last[flow] = step
        for event in result.events:
            (self.limited if event.get("limit") else self.warned).add(event["rule"])
        if result.reason:
            self.reasons.add(result.reason)

    def totals(self) -> dict[str, tuple[int, int]]:
        steps = [(f.name, s) for f in self.compiled.flows.values() for s in f.graph.steps]
        branches = list(required_edges(self.compiled))
        rules = [r for r in self.compiled.rules.values()]
        catalog = self.compiled.pack.call_end_catalog
        reasons = list(catalog.reasons) if catalog else []
        rule_total = sum(2 if r.rule.warnings else 1 for r in rules)
        rule_done = sum(
            (r.rule.name in self.warned if r.rule.warnings else 0) + (r.rule.name in self.limited) for r in rules
        )
        return {
            "steps": (sum(s in self.steps for s in steps), len(steps)),
            "branches": (sum(e in self.edges for e in branches), len(branches)),
            "rules": (rule_done, rule_total),
            "end reasons": (sum(r in self.reasons for r in reasons), len(reasons)),
        }

    def gaps(self) -> list[Gap]:
        found: list[Gap] = []
        for flow in self.compiled.flows.values():
            for step in flow.graph.steps:
                if (flow.name, step) not in self.steps:
                    found.append(Gap("step", flow.steps[step].model.pos, f"step `{flow.name}:{step}` is never visited"))
        for flow_name, source, dest in required_edges(self.compiled):
            if (flow_name, source, dest) not in self.edges:
                flow = self.compiled.flows[flow_name]
                found.append(
                    Gap(
                        "branch",
                        flow.steps[source].model.pos,
                        f"branch `{flow_name}:{source}` -> {_describe(flow, dest)} is never taken",
                    )
                )
        for rule in self.compiled.rules.values():
            name = rule.rule.name
            if rule.rule.warnings and name not in self.warned:
                found.append(Gap("rule", rule.rule.pos, f"rule `{name}` never warns"))
            if name not in self.limited:
                found.append(Gap("rule", rule.rule.pos, f"rule `{name}` never passes its limit"))
        catalog = self.compiled.pack.call_end_catalog
        for reason in catalog.reasons.values() if catalog else ():
            if reason.key not in self.reasons:
                found.append(Gap("reason", reason.pos, f"end reason `{reason.key}` is never chosen"))
        return found


def _describe(flow: CompiledFlow, dest: str) -> str:
    branch = flow.graph.branches.get(dest)
    if branch is None:
        return f"`{dest}`"
    return (
        f"call `{branch.call}`"
        if isinstance(branch, CallStep)
        else f"end `{branch.end}`"
        if isinstance(branch, EndStep)
        else f"`{dest}`"
    )


def required_edges(compiled: CompiledPack) -> Iterable[tuple[str, str, str]]:
    """Every branch that is a real choice: steps with two or more ways out."""
    for flow in compiled.flows.values():
        for source, ways in flow.graph.ways.items():
            dests = [way.dest for way in ways]
            if len(set(dests)) > 1:
                for dest in dict.fromkeys(dests):
                    yield flow.name, source, dest


def skeleton(compiled: CompiledPack, flow_name: str, target: str, head: str = "") -> str | None:
    """A scenario that walks from the flow's start to `target`, answers guessed from the
    branch conditions; what cannot be guessed is marked `TODO` for the analyst. `head` goes
    first (the caller's `$schema` modeline)."""
    flow = compiled.flows[flow_name]
    start = flow.flow.start
    previous: dict[str, Way | None] = {start: None}
    queue = deque([start])
    while queue:
        current = queue.popleft()
        if current == target:
            break
        for way in flow.graph.ways[current]:
            if way.dest not in previous:
                previous[way.dest] = way
                queue.append(way.dest)
    if target not in previous:
        return None
    route: list[Way] = []
    node = target
    while (link := previous[node]) is not None:
        route.append(link)
        node = link.source
    route.reverse()
    lines = [
        f"# Generated by `callguide test --generate` to reach `{flow_name}:{target}`: fill in the TODOs",
        "# and the expectations, then rename the file.",
        f"scenario: TODO describe the call that reaches {target}",
        f"flow: {flow_name}",
        f"given: {{agent: {{name: Agent}}{', ' + ', '.join(f'{n}: TODO' for n in flow.flow.inputs) if flow.flow.inputs else ''}}}",
        "play:",
    ]
    for way in route:
        step = flow.graph.state(way.source)
        lines.append(
            f"  - {_move(step, way)}   # at {way.source}"
            if step.kind in ("say", "ask") or step.say
            else f"  # {way.source}: {step.kind} runs by itself"
        )
    lines += [f"  - expect: {{step: {target}}}", "expect:", "  outcome: TODO", ""]
    return head + "\n".join(lines)


def _move(model: Step, way: Way) -> str:
    if not isinstance(model, AskStep):
        return "answer: null"
    if way.trigger == GIVE_UP:
        return "answer: TODO an invalid answer (repeat it up to the cap)"
    answer = model.answer
    guess = None
    if way.condition is not None:
        condition = way.condition.source
        equals, truth = _EQUALS.match(condition), _TRUTH.match(condition)
        if equals and model.save and equals.group(1) == model.save:
            guess = equals.group(2)
        elif truth and model.save and truth.group(2) == model.save:
            guess = "no" if truth.group(1) else "yes"
    if guess is None and answer is not None and answer.options:
        guess = answer.options[0].key
    if guess is None and answer is not None and answer.kind == "yes_no":
        guess = "yes"
    return f"answer: {guess}" if guess is not None else f"answer: TODO a valid {answer.kind if answer else 'answer'}"
