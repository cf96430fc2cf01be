"""The call's phases and the end-of-call form: two `transitions` machines shared by every call.

A call is at a step (`step`), shows lookup results to pick from (`pick`), asks to confirm an
effect (`confirm`), waits for the host (`wait`), offers to retry a failed effect (`failed`),
is in its wrap-up (`wrapup`) or has ended (`ended`). Every change of phase fires an event
of `PHASES`, so a change the machine does not have (an answer after the end, a wrap-up
twice) is refused by the machine, not by a string comparison somewhere. The wrap-up asks
its questions in the order `WRAPUP` fires them: a reason that locks "close the request"
skips that question, and a request that is closed needs no queue.
"""

from __future__ import annotations

from typing import Any, get_args

from callguide.machines import Cursor, shared_machine
from callguide.problems import FlowRuntimeError
from callguide.state import WRAPUP_STEPS, Phase, WrapupStep
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
_QUESTION: dict[str, WrapupStep] = {step: step for step in WRAPUP_STEPS}
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
        PHASES.events[trigger].trigger(cursor)
    except MachineError:
        raise FlowRuntimeError(f"a call cannot `{trigger}` while it is in phase `{phase}`") from None
    return _PHASE[cursor.state]


# --- the wrap-up form ---------------------------------------------------------------------------
# The model's `mover` is the turn: its `state.wrapup` holds the answers so far, and
# `wrapup_reason()` the catalog's entry for the reason picked.


def _locked(event: Any) -> bool:
    reason = event.model.mover.wrapup_reason()
    return reason is not None and bool(reason.locked)


def _reason_closes(event: Any) -> bool:
    reason = event.model.mover.wrapup_reason()
    return reason is not None and bool(reason.close)


def _closes(event: Any) -> bool:
    return bool(event.model.mover.state.wrapup.get("close"))


def _close_as_locked(event: Any) -> None:
    event.model.mover.state.wrapup["close"] = event.model.mover.wrapup_reason().close


def _no_queue(event: Any) -> None:
    event.model.mover.state.wrapup["queue"] = None


DONE = "done"
NEXT = "next"
WRAPUP = shared_machine(
    [*WRAPUP_STEPS, DONE],
    [
        {"trigger": NEXT, "source": "reason", "dest": "close", "unless": [_locked]},
        {
            "trigger": NEXT,
            "source": "reason",
            "dest": "queue",
            "unless": [_reason_closes],
            "before": [_close_as_locked],
        },
        {"trigger": NEXT, "source": "reason", "dest": "description", "before": [_close_as_locked, _no_queue]},
        {"trigger": NEXT, "source": "close", "dest": "queue", "unless": [_closes]},
        {"trigger": NEXT, "source": "close", "dest": "description", "before": [_no_queue]},
        {"trigger": NEXT, "source": "queue", "dest": "description"},
        {"trigger": NEXT, "source": "description", "dest": DONE},
    ],
    "reason",
)


def next_question(current: WrapupStep, mover: Any) -> WrapupStep | None:
    """The wrap-up's next question after `current`, or None when the form is complete."""
    cursor = Cursor(current, mover)
    WRAPUP.events[NEXT].trigger(cursor)
    return _QUESTION.get(cursor.state)
