"""What every machine of the engine has in common: built once with `model=None` and shared
by every call, fired on a `Cursor` (a `state` and whoever fired it), never bound to a model.

A `Cursor` is made per firing and dropped after: the call's state stays the one plain
`State`, and no `add_model` ever grows a machine. Guards and callbacks are Python callables;
`send_event` hands them the event, whose `model.mover` is what they read.

`fire` is `Event.trigger` without what these machines never use (the queue, the
`prepare_event` / `finalize_event` / `on_exception` hooks): each candidate transition is
executed by `transitions` itself (`Transition.execute`: conditions, `before`, exit, state
change, enter, `after`), in order, until one passes. Measured on transitions 0.9.3 it costs
about 70% of `Event.trigger` (benchmarks/, `session.shared_trigger` and `session.engine_trigger`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from transitions import Machine, MachineError
from transitions.core import EventData


class Cursor:
    """What a shared machine moves: `state` (a step, a phase, an entity's status) and the
    `mover` it is fired for, whose context the guards read."""

    __slots__ = ("mover", "state")

    def __init__(self, state: str, mover: Any = None) -> None:
        self.state = state
        self.mover = mover


def shared_machine(states: Sequence[str], transitions: Sequence[dict[str, Any]], initial: str) -> Machine:
    """A machine for every call: no model, no `to_<state>` shortcuts, an event that does not
    apply to the state raises `MachineError` (the engine turns it into its own error)."""
    return Machine(
        model=None,
        states=list(states),
        transitions=list(transitions),
        initial=initial,
        auto_transitions=False,
        send_event=True,
        ignore_invalid_triggers=False,
    )


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
    data = EventData(machine.get_state(cursor.state), event, machine, cursor, (), {})
    for transition in transitions:
        data.transition = transition
        if transition.execute(data):
            data.result = True
            return True
    return False
