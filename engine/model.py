"""The model: what a pack says, as plain frozen data.

Nothing here knows YAML, Jinja or `transitions`: the loader builds these objects, the
checker reads them, the compiler turns them into machines. Every object keeps the `Pos`
of the YAML it came from, so that any later stage can point an analyst at the right line.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import cache
from types import MappingProxyType, NoneType, UnionType
from typing import Annotated, Any, ClassVar, Literal, NewType, Union, get_args, get_origin

from callguide.problems import Pos
from callguide.written import (
    BOUND,
    DOTTED_NAMES,
    DURATION,
    ENVIRONMENTS,
    FLAG,
    NAMED,
    NAMES,
    NAMES_ONE_OR_MORE,
    NEXT,
    ONE_OR_LIST,
    OPTIONS,
    SETS,
    STATE_NAMES,
    STEPS,
    STORED,
    STRING,
    TEXT,
    UNIQUE,
    in_order,
    key,
    p,
    true_or,
)
from msgspec import Meta, Struct, field
from msgspec.structs import fields

EMPTY: Mapping[str, Any] = MappingProxyType({})
INHERIT = "inherit"  # `end: inherit`: the outcome the last sub-flow ended with


def _empty() -> Mapping[str, Any]:
    return EMPTY


StepKind = Literal["say", "ask", "branch", "do", "call", "end"]
ActionKind = Literal["say", "do", "transfer", "switch", "end"]
ACTION_KINDS: tuple[ActionKind, ...] = get_args(ActionKind)
Seconds = NewType("Seconds", float)
Duration = Annotated[Seconds, Meta(extra_json_schema=DURATION)]  # written `15s`, `4h`
Setting = str | float | Mapping[str, Any]  # a value of an environment: as written, not a template
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


class Option(Struct, frozen=True):
    key: str
    label: Text
    condition: Condition | None = None  # the option can be picked only when this holds
    disabled: Text | None = None  # why it is greyed out otherwise


class Answer(Struct, frozen=True):
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


class Keys(Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """A map of a file, a key per field: no key it does not declare. (Each class says `frozen`
    and `kw_only` again: mypy and msgspec do not pass them on.)"""


class Placed(Keys, frozen=True, kw_only=True):
    """Where a written map stands in its file, and where each of its keys' values stands."""

    pos: Pos
    places: Mapping[str, Pos] = field(default_factory=_empty)

    def at(self, key: str) -> Pos:
        return self.places.get(key, self.pos)


# The keys a step or a branch may have. Each is declared once, as a field: its type, its
# default, its hover help (`title`, `description`) and in `extra` what the loader needs:
# what it says when the key stands in a step of another kind (`misplaced`), and whether a
# text is read to the caller (`spoken`: held to the pack's forbidden phrases).
# msgspec writes a Literal's values sorted; the analyst is offered them in this order
Needing = Literal["required", "optional"]
Needed = Annotated[Needing, in_order(Needing)]
BELONGS_TO_DO = "`{key}` belongs to a `do` step"
PRESETS_WRAPUP = "`{key}` presets the wrap-up: it belongs to an `end` step"
Target = Annotated[str, NAMED]
Language = Annotated[str, Meta(pattern=r"^[a-z]{2}(-[A-Z]{2})?$")]
Region = Annotated[str, Meta(pattern="^[A-Z]{2}$")]
Digits = Annotated[int, Meta(ge=3, le=15)]
Stored = Annotated[str, STORED]
Close = Annotated[
    bool,
    key(
        "Close",
        "With `end`: preset the wrap-up's 'close the request' flag (the agent may still change it unless the reason is locked).",
        misplaced=PRESETS_WRAPUP,
    ),
]
Description = Annotated[
    Text, key("Description", "With `end`: text the wrap-up's description starts with.", misplaced=PRESETS_WRAPUP)
]
ReasonKey = Annotated[Target, key("Reason", "With `end`: the end-of-call reason the wrap-up starts with.")]
Outcome = Annotated[
    Target, key("End", "End the flow here with this outcome (`inherit`: the outcome the last sub-flow ended with).")
]
Say = Annotated[
    Text,
    key(
        "Say",
        "A line the agent reads to the caller. Alone, it makes a *say* step; with `ask`, it is read first.",
        spoken=True,
    ),
]
OnFailure = Annotated[
    Target,
    key(
        "On failure", "The step to go to when the effect fails (e.g. a fallback SMS provider).", misplaced=BELONGS_TO_DO
    ),
]
Save = Annotated[Stored, key("Save", "Store the answer (or the effect's result) under this name, e.g. `caller.phone`.")]


class Case(Placed, frozen=True, kw_only=True):
    """One branch: a condition and where it leads (`go`, `call` + `then`, or `end`)."""

    condition: Annotated[
        Condition | None,
        key(
            "If",
            "Take this branch when the condition is true; the first true branch wins. Leave it out on the last branch: the default.",
        ),
    ] = field(default=None, name="if")
    go: Annotated[Target | None, key("Go", "The step to go to.")] = None
    call: Annotated[Target | None, key("Call", "Run this flow of the pack as a sub-flow, then come back.")] = None
    then: Annotated[Target | None, key("Then", "With `call`: the step to continue at when the sub-flow ends.")] = None
    save: Annotated[Stored | None, key("Save", "With `call`: store the sub-flow's outcome under this name.")] = None
    end: Outcome | None = None
    reason: ReasonKey | None = None
    close: Close | None = None
    description: Description | None = None


