"""Entities that outlive a call: lifecycle transitions (a case) and worklist tasks.

These are pure functions: given the entity as the flow holds it and the step's arguments,
they say what the host must do (the effect's arguments) and what the entity becomes, or
refuse with `EffectFailed` and a message for the agent.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from callguide.load.build import seconds
from callguide.model import Lifecycle, Worklist
from callguide.problems import EffectFailed

TASK_ACTIONS = frozenset({"postpone", "next_method", "complete", "remove", "clear", "move"})  # on the call's `task`
MOVES = ("first", "previous", "next", "last")


def lifecycle_request(lifecycle: Lifecycle, name: str, entity: Any, args: dict[str, Any]) -> dict[str, Any]:
    """The arguments of a lifecycle transition, checked against the entity's state."""
    transition = lifecycle.transitions[name]
    record = entity if isinstance(entity, dict) else {}
    state = str(record.get("status") or lifecycle.initial)
    if not transition.allowed_from(state):
        allowed = ", ".join(transition.sources)
        raise EffectFailed(f"{lifecycle.name} is {state}: `{name}` is only possible from {allowed}")
    comment = str(args.get("comment") or "").strip()
    if transition.comment_required and not comment:
        raise EffectFailed(f"`{name}` needs a comment")
    return {
        **args,
        "id": record.get("id"),
        "transition": name,
        "from": state,
        "to": transition.target,
        "comment": comment,
    }


def lifecycle_result(lifecycle: Lifecycle, name: str, entity: Any, result: Any) -> dict[str, Any]:
    """The entity after the transition: its new status, plus what the host returned."""
    record = dict(entity) if isinstance(entity, dict) else {}
    if isinstance(result, dict):
        record.update(result)
    record["status"] = lifecycle.transitions[name].target
    return record


def task_request(
    worklist: Worklist | None, action: str, task: Any, args: dict[str, Any], now: datetime
) -> dict[str, Any]:
    """The arguments of a task action and the task as it will be; refuses what the
    worklist does not allow (a delay not offered, a missing comment)."""
    record = dict(task) if isinstance(task, dict) else {}
    request: dict[str, Any] = {**args, "task": record.get("id")}
    attempts = int(record.get("attempts") or 0)
    own = record.get("methods")  # a task may carry its own chain (e.g. by follow-up type)
    methods = tuple(own) if isinstance(own, list) and own else (worklist.methods if worklist else ())
    if action == "postpone":
        delay = str(args.get("delay", "")).strip()
        try:
            wait = seconds(delay)
        except ValueError:
            raise EffectFailed(f"`{delay}` is not a delay: write e.g. 4h") from None
        if worklist and worklist.postpone_choices and wait not in worklist.postpone_choices:
            offered = ", ".join(_duration(choice) for choice in worklist.postpone_choices)
            raise EffectFailed(f"a task can be postponed by {offered}, not {delay}")
        if worklist and worklist.postpone_comment_required and not str(args.get("comment") or "").strip():
            raise EffectFailed("say why the call is postponed: a comment is required")
        record.update(attempts=attempts + 1, due=(now + timedelta(seconds=wait)).isoformat(), status="postponed")
        if str(args.get("comment") or "").strip():
            record["comment"] = str(args["comment"]).strip()
        if worklist and worklist.max_attempts and attempts + 1 >= worklist.max_attempts:
            record.update(status="removed", removed_because="max_attempts")
    elif action == "next_method":
        current = record.get("method") or (methods[0] if methods else None)
        index = methods.index(current) if current in methods else -1
        if index + 1 < len(methods):
            record.update(method=methods[index + 1], attempts=0, status="waiting")
        else:
            record.update(status="removed", removed_because="last_method")
    elif action == "complete":
        record.update(status="done", attempts=attempts + 1)
    elif action == "remove":
        record.update(status="removed", removed_because=str(args.get("reason") or "removed"))
    elif action == "clear":
        record.update(status="awaiting_call")
        for key in ("outcome", "notes", "due"):
            record.pop(key, None)
    elif action == "move":
        where = str(args.get("to", ""))
        if where not in MOVES:
            raise EffectFailed(f"move to one of {', '.join(MOVES)}, not `{where}`")
    request["becomes"] = record
    return request


def new_task_request(args: dict[str, Any], now: datetime) -> dict[str, Any]:
    """`task.create` with a `delay` gets its `due` time worked out like `task.postpone`'s."""
    if "delay" not in args or "due" in args:
        return args
    try:
        wait = seconds(str(args["delay"]))
    except ValueError:
        raise EffectFailed(f"`{args['delay']}` is not a delay: write e.g. 4h") from None
    return {**args, "due": (now + timedelta(seconds=wait)).isoformat()}


def _duration(value: float) -> str:
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if value % size == 0:
            return f"{int(value // size)}{unit}"
    return f"{int(value)}s"
