"""The wrap-up: the end-of-call form every call ends through.

The agent picks a reason; the reason's `close` flag presets "close the request" (locked by
some reasons); a request that stays open goes to a queue; a description may be required.
The questions come in the order the shared `WRAPUP` machine fires them: a reason that locks
"close the request" skips that question, and a request that is closed needs no queue.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from callguide import answers, i18n, phases
from callguide.context import Contexts
from callguide.i18n import _
from callguide.machines import Cursor, fire, shared_machine
from callguide.model import Catalog, Reason
from callguide.move import Move, blank
from callguide.problems import InputError
from callguide.state import WRAPUP_STEPS, State, WrapupStep

# --- the form's machine: its model's `mover` is the move, whose state holds the answers ---


def reason_of(move: Any) -> Reason | None:
    """The catalog's entry for the reason picked so far."""
    catalog = move.compiled.pack.call_end_catalog
    picked = move.state.wrapup.get("reason")
    return catalog.reasons[picked] if catalog is not None and picked else None


def _locked(event: Any) -> bool:
    reason = reason_of(event.model.mover)
    return reason is not None and bool(reason.locked)


def _reason_closes(event: Any) -> bool:
    reason = reason_of(event.model.mover)
    return reason is not None and bool(reason.close)


def _closes(event: Any) -> bool:
    return bool(event.model.mover.state.wrapup.get("close"))


def _close_as_locked(event: Any) -> None:
    reason = reason_of(event.model.mover)
    _fill(event.model.mover.state, "close", reason.close if reason else None)


def _no_queue(event: Any) -> None:
    _fill(event.model.mover.state, "queue", None)


def _fill(state: State, question: str, value: Any) -> None:
    """An answer of the form: a new form, not a change in place (the move's checkpoint holds
    the form as it was, see `State.checkpoint`)."""
    state.wrapup = {**state.wrapup, question: value}


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
_QUESTION: dict[str, WrapupStep] = {step: step for step in WRAPUP_STEPS}  # a machine's state, typed


def next_question(current: WrapupStep, move: Any) -> WrapupStep | None:
    """The form's next question after `current`, or None when the form is complete."""
    cursor = Cursor(current, move)
    fire(WRAPUP, NEXT, cursor)
    return _QUESTION.get(cursor.state)


# --- the questions ------------------------------------------------------------------------------


def spec(contexts: Contexts, state: State, context: dict[str, Any]) -> dict[str, Any]:
    """The current question of the end-of-call form."""
    catalog = contexts.compiled.pack.call_end_catalog
    assert catalog is not None
    language = state.language
    step = state.wrapup_step
    default = _default(catalog, state)
    if step == "reason":
        options = contexts.options("reason", catalog.reasons, context, language)
        return {"step": "reason", "type": "choice", "options": options, "default": default, "title": catalog.title}
    if step == "close":
        return {"step": "close", "type": "yes_no", "default": default}
    if step == "queue":
        options = contexts.options("queue", catalog.queues, context, language)
        return {"step": "queue", "type": "choice", "options": options, "default": default}
    return {"step": "description", "type": "text", "required": _required(catalog, state), "default": default}


def _default(catalog: Catalog, state: State) -> Any:
    """What the current question offers when the agent gives nothing: the end's reason, the
    close flag and description the end preset, the picked reason's close flag and queue."""
    step = state.wrapup_step
    if step == "reason":
        return state.end_reason
    if step == "description":
        return state.description_hint if _preset_applies(state) else None
    reason = _picked_reason(catalog, state)
    if step == "queue":
        return reason.queue if reason else None
    hinted = state.close_hint if _preset_applies(state) else None
    if hinted is None:
        hinted = reason.close if reason else None
    return hinted


def _required(catalog: Catalog, state: State) -> bool:
    """Whether the description may be left empty: the catalog's rule, unless the reason says otherwise."""
    reason = _picked_reason(catalog, state)
    if reason is not None and reason.description == "optional":
        return False
    return catalog.description == "required" or (reason is not None and reason.description == "required")


def _picked_reason(catalog: Catalog, state: State) -> Reason | None:
    """The reason the agent picked in the form, if any yet."""
    return catalog.reasons.get(state.wrapup.get("reason") or "")


def _preset_applies(state: State) -> bool:
    """An end's close / description presets go with its reason, not with one the agent picks instead."""
    return state.hint_reason is None or state.wrapup.get("reason") == state.hint_reason


# The wrap-up's questions (in the catalogs, callguide.i18n), each translated when asked (a
# wrap-up view shows one); a pack words them itself with phrases `wrapup_reason` etc.
_QUESTIONS: dict[str, Callable[[], str]] = {
    "reason": lambda: _("Why did the call end? Pick the end-of-call reason."),
    "close": lambda: _("Close the request?"),
    "queue": lambda: _("The request stays open: which queue does it go to?"),
    "description": lambda: _("Describe the call."),
}


def question(contexts: Contexts, step: str, context: dict[str, Any], language: str) -> str:
    """The question in the call's language: the pack's phrase `wrapup_<step>`, else the
    engine's own words (made once per question and language unless the phrase reads the call)."""
    key = (step, language)
    found = contexts.questions.get(key)
    if found is not None:
        return found
    custom = contexts.compiled.phrases.get(f"wrapup_{step}")
    if custom is None:
        with i18n.speaking(language):
            found = _QUESTIONS[step]()
    else:
        found = str(custom.render(context, language))
        if not custom.is_literal:
            return found
    contexts.questions[key] = found
    return found


# --- the answers --------------------------------------------------------------------------------


def answer(move: Move, raw: Any) -> None:
    """The agent's answer to the form's current question; then on to the next one."""
    state = move.state
    contexts = move.host.contexts
    catalog = contexts.compiled.pack.call_end_catalog
    assert catalog is not None
    current = state.wrapup_step
    if blank(raw):
        default = _default(catalog, state)
        if default is not None:
            raw = default
    if current == "reason" or current == "queue":
        keys = catalog.reasons if current == "reason" else catalog.queues
        _fill(state, current, answers.pick(contexts.choices(current, keys, move.context(), state.language), raw))
    elif current == "close":
        _fill(state, "close", answers.yes_no(raw))
    elif current == "description":
        text = "" if raw is None else str(raw).strip()
        if not text and _required(catalog, state):
            raise InputError(_("describe the call: a description is required for this reason"), "@description")
        if len(text) > answers.MAX_TEXT:
            raise InputError(
                _("the description is longer than {limit} characters").format(limit=f"{answers.MAX_TEXT:,}"),
                "@description",
            )
        _fill(state, "description", text)
    state.wrapup_step = next_question(state.wrapup_step or "reason", move)
    if state.wrapup_step is None:
        move.to(phases.END)
        state.ended_at = move.now.isoformat()