class Attempts(Keys, frozen=True, kw_only=True):
    """A cap on invalid answers, and where the call goes past it."""

    limit: Annotated[int, Meta(ge=1, le=20), key("Max", "How many invalid answers the agent may give.")] = field(
        name="max"
    )
    then: Annotated[Case, key("Then", "What happens past the cap: a branch (`go`, `call` + `then`, or `end`).")]


class Warning(Keys, frozen=True, kw_only=True):
    """A warning shown to the agent on a step."""

    condition: Annotated[Condition | None, key("If", "Show the warning only when this is true.")] = field(
        default=None, name="if"
    )
    text: Annotated[Text, key("Text", "The warning the agent sees.")]


class Step(Placed, frozen=True, kw_only=True):
    """What every step kind has. A step's kind is its class: `say` alone makes a *say* step,
    `ask`, `do`, `call` or `end` (with `say` read first) their kind, only `next` a branch."""

    kind: ClassVar[StepKind]
    id: str  # its name in the flow's `steps`
    title: Annotated[
        Text | None,
        key(
            "Title",
            "A short heading of the step for the agent, shown above its text and in diagrams; never read aloud.",
        ),
    ] = None
    hint: Annotated[Text | None, key("Hint", "A note for the agent only, shown under the text (never read aloud).")] = (
        None
    )
    note: Annotated[Text | None, key("Note", "A note for the agent, shown under the text; never read aloud.")] = None
    sets: Annotated[
        Mapping[str, Condition], key("Set", "Values computed when the step starts: `name: expression`.", written=SETS)
    ] = field(default_factory=_empty, name="set")
    warnings: Annotated[
        tuple[Warning, ...],
        key("Warnings", "Warnings shown to the agent on this step, each with an optional condition."),
    ] = field(default=(), name="warn")
    back: Annotated[
        bool | None, key("Back", "Whether the agent may go back from this step (default: yes, unless an effect ran).")
    ] = None

    @property
    def stores(self) -> tuple[str, ...]:
        """The names this step saves (`caller.phone` as written): `set`, `save`, a branch's `save`."""
        # read for every step at each load (`Contexts`): no generator, nothing made for an empty `set`
        names = [case.save for case in self.next if case.save]
        if self.sets:
            names[:0] = self.sets
        if isinstance(self, Saving) and self.save:
            names.append(self.save)
        return tuple(names)

    # Every step answers these two; the kinds that have the key declare it as a field.
    @property
    def next(self) -> tuple[Case, ...]:
        """Where the call goes after the step (an end goes nowhere)."""
        return ()

    @property
    def say(self) -> Text | None:
        """The line read to the caller (a branch reads none)."""
        return None


class Moving(Step, frozen=True, kw_only=True):
    """A step the call goes on from."""

    next: Annotated[
        tuple[Case, ...],
        key(
            "Next",
            "Where the call goes after this step: a step name, or a list of branches (`- if: condition` + `go: step`), the last one without `if`.",
            written=NEXT,
            misplaced="step `{step}` ends the flow; it cannot also have `next`",
        ),
    ] = ()


class BranchStep(Moving, frozen=True, kw_only=True):
    """Only `next`, with branches on conditions."""

    kind = "branch"


class Speaking(Moving, frozen=True, kw_only=True):
    """A step the call goes on from, with a line to read."""

    say: Say | None = None


class Saving(Speaking, frozen=True, kw_only=True):
    """A step whose answer, result or sub-flow outcome may be stored."""

    save: Save | None = None


class SayStep(Speaking, frozen=True, kw_only=True):
    """A line the agent reads, then `next`."""

    kind = "say"


class CallStep(Saving, frozen=True, kw_only=True):
    """Another flow of the pack, run as a sub-flow."""

    kind = "call"
    call: Annotated[Target, key("Call", "Run this flow of the pack as a sub-flow, then continue at `next`.")]


class AskStep(Saving, frozen=True, kw_only=True):
    """A question with a typed answer, stored under `save`."""

    kind = "ask"
    ask: Annotated[
        Text,
        key(
            "Ask",
            "A question for the caller; the answer type is given by `choice`, `yes_no`, `text`, `number`, `phone`, `email`, `date`, `time`, `datetime`, `multi` or `lookup`.",
            spoken=True,
        ),
    ]
    answer: Answer | None = None  # written as one of the keys of `AnswerKeys` beside `ask` (None: missing, reported)
    default: Annotated[
        Any,
        key(
            "Default",
            "The answer used when the agent gives none; text values are templates.",
            written={"type": ["string", "number", "boolean"]},
        ),
    ] = None
    optional: Annotated[bool, key("Optional", "The agent may leave the question unanswered.")] = False
    attempts: Annotated[
        Attempts | None, key("Attempts", "Cap on invalid answers and what happens past it, so no agent is stuck.")
    ] = None
    on_failure: OnFailure | None = None  # a search can fail


