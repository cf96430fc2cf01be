"""Worklists and cases outside a call: the next task, a task's outcome, a case's transitions.

The rules are the engine's (`callguide.entities`: what a postponement may be, which
transitions a case may take and with what comment); the writes are the sample host's
handlers' (`callguide.host.StoreHandlers`), in the transaction of the request.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from callguide.effects import EffectRequest
from callguide.entities import task_request
from callguide.host.store import StoreHandlers
from callguide.model import Worklist
from callguide.problems import EffectFailed
from callguide.service.auth import Identity
from callguide.service.packs import Loaded
from callguide.service.problems import ApiProblem, not_found

OPEN_TASKS = ("waiting", "postponed", "awaiting_call")
# a worklist's outcome action -> the task action of the engine that carries it out
ACTIONS = {"done": "complete", "postpone": "postpone", "next_method": "next_method", "remove": "remove"}


def _worklist(loaded: Loaded, name: str) -> Worklist:
    worklist = loaded.engine.pack.worklists.get(name)
    if worklist is None:
        raise not_found(f"pack `{loaded.name}` has no worklist `{name}`")
    return worklist


def _when(value: Any) -> datetime:
    try:
        moment = datetime.fromisoformat(str(value))
    except ValueError:
        return datetime.min.replace(tzinfo=UTC)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def tasks(loaded: Loaded, worklist: str) -> list[dict[str, Any]]:
    _worklist(loaded, worklist)
    return [task for task in loaded.entities.all("tasks") if task.get("worklist") == worklist]


def next_task(loaded: Loaded, worklist: str, identity: Identity, now: datetime) -> dict[str, Any]:
    """The open task that has been due longest, given to the caller."""
    due = [
        task
        for task in tasks(loaded, worklist)
        if task.get("status", "waiting") in OPEN_TASKS and (task.get("due") is None or _when(task["due"]) <= now)
    ]
    if not due:
        raise not_found(f"no task of `{worklist}` is due now")
    task = min(due, key=lambda found: (_when(found.get("due")) if found.get("due") else now, str(found.get("id"))))
    return loaded.entities.put("tasks", task["id"], {**task, "status": "in_progress", "agent": identity.name})


def _task(loaded: Loaded, key: str) -> dict[str, Any]:
    task = loaded.entities.get("tasks", key)
    if task is None:
        raise not_found(f"no task `{key}` in pack `{loaded.name}`")
    return task


def task_action(loaded: Loaded, key: str, action: str, args: dict[str, Any], now: datetime) -> dict[str, Any]:
    """Carry out a task action (postpone, complete...) as a flow's `task.*` step would."""
    task = _task(loaded, key)
    worklist = loaded.engine.pack.worklists.get(str(task.get("worklist")))
    try:
        request = task_request(worklist, action, task, args, now)
    except EffectFailed as refused:
        raise ApiProblem(422, "invalid-answer", str(refused)) from None
    becomes: dict[str, Any] = request["becomes"]
    return loaded.entities.put("tasks", key, becomes)


def outcome(loaded: Loaded, key: str, name: str, args: dict[str, Any], now: datetime) -> dict[str, Any]:
    """What the worklist says a call's outcome does to the task (`keep` leaves it as it is)."""
    task = _task(loaded, key)
    worklist = loaded.engine.pack.worklists.get(str(task.get("worklist")))
    if worklist is None:
        raise ApiProblem(422, "invalid-request", f"task `{key}` belongs to no worklist of pack `{loaded.name}`")
    if name not in worklist.outcomes:
        known = ", ".join(worklist.outcomes) or "none"
        raise ApiProblem(422, "invalid-request", f"`{name}` is not an outcome of worklist `{worklist.name}` ({known})")
    action = ACTIONS.get(worklist.outcomes[name])
    if action is None:
        return task
    return task_action(loaded, key, action, {**_postpone_defaults(worklist, name), **args}, now)


def _postpone_defaults(worklist: Worklist, outcome_name: str) -> dict[str, Any]:
    """A postponement the call's end asks for: the worklist's shortest delay."""
    if not worklist.postpone_choices:
        return {"delay": "1h", "comment": f"call outcome: {outcome_name}"}
    return {"delay": f"{int(min(worklist.postpone_choices))}s", "comment": f"call outcome: {outcome_name}"}


def apply_outcome(loaded: Loaded, task: dict[str, Any], action: str) -> None:
    """At the end of a call, the action the call record names for its task (`applied`: the
    flow did it itself). A task the worklist refuses to move stays as it is: the call is over
    all the same, and the record says what was asked."""
    engine_action = ACTIONS.get(action)
    key = task.get("id")
    if engine_action is None or key is None or loaded.entities.get("tasks", key) is None:
        return
    worklist = loaded.engine.pack.worklists.get(str(task.get("worklist")))
    args = _postpone_defaults(worklist, action) if worklist else {}
    try:
        request = task_request(worklist, engine_action, loaded.entities.get("tasks", key), args, datetime.now(UTC))
    except EffectFailed:
        return
    loaded.entities.put("tasks", key, request["becomes"])


# --- cases ------------------------------------------------------------------------------------


def _handlers(loaded: Loaded) -> StoreHandlers:
    return StoreHandlers(loaded.engine.pack, loaded.entities)


def create_case(loaded: Loaded, fields: dict[str, Any], identity: Identity) -> dict[str, Any]:
    request = EffectRequest(0, "case.create", {**fields, "created_by": identity.name}, "api", "api:case.create")
    created: dict[str, Any] = _handlers(loaded).case_create(request)
    return created


def find_case(loaded: Loaded, key: str) -> dict[str, Any]:
    found = loaded.entities.get("cases", key)
    if found is None:
        raise not_found(f"no case `{key}` in pack `{loaded.name}`")
    return found


def transition(loaded: Loaded, key: str, name: str, comment: str, identity: Identity) -> dict[str, Any]:
    """Fire a transition of the pack's `case` lifecycle, its guards and comment rules applied."""
    machine = loaded.engine.compiled.lifecycles.get("case")
    if machine is None:
        raise not_found(f"pack `{loaded.name}` has no case lifecycle")
    if name not in machine.lifecycle.transitions:
        known = ", ".join(machine.lifecycle.transitions)
        raise ApiProblem(422, "invalid-request", f"the case lifecycle has no transition `{name}` ({known})")
    case = find_case(loaded, key)
    context = {"agent": identity.agent()}
    try:
        args = machine.request(name, case, {"comment": comment}, context, loaded.engine.pack.language)
    except EffectFailed as refused:
        raise ApiProblem(422, "invalid-answer", str(refused)) from None
    _handlers(loaded).lifecycle(EffectRequest(0, f"case.{name}", args, "api", f"api:case.{name}"))
    return find_case(loaded, key)
