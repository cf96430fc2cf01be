"""Compiling a checked pack: one `transitions` machine per flow, shared by all its sessions.

Each flow becomes a `Machine(model=None)` whose states are its steps. Its `advance`
transitions are the step's branches, in order, guarded by compiled conditions: the first
branch whose conditions hold is taken, which is exactly what `next:` means; `fail` is a
failed effect's fallback and `give_up` the way out after too many invalid answers. `call`
and `end` branches are desugared into steps of their own (`step~n1`), so every transition is
a plain move between states. What a `call` or `end` step does where it stands (push the
callee's frame, return to the caller or end the call) changes no step of this machine, and
is no transition of it: the interpreter does it (a callee begins at its machine's initial
step; the caller goes on by its own `advance`). A move fires the machine's event on a
`Cursor` (a `state` and the move it belongs to): no machine and no `add_model` per call.
Guards are Python callables made here; no string from a flow file ever reaches
`transitions` as a callback name.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from callguide import answers
from callguide.effects import known_effects
from callguide.entities import LifecycleMachine
from callguide.expr import CompiledCondition
from callguide.filters import make_environment
from callguide.graph import StepGraph, graph_of
from callguide.hours import opening
from callguide.machines import Cursor, fire, shared_machine
from callguide.model import EMPTY, Action, ActionKind, Answer, AskStep, DoStep, EndStep, Flow, Pack, Rule, Step
from callguide.sandbox import Sandbox
from callguide.texts import LocalText, Texts
from msgspec import Struct
from transitions import Machine, MachineError

# a pack of more steps than this compiles each step when a call first reaches it (see
# `CompiledSteps`), and makes the machine of each of its flows of at most SMALL_FLOW steps
# when a call first moves in it (about 1 ms for 100 steps): a call enters a few of a big
# pack's flows. A smaller pack compiles all at load, so that its first call pays for
# nothing (the bundled packs have 100 to 220 steps); so does a big flow (5,000 steps: a
# 40 ms machine is not for a call to wait for)
LAZY_PAST = 1_000
SMALL_FLOW = 200
# an answer's settings that the view shows the agent, when they are set
CONSTRAINTS = ("min_length", "max_length", "pattern", "minimum", "maximum", "integer", "digits", "region", "mobile")


# The compiled steps and options are msgspec structs, not frozen dataclasses: a frozen
# dataclass sets each field through `object.__setattr__`, and a 5,000-step flow makes
# 5,000 steps of 18 fields at every load (31 ms of them as dataclasses, a few as structs).
class CompiledOption(Struct, frozen=True):
    key: str
    label: LocalText
    condition: CompiledCondition | None = None
    disabled: LocalText | None = None


class CompiledStep(Struct, frozen=True):
    """A step with its texts compiled; `model` is the step as the analyst wrote it."""

    id: str
    flow: str
    model: Step
    # the model's kind and `flow:step` (the call's path), kept here: a move reads them at
    # every step it arrives at (an attribute, not a property nor a new string each time)
    kind: str
    where: str
    say: LocalText | None
    ask: LocalText | None
    hint: LocalText | None
    note: LocalText | None
    title: LocalText | None
    confirm: LocalText | None
    description: LocalText | None
    options: tuple[CompiledOption, ...]
    show: LocalText | None
    message: LocalText | None
    default: Any
    args: Mapping[str, Any]
    sets: tuple[tuple[str, CompiledCondition], ...]
    warnings: tuple[tuple[LocalText, CompiledCondition | None], ...]
    # options that never change (literal labels, no `if`), made once per language
    fixed_options: dict[str, tuple[Any, ...]] | None = None
    # what the view shows of the answer's constraints (`min_length`, `digits`...): the ones set
    constraints: tuple[tuple[str, Any], ...] = ()


class Mover(Protocol):
    """The move a machine's guards work for (the interpreter's turn)."""

    def context(self) -> dict[str, Any]: ...


class Guard:
    """A branch's condition, as `transitions` calls it (with the event data)."""

    __slots__ = ("condition",)

    def __init__(self, condition: CompiledCondition) -> None:
        self.condition = condition

    def __call__(self, event: Any) -> bool:
        return self.condition.test(event.model.mover.context())