class DoStep(Saving, frozen=True, kw_only=True):
    """An effect the host performs (an SMS, a case, a transfer...)."""

    kind = "do"
    effect: Annotated[
        Stored,
        key(
            "Do", "An effect the host performs: `sms.send`, `case.create`, `case.dispatch` (a lifecycle transition) ..."
        ),
    ] = field(name="do")
    args: Annotated[
        Mapping[str, Any], key("With", "The effect's arguments; text values are templates.", misplaced=BELONGS_TO_DO)
    ] = field(default_factory=_empty, name="with")
    confirm: Annotated[
        Text | None,
        key(
            "Confirm",
            "Ask the agent to confirm before the effect runs; `no` goes back.",
            misplaced=BELONGS_TO_DO,
            spoken=True,
        ),
    ] = None
    on_failure: OnFailure | None = None


class EndStep(Step, frozen=True, kw_only=True):
    """The end of the flow, with its outcome."""

    kind = "end"
    say: Say | None = None
    end: Annotated[
        Target,
        key(
            "End",
            "End the flow with this outcome (in a sub-flow: return to the caller; `inherit`: the outcome the last sub-flow ended with).",
        ),
    ]
    reason: ReasonKey | None = None
    close: Close | None = None
    description: Description | None = None


def bounded(title: str, description: str, *, earliest: str, latest: str) -> Meta:
    """The key of a date, time or date-time answer: `true`, or the earliest and latest allowed."""
    bounds = {"min": p("Earliest", earliest, BOUND), "max": p("Latest", latest, BOUND)}
    return key(title, description, written=true_or(bounds))


class AnswerKeys(Keys, frozen=True, kw_only=True):
    """The keys that give an `ask` its answer type (one of them) and its lookup's settings.
    Written beside `ask` in the step, they become the step's `answer`: msgspec has no fields
    spread into their parent's map, so the schema writer puts them in the `ask` step there."""

    choice: Annotated[Any, key("Choice", "The answer is one of these options: `key: label`.", written=OPTIONS)] = None
    multi: Annotated[
        Any, key("Multi-select", "The answer is any number of these options (a list).", written=OPTIONS)
    ] = None
    yes_no: Annotated[
        Any, key("Yes / no", "The answer is yes or no; stored as true or false.", written={"const": True})
    ] = None
    text: Annotated[
        Any,
        key(
            "Text answer",
            "A free-text answer: `true`, or constraints.",
            written=true_or(
                {
                    "min_length": p(
                        "Minimum length", "At least this many characters.", {"type": "integer", "minimum": 0}
                    ),
                    "max_length": p(
                        "Maximum length", "At most this many characters.", {"type": "integer", "minimum": 1}
                    ),
                    "pattern": p("Pattern", "A regular expression the whole answer must match.", STRING),
                    "message": p("Message", "What the agent is told when the pattern does not match.", TEXT),
                }
            ),
        ),
    ] = None
    number: Annotated[
        Any,
        key(
            "Number answer",
            "A number: `true`, or a range.",
            written=true_or(
                {
                    "min": p("Minimum", "The smallest number allowed.", {"type": "number"}),
                    "max": p("Maximum", "The largest number allowed.", {"type": "number"}),
                    "integer": p("Whole number", "Only whole numbers.", FLAG),
                }
            ),
        ),
    ] = None
    phone: Annotated[
        Any,
        key(
            "Phone answer",
            "A phone number: `true` (the pack's phone rule), or a rule of its own.",
            written=true_or(
                {
                    "digits": p(
                        "Digits",
                        "The number must have exactly this many digits, e.g. 10.",
                        {"type": "integer", "minimum": 3, "maximum": 15},
                    ),
                    "region": p(
                        "Region",
                        "Two-letter country code: the number must be valid there (e.g. KE, RU, GB).",
                        {"type": "string", "pattern": "^[A-Z]{2}$"},
                    ),
                    "mobile": p("Mobile", "Only mobile numbers (e.g. for an SMS).", FLAG),
                }
            ),
        ),
    ] = None
    email: Annotated[Any, key("E-mail answer", "An e-mail address.", written={"const": True})] = None
    date: Annotated[
        Any,
        bounded(
            "Date answer",
            "A date (YYYY-MM-DD; `today`, `tomorrow` and `+3d` are understood): `true`, or bounds.",
            earliest="`today`, `today+1d`, `today-30d` or a date.",
            latest="`today`, `today+90d` or a date.",
        ),
    ] = None
    time: Annotated[
        Any,
        bounded(
            "Time answer", "A time of day (HH:MM): `true`, or bounds.", earliest="e.g. `08:00`.", latest="e.g. `21:00`."
        ),
    ] = None
    datetime: Annotated[
        Any,
        bounded(
            "Date and time answer",
            "A date and time (YYYY-MM-DD HH:MM; `now+2h` is understood): `true`, or bounds.",
            earliest="`now`, `now+2h` or a date-time.",
            latest="`now+30d` or a date-time.",
        ),
    ] = None
    lookup: Annotated[
        Target | None,
        key("Lookup", "The agent searches a source the host answers (e.g. `customers`) and picks one result."),
    ] = None
    by: Annotated[
        tuple[Target, ...],
        Meta(min_length=1),
        key("Search by", "With `lookup`: the fields the agent may search by.", written={"uniqueItems": True}),
    ] = ()
    show: Annotated[
        Text | None, key("Show", "With `lookup`: how each result is shown, e.g. `{{ item.name }} ({{ item.phone }})`.")
    ] = None


