"""The model: what a pack says, as plain frozen data.

Nothing here knows YAML, Jinja or `transitions`: the loader builds these objects, the
checker reads them, the compiler turns them into machines. Every object keeps the `Pos`
of the YAML it came from, so that any later stage can point an analyst at the right line.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Literal

from callguide.problems import Pos

EMPTY: Mapping[str, Any] = MappingProxyType({})
INHERIT = "inherit"  # `end: inherit`: the outcome the last sub-flow ended with


def _empty() -> Mapping[str, Any]:
    return EMPTY


StepKind = Literal["say", "ask", "branch", "do", "call", "end"]
AnswerKind = Literal[
    "choice",
    "multi",
    "yes_no",
    "text",
    "number",
    "phone",
    "email",
    "date",
    "time",
    "datetime",
    "lookup",
]
ANSWER_KINDS: tuple[AnswerKind, ...] = (
    "choice", "multi", "yes_no", "text", "number", "phone", "email", "date", "time", "datetime", "lookup",
)  # fmt: skip
BUILTIN_OUTCOMES: Mapping[str, str] = MappingProxyType(
    {
        "resolved": "The caller's request was dealt with",
        "unresolved": "The request stays open",
        "interrupted": "The agent ended the call (conduct rules)",
        "dropped": "The line dropped or the caller could not be heard",
        "transferred": "The call was transferred",
        "escalated": "The call went to a supervisor or another procedure",
        "callback": "A call-back was arranged",
        "no_answer": "Nobody answered (outbound)",
        "refused": "The caller declined",
    }
)


@dataclass(frozen=True, slots=True)
class Text:
    """A Jinja template, in one or more languages."""

    variants: tuple[tuple[str, str], ...]
    pos: Pos

    def source(self, language: str, fallback: str) -> str:
        found = dict(self.variants)
        return found.get(language) or found.get(fallback) or self.variants[0][1]

    @property
    def languages(self) -> tuple[str, ...]:
        return tuple(language for language, _ in self.variants)


@dataclass(frozen=True, slots=True)
class Condition:
    """A Jinja expression that decides a branch, a guard or a warning."""

    source: str
    pos: Pos


@dataclass(frozen=True, slots=True)
class Option:
    key: str
    label: Text
    condition: Condition | None = None  # the option can be picked only when this holds
    disabled: Text | None = None  # why it is greyed out otherwise


@dataclass(frozen=True, slots=True)
class Answer:
    """What an `ask` accepts. `constraints` holds the answer kind's own settings."""

    kind: AnswerKind
    pos: Pos
    options: tuple[Option, ...] = ()
    min_length: int | None = None
    max_length: int | None = None
    pattern: str | None = None
    message: Text | None = None
    minimum: float | str | None = None
    maximum: float | str | None = None
    integer: bool = False
    digits: int | None = None
    region: str | None = None
    mobile: bool = False
    source: str | None = None
    search_by: tuple[str, ...] = ()
    show: Text | None = None


@dataclass(frozen=True, slots=True)
class Case:
    """One branch of a `next`: a condition and where it leads."""

    pos: Pos
    condition: Condition | None = None
    go: str | None = None
    call: str | None = None
    then: str | None = None
    save: str | None = None
    end: str | None = None
    reason: str | None = None
    close: bool | None = None
    description: Text | None = None
    places: Mapping[str, Pos] = field(default_factory=_empty)  # where each key's value stands

    def at(self, key: str) -> Pos:
        return self.places.get(key, self.pos)


@dataclass(frozen=True, slots=True)
class Attempts:
    limit: int
    then: Case


@dataclass(frozen=True, slots=True)
class Warning:
    text: Text
    condition: Condition | None = None


@dataclass(frozen=True, slots=True)
class Step:
    """One step of a flow. `kind` says which of the optional fields matter."""

    id: str
    kind: StepKind
    pos: Pos
    say: Text | None = None
    ask: Text | None = None
    hint: Text | None = None
    title: Text | None = None
    answer: Answer | None = None
    save: str | None = None
    default: Any = None
    optional: bool = False
    attempts: Attempts | None = None
    effect: str | None = None
    args: Mapping[str, Any] = field(default_factory=_empty)
    confirm: Text | None = None
    on_failure: str | None = None
    call: str | None = None
    end: str | None = None
    reason: str | None = None
    close: bool | None = None
    description: Text | None = None
    next: tuple[Case, ...] = ()
    sets: tuple[tuple[str, Condition], ...] = ()
    warnings: tuple[Warning, ...] = ()
    back: bool | None = None
    places: Mapping[str, Pos] = field(default_factory=_empty)  # where each key's value stands

    def at(self, key: str) -> Pos:
        return self.places.get(key, self.pos)

    @property
    def stores(self) -> tuple[str, ...]:
        """The names this step saves (`caller.phone` as written): `set`, `save`, a branch's `save`."""
        names = [name for name, _ in self.sets]
        names.extend(case.save for case in self.next if case.save)
        if self.save:
            names.append(self.save)
        return tuple(names)


@dataclass(frozen=True, slots=True)
class Access:
    condition: Condition
    message: Text


