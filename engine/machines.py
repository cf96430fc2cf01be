"""What every machine of the engine has in common: built once with `model=None` and shared
by every call, fired on a `Cursor` (a `state` and whoever fired it), never bound to a model.

A `Cursor` is made per firing and dropped after: the call's state stays the one plain
`State`, and no `add_model` ever grows a machine. Guards and callbacks are Python callables;
`send_event` hands them the event, whose `model.mover` is what they read.

`fire` is `Event.trigger` without what these machines never use (the queue, the
`prepare_event` / `finalize_event` / `on_exception` hooks): each candidate transition is
executed by its own `execute` (conditions, `before`, exit, state change, enter, `after`: the
`Transition.execute` of `transitions`, without what it does not need), in order, until one
passes. Measured on transitions 0.9.3 it costs about 70% of `Event.trigger` (benchmarks/,
`session.shared_trigger` and `session.engine_trigger`; before `SharedTransition.execute`).
The machine's state, transition and condition classes (`SharedMachine`, the classes
`transitions` lets a machine choose) leave out the look-ups these machines never need.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from transitions import Machine, MachineError, State, Transition
from transitions.core import Condition, EventData

# the log `Transition.execute` writes to
_TRANSITIONS_LOG = logging.getLogger("transitions.core")


class Cursor:
    """What a shared machine moves: `state` (a step, a phase, an entity's status) and the
    `mover` it is fired for, whose context the guards read."""

    __slots__ = ("mover", "state")

    def __init__(self, state: str, mover: Any = None) -> None:
        self.state = state
        self.mover = mover


class SharedState(State):
    """A state of a shared machine. The engine gives its states no enter or exit callbacks
    (a move's work is in the transitions' guards and callbacks), and `State` logs two lines
    around running each empty list, at every state change: a quarter of a state change,
    measured on transitions 0.9.3. A state that is given callbacks runs (and logs) them as
    `State` does; every transition is still logged (at debug level) by `Transition.execute`."""

    def enter(self, event_data: EventData) -> None:
        if self.on_enter:
            super().enter(event_data)

    def exit(self, event_data: EventData) -> None:
        if self.on_exit:
            super().exit(event_data)


class SharedCondition(Condition):
    """A guard of a shared machine (`send_event`: it is given the event data). `Condition`
    first resolves its function, in case it names a method of the model, and asks the
    machine whether to send the event: more than half of checking a guard that is a Python
    callable (measured on transitions 0.9.3), which every guard of the engine is."""

    def check(self, event_data: EventData) -> bool:
        func = self.func
        if isinstance(func, str):  # a name: resolved as `transitions` does
            return super().check(event_data)
        return bool(func(event_data) == self.target)


class SharedTransition(Transition):
    """A transition of a shared machine, whose states are named by strings and which is
    fired on one model at a time (a `Cursor`). Its state change is `Transition`'s, step for
    step (exit the source, set the model's state, note it in the event data, enter the
    destination, the machine's `on_final` at a final state), with each state taken from the
    machine's map once: `Transition` looks them up four times through `get_state` and
    `set_state`, with their checks for `Enum` states and lists of models that such a machine
    never has (about 1.4 µs, a third of a fire, measured on transitions 0.9.3). Its guards
    are `SharedCondition`s."""

    condition_cls = SharedCondition

    def execute(self, event_data: EventData) -> bool:
        """`Transition.execute` without what these machines never use: the `prepare` hooks,
        the machine's callbacks around every state change, and the log lines, written when
        nobody reads them. `Transition.execute` logs three lines and runs the empty
        `prepare` list before it checks a candidate's guards, and four lines and three empty
        lists around a change of state: about 1.1 µs of a candidate that fails (a step's
        `next:` branches before the one taken, 1.5 a move) and 1.4 µs of one taken, measured
        on transitions 0.9.3. A transition's own `before` and `after` callbacks run here, as
        `transitions` runs them (`Machine.callback`). A transition with `prepare` hooks, a
        machine with callbacks of its own, or a log read at info level (a line per callback)
        or below runs `Transition.execute` itself."""
        machine = event_data.machine
        if (
            self.prepare
            or machine.before_state_change
            or machine.after_state_change
            or _TRANSITIONS_LOG.isEnabledFor(logging.INFO)
        ):
            return bool(super().execute(event_data))
        for condition in self.conditions:
            if not condition.check(event_data):
                return False
        for callback in self.before:
            machine.callback(callback, event_data)
        if self.dest:  # None: an internal transition, which changes no state
            self._change_state(event_data)
        for callback in self.after:
            machine.callback(callback, event_data)
        return True

    def _change_state(self, event_data: EventData) -> None:
        machine, name = event_data.machine, self.dest
        assert name is not None  # `execute` changes no state for a transition without a destination
        states = machine.states
        source, dest = states[self.source], states[name]
        if source.on_exit:  # what `SharedState.exit` checks, without the call (most states have none)
            source.exit(event_data)
        setattr(event_data.model, machine.model_attribute, name)
        event_data.state = dest
        if dest.on_enter:
            dest.enter(event_data)
        if dest.final:
            machine.callbacks(machine.on_final, event_data)


class SharedMachine(Machine):
    """The machine of `shared_machine`: its states are `SharedState`s, its transitions
    `SharedTransition`s (the classes `transitions` lets a machine choose)."""

    state_cls = SharedState
    transition_cls = SharedTransition


def shared_machine(states: Sequence[str], transitions: Sequence[dict[str, Any]], initial: str) -> Machine:
    """A machine for every call: no model, no `to_<state>` shortcuts, an event that does not
    apply to the state raises `MachineError` (the engine turns it into its own error).

    `transitions` are `Machine.add_transition`'s keyword arguments. A transition from one
    named state to another, of an event the machine already has, is made by the machine's
    `transition_cls` and handed to its `Event.add_transition`: what `add_transition` does
    for it with no model, without its per-call checks of sources and destination (a
    5,000-step flow has about 7,000 such transitions; measured: a third of the machine's
    build). Lists of sources, `*`, `=`, other keyword arguments and an event's first
    transition go through `add_transition` itself. The states are handed over as `State`s,
    which `add_states` keeps as they are instead of making one per name (5,000: about 4 ms)."""
    machine = SharedMachine(
        model=None,
        states=[SharedState(name, ignore_invalid_triggers=False) for name in states],
        initial=initial,
        auto_transitions=False,
        send_event=True,
        ignore_invalid_triggers=False,
    )
    events = machine.events
    for spec in transitions:
        source, dest = spec["source"], spec["dest"]
        event = events.get(spec["trigger"])
        if event is not None and _plain(source) and (dest is None or _plain(dest)) and spec.keys() <= _KEYS:
            get = spec.get
            event.add_transition(
                machine.transition_cls(
                    source, dest, get("conditions"), get("unless"), get("before"), get("after"), get("prepare")
                )
            )
        else:
            machine.add_transition(**spec)
    return machine


# the keyword arguments of `add_transition` that it hands to the transition as they are
_KEYS = frozenset(("trigger", "source", "dest", "conditions", "unless", "before", "after", "prepare"))
_WILDCARDS = frozenset((Machine.wildcard_all, Machine.wildcard_same))


def _plain(state: object) -> bool:
    """A state named by a string that is neither `*` (every state) nor `=` (the source)."""
    return type(state) is str and state not in _WILDCARDS


def fire(machine: Machine, trigger: str, cursor: Cursor) -> bool:
    """Fire `trigger` on `cursor`: True when a transition was taken (the cursor's `state` is
    then its destination), False when none of the state's transitions passed its conditions.
    `MachineError` when the state has no such transition, `ValueError` when the machine has
    no such state, `KeyError` when it has no such event."""
    event = machine.events[trigger]
    transitions = event.transitions.get(cursor.state)
    if not transitions:
        machine.get_state(cursor.state)  # ValueError for a state the machine does not have
        raise MachineError(f"{trigger} is not possible from {cursor.state}")
    # the state is the machine's: it has transitions (`get_state` would check it again)
    data = EventData(machine.states[cursor.state], event, machine, cursor, (), {})
    for transition in transitions:
        data.transition = transition
        if transition.execute(data):
            data.result = True
            return True
    return False