STEP_CLASSES: tuple[type[Step], ...] = (SayStep, AskStep, DoStep, CallStep, EndStep, BranchStep)
STEP_OF_KIND: Mapping[StepKind, type[Step]] = MappingProxyType({cls.kind: cls for cls in STEP_CLASSES})


@dataclass(frozen=True, slots=True)
class Key:
    """A key as written in a file, and the field of the model it fills."""

    name: str
    field: str
    type: Any  # the field's type without its `Meta` and without `None`
    extra: Mapping[str, Any]  # what the loader and the checker need to know of it (`misplaced`, `spoken`)


@cache
def keys_of(cls: type[Struct]) -> tuple[Key, ...]:
    return tuple(
        Key(info.encode_name, info.name, bare(info.type), MappingProxyType(_extra(info.type)))
        for info in fields(cls)
        if written(info.type)
    )


@cache
def step_keys() -> Mapping[str, Key]:
    """Every key a step may have, as written (the first declaration of a shared one)."""
    found: dict[str, Key] = {}
    for cls in (*STEP_CLASSES, AnswerKeys):
        for declared in keys_of(cls):
            found.setdefault(declared.name, declared)
    return MappingProxyType(found)


def bare(declared: Any) -> Any:
    while True:
        if get_origin(declared) is Annotated:
            declared = get_args(declared)[0]
        elif get_origin(declared) in (Union, UnionType) and NoneType in get_args(declared):
            (declared,) = (part for part in get_args(declared) if part is not NoneType)
        else:
            return declared


def written(declared: Any) -> bool:
    """Whether a field is a key of the file: a key has hover help; a field without is the
    loader's (where a map stands, its name, what the loader assembles)."""
    return any(meta.title for meta in _metas(declared))


def _extra(declared: Any) -> dict[str, Any]:
    return {name: value for meta in _metas(declared) if meta.extra for name, value in meta.extra.items()}


def _metas(declared: Any) -> Iterator[Meta]:
    """The `Meta` of a field's type, not of the items it holds."""
    if get_origin(declared) is Annotated:
        yield from (meta for meta in declared.__metadata__ if isinstance(meta, Meta))
        yield from _metas(get_args(declared)[0])
    elif get_origin(declared) in (Union, UnionType):
        for part in get_args(declared):
            yield from _metas(part)


class Access(Keys, frozen=True, kw_only=True):
    """Who may start this flow."""

    condition: Annotated[
        Condition,
        key("If", "The flow may start only when this is true, e.g. `'manual_outgoing' in agent.permissions`."),
    ] = field(name="if")
    message: Annotated[Text, key("Message", "What the agent is told otherwise.")]


class Flow(Keys, frozen=True, kw_only=True, eq=False, weakref=True):
    """One call reason or procedure: a start step and a map of steps."""

    # compared by identity, so that the flow's step graph can be kept beside it (graph.graph_of)
    name: Annotated[Target, key("Flow", "The flow's name, used by `call:`, worklists and the command line.")] = field(
        name="flow"
    )
    pos: Pos
    digest: str = ""  # of the file's bytes
    title: Annotated[str, key("Title", "What the flow is for, in a few words.")] = ""
    description: Annotated[str, key("Description", "A longer note for analysts.")] = ""
    start: Annotated[Target, key("Start", "The step the flow starts at.")]
    inputs: Annotated[
        tuple[Target, ...],
        key("Input", "Names the host passes when a call starts (e.g. `customer`, `task`), besides `agent`.", UNIQUE),
    ] = field(default=(), name="input")
    access: Annotated[Access | None, key("Access", "Who may start this flow.")] = None
    rules: Annotated[
        tuple[Target, ...] | None,
        key(
            "Rules",
            "The pack's rules that apply while the call is in this flow (default: all of them); `[]` for a procedure no caller hears, such as a checklist.",
            UNIQUE,
        ),
    ] = None
    migrate: Annotated[
        Mapping[str, Target],
        key(
            "Migrate",
            "How calls in progress on an older version of this flow continue: old step name -> new step name.",
            NAMES,
        ),
    ] = field(default_factory=_empty)
    steps: Annotated[Mapping[str, Step], key("Steps", "The steps, by name.", STEPS)]


