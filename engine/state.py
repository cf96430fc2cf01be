"""The state of one call: small, plain and JSON-able, so a snapshot is just this data.

A turn (an answer, an event, an effect result) changes the state in place after taking a
checkpoint of it, and restores the checkpoint when it fails: a refused answer leaves the
session exactly as it was, and a move costs what it changes, not what the call holds.
Containers that a move rarely changes (the pending effects, the counters, the wrap-up form,
the unsettled effects) and the stack's frames are replaced by a move, never changed in
place: the checkpoint keeps them as they are, without a copy.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, fields
from operator import itemgetter
from typing import Annotated, Any, Literal, get_args

from callguide.owned import owned

Phase = Literal["step", "pick", "confirm", "wait", "failed", "wrapup", "ended"]
WrapupStep = Literal["reason", "close", "queue", "description"]
WRAPUP_STEPS: tuple[WrapupStep, ...] = ("reason", "close", "queue", "description")
MAX_CALL_DEPTH = 16
MAX_RESULTS = 50


@dataclass(frozen=True, slots=True)
class Valid:
    """What a valid value of a field is: in words (a refused snapshot's message) and as JSON
    Schema beyond what the field's type says; the snapshot schema is derived from both."""

    expected: str
    schema: dict[str, Any] = field(default_factory=dict)


INSTANT = {"type": "string", "format": "instant", "maxLength": 40}
AN_INSTANT = "a date and time with its time zone, such as 2026-01-05T09:00:00+00:00"
EFFECT = {"type": "object", "required": ["id", "key", "name", "args", "step"]}
A_MAP = Valid("a map")
A_COUNT = Valid("a whole number, 0 or more")
A_REASON = Valid("one of the end-of-call reasons, or null")
AN_OUTCOME = Valid("one of the pack's outcomes, or null")
A_TEXT = Valid("a text or null")


@dataclass(slots=True)
class State:
    """Everything a call is; the record, `ended` and the wrap-up form are worked out from it."""

    call_id: Annotated[str, Valid("a text of 1 to 200 characters", {"minLength": 1, "maxLength": 200})]
    started: Annotated[str, Valid(AN_INSTANT, INSTANT)]
    language: Annotated[str, Valid("one of the pack's languages")]
    environment: Annotated[str, Valid("one of the pack's environments")]
    inputs: Annotated[dict[str, Any], A_MAP]
    vars: Annotated[dict[str, Any], A_MAP]
    # [flow, step] frames; the last is where the call stands
    stack: Annotated[
        list[list[str]],
        Valid(
            f"a list of 1 to {MAX_CALL_DEPTH} [flow, step] pairs",
            {"minItems": 1, "maxItems": MAX_CALL_DEPTH, "items": {"minItems": 2, "maxItems": 2}},
        ),
    ]
    phase: Annotated[Phase, Valid("one of " + ", ".join(get_args(Phase)))] = "step"
    attempts: Annotated[int, A_COUNT] = 0
    results: Annotated[
        list[dict[str, Any]], Valid(f"a list of at most {MAX_RESULTS} maps", {"maxItems": MAX_RESULTS})
    ] = field(default_factory=list)
    pending: Annotated[list[dict[str, Any]], Valid("a list of effect requests", {"items": EFFECT})] = field(
        default_factory=list
    )
    counters: Annotated[
        dict[str, list[float]],
        Valid(
            "a map from a rule to a list of times in seconds",
            {"additionalProperties": {"items": {"minimum": -1e12, "maximum": 1e12}}},
        ),
    ] = field(default_factory=dict)
    notice: Annotated[dict[str, Any] | None, Valid("a map or null")] = None
    error: Annotated[str | None, A_TEXT] = None
    path: Annotated[list[str], Valid("a list of the steps the call went through, as `flow:step`")] = field(
        default_factory=list
    )
    events: Annotated[list[dict[str, Any]], Valid("a list of maps")] = field(default_factory=list)
    effects: Annotated[list[dict[str, Any]], Valid("a list of maps")] = field(default_factory=list)
    trail: Annotated[list[str], Valid("a list of step names")] = field(default_factory=list)
    outcome: Annotated[str | None, AN_OUTCOME] = None
    end_reason: Annotated[str | None, A_REASON] = None
    last_outcome: Annotated[str | None, AN_OUTCOME] = None  # how the last sub-flow ended, for `end: inherit`
    close_hint: Annotated[bool | None, Valid("true, false or null")] = None
    description_hint: Annotated[str | None, A_TEXT] = None
    hint_reason: Annotated[str | None, A_REASON] = None  # the reason the hints go with (None: any reason)
    wrapup: Annotated[
        dict[str, Any],
        Valid(
            "a map of the wrap-up's reason, close, queue, description",
            {"propertyNames": {"enum": list(WRAPUP_STEPS)}, "properties": {"close": {"type": ["boolean", "null"]}}},
        ),
    ] = field(default_factory=dict)
    wrapup_step: Annotated[WrapupStep | None, Valid(f"one of {', '.join(WRAPUP_STEPS)}, or null")] = None
    next_effect: Annotated[int, Valid("a whole number, 1 or more", {"minimum": 1})] = 1
    # the moves made, and failed ones that asked for effects: part of an effect's key
    move: Annotated[int, A_COUNT] = 0
    # effects the host performed in a move that failed afterwards: reused, never asked again
    unsettled: Annotated[
        list[dict[str, Any]],
        Valid(
            "a list of performed effects", {"items": {**EFFECT, "required": [*EFFECT["required"], "flow", "result"]}}
        ),
    ] = field(default_factory=list)
    ended_at: Annotated[str | None, Valid(f"{AN_INSTANT}, or null", INSTANT)] = None

    def checkpoint(self) -> Checkpoint:
        """What `restore` needs to undo a move made in place: every field a move may replace
        as it is (the containers a move replaces, never changes, with them), a copy of the
        stack (a move pushes and pops frames; it replaces a frame, never changes one), and how
        long the lists that only grow in place are (the logs and the trail). The fields of
        `NEVER_REPLACED` are left out: a move never replaces them. Its cost does not grow with the
        call: a move is paid for by what it changes, not by how long the call has been.
        One flat tuple: made at every move, and kept while the move's screen is not shown, so
        every object it is made of is one more for the garbage collector to walk (a dataclass
        of these costs 0.2 µs more to make)."""
        return _CHECKPOINT(self)

    def restore(self, saved: Checkpoint, answers: dict[str, Any] | None = None) -> None:
        """Put the state back as it was at `saved` (a move failed); `answers` are what each
        answer the move saved was before it (`note_answer`), the answers being changed in place."""
        stack, path, events, effects, trail = saved[_COUNT:]
        _PUT_BACK(self, saved[:_COUNT])
        self.stack = stack
        del self.path[path:], self.events[events:], self.effects[effects:], self.trail[trail:]
        for head, value in (answers or {}).items():
            if value is _ABSENT:
                self.vars.pop(head, None)
            else:
                self.vars[head] = value

    def as_json(self, *, copy: bool = True) -> dict[str, Any]:
        """The fields as plain data, copied through, so the caller may change any of it: the
        call shares its answers' and inputs' maps between moves (it never changes them in
        place), not with a host (`copy=False` shares them, for a caller that only writes them
        out at once)."""
        data = dict(zip(_FIELDS, _VALUES(self), strict=True))
        return owned(data) if copy else data

    @classmethod
    def from_json(cls, data: dict[str, Any], *, copy: bool = True) -> State:
        """A state from plain data (checked by the caller); copies of its containers become
        the state's own, through (a move changes them in place, and a host that changes its
        data later must not change the call). `copy=False` takes them as they are: data read
        from a text, that nobody else holds."""
        if copy:
            data = owned(data)
        try:
            state = cls(*_ITEMS(data))  # by position: half the time of naming 29 fields
        except KeyError:  # a field added since the snapshot was taken: its default
            state = cls(**{name: data[name] for name in _FIELDS if name in data})
        return state

    def clear_trail(self) -> None:
        """Forget the way back (a flow entered or left, an effect done): a new list, as the
        move's checkpoint holds the old one to cut back to its length, unless it is empty
        already (one list fewer for a move to keep while its screen is not shown)."""
        if self.trail:
            self.trail = []

    @property
    def first_flow(self) -> str:
        """The flow the call began in (a rule's `switch` replaces the stack, not the path)."""
        return self.path[0].split(":", 1)[0] if self.path else self.stack[0][0]

    @property
    def flow(self) -> str:
        return self.stack[-1][0]

    @property
    def step(self) -> str:
        return self.stack[-1][1]


_FIELDS = tuple(f.name for f in fields(State))
_ITEMS = itemgetter(*_FIELDS)  # every field's value in a map, in the order of _FIELDS


def _written(name: str, source: str) -> Callable[..., Any]:
    """The function `name` of `source`, over many fields (`state.call_id, state.started,
    ...`) written once as Python source, as `dataclasses` writes `__init__`: a loop of
    `setattr` over the fields costs ten times as much, `attrgetter` twice as much."""
    namespace: dict[str, Any] = {}
    exec(compile(source, "<state>", "exec"), namespace)
    function: Callable[..., Any] = namespace[name]
    return function


# every field's value, in the order of _FIELDS (`as_json`)
_VALUES: Callable[[State], tuple[Any, ...]] = _written(
    "values", f"def values(state):\n    return ({', '.join(f'state.{name}' for name in _FIELDS)},)\n"
)
# the fields a move never replaces: the call's own (its id, start, language, environment and
# inputs) and those it changes in place, put back by `restore` from the move's notes (the
# answers) and lengths (the logs). A checkpoint leaves them out: each field it takes is an
# object it reaches, and a move is made on a session whose objects have left the CPU's
# caches while the agent talked (9 fewer: 0.4 µs a move, measured over the bundled calls)
NEVER_REPLACED = frozenset(
    ("call_id", "started", "language", "environment", "inputs", "vars", "path", "events", "effects")
)
_REPLACED = ", ".join(f"state.{name}" for name in _FIELDS if name not in NEVER_REPLACED)
# the fields a move may replace, set back in one assignment: a failed move puts them back
_PUT_BACK: Callable[[State, tuple[Any, ...]], None] = _written(
    "put_back", f"def put_back(state, values):\n    {_REPLACED}, = values\n"
)
_COUNT = len(_FIELDS) - len(NEVER_REPLACED)
# a state as it was before a move (`State.checkpoint`): the value of every field a move may
# replace, then a copy of the stack, and the lengths of the path, the events, the effects
# and the trail
Checkpoint = tuple[Any, ...]
_CHECKPOINT: Callable[[State], Checkpoint] = _written(
    "checkpoint",
    f"def checkpoint(state):\n    return ({_REPLACED}, state.stack[:], len(state.path), len(state.events),"
    " len(state.effects), len(state.trail))\n",
)
_ABSENT = object()  # a name the answers did not hold before the move


def note_answer(kept: dict[str, Any], answers: dict[str, Any], head: str) -> None:
    """`head` of `answers` is about to change: note in `kept` what it was, the first time
    (`State.restore` puts it back)."""
    if head not in kept:
        kept[head] = answers.get(head, _ABSENT)


def set_path(values: dict[str, Any], dotted: str, value: Any) -> None:
    """`caller.phone` -> values["caller"]["phone"], building new maps on the way."""
    head, _, rest = dotted.partition(".")
    if not rest:
        values[head] = value
        return
    current = values.get(head)
    inner = dict(current) if isinstance(current, dict) else {}
    set_path(inner, rest, value)
    values[head] = inner
