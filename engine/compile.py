"""Compiling a checked pack: one `transitions` machine per flow, shared by all its sessions.

Each flow becomes a `Machine(model=None)` whose states are its steps. Its `advance`
transitions are the step's branches, in order, guarded by compiled conditions: the first
branch whose conditions hold is taken, which is exactly what `next:` means; `fail` is a
failed effect's fallback and `give_up` the way out after too many invalid answers. `call`
and `finish` are transitions of the `call` and `end` steps that stay where they are: their
callbacks push the callee's frame, or return to the caller (or end the call). `call` and
`end` branches are desugared into steps of their own (`step~n1`), so every transition is a
plain move between states. A move fires the machine's event on a `Cursor` (a `state` and
the move it belongs to): no machine and no `add_model` per call. Guards and callbacks are
Python callables made here; no string from a flow file ever reaches `transitions` as a
callback name.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, time
from types import MappingProxyType
from typing import Any, Protocol

from callguide.check.flows import known_effects
from callguide.expr import CompiledCondition, CompiledText, Sandbox, make_environment
from callguide.model import Action, Case, Condition, Flow, Pack, Rule, Step, Text
from transitions import Machine, MachineError

ADVANCE = "advance"
FAIL = "fail"
GIVE_UP = "give_up"
CALL = "call"
FINISH = "finish"


class Texts:
    """Compiles the model's texts into shared `CompiledText`s, one per language variant."""

    def __init__(self, env: Sandbox, language: str) -> None:
        self.env = env
        self.language = language

    def text(self, text: Text | None) -> LocalText | None:
        if text is None:
            return None
        return LocalText(
            {lang: CompiledText(self.env, source, text.pos) for lang, source in text.variants}, self.language
        )

    def condition(self, condition: Condition | None) -> CompiledCondition | None:
        return None if condition is None else CompiledCondition(self.env, condition.source, condition.pos)

    def value(self, value: Any) -> Any:
        if isinstance(value, Text):
            single = _SINGLE_EXPRESSION.fullmatch(value.variants[0][1]) if len(value.variants) == 1 else None
            if single:  # `{{ expression }}` alone passes the value itself: a list stays a list
                return NativeValue(CompiledCondition(self.env, single.group(1), value.pos))
            return self.text(value)
        if isinstance(value, Mapping):
            return MappingProxyType({key: self.value(item) for key, item in value.items()})
        if isinstance(value, tuple):
            return tuple(self.value(item) for item in value)
        return value


_SINGLE_EXPRESSION = re.compile(r"\{\{\s*((?:(?!\}\}|\{\{|\{%).)+?)\s*\}\}", re.DOTALL)


class NativeValue:
    """An effect argument written as one `{{ expression }}`: its value, not its text."""

    __slots__ = ("expression",)

    def __init__(self, expression: CompiledCondition) -> None:
        self.expression = expression


class LocalText:
    """A text in the languages it was written in; renders the session's one."""

    __slots__ = ("default", "variants")

    def __init__(self, variants: dict[str, CompiledText], default: str) -> None:
        self.variants = variants
        self.default = variants.get(default) or next(iter(variants.values()))

    def render(self, context: dict[str, Any], language: str | None = None) -> str:
        chosen = self.variants.get(language, self.default) if language else self.default
        return chosen.render(context)

    @property
    def is_literal(self) -> bool:
        return all(text.is_literal for text in self.variants.values())


def render_value(value: Any, context: dict[str, Any], language: str | None) -> Any:
    """Effect arguments: every text rendered, the shape kept; the result is plain data."""
    if isinstance(value, LocalText):
        return value.render(context, language)
    if isinstance(value, NativeValue):
        return plain(value.expression.value(context))
    if isinstance(value, Mapping):
        return {key: render_value(item, context, language) for key, item in value.items()}
    if isinstance(value, tuple):
        return [render_value(item, context, language) for item in value]
    return value