class Action(Placed, frozen=True, kw_only=True):
    """One thing a rule does when its limit is passed: `say`, `do`, `transfer`, `switch` or `end`."""

    say: Annotated[Text | None, key("Say", "A line the agent reads to the caller.")] = None
    effect: Annotated[Stored | None, key("Do", "An effect the host performs, e.g. `sms.send`.")] = field(
        default=None, name="do"
    )
    args: Annotated[Mapping[str, Any], key("With", "The effect's arguments; text values are templates.")] = field(
        default_factory=_empty, name="with"
    )
    transfer: Annotated[
        Text | None, key("Transfer", "Transfer the call to this line or number; the call then ends as `transferred`.")
    ] = None
    flow: Annotated[Target | None, key("Switch", "Continue the call in this flow of the pack, from its start.")] = (
        field(default=None, name="switch")
    )
    outcome: Annotated[Target | None, key("End", "End the call with this outcome.")] = field(default=None, name="end")
    close: Close | None = None
    description: Description | None = None
    reason: ReasonKey | None = None

    @property
    def kinds(self) -> tuple[ActionKind, ...]:
        """What the action does, as written (exactly one, or the loader reports it)."""
        done = (self.say, self.effect, self.transfer, self.flow, self.outcome)
        return tuple(kind for kind, value in zip(ACTION_KINDS, done, strict=True) if value is not None)

    @property
    def kind(self) -> ActionKind:
        return (*self.kinds, "say")[0]

    @property
    def text(self) -> Text | None:
        return self.say or self.transfer


class Rule(Keys, frozen=True, kw_only=True):
    """An event that may happen in any step: its warnings and what happens past its limit."""

    name: str  # its name in `rules`
    pos: Pos
    label: Annotated[Text, key("Label", "What the agent sees on the rule's button.")]
    warnings: Annotated[
        int, Meta(ge=0, le=20), key("Warnings", "How many times the caller is warned; the next event passes the limit.")
    ] = 0
    phrases: Annotated[
        tuple[Text, ...],
        key("Warning", "The phrase read at each warning: one text, or a list (one per warning).", written=ONE_OR_LIST),
    ] = field(default=(), name="warning")
    within: Annotated[Duration | None, key("Within", "Only events within this time count (e.g. `15s`).")] = None
    then: Annotated[
        tuple[Action, ...],
        key("Then", "What happens when the limit is passed: one action or a list.", written=ONE_OR_LIST),
    ]


class Rules(Keys, frozen=True, kw_only=True):
    """Events valid in every step of the pack: warnings, limits and what happens then."""

    rules: Annotated[
        Mapping[str, Rule],
        key("Rules", "Events that may happen in any step of any flow of the pack.", written=NAMES_ONE_OR_MORE),
    ]


class Phrases(Keys, frozen=True, kw_only=True):
    """Standard phrases shared by all flows of a pack."""

    phrases: Annotated[
        Mapping[str, Text],
        key("Phrases", "Standard phrases, used in any text as `{{ phrases.name }}`.", written=NAMES_ONE_OR_MORE),
    ]


class Reason(Placed, frozen=True, kw_only=True):
    """An end-of-call reason the agent picks at wrap-up."""

    key: str  # its name in `reasons`
    label: Annotated[Text, key("Label", "What the agent sees in the list.")]
    close: Annotated[bool, key("Close", "Whether choosing this reason sets 'close the request'.")]
    locked: Annotated[bool, key("Locked", "The agent may not change the close flag.")] = False
    queue: Annotated[Target | None, key("Queue", "The queue an open request goes to.")] = None
    description: Annotated[Needed | None, key("Description", "Whether this reason needs a description.")] = None


class Catalog(Keys, frozen=True, kw_only=True):
    """An end-of-call catalog: reasons, close flags, queues."""

    name: Annotated[Target, key("Catalog", "The catalog's name (the pack's `call_end` names one).")] = field(
        name="catalog"
    )
    pos: Pos
    title: Annotated[str, key("Title", "What the agent sees as the window's title.")] = ""
    description: Annotated[
        Needed, key("Description", "Whether the agent must describe the call: `required` or `optional`.")
    ] = "optional"
    reasons: Annotated[Mapping[str, Reason], key("Reasons", "The end-of-call reasons.", written=NAMES_ONE_OR_MORE)]
    queues: Annotated[Mapping[str, Text], key("Queues", "Where open requests can go: `key: label`.", written=NAMES)] = (
        field(default_factory=_empty)
    )


class LifecycleTransition(Keys, frozen=True, kw_only=True):
    """A move of the entity between states, with its button."""

    name: str  # its name in `transitions`
    pos: Pos
    label: Annotated[Text | None, key("Label", "The button's label.")] = None
    sources: Annotated[
        tuple[str, ...], key("From", "The state(s) it may start from, or `any`.", written=ONE_OR_LIST)
    ] = field(name="from")
    target: Annotated[str, key("To", "The state it leads to.")] = field(name="to")
    guard: Annotated[Condition | None, key("If", "A guard: the transition is refused unless this is true.")] = field(
        default=None, name="if"
    )
    message: Annotated[Text | None, key("Message", "What the agent is told when the guard refuses.")] = None
    comment: Annotated[Needed | None, key("Comment", "Whether a comment is `required`.")] = None
    warning: Annotated[Text | None, key("Warning", "Shown before the transition runs; the agent confirms.")] = None

    @property
    def comment_required(self) -> bool:
        return self.comment == "required"


