"""The call the peers play: the Bboxx incoming call of a new caller with a technical issue.

It is the scenario `flows/bboxx/tests/incoming_new_caller_technical.yaml` flattened into
one machine: the steps the call passes through, the steps its branches could go to
instead, and the same branch conditions, written once as Python expressions over the
answers (`sismic` evaluates the text, the others a lambda compiled from it). The whole call
is played, as the engine plays it: the two answers the engine refuses (a name too short, a
phone number of 8 digits) are refused by a guard of the peer (it moves nothing; unlike the
engine, it keeps the refused value among its answers and says nothing of why), and the
end-of-call form is four more states (the engine fills it in one `wrap_up`). A peer
renders nothing and checks no other answer: it is the floor of what a state-machine
library costs for this call, not a rival engine.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

Guard = Callable[[dict[str, Any]], bool]


@dataclass(frozen=True, slots=True)
class Branch:
    dest: str
    condition: str | None = None  # a Python expression over `answers`


@dataclass(frozen=True, slots=True)
class Step:
    name: str
    save: str | None
    branches: tuple[Branch, ...]  # tried in order; the first whose condition holds is taken


def _step(name: str, save: str | None, *branches: tuple[str, str | None] | str) -> Step:
    made = tuple(Branch(b) if isinstance(b, str) else Branch(b[0], b[1]) for b in branches)
    return Step(name, save, made)


NAME_VALID = "len(answers['caller_name']) >= 3"
PHONE_VALID = "len(answers['caller_phone']) == 10 and answers['caller_phone'].isdigit()"

STEPS: tuple[Step, ...] = (
    _step("greeting", None, "reason"),
    _step("reason", "reason", "existing"),
    _step("existing", "is_client", ("find_client", "answers['is_client']"), "caller_name"),
    _step("find_client", "client", "client_tools"),
    _step("client_tools", "tool", "by_reason"),
    # the checks the engine makes of these answers, as guards: a refused answer moves nothing
    _step("caller_name", "caller_name", ("caller_phone", NAME_VALID)),
    _step("caller_phone", "caller_phone", ("by_reason", PHONE_VALID)),
    _step(
        "by_reason",
        None,
        ("symptom", "answers['reason'] == 'technical'"),
        ("payment_issue", "answers['reason'] == 'payment'"),
        ("new_customer", "answers['reason'] == 'new_customer'"),
        "record_task",
    ),
    _step("payment_issue", None, "thanks"),
    _step("new_customer", None, "thanks"),
    _step("record_task", "task_note", "thanks"),
    _step("symptom", "symptom", "checked_panel"),
    _step("checked_panel", "panel_ok", ("fix_panel", "not answers['panel_ok']"), "action"),
    _step("fix_panel", None, "fixed"),
    _step("fixed", "fixed", ("thanks", "answers['fixed']"), "action"),
    _step("action", "tech_action", "describe"),
    _step("describe", "tech_description", "raise"),
    _step("raise", "tech_case", "tell_reference"),
    _step("tell_reference", None, "thanks"),
    _step("thanks", None, "wrapup_reason"),
    # the end-of-call form, one field a move (the engine fills it in one `wrap_up`)
    _step("wrapup_reason", "wrapup_reason", "wrapup_close"),
    _step("wrapup_close", "wrapup_close", "wrapup_queue"),
    _step("wrapup_queue", "wrapup_queue", "wrapup_description"),
    _step("wrapup_description", "wrapup_description", "ended"),
)
STATES: tuple[str, ...] = (*(step.name for step in STEPS), "ended")
INITIAL = "greeting"
FINAL = "ended"
BY_NAME = {step.name: step for step in STEPS}

# The moves of the call: the answer given at each step (None: a line read, or a branch).
MOVES: tuple[tuple[str, Any], ...] = (
    ("greeting", None),
    ("reason", "technical"),
    ("existing", False),
    ("caller_name", "Jo"),  # refused: too short
    ("caller_name", "Jane Wanjiru"),
    ("caller_phone", "07123456"),  # refused: 8 digits
    ("caller_phone", "0712345678"),
    ("by_reason", None),
    ("symptom", "no_power"),
    ("checked_panel", True),
    ("action", "visit"),
    ("describe", "The control unit shows no light at all since Monday"),
    ("raise", {"id": "C-1"}),
    ("tell_reference", None),
    ("thanks", None),
    ("wrapup_reason", "technician"),
    ("wrapup_close", False),
    ("wrapup_queue", "technical"),
    ("wrapup_description", "Technician visit requested"),
)
PATH: tuple[str, ...] = (*(state for state, _ in MOVES), FINAL)

# The single transition timed on its own, as the engine's one-answer measurement is:
# `reason` -> `existing` (a choice answered and stored, no condition).
ONE_STEP = "reason"
ONE_ANSWER = "technical"


def guard(condition: str) -> Guard:
    """A branch condition as a Python function of the answers (compiled once)."""
    code = compile(f"lambda answers: bool({condition})", "<callpath>", "eval")
    made: Guard = eval(code, {"__builtins__": {"bool": bool, "len": len}})
    return made


def transitions_count() -> int:
    return sum(len(step.branches) for step in STEPS)