class CompiledSteps(Mapping[str, CompiledStep]):
    """A big pack's compiled steps of one flow, each compiled the first time it is looked
    up, then kept.

    A call visits a few steps of a flow: compiling all 5,000 of a big pack at load (about
    50 ms) would be paid by every process that loads it, for steps most of its calls never
    reach. Keys, `in` and `len` never compile. Sessions on several threads may look a step
    up at once: `dict.setdefault` keeps the first one made, so every caller gets the same."""

    __slots__ = ("_compiled", "_flow", "_steps", "_texts")

    def __init__(self, flow: str, steps: dict[str, Step], texts: Texts) -> None:
        self._flow = flow
        self._steps = steps
        self._texts = texts
        self._compiled: dict[str, CompiledStep] = {}

    def __getitem__(self, step: str) -> CompiledStep:
        compiled = self._compiled.get(step)
        if compiled is None:
            compiled = self._compiled.setdefault(step, compile_step(self._flow, self._steps[step], self._texts))
        return compiled

    def __contains__(self, step: object) -> bool:
        return step in self._steps

    def __iter__(self) -> Iterator[str]:
        return iter(self._steps)

    def __len__(self) -> int:
        return len(self._steps)


@dataclass(slots=True)
class CompiledFlow:
    flow: Flow
    steps: Mapping[str, CompiledStep]
    graph: StepGraph
    texts: Texts
    access: tuple[CompiledCondition, LocalText] | None = None
    built: Machine | None = None  # its machine, once made (`machine`)

    @property
    def name(self) -> str:
        return self.flow.name

    @property
    def machine(self) -> Machine:
        """The flow's machine: made at load, or (a small flow of a big pack) when first
        fired. Two threads may make it at once: either machine does (they hold no call)."""
        machine = self.built
        if machine is None:
            machine = self.built = _machine(self.flow, self.graph, self.steps, self.texts)
        return machine

    def fire(self, trigger: str, source: str, mover: Mover) -> str | None:
        """Fire `trigger` from step `source`: where the machine went (the first branch whose
        guards all hold), or None when no transition of `source` applies."""
        cursor = Cursor(source, mover)
        try:
            moved = fire(self.machine, trigger, cursor)
        except (MachineError, KeyError):  # the step has no such way out
            return None
        return cursor.state if moved else None


@dataclass(frozen=True, slots=True)
class CompiledRule:
    rule: Rule
    label: LocalText
    phrases: tuple[LocalText, ...]
    # each action with its kind (worked out from the action's fields: once, here), its text,
    # arguments and description
    actions: tuple[tuple[ActionKind, Action, LocalText | None, Mapping[str, Any], LocalText | None], ...]


@dataclass(slots=True)
class CompiledPack:
    pack: Pack
    env: Sandbox
    texts: Texts
    flows: dict[str, CompiledFlow] = field(default_factory=dict)
    rules: dict[str, CompiledRule] = field(default_factory=dict)
    phrases: dict[str, LocalText] = field(default_factory=dict)
    labels: dict[str, LocalText] = field(default_factory=dict)
    lifecycles: dict[str, LifecycleMachine] = field(default_factory=dict)
    effects: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    outcomes: frozenset[str] = frozenset()  # the pack's `outcome_names`, made once (a hang-up checks them)
    shift: Callable[[datetime], datetime] | None = None  # `opening`, once made

    def opening(self) -> Callable[[datetime], datetime]:
        """The pack's opening hours (`hours.opening`), made at the first task action that asks
        for them and kept: a calendar of the pack's days and a time zone, about 3 µs to make."""
        shift = self.shift
        if shift is None:
            shift = self.shift = opening(self.pack)
        return shift

    def confirmation(self, step: CompiledStep) -> LocalText | None:
        """What the agent confirms before a `do` step acts: its `confirm`, or the warning of
        the lifecycle transition it fires (`case.save`: "Save keeps the case in your folder")."""
        if step.confirm is not None:
            return step.confirm
        head, _, name = (step.model.effect if isinstance(step.model, DoStep) else "").partition(".")
        lifecycle = self.lifecycles.get(head)
        return lifecycle.warnings.get(name) if lifecycle else None


def compile_pack(pack: Pack) -> CompiledPack:
    env = make_environment(pack.calendar, pack.phone_digits, pack.phone_region)
    texts = Texts(env, pack.language)
    compiled = CompiledPack(pack, env, texts, effects=known_effects(pack), outcomes=pack.outcome_names)
    lazy = sum(len(flow.steps) for flow in pack.flows.values()) > LAZY_PAST
    for flow in pack.flows.values():
        compiled.flows[flow.name] = compile_flow(flow, texts, lazy=lazy)
    for rule in pack.rules.values():
        actions = tuple(
            (action.kind, action, texts.text(action.text), texts.value(action.args), texts.text(action.description))
            for action in rule.then
        )
        label = texts.text(rule.label)
        assert label is not None
        compiled.rules[rule.name] = CompiledRule(
            rule, label, tuple(t for t in map(texts.text, rule.phrases) if t), actions
        )
    compiled.phrases = {name: t for name, text in pack.phrases.items() if (t := texts.text(text))}
    catalog = pack.call_end_catalog
    if catalog:
        compiled.labels.update({f"reason:{k}": t for k, r in catalog.reasons.items() if (t := texts.text(r.label))})
        compiled.labels.update({f"queue:{k}": t for k, q in catalog.queues.items() if (t := texts.text(q))})
    compiled.lifecycles = {name: LifecycleMachine(lifecycle, texts) for name, lifecycle in pack.lifecycles.items()}
    for region in _phone_regions(pack):
        answers.prepare_region(region)
    return compiled


