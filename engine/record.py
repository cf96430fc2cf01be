"""The call record: worked out from the call's one state when it is asked for, never stored.

Who took the call, when, which flow and version, the path, the answers, the rule events and
the effects (each once, with its result), the wrap-up, and what the host does with the
call's task.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from callguide.context import Contexts
from callguide.entities import TASK_ACTIONS, worklist_of
from callguide.owned import owned
from callguide.state import State


def call_record(contexts: Contexts, state: State) -> dict[str, Any]:
    """The call record of an ended call, worked out from its state: who, when, which flow
    and version, what was said and done. The record is its reader's: it shares no map or
    list with the state (a host that fills in its own fields changes nothing of the call).
    Each part taken from the state is copied once, as it is put in (`owned`): the record's
    own maps and lists are new already, and a copy of the whole made them again."""
    compiled = contexts.compiled
    pack = compiled.pack
    catalog = pack.call_end_catalog
    assert catalog is not None and state.ended_at is not None
    wrapup = state.wrapup
    reason = wrapup.get("reason")
    queue = wrapup.get("queue")
    queues = pack.environments.get(state.environment, {}).get("queues", {})
    top = state.first_flow
    started = datetime.fromisoformat(state.started)
    ended = datetime.fromisoformat(state.ended_at)
    given = owned(state.inputs)
    agent = given.pop("agent", {})
    record: dict[str, Any] = {
        "call_id": state.call_id,
        "pack": pack.name,
        "flow": top,
        "flow_version": compiled.flows[top].flow.digest[:16],
        "environment": state.environment,
        "language": state.language,
        "agent": agent,
        "input": given,
        "started": state.started,
        "ended": state.ended_at,
        "duration_seconds": round((ended - started).total_seconds(), 3),
        "outcome": state.outcome,
        "path": [entry for entry in state.path if "~" not in entry],  # without desugared branch steps
        "answers": owned(state.vars),
        "events": owned(state.events),
        "effects": _effects(state),
        "reason": reason,
        "reason_label": _label(contexts, state, f"reason:{reason}", ended) if reason else None,
        "close": bool(wrapup.get("close")),
        "queue": queue,
        "queue_name": queues.get(queue) if queue and isinstance(queues, Mapping) else None,
        "description": wrapup.get("description") or "",
    }
    task = state.vars.get("task") or state.inputs.get("task")
    if isinstance(task, dict) and (worklist := worklist_of(pack, task, top)) is not None:  # most calls have no task
        acted = any(
            e["name"].partition(".")[2] in TASK_ACTIONS and e["name"].startswith("task.") and e.get("ok")
            for e in state.effects
        )
        # `applied`: the flow already moved the task on itself; the host must not do it again
        record["task"] = {
            "id": owned(task.get("id")),
            "worklist": worklist.name,
            "action": "applied" if acted else worklist.outcomes.get(state.outcome or "", "keep"),
            "state": owned(task),
        }
    return record


def _label(contexts: Contexts, state: State, key: str, ended: datetime) -> str:
    """A label of the pack as the call ended: the call's render context is built only for
    a label that reads it (most are literal, and the record is made at the call's last move)."""
    literal = contexts.literal_label(key, state.language)
    return literal if literal is not None else contexts.label(key, contexts.build(state, ended), state.language)


def _effects(state: State) -> list[dict[str, Any]]:
    """Every effect the call performed, each once: most calls have none left unsettled (the
    effects log is copied as it is, not put in a new list first)."""
    if not state.unsettled:
        return owned(state.effects)
    return owned([*state.effects, *map(_performed_in_failed_move, state.unsettled)])


def _performed_in_failed_move(entry: dict[str, Any]) -> dict[str, Any]:
    """An effect the host performed in a move that failed, and the call never asked again."""
    shown = {key: value for key, value in entry.items() if key not in ("flow", "result")}
    return {**shown, "ok": True, "result": entry["result"], "move_failed": True}