class Lifecycle(Keys, frozen=True, kw_only=True):
    """The state machine of an entity that outlives a call (a case)."""

    name: Annotated[
        Target, key("Lifecycle", "The entity's name, e.g. `case`; flows fire transitions as `do: case.dispatch`.")
    ] = field(name="lifecycle")
    pos: Pos
    title: Annotated[str, key("Title", "What the entity is.")] = ""
    initial: Annotated[str, key("Initial state", "The state a new entity starts in.")]
    states: Annotated[Mapping[str, Text], key("States", "Every state, with its label.", written=STATE_NAMES)]
    transitions: Annotated[
        Mapping[str, LifecycleTransition],
        key("Transitions", "How the entity moves between states.", written=NAMES_ONE_OR_MORE),
    ]


WorklistAction = Literal["done", "postpone", "next_method", "remove", "keep"]
Method = Literal["telephone", "mobile", "sms", "email", "letter"]


class Postpone(Keys, frozen=True, kw_only=True):
    """How a task may be postponed."""

    choices: Annotated[
        tuple[Duration, ...], Meta(min_length=1), key("Choices", "The delays the agent picks from, e.g. `[4h, 8h]`.")
    ]
    comment: Annotated[Needed | None, key("Comment", "Whether a comment is `required`.")] = None


class Worklist(Keys, frozen=True, kw_only=True):
    """A queue of outbound call tasks and their contact-method chain."""

    name: Annotated[Target, key("Worklist", "The worklist's name.")] = field(name="worklist")
    pos: Pos
    title: Annotated[str, key("Title", "What the agent sees.")] = ""
    flow: Annotated[Target, key("Flow", "The flow that runs each task.")]
    methods: Annotated[
        tuple[Annotated[Method, in_order(Method)], ...],
        Meta(min_length=1),
        key(
            "Contact methods", "The chain of contact methods, in order, e.g. `[telephone, sms, email]`.", written=UNIQUE
        ),
    ]
    waiting: Annotated[
        Target,
        key(
            "Waiting status",
            "The status a task waits in to be worked (a new task, one moved to its next method, cleared fields), in the host's words; `waiting` unless set, e.g. `awaiting_call`.",
        ),
    ] = "waiting"
    max_attempts: Annotated[
        Annotated[int, Meta(ge=1)] | None,
        key("Maximum attempts", "After this many attempts on the last method the task is removed."),
    ] = None
    postpone: Annotated[Postpone | None, key("Postpone", "How a task may be postponed.")] = None
    outcomes: Annotated[
        Mapping[str, Annotated[WorklistAction, in_order(WorklistAction)]],
        key("Outcomes", "What each outcome of the task's flow does to the task.", written=NAMES),
    ] = field(default_factory=_empty)

    @property
    def postpone_choices(self) -> tuple[float, ...]:
        return self.postpone.choices if self.postpone else ()

    @property
    def postpone_comment_required(self) -> bool:
        return self.postpone is not None and self.postpone.comment == "required"


class Forbidden(Keys, frozen=True, kw_only=True):
    """A phrase no script text may contain."""

    pos: Pos  # of its pattern
    pattern: Annotated[str, key("Pattern", "A regular expression, case-insensitive.")]
    message: Annotated[str, key("Message", "Why it is forbidden.")]


Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
WEEKDAYS: tuple[Weekday, ...] = get_args(Weekday)


class Calendar(Keys, frozen=True, kw_only=True):
    """Working days, hours and holidays, for `business_days` and opening-hours checks."""

    days: Annotated[
        tuple[Annotated[Weekday, in_order(Weekday)], ...],
        key("Working days", "e.g. `[mon, tue, wed, thu, fri]`.", UNIQUE),
    ] = field(default=WEEKDAYS[:5], name="workdays")
    hours: Annotated[str, Meta(pattern=r"^\d\d:\d\d-\d\d:\d\d$"), key("Opening hours", "e.g. `08:00-20:00`.")] = (
        "00:00-24:00"
    )
    holidays: Annotated[
        tuple[Annotated[str, Meta(pattern=r"^\d{4}-\d\d-\d\d$")], ...],
        key("Holidays", "Dates the centre is closed (YYYY-MM-DD)."),
    ] = ()

    @property
    def workdays(self) -> tuple[int, ...]:
        return tuple(WEEKDAYS.index(day) for day in self.days)

    @property
    def opens(self) -> str:
        return self.hours.partition("-")[0]

    @property
    def closes(self) -> str:
        return self.hours.partition("-")[2]


class Phone(Keys, frozen=True, kw_only=True):
    """How phone answers are checked unless a question says otherwise."""

    digits: Annotated[Digits | None, key("Digits", "Exactly this many digits, e.g. 10.")] = None
    region: Annotated[Region | None, key("Region", "Two-letter country code, e.g. `KE`.")] = None