def _phone_regions(pack: Pack) -> set[str]:
    """The regions whose numbers the pack checks: its own rule's and its phone questions'."""
    regions = {pack.phone_region} if pack.phone_region else set()
    for flow in pack.flows.values():
        for step in flow.steps.values():
            if isinstance(step, AskStep) and step.answer is not None and step.answer.region:
                regions.add(step.answer.region)
    return regions


def compile_flow(flow: Flow, texts: Texts, *, lazy: bool = False) -> CompiledFlow:
    """A flow's steps and machine; with `lazy` (a big pack), each step is compiled when
    first looked up, and a flow of at most SMALL_FLOW steps gets its machine when first fired."""
    graph = graph_of(flow)
    steps: Mapping[str, CompiledStep] = (
        CompiledSteps(flow.name, {step.id: step for step in graph.states}, texts)
        if lazy
        else {step.id: compile_step(flow.name, step, texts) for step in graph.states}
    )
    access = None
    if flow.access:
        condition, message = texts.condition(flow.access.condition), texts.text(flow.access.message)
        assert condition is not None and message is not None
        access = (condition, message)
    compiled = CompiledFlow(flow, steps, graph, texts, access)
    if not lazy or len(steps) > SMALL_FLOW:
        compiled.built = _machine(flow, graph, steps, texts)
    return compiled


def _machine(flow: Flow, graph: StepGraph, steps: Mapping[str, CompiledStep], texts: Texts) -> Machine:
    """The flow's machine: a state per step, a transition per way out of it."""
    transitions: list[dict[str, Any]] = []
    for step in graph.states:
        for way in graph.ways[step.id]:
            guard = texts.condition(way.condition)
            transitions.append(
                {
                    "trigger": way.trigger,
                    "source": step.id,
                    "dest": way.dest,
                    "conditions": [Guard(guard)] if guard else [],
                }
            )
    return shared_machine(list(steps), transitions, flow.start)


def compile_step(flow: str, step: Step, texts: Texts) -> CompiledStep:
    ask = step if isinstance(step, AskStep) else None
    do = step if isinstance(step, DoStep) else None
    answer = ask.answer if ask else None
    options = tuple(
        CompiledOption(option.key, label, texts.condition(option.condition), texts.text(option.disabled))
        for option in (answer.options if answer else ())
        if (label := texts.text(option.label))
    )
    return CompiledStep(
        id=step.id,
        flow=flow,
        model=step,
        kind=step.kind,
        where=sys.intern(f"{flow}:{step.id}"),  # one string for every call's path
        say=texts.text(step.say),
        ask=texts.text(ask.ask) if ask else None,
        hint=texts.text(step.hint),
        note=texts.text(step.note),
        title=texts.text(step.title),
        confirm=texts.text(do.confirm) if do else None,
        description=texts.text(step.description) if isinstance(step, EndStep) else None,
        options=options,
        show=texts.text(answer.show) if answer else None,
        message=texts.text(answer.message) if answer else None,
        # most steps have no default, arguments, `set` or warnings: nothing to look into
        default=texts.value(ask.default) if ask and ask.default is not None else None,
        args=texts.value(do.args) if do and do.args else EMPTY,
        sets=tuple((name, c) for name, condition in step.sets.items() if (c := texts.condition(condition)))
        if step.sets
        else (),
        fixed_options={} if all(o.condition is None and o.label.is_literal for o in options) else None,
        warnings=tuple((t, texts.condition(w.condition)) for w in step.warnings if (t := texts.text(w.text)))
        if step.warnings
        else (),
        constraints=_constraints(answer),
    )


def _constraints(answer: Answer | None) -> tuple[tuple[str, Any], ...]:
    """The answer's settings the view shows, the ones set (made once: a view is made per move)."""
    if answer is None:
        return ()
    return tuple((name, value) for name in CONSTRAINTS if (value := getattr(answer, name)) not in (None, False))
