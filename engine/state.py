"""The state of one call: small, plain and JSON-able, so a snapshot is just this data.

A turn (an answer, an event, an effect result) works on a copy and replaces the state
only when it succeeds: a refused answer leaves the session exactly as it was.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any

Phase = str  # "step" | "pick" | "confirm" | "wait" | "failed" | "wrapup" | "ended"
PHASES = frozenset({"step", "pick", "confirm", "wait", "failed", "wrapup", "ended"})


@dataclass(slots=True)
class State:
    call_id: str
    started: str
    language: str
    environment: str
    inputs: dict[str, Any]
    vars: dict[str, Any]
    stack: list[list[str]]  # [flow, step] frames; the last is where the call stands
    phase: Phase = "step"
    attempts: int = 0
    results: list[Any] = field(default_factory=list)
    pending: list[dict[str, Any]] = field(default_factory=list)
    counters: dict[str, list[float]] = field(default_factory=dict)
    notice: dict[str, Any] | None = None
    error: str | None = None
    path: list[str] = field(default_factory=list)
    events: list[dict[str, Any]] = field(default_factory=list)
    effects: list[dict[str, Any]] = field(default_factory=list)
    trail: list[str] = field(default_factory=list)
    outcome: str | None = None
    end_reason: str | None = None
    last_outcome: str | None = None  # how the last sub-flow ended, for `end: inherit`
    close_hint: bool | None = None
    description_hint: str | None = None
    hint_reason: str | None = None  # the reason the hints go with (None: any reason)
    wrapup: dict[str, Any] = field(default_factory=dict)
    wrapup_step: str | None = None
    next_effect: int = 1
    move: int = 0  # the moves made, and failed ones that asked for effects: part of an effect's key
    # effects the host performed in a move that failed afterwards: reused, never asked again
    unsettled: list[dict[str, Any]] = field(default_factory=list)
    ended_at: str | None = None
    record: dict[str, Any] | None = None

    def copy(self) -> State:
        """A copy a turn may change: containers are copied one level deep, values are never
        changed in place (a nested save builds new maps)."""
        clone = State.__new__(State)
        # written out field by field: this runs on every move
        clone.call_id = self.call_id
        clone.started = self.started
        clone.language = self.language
        clone.environment = self.environment
        clone.inputs = self.inputs  # never changed after the start
        clone.vars = self.vars.copy()
        clone.stack = [frame[:] for frame in self.stack]
        clone.phase = self.phase
        clone.attempts = self.attempts
        clone.results = self.results[:]
        clone.pending = self.pending[:]
        clone.counters = {rule: times[:] for rule, times in self.counters.items()}
        clone.notice = self.notice
        clone.error = self.error
        clone.path = self.path[:]
        clone.events = self.events[:]
        clone.effects = self.effects[:]
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
        clone.record = self.record
        return clone

    def as_json(self) -> dict[str, Any]:
        """The fields as plain data; containers are copied, so the caller may change them."""
        clone = self.copy()
        return {name: getattr(clone, name) for name in _FIELDS}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> State:
        return cls(**{name: data[name] for name in _FIELDS if name in data})

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