def plain(value: Any) -> Any:
    """Effect arguments and stored answers are plain JSON data."""
    if value is None or isinstance(value, (str, int, bool)):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, (date, time)):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {str(key): plain(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(item) for item in value]
    return str(value)


@dataclass(frozen=True, slots=True)
class CompiledOption:
    key: str
    label: LocalText
    condition: CompiledCondition | None = None
    disabled: LocalText | None = None


@dataclass(frozen=True, slots=True)
class CompiledStep:
    """A step with its texts compiled; `model` is the step as the analyst wrote it."""

    id: str
    flow: str
    model: Step
    say: LocalText | None
    ask: LocalText | None
    hint: LocalText | None
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

    @property
    def kind(self) -> str:
        return self.model.kind


class Mover(Protocol):
    """The move a machine's guards and callbacks work for (the interpreter's turn)."""

    def context(self) -> dict[str, Any]: ...

    def call(self, step: CompiledStep) -> None: ...

    def finish(self, step: CompiledStep) -> None: ...


class Cursor:
    """What a shared machine moves: `state` (a step, a phase, an entity's status) and the
    move it is fired for, whose context the guards read."""

    __slots__ = ("mover", "state")

    def __init__(self, state: str, mover: Any = None) -> None:
        self.state = state
        self.mover = mover


class Guard:
    """A branch's condition, as `transitions` calls it (with the event data)."""

    __slots__ = ("condition",)

    def __init__(self, condition: CompiledCondition) -> None:
        self.condition = condition

    def __call__(self, event: Any) -> bool:
        return self.condition.test(event.model.mover.context())


class Arrived:
    """The work of a `call` or `end` step, run when its transition fires."""

    __slots__ = ("step",)

    def __init__(self, step: CompiledStep) -> None:
        self.step = step

    def __call__(self, event: Any) -> None:
        mover: Mover = event.model.mover
        if self.step.kind == "call":
            mover.call(self.step)
        else:
            mover.finish(self.step)


@dataclass(slots=True)
class CompiledFlow:
    flow: Flow
    machine: Machine
    steps: dict[str, CompiledStep]
    access: tuple[CompiledCondition, LocalText] | None = None

    @property
    def name(self) -> str:
        return self.flow.name

    def fire(self, trigger: str, source: str, mover: Mover) -> str | None:
        """Fire `trigger` from step `source`: where the machine went (the first branch whose
        guards all hold), or None when no transition of `source` applies."""
        cursor = Cursor(source, mover)
        try:
            moved = self.machine.events[trigger].trigger(cursor)
        except (MachineError, KeyError):  # the step has no such way out
            return None
        return cursor.state if moved else None


@dataclass(frozen=True, slots=True)
class CompiledRule:
    rule: Rule
    label: LocalText
    phrases: tuple[LocalText, ...]
    actions: tuple[tuple[Action, LocalText | None, Mapping[str, Any], LocalText | None], ...]


@dataclass(slots=True)
class CompiledPack:
    pack: Pack
    env: Sandbox
    texts: Texts
    flows: dict[str, CompiledFlow] = field(default_factory=dict)
    rules: dict[str, CompiledRule] = field(default_factory=dict)
    phrases: dict[str, LocalText] = field(default_factory=dict)
    labels: dict[str, LocalText] = field(default_factory=dict)
    guards: dict[str, tuple[CompiledCondition | None, LocalText | None, LocalText | None]] = field(default_factory=dict)
    effects: Mapping[str, tuple[str, ...]] = field(default_factory=dict)


def compile_pack(pack: Pack) -> CompiledPack:
    env = make_environment(pack.calendar, pack.phone_digits, pack.phone_region)
    texts = Texts(env, pack.language)
    compiled = CompiledPack(pack, env, texts, effects=known_effects(pack))
    for flow in pack.flows.values():
        compiled.flows[flow.name] = compile_flow(flow, texts)
    for rule in pack.rules.values():
        actions = tuple(
            (action, texts.text(action.text), texts.value(action.args), texts.text(action.description))
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
    for lifecycle in pack.lifecycles.values():
        for name, transition in lifecycle.transitions.items():
            compiled.guards[f"{lifecycle.name}.{name}"] = (
                texts.condition(transition.guard),
                texts.text(transition.message),
                texts.text(transition.warning),
            )
    return compiled


def compile_flow(flow: Flow, texts: Texts) -> CompiledFlow:
    steps: dict[str, CompiledStep] = {}
    transitions: list[dict[str, Any]] = []

    def target(step: Step, case: Case, index: int, trigger: str) -> str:
        """Where a branch leads; `call` and `end` branches get a step of their own."""
        if case.go:
            return case.go
        synthetic_id = f"{step.id}~{trigger}{index}"
        if case.call:
            then = (Case(case.pos, go=case.then),) if case.then else ()
            synthetic = Step(synthetic_id, "call", case.pos, call=case.call, save=case.save, next=then)
        else:
            synthetic = Step(
                synthetic_id,
                "end",
                case.pos,
                end=case.end,
                reason=case.reason,
                close=case.close,
                description=case.description,
            )
        add(synthetic)
        return synthetic_id

    def add(step: Step) -> None:
        steps[step.id] = compile_step(flow.name, step, texts)
        for index, case in enumerate(step.next):
            guard = texts.condition(case.condition)
            transitions.append(
                {
                    "trigger": ADVANCE,
                    "source": step.id,
                    "dest": target(step, case, index, "n"),
                    "conditions": [Guard(guard)] if guard else [],
                }
            )
        if step.on_failure:
            transitions.append({"trigger": FAIL, "source": step.id, "dest": step.on_failure})
        if step.attempts:
            transitions.append(
                {"trigger": GIVE_UP, "source": step.id, "dest": target(step, step.attempts.then, 0, "a")}
            )
        if step.kind in ("call", "end"):  # stays at the step; the callback does the work
            trigger = CALL if step.kind == "call" else FINISH
            transitions.append({"trigger": trigger, "source": step.id, "dest": None, "after": Arrived(steps[step.id])})

    for step in flow.steps.values():
        add(step)
    machine = Machine(
        model=None,
        states=list(steps),
        transitions=transitions,
        initial=flow.start,
        auto_transitions=False,
        send_event=True,
        ignore_invalid_triggers=False,
    )
    access = None
    if flow.access:
        condition, message = texts.condition(flow.access.condition), texts.text(flow.access.message)
        assert condition is not None and message is not None
        access = (condition, message)
    return CompiledFlow(flow, machine, steps, access)


def compile_step(flow: str, step: Step, texts: Texts) -> CompiledStep:
    answer = step.answer
    options = tuple(
        CompiledOption(option.key, label, texts.condition(option.condition), texts.text(option.disabled))
        for option in (answer.options if answer else ())
        if (label := texts.text(option.label))
    )
    return CompiledStep(
        id=step.id,
        flow=flow,
        model=step,
        say=texts.text(step.say),
        ask=texts.text(step.ask),
        hint=texts.text(step.hint),
        confirm=texts.text(step.confirm),
        description=texts.text(step.description),
        options=options,
        show=texts.text(answer.show) if answer else None,
        message=texts.text(answer.message) if answer else None,
        default=texts.value(step.default),
        args=texts.value(step.args),
        sets=tuple((name, c) for name, condition in step.sets if (c := texts.condition(condition))),
        fixed_options={} if all(o.condition is None and o.label.is_literal for o in options) else None,
        warnings=tuple((t, texts.condition(w.condition)) for w in step.warnings if (t := texts.text(w.text))),
    )