class Effect(Keys, frozen=True, kw_only=True):
    """An effect the host provides."""

    description: Annotated[str, key("Description", "What the effect does.")] = ""
    args: Annotated[tuple[Target, ...], key("Arguments", "The arguments it requires.")] = ()


class Missed(Keys, frozen=True, kw_only=True):
    """The effect asked for when a run of a schedule is missed."""

    effect: Annotated[str, key("Do", "The effect, e.g. `supervisor.notify`.")] = field(name="do")
    args: Annotated[Mapping[str, Any], key("With", "Its arguments (texts may read `env`, `schedule` and `due`).")] = (
        field(default_factory=_empty, name="with")
    )


Hours = Literal["open", "always"]


class Schedule(Keys, frozen=True, kw_only=True):
    """Timed work the engine's clock starts: `flow` every `every` seconds from midnight (in
    the pack's time zone), during opening hours unless `during` is `always`."""

    name: str  # its name in `schedules`
    pos: Pos
    title: Annotated[str, key("Title", "What the agent sees when it falls due.")] = ""
    flow: Annotated[Target, key("Flow", "The flow started when the schedule falls due.")]
    every: Annotated[Duration, key("Every", "How often, counted from midnight: `30m` falls due at :00 and :30.")]
    during: Annotated[
        Annotated[Hours, in_order(Hours)],
        key(
            "During",
            "`open`: only within the pack's calendar (working days and hours, the shift); `always`: day and night.",
        ),
    ] = "open"
    late: Annotated[
        Duration | None,
        key(
            "Late",
            "How long a run may wait to be started before it is missed (default: until the next run falls due).",
        ),
    ] = None
    missed: Annotated[
        Missed | None,
        key("Missed", "The effect asked for when a run is missed (`do` and `with`), e.g. notify the supervisor."),
    ] = None

    @property
    def missed_effect(self) -> str | None:
        return self.missed.effect if self.missed else None

    @property
    def missed_args(self) -> Mapping[str, Any]:
        return self.missed.args if self.missed else EMPTY


Limit = Annotated[Annotated[int, Meta(ge=1)] | None, Meta(description="A limit on every YAML file of the pack.")]


class YamlLimits(Keys, frozen=True, kw_only=True):
    """Limits on the pack's YAML files (within hard maxima)."""

    max_bytes: Annotated[Limit, Meta(title="Max bytes")] = None
    max_line_length: Annotated[Limit, Meta(title="Max line length")] = None
    max_depth: Annotated[Limit, Meta(title="Max depth")] = None
    max_aliases: Annotated[Limit, Meta(title="Max aliases")] = None
    max_merges: Annotated[Limit, Meta(title="Max merges")] = None
    max_nodes: Annotated[Limit, Meta(title="Max nodes")] = None
    max_scalar_length: Annotated[Limit, Meta(title="Max scalar length")] = None
    max_key_length: Annotated[Limit, Meta(title="Max key length")] = None


class Pack(Keys, frozen=True, kw_only=True):
    """pack.yaml: a call centre's name, language, time zone, rules and catalogs."""

    name: Annotated[Target, key("Pack", "The pack's name.")] = field(name="pack")
    pos: Pos
    title: Annotated[str, key("Title", "The call centre or procedure this pack scripts.")] = ""
    language: Annotated[Language, key("Language", "The language of the pack's texts, e.g. `en`, `ru`.")]
    languages: Annotated[
        tuple[Language, ...],
        key("Languages", "Other languages texts may be translated into.", UNIQUE),
    ] = ()
    timezone: Annotated[str, key("Time zone", "The centre's IANA time zone, e.g. `Africa/Nairobi`.")] = "UTC"
    calendar: Annotated[
        Calendar,
        key("Business calendar", "Working days, hours and holidays, for `business_days` and opening-hours checks."),
    ] = field(default_factory=Calendar)
    phone: Annotated[Phone, key("Phone rule", "How phone answers are checked unless a question says otherwise.")] = (
        field(default_factory=Phone)
    )
    call_end: Annotated[Target, key("Call end", "The end-of-call catalog every call of the pack is wrapped up with.")]
    outcomes: Annotated[
        Mapping[str, Text], key("Outcomes", "Extra flow outcomes beyond the built-in ones, with their labels.", NAMES)
    ] = field(default_factory=_empty)
    effects: Annotated[
        Mapping[str, Effect], key("Effects", "Effects the host provides beyond the built-in ones.", DOTTED_NAMES)
    ] = field(default_factory=_empty)
    lookups: Annotated[
        Mapping[str, Text], key("Lookups", "Sources an `ask ... lookup:` may search, with what they hold.", NAMES)
    ] = field(default_factory=_empty)
    forbidden: Annotated[
        tuple[Forbidden, ...],
        key("Forbidden phrases", "Phrases no script text may contain (the checker reports them)."),
    ] = ()
    schedules: Annotated[
        Mapping[str, Schedule],
        key(
            "Schedules",
            "Timed work the engine's clock starts (e.g. the queue report every 30 minutes during the shift), by name.",
            NAMES,
        ),
    ] = field(default_factory=_empty)
    environments: Annotated[
        Mapping[str, Mapping[str, Setting]],
        key(
            "Environments",
            "Values that differ between test and production (queue names, numbers, accounts); flows use them as `env.group.key`. The first is the default.",
            ENVIRONMENTS,
        ),
    ] = field(default_factory=_empty)
    limits: Annotated[YamlLimits | None, key("Limits", "Limits on the pack's YAML files (within hard maxima).")] = None
    # assembled from the pack's other files by the loader
    root: str = ""
    flows: Mapping[str, Flow] = field(default_factory=_empty)
    rules: Mapping[str, Rule] = field(default_factory=_empty)
    catalogs: Mapping[str, Catalog] = field(default_factory=_empty)
    lifecycles: Mapping[str, Lifecycle] = field(default_factory=_empty)
    worklists: Mapping[str, Worklist] = field(default_factory=_empty)
    phrases: Mapping[str, Text] = field(default_factory=_empty)

    @property
    def phone_digits(self) -> int | None:
        return self.phone.digits

    @property
    def phone_region(self) -> str | None:
        return self.phone.region

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


