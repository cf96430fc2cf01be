"""The call's phases: a `transitions` machine shared by every call.

A call is at a step (`step`), shows lookup results to pick from (`pick`), asks to confirm an
effect (`confirm`), waits for the host (`wait`), offers to retry a failed effect (`failed`),
is in its wrap-up (`wrapup`) or has ended (`ended`). Every change of phase fires an event
of `PHASES`, so a change the machine does not have (an answer after the end, a wrap-up
twice) is refused by the machine, not by a string comparison somewhere. The wrap-up asks
its questions in the order `WRAPUP` fires them: a reason that locks "close the request"
skips that question, and a request that is closed needs no queue.
"""

from __future__ import annotations

from typing import get_args

from callguide.machines import Cursor, fire, shared_machine
from callguide.problems import FlowRuntimeError
from callguide.state import Phase
from transitions import MachineError

ARRIVE, CONFIRM, WAIT, SETTLE, FAIL, PICK, UNPICK, BACK, WRAP_UP, END = (
    "arrive",
    "confirm",
    "wait",
    "settle",
    "fail",
    "pick",
    "unpick",
    "back",
    "wrap_up",
    "end",
)
_PHASE: dict[str, Phase] = {phase: phase for phase in get_args(Phase)}  # a machine's state, typed
ON_CALL = ["step", "pick", "confirm", "wait", "failed"]  # the phases of a call still on the line

PHASES = shared_machine(
    list(get_args(Phase)),
    [
        {"trigger": ARRIVE, "source": ON_CALL, "dest": "step"},
        {"trigger": CONFIRM, "source": "step", "dest": "confirm"},
        {"trigger": WAIT, "source": ["step", "confirm", "failed"], "dest": "wait"},
        {"trigger": SETTLE, "source": "wait", "dest": "step"},
        {"trigger": FAIL, "source": ["step", "confirm", "failed"], "dest": "failed"},
        {"trigger": PICK, "source": "step", "dest": "pick"},
        {"trigger": UNPICK, "source": "pick", "dest": "step"},
        {"trigger": BACK, "source": ["step", "confirm"], "dest": "step"},
        {"trigger": WRAP_UP, "source": ON_CALL, "dest": "wrapup"},
        {"trigger": END, "source": "wrapup", "dest": "ended"},
    ],
    "step",
)


def next_phase(phase: Phase, trigger: str) -> Phase:
    """The phase `trigger` leads to from `phase`; a change the call cannot make is refused."""
    cursor = Cursor(phase)
    try:
        fire(PHASES, trigger, cursor)
    except MachineError:
        raise FlowRuntimeError(f"a call cannot `{trigger}` while it is in phase `{phase}`") from None
    return _PHASE[cursor.state]
