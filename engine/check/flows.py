"""Checks of each flow: references, the step graph, answers and effects."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, datetime, time

from callguide.answers import known_region, pattern_problem
from callguide.check.base import Checker
from callguide.check.broken import NOTHING_BROKEN, Broken
from callguide.check.hints import suggest
from callguide.check.texts import TextChecker
from callguide.check.values import default_mistake
from callguide.effects import known_effects
from callguide.graph import graph_of
from callguide.model import INHERIT, Answer, AskStep, CallStep, Case, DoStep, EndStep, Flow, Pack, Saving, Step
from callguide.problems import Pos, Problem, closest, did_you_mean

RESERVED_NAMES = frozenset(
    {
        "agent",
        "call",
        "now",
        "today",
        "env",
        "phrases",
        "pack",
        "flow",
        "rules",
        "lang",
        "item",
        "range",
        "dict",
        "loop",
    }
)
_RELATIVE = re.compile(r"^(today|now|tomorrow)?\s*([+-]\s*\d+\s*[smhd])?$")


class FlowChecker(Checker):
    def __init__(
        self, pack: Pack, texts: TextChecker, problems: list[Problem], broken: Broken = NOTHING_BROKEN
    ) -> None:
        super().__init__(pack, problems, broken)
        self.texts = texts
        self.effects = known_effects(pack)
        self.called = {
            name
            for other in pack.flows.values()
            for step in other.steps.values()
            for name in (step.call if isinstance(step, CallStep) else None, *(c.call for c in step.next))
            if name
        }
        catalog = pack.call_end_catalog
        self.reasons = set(catalog.reasons) if catalog else set()

    def check(self, flow: Flow) -> None:
        if flow.start not in flow.steps:
            self.error(
                flow.pos,
                "unknown-step",
                f"flow `{flow.name}` starts at `{flow.start}`, which is not one of its steps{did_you_mean(flow.start, flow.steps)}",
            )
        for step in flow.steps.values():
            self.step(flow, step)
        for name in flow.rules or ():
            if name not in self.pack.rules and not self.broken.has("rules", name):
                hint = suggest(name, self.pack.rules, "rules")
                self.error(
                    flow.pos,
                    "unknown-rule",
                    f"flow `{flow.name}` lists the rule `{name}`, which the pack does not have{hint}",
                )
        for old, new in flow.migrate.items():
            if new not in flow.steps:
                self.error(
                    flow.pos,
                    "unknown-step",
                    f"`migrate` sends `{old}` to `{new}`, which is not a step{did_you_mean(new, flow.steps)}",
                )
            if old in flow.steps:
                self.warning(
                    flow.pos,
                    "migrate-live-step",
                    f"`migrate` renames `{old}`, but the flow still has a step `{old}`",
                )
        self.graph(flow)
        self.inherit(flow)

    # --- one step ---------------------------------------------------------------------

    def step(self, flow: Flow, step: Step) -> None:
        for case in step.next:
            self.case(flow, step, case)
        if isinstance(step, AskStep) and step.attempts:
            self.case(flow, step, step.attempts.then)
        if isinstance(step, (AskStep, DoStep)) and step.on_failure:
            self.step_ref(flow, step.on_failure, step.at("on_failure"), f"step `{step.id}` goes `on_failure` to")
        if stuck(step) and not empty(step):
            self.error(
                step.pos,
                "missing-next",
                f"step `{step.id}` has no `next`: say where the call goes after it (or `end:`)",
            )
        if step.next:
            self.branch(step)
        if isinstance(step, CallStep) and step.call:
            self.flow_ref(step.call, step.at("call"), f"step `{step.id}` calls")
        if isinstance(step, EndStep) and step.end:
            self.outcome(step.end, step.at("end"), step.reason, step.at("reason"))
        if isinstance(step, DoStep) and step.effect:
            self.effect(step)
        if isinstance(step, AskStep) and step.answer:
            self.answer(step, step.answer)
            wrong = default_mistake(step.answer, step.default, self.pack.all_languages)
            if wrong:
                self.error(step.at("default"), "impossible-value", f"{wrong} (step `{step.id}`)")
        save = step.save if isinstance(step, Saving) else None
        for name in (save, *step.sets):
            if name and name.split(".")[0] in RESERVED_NAMES:
                self.error(
                    step.at("save") if name == save else step.at("set"),
                    "reserved-name",
                    f"step `{step.id}` stores `{name}`, but `{name.split('.')[0]}` is a name the engine provides",
                )

    def case(self, flow: Flow, step: Step, case: Case) -> None:
        if case.go:
            self.step_ref(flow, case.go, case.at("go"), f"step `{step.id}` goes to")
        if case.then:
            self.step_ref(flow, case.then, case.at("then"), f"step `{step.id}` continues at")
        if case.call:
            self.flow_ref(case.call, case.at("call"), f"step `{step.id}` calls")
        if case.end:
            self.outcome(case.end, case.at("end"), case.reason, case.at("reason"))

    def branch(self, step: Step) -> None:
        for index, case in enumerate(step.next[:-1]):
            if case.condition is None:
                rest = len(step.next) - index - 1
                self.warning(
                    step.next[index + 1].pos,
                    "dead-branch",
                    f"the branch before has no `if`, so the {rest} branch(es) after it in `{step.id}` are never taken",
                )
                break
        if step.next and all(case.condition is not None for case in step.next):
            self.error(
                step.next[-1].pos,
                "fall-through",
                f"when no condition of `{step.id}` holds the call has nowhere to go: add a last branch without `if`",
            )

    def step_ref(self, flow: Flow, name: str, pos: Pos, what: str) -> None:
        if name not in flow.steps:
            message = f"{what} `{name}`, which is not a step of `{flow.name}`"
            self.error(pos, "unknown-step", message + self._meant_step(flow, name))

    def _meant_step(self, flow: Flow, name: str) -> str:
        """A flow's name, a misspelt step, or a step of another flow (a call is meant)."""
        if name in self.pack.flows or self.broken.has("flow", name):
            return f"; `{name}` is a flow: call it with `call: {name}` (and `then:`, the step to continue at)"
        hint = did_you_mean(name, flow.steps)
        owners = sorted(other.name for other in self.pack.flows.values() if name in other.steps)
        if hint or not owners:
            return hint
        return (
            f"; it is a step of flow `{owners[0]}`, and `go` cannot enter another flow:"
            f" `call: {owners[0]}` runs that flow from its start and comes back (with `then:`)"
        )

    def flow_ref(self, name: str, pos: Pos, what: str) -> None:
        if name not in self.pack.flows and not self.broken.has("flow", name):
            self.error(
                pos,
                "unknown-flow",
                f"{what} `{name}`, which is not a flow of the pack{did_you_mean(name, self.pack.flows)}",
            )

    def outcome(self, outcome: str, pos: Pos, reason: str | None, reason_pos: Pos | None = None) -> None:
        if outcome not in self.pack.outcome_names and outcome != INHERIT:
            hint = did_you_mean(outcome, self.pack.outcome_names)
            self.error(
                pos,
                "unknown-outcome",
                f"`{outcome}` is not an outcome (declare it in the pack's `outcomes`){hint}",
            )
        if reason and self.reasons and reason not in self.reasons:
            self.error(
                reason_pos or pos,
                "unknown-reason",
                f"`{reason}` is not a reason of the `{self.pack.call_end}` catalog{suggest(reason, self.reasons, 'its reasons')}",
            )

    def effect(self, step: DoStep) -> None:
        if step.effect not in self.effects:
            if self.broken.effect(step.effect):
                return
            self.error(
                step.at("do"),
                "unknown-effect",
                f"step `{step.id}` does `{step.effect}`, which is not an effect of the pack{suggest(step.effect, self.effects, 'effects')}",
            )
            return
        for arg in self.effects[step.effect]:
            if arg not in step.args:
                self.error(
                    step.at("with") if step.args else step.at("do"),
                    "missing-argument",
                    f"`{step.effect}` needs `{arg}` in `with:` (step `{step.id}`)",
                )
        found = self.pack.transition_of(step.effect)
        if found is not None and found[1].comment_required and "comment" not in step.args:
            self.error(
                step.at("with") if step.args else step.at("do"),
                "missing-argument",
                f"`{step.effect}` requires a comment: add `comment:` to `with:` (step `{step.id}`)",
            )

    def answer(self, step: Step, answer: Answer) -> None:
        if answer.kind in ("choice", "multi"):
            self.options(step, answer)
        elif answer.kind == "text" and answer.pattern is not None:
            problem = pattern_problem(answer.pattern)
            if problem is not None:
                self.error(answer.pos, "bad-pattern", f"the pattern of `{step.id}` cannot be used: {problem}")
        elif answer.kind == "lookup":
            lookups = self.pack.lookups
            if lookups and answer.source not in lookups:
                self.error(
                    answer.pos,
                    "unknown-lookup",
                    f"`{answer.source}` is not a lookup of the pack{suggest(answer.source or '', lookups, 'lookups')}",
                )
        elif answer.kind in ("date", "time", "datetime"):
            for bound in (answer.minimum, answer.maximum):
                if bound is not None and not valid_bound(answer.kind, bound):
                    self.error(
                        answer.pos,
                        "bad-value",
                        f"`{bound}` is not a {answer.kind} bound: write a {answer.kind} or `today+7d` / `now+2h`",
                    )
        if answer.kind == "phone" and answer.region and not known_region(answer.region):
            self.error(
                answer.pos,
                "bad-value",
                f"`{answer.region}` is not a country code phone numbers are known for (e.g. `KE`, `RU`)",
            )
        if answer.kind == "phone" and not (
            answer.digits or answer.region or self.pack.phone_digits or self.pack.phone_region
        ):
            self.warning(
                answer.pos,
                "phone-rule",
                f"`{step.id}` accepts any phone number: give the pack a `phone:` rule or the question `digits`/`region`",
            )
        low, high = answer.minimum, answer.maximum
        if isinstance(low, (int, float)) and isinstance(high, (int, float)) and low > high:
            self.error(
                answer.pos,
                "bad-value",
                f"`min` ({low}) is larger than `max` ({high}) in `{step.id}`",
            )
        if answer.min_length is not None and answer.max_length is not None and answer.min_length > answer.max_length:
            self.error(answer.pos, "bad-value", f"`min_length` is larger than `max_length` in `{step.id}`")

    def options(self, step: Step, answer: Answer) -> None:
        seen_keys: set[str] = set()
        seen_labels: dict[str, str] = {}
        for option in answer.options:
            if option.key in seen_keys:
                self.error(
                    option.label.pos,
                    "duplicate-option",
                    f"`{step.id}` lists the option `{option.key}` twice",
                )
            seen_keys.add(option.key)
            for language, label in option.label.variants:
                folded = f"{language}:{label.strip().casefold()}"
                if folded in seen_labels:
                    self.error(
                        option.label.pos,
                        "duplicate-option",
                        f"options `{seen_labels[folded]}` and `{option.key}` of `{step.id}` have the same label `{label}`",
                    )
                seen_labels[folded] = option.key

    def inherit(self, flow: Flow) -> None:
        """`end: inherit` takes the outcome of the call's last sub-flow: a flow that calls none
        and that no flow calls has nothing to inherit."""
        ends = [
            step
            for step in flow.steps.values()
            if (isinstance(step, EndStep) and step.end == INHERIT) or any(c.end == INHERIT for c in step.next)
        ]
        calls_some = any(isinstance(step, CallStep) or any(c.call for c in step.next) for step in flow.steps.values())
        called = flow.name in self.called
        if ends and not calls_some and not called:
            message = f"`end: inherit` in `{flow.name}`, which calls no sub-flow and is called by none: there is no outcome to inherit"
            self.warning(ends[0].pos, "inherit-nothing", message)

    # --- the graph --------------------------------------------------------------------

    def graph(self, flow: Flow) -> None:
        if flow.start not in flow.steps:
            return
        # A misspelt target is read as the step it probably means (it is reported as
        # `unknown-step`), so the steps behind a typo are not all called unreachable.
        graph = graph_of(flow)
        meant = {
            target: closest(target, flow.steps)
            for step in flow.steps
            for target, _ in graph.successors(step)
            if target not in flow.steps
        }
        # A typo no step resembles, or a step with nowhere to go (both reported), may be the
        # way to the steps the walk cannot reach: they are not reported a second time.
        unresolved = any(found is None for found in meant.values())
        edges: dict[str, list[str]] = {}
        for step in flow.steps.values():
            edges[step.id] = [target for t, _ in graph.successors(step.id) if (target := meant.get(t, t)) is not None]
        reached = {flow.start}
        todo = [flow.start]
        while todo:
            for target in edges[todo.pop()]:
                if target not in reached:
                    reached.add(target)
                    todo.append(target)
        if not unresolved and not any(stuck(flow.steps[step_id]) for step_id in reached):
            for step in flow.steps.values():
                if step.id not in reached:
                    message = f"no path from `{flow.start}` leads to step `{step.id}`"
                    self.error(step.pos, "unreachable-step", message)
        # Steps from which an end can be reached, walking backwards from the ends; a step
        # without `next` is reported as such, so the steps before it are not said to loop.
        predecessors: dict[str, list[str]] = {}
        for source, targets in edges.items():
            for target in targets:
                predecessors.setdefault(target, []).append(source)
        finishing = {step.id for step in flow.steps.values() if graph.ends_at(step.id) or stuck(step)}
        todo = list(finishing)
        while todo:
            for before in predecessors.get(todo.pop(), ()):
                if before not in finishing:
                    finishing.add(before)
                    todo.append(before)
        for step in flow.steps.values():
            if step.id in reached and step.id not in finishing and not unresolved:
                self.error(
                    step.pos, "no-end", f"from step `{step.id}` the call can never reach an end: it loops for ever"
                )


def stuck(step: Step) -> bool:
    """Whether the step has nowhere to go: `missing-next` says so (`step-kind`, for an empty step)."""
    return step.kind in ("say", "ask", "do", "call") and not step.next


def empty(step: Step) -> bool:
    """A step with none of `say`, `ask`, `do`, `call`, `end`, `next`: the loader reports it."""
    return step.kind == "say" and step.say is None


def valid_bound(kind: str, bound: object) -> bool:
    text = str(bound).strip()
    if _RELATIVE.match(text) and text:
        return True
    parse: dict[str, Callable[[str], object]] = {
        "date": date.fromisoformat,
        "time": time.fromisoformat,
        "datetime": lambda s: datetime.fromisoformat(s.replace(" ", "T")),
    }
    try:
        parse[kind](text)
    except ValueError:
        return False
    return True