class Move(Keys, frozen=True, kw_only=True):
    """One move of the agent or the host: `answer`, `event`, `wait`, `back`, `hangup`, `resolve` or `fail`, with what to `expect` after it."""

    answer: Annotated[
        Any,
        key(
            "Answer",
            "What the agent types or picks at the current step (`null` continues a line that was read).",
            {"type": ["string", "number", "boolean", "array", "null"]},
        ),
    ] = None
    event: Annotated[Target | None, key("Event", "A rule event, e.g. `insult`.")] = None
    wait: Annotated[Duration | None, key("Wait", "Let time pass, e.g. `5s`.")] = None
    back: Annotated[Any, key("Back", "The agent goes back one step.", {"const": True})] = None
    hangup: Annotated[
        bool | str | None, key("Hang up", "The line drops (`true`) or the call ends now with this outcome.")
    ] = None
    resolve: Annotated[Any, key("Resolve", "The host's result for the effect the call waits for.")] = None
    fail: Annotated[
        str | None, key("Fail", "The host could not perform the effect the call waits for: the error message.")
    ] = None
    expect: Annotated[
        Mapping[str, Any],
        key(
            "Expect",
            "What must hold after this move (or now, alone): `step`, `kind`, `title`, `say`, `text`, `hint`, `note`, `notice`, `warnings`, `error`, `options`, `contains`, `pending`; `due` and `missed`: the schedule runs that fell due or were missed during it (`queue_report 10:30`).",
        ),
    ] = field(default_factory=_empty)


class Scenario(Keys, frozen=True, kw_only=True):
    """A scripted call and what must come of it."""

    scenario: Annotated[str, key("Scenario", "What the scenario shows, in a sentence.")]
    flow: Annotated[Target, key("Flow", "The flow the call starts in.")]
    schedule: Annotated[
        Target | None,
        key(
            "Schedule", "The call starts by itself: the clock runs on to this schedule's next run, which starts `flow`."
        ),
    ] = None
    given: Annotated[Mapping[str, Any], key("Given", "The call's input: `agent`, `customer`, `case`, `task` ...")] = (
        field(default_factory=_empty)
    )
    environment: Annotated[str | None, key("Environment", "Which environment of the pack.")] = None
    language: Annotated[str | None, key("Language", "The language the session speaks.")] = None
    clock: Annotated[str | None, key("Clock", "The time the call starts, e.g. `2026-11-23 09:00`.")] = None
    effects: Annotated[
        Mapping[str, Any],
        key(
            "Effect results",
            "Canned results by effect name: a value, `{fail: message}`, `pending` (the play resolves it), or a list for successive calls. Others are answered from the pack's sample data.",
        ),
    ] = field(default_factory=_empty)
    down: Annotated[
        tuple[str, ...],
        key("Providers down", "SMS providers that do not answer in this scenario, e.g. `[africas_talking]`."),
    ] = ()
    play: Annotated[tuple[Move, ...], key("Play", "The moves, in order.")] = ()
    wrapup: Annotated[
        Mapping[str, Any], key("Wrap-up", "The agent's end-of-call form: `reason`, `close`, `queue`, `description`.")
    ] = field(default_factory=_empty)
    expect: Annotated[
        Mapping[str, Any],
        key(
            "Expect",
            "What must hold at the end: `path`, `outcome`, `ended`, `step`, `effects`, `record`, `answers`; `refused`: the message the call is refused with at its start (e.g. by `access`); `wrapup_refused`: the message the `wrapup:` form is refused with.",
        ),
    ] = field(default_factory=_empty)


# Every file kind, by the key a file of it starts with, and the class that declares its keys.
FILE_KINDS: Mapping[str, type[Struct]] = MappingProxyType(
    {
        "pack": Pack,
        "flow": Flow,
        "rules": Rules,
        "catalog": Catalog,
        "lifecycle": Lifecycle,
        "worklist": Worklist,
        "phrases": Phrases,
        "scenario": Scenario,
    }
)
