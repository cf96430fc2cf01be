"""The state of one call: small, plain and JSON-able, so a snapshot is just this data.

A turn (an answer, an event, an effect result) works on a copy and replaces the state
only when it succeeds: a refused answer leaves the session exactly as it was.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Annotated, Any, Literal, get_args

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

    def copy(self) -> State:
        """A copy a turn may change: containers are copied one level deep, values are never
        changed in place (a nested save builds new maps). The answers (`vars`) are shared
        until the turn stores one (it copies them then); the call's logs (`path`, `events`,
        `effects`) only ever grow: they are shared, and a failed move cuts them back
        (`rewind`), so that most moves do not cost more the longer the call."""
        clone = State.__new__(State)
        # written out field by field: this runs on every move
        clone.call_id = self.call_id
        clone.started = self.started
        clone.language = self.language
        clone.environment = self.environment
        clone.inputs = self.inputs  # never changed after the start
        clone.vars = self.vars  # copied by the turn's first `store` (copy on write)
        clone.stack = [frame[:] for frame in self.stack]
        clone.phase = self.phase
        clone.attempts = self.attempts
        clone.results = self.results[:]
        clone.pending = self.pending[:]
        clone.counters = {rule: times[:] for rule, times in self.counters.items()}
        clone.notice = self.notice
        clone.error = self.error
        clone.path = self.path
        clone.events = self.events
        clone.effects = self.effects
        clone.trail = self.trail[:]
        clone.outcome = self.outcome
        clone.end_reason = self.end_reason
        clone.last_outcome = self.last_outcome
        clone.close_hint = self.close_hint
        clone.description_hint = self.description_hint
        clone.hint_reason = self.hint_reason
        clone.wrapup = self.wrapup.copy()
        clone.wrapup_step = self.wrapup_step
        clone.next_effect = self.next_effect
        clone.move = self.move
        clone.unsettled = self.unsettled[:]
        clone.ended_at = self.ended_at
        return clone

    def logs(self) -> tuple[int, int, int]:
        """How long the shared logs are: where `rewind` cuts them back to."""
        return len(self.path), len(self.events), len(self.effects)

    def rewind(self, logs: tuple[int, int, int]) -> None:
        """Undo what a failed move appended to the shared logs."""
        del self.path[logs[0] :], self.events[logs[1] :], self.effects[logs[2] :]

    def as_json(self) -> dict[str, Any]:
        """The fields as plain data; containers are copied, so the caller may change them."""
        clone = self.copy()
        clone.vars, clone.path, clone.events, clone.effects = (
            self.vars.copy(),
            self.path[:],
            self.events[:],
            self.effects[:],
        )
        return {name: getattr(clone, name) for name in _FIELDS}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> State:
        """A state from plain data (checked by the caller); the logs become the state's own."""
        state = cls(**{name: data[name] for name in _FIELDS if name in data})
        state.path, state.events, state.effects = state.path[:], state.events[:], state.effects[:]
        return state

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