# compared by identity, so that the flow's step graph can be kept beside it (graph.graph_of)
@dataclass(frozen=True, slots=True, eq=False, weakref_slot=True)
class Flow:
    name: str
    pos: Pos
    start: str
    steps: Mapping[str, Step]
    digest: str
    title: str = ""
    description: str = ""
    inputs: tuple[str, ...] = ()
    access: Access | None = None
    migrate: Mapping[str, str] = field(default_factory=_empty)
    rules: tuple[str, ...] | None = None  # the pack's rules that apply here (None: all)


@dataclass(frozen=True, slots=True)
class Action:
    """One thing a rule does past its limit."""

    kind: Literal["say", "do", "transfer", "switch", "end"]
    pos: Pos
    text: Text | None = None
    effect: str | None = None
    args: Mapping[str, Any] = field(default_factory=_empty)
    flow: str | None = None
    outcome: str | None = None
    reason: str | None = None
    close: bool | None = None
    description: Text | None = None


@dataclass(frozen=True, slots=True)
class Rule:
    name: str
    pos: Pos
    label: Text
    warnings: int
    phrases: tuple[Text, ...]
    then: tuple[Action, ...]
    within: float | None = None


@dataclass(frozen=True, slots=True)
class Reason:
    key: str
    pos: Pos
    label: Text
    close: bool
    locked: bool = False
    queue: str | None = None
    description: Literal["required", "optional"] | None = None


@dataclass(frozen=True, slots=True)
class Catalog:
    name: str
    pos: Pos
    reasons: Mapping[str, Reason]
    queues: Mapping[str, Text] = field(default_factory=_empty)
    title: str = ""
    description: Literal["required", "optional"] = "optional"


@dataclass(frozen=True, slots=True)
class LifecycleTransition:
    name: str
    pos: Pos
    sources: tuple[str, ...]
    target: str
    label: Text | None = None
    guard: Condition | None = None
    message: Text | None = None
    comment_required: bool = False
    warning: Text | None = None


@dataclass(frozen=True, slots=True)
class Lifecycle:
    name: str
    pos: Pos
    initial: str
    states: Mapping[str, Text]
    transitions: Mapping[str, LifecycleTransition]
    title: str = ""


WorklistAction = Literal["done", "postpone", "next_method", "remove", "keep"]


@dataclass(frozen=True, slots=True)
class Worklist:
    name: str
    pos: Pos
    flow: str
    methods: tuple[str, ...]
    title: str = ""
    max_attempts: int | None = None
    waiting: str = "waiting"  # the status a task waits in to be worked
    postpone_choices: tuple[float, ...] = ()
    postpone_comment_required: bool = False
    outcomes: Mapping[str, WorklistAction] = field(default_factory=_empty)


@dataclass(frozen=True, slots=True)
class Forbidden:
    pattern: str
    message: str
    pos: Pos


@dataclass(frozen=True, slots=True)
class Calendar:
    workdays: tuple[int, ...] = (0, 1, 2, 3, 4)
    opens: str = "00:00"
    closes: str = "24:00"
    holidays: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Schedule:
    """Timed work the engine's clock starts: `flow` every `every` seconds from midnight (in
    the pack's time zone), during opening hours unless `during` is `always`."""

    name: str
    pos: Pos
    flow: str
    every: float
    title: str = ""
    during: Literal["open", "always"] = "open"
    late: float | None = None  # how long a run may wait to be started (None: until the next)
    missed_effect: str | None = None
    missed_args: Mapping[str, Any] = field(default_factory=_empty)


@dataclass(frozen=True, slots=True)
class Pack:
    name: str
    pos: Pos
    root: str
    language: str
    call_end: str
    title: str = ""
    languages: tuple[str, ...] = ()
    timezone: str = "UTC"
    calendar: Calendar = field(default_factory=Calendar)
    phone_digits: int | None = None
    phone_region: str | None = None
    outcomes: Mapping[str, Text] = field(default_factory=_empty)
    effects: Mapping[str, tuple[str, ...]] = field(default_factory=_empty)
    lookups: Mapping[str, Text] = field(default_factory=_empty)
    forbidden: tuple[Forbidden, ...] = ()
    environments: Mapping[str, Mapping[str, Any]] = field(default_factory=_empty)
    flows: Mapping[str, Flow] = field(default_factory=_empty)
    rules: Mapping[str, Rule] = field(default_factory=_empty)
    catalogs: Mapping[str, Catalog] = field(default_factory=_empty)
    lifecycles: Mapping[str, Lifecycle] = field(default_factory=_empty)
    worklists: Mapping[str, Worklist] = field(default_factory=_empty)
    phrases: Mapping[str, Text] = field(default_factory=_empty)
    schedules: Mapping[str, Schedule] = field(default_factory=_empty)

    @property
    def all_languages(self) -> tuple[str, ...]:
        return (self.language, *(lang for lang in self.languages if lang != self.language))

    @property
    def outcome_names(self) -> frozenset[str]:
        return frozenset(BUILTIN_OUTCOMES) | frozenset(self.outcomes)

    @property
    def call_end_catalog(self) -> Catalog | None:
        return self.catalogs.get(self.call_end)

    def transition_of(self, effect: str) -> tuple[Lifecycle, LifecycleTransition] | None:
        """`case.dispatch` -> the `case` lifecycle and its `dispatch` transition (or None:
        `case.create` is an ordinary effect even in a pack with a `case` lifecycle)."""
        head, _, name = effect.partition(".")
        lifecycle = self.lifecycles.get(head)
        if lifecycle is None or name not in lifecycle.transitions:
            return None
        return lifecycle, lifecycle.transitions[name]
