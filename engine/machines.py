"""What every machine of the engine has in common: built once with `model=None` and shared
by every call, fired on a `Cursor` (a `state` and whoever fired it), never bound to a model.

A `Cursor` is made per firing and dropped after: the call's state stays the one plain
`State`, and no `add_model` ever grows a machine. Guards and callbacks are Python callables;
`send_event` hands them the event, whose `model.mover` is what they read.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from transitions import Machine


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
