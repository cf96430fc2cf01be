"""Entities that outlive a call: lifecycle transitions (a case) and worklist tasks.

A lifecycle is a shared `transitions` machine fired on the entity's status; task actions are
pure functions. Given the entity as the flow holds it and the step's arguments, they say
what the host must do (the effect's arguments) and what the entity becomes, or refuse with
`EffectFailed` and a message for the agent.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from callguide.clock import seconds
from callguide.expr import CompiledCondition
from callguide.i18n import _
from callguide.machines import Cursor, fire, shared_machine
from callguide.model import Lifecycle, Pack, Worklist
from callguide.problems import EffectFailed
from callguide.texts import LocalText, Texts
from transitions import MachineError

TASK_ACTIONS = frozenset({"postpone", "next_method", "complete", "remove", "clear", "move"})  # on the call's `task`
MOVES = ("first", "previous", "next", "last")


class EntityMove:
    """What a lifecycle's guards read when one of its transitions is fired: the flow's context
    with the entity and the comment, and why the transition was refused, if it was."""

    __slots__ = ("comment", "language", "refusal", "values")

    def __init__(self, values: dict[str, Any], comment: str, language: str) -> None:
        self.values, self.comment, self.language = values, comment, language
        self.refusal: str | None = None

    def context(self) -> dict[str, Any]:
        return self.values


class Allowed:
    """A transition's `if:` guard; its `message` says why not."""

    __slots__ = ("condition", "message", "name")

    def __init__(self, name: str, condition: CompiledCondition, message: LocalText | None) -> None:
        self.name, self.condition, self.message = name, condition, message

    def __call__(self, event: Any) -> bool:
        move: EntityMove = event.model.mover
        if self.condition.test(move.values):
            return True
        text = self.message.render(move.values, move.language) if self.message else None
        move.refusal = text or _("`{name}` is not allowed now").format(name=self.name)
        return False


class Commented:
    """A transition that needs the agent's comment."""

    __slots__ = ("name",)

    def __init__(self, name: str) -> None:
        self.name = name

    def __call__(self, event: Any) -> bool:
        move: EntityMove = event.model.mover
        if move.comment:
            return True
        move.refusal = _("`{name}` needs a comment").format(name=self.name)
        return False


class LifecycleMachine:
    """A lifecycle (a case's states and transitions) as one machine shared by every entity of
    its kind: a transition fires only from its sources, when its guard holds and its comment
    is given; `warnings` are what the agent confirms before it fires."""

    def __init__(self, lifecycle: Lifecycle, texts: Texts) -> None:
        self.lifecycle = lifecycle
        self.warnings = {name: texts.text(t.warning) for name, t in lifecycle.transitions.items()}
        transitions = []
        for name, transition in lifecycle.transitions.items():
            conditions: list[Allowed | Commented] = []
            guard = texts.condition(transition.guard)
            if guard is not None:
                conditions.append(Allowed(name, guard, texts.text(transition.message)))
            if transition.comment_required:
                conditions.append(Commented(name))
            sources = "*" if "any" in transition.sources else list(transition.sources)
            transitions.append(
                {"trigger": name, "source": sources, "dest": transition.target, "conditions": conditions}
            )
        self.machine = shared_machine(list(lifecycle.states), transitions, lifecycle.initial)

    def request(
        self, name: str, entity: Any, args: dict[str, Any], context: dict[str, Any], language: str
    ) -> dict[str, Any]:
        """Fire transition `name` for `entity`: the effect's arguments (from, to, comment),
        or `EffectFailed` saying why the entity cannot take it now."""
        return self.take(name, entity, args, {**context, **self.over(entity, args)}, language)

    def over(self, entity: Any, args: dict[str, Any]) -> dict[str, Any]:
        """What the transition's guards read over the flow's context: the entity (by the
        lifecycle's name) and the comment."""
        return {self.lifecycle.name: entity, "comment": args.get("comment")}

    def take(
        self, name: str, entity: Any, args: dict[str, Any], values: dict[str, Any], language: str
    ) -> dict[str, Any]:
        """`request`, its guards reading `values`: the flow's context with `over` over it."""
        lifecycle = self.lifecycle
        record = entity if isinstance(entity, dict) else {}
        state = str(record.get("status") or lifecycle.initial)
        comment = str(args.get("comment") or "").strip()
        move = EntityMove(values, comment, language)
        cursor = Cursor(state, move)
        try:
            moved = fire(self.machine, name, cursor)
        except (MachineError, ValueError):  # not from this state (or a state the lifecycle does not have)
            allowed = ", ".join(lifecycle.transitions[name].sources)
            raise EffectFailed(
                _("{entity} is {state}: `{name}` is only possible from {allowed}").format(
                    entity=lifecycle.name, state=state, name=name, allowed=allowed
                )
            ) from None
        if not moved:
            raise EffectFailed(move.refusal or _("`{name}` is not allowed now").format(name=name))
        return {
            **args,
            "id": record.get("id"),
            "transition": name,
            "from": state,
            "to": cursor.state,
            "comment": comment,
        }


def worklist_of(pack: Pack, task: Any, first_flow: str) -> Worklist | None:
    """The worklist a task belongs to: named by the task, or the one running the call's flow."""
    name = str(task.get("worklist")) if isinstance(task, dict) else ""
    if name in pack.worklists:
        return pack.worklists[name]
    owners = [w for w in pack.worklists.values() if w.flow == first_flow]
    return owners[0] if owners else None


def lifecycle_result(lifecycle: Lifecycle, name: str, entity: Any, result: Any) -> dict[str, Any]:
    """The entity after the transition: its new status, plus what the host returned."""
    record = dict(entity) if isinstance(entity, dict) else {}
    if isinstance(result, dict):
        record.update(result)
    record["status"] = lifecycle.transitions[name].target
    return record


def task_request(
    worklist: Worklist | None,
    action: str,
    task: Any,
    args: dict[str, Any],
    now: datetime,
    opening: Callable[[datetime], datetime] = lambda due: due,
) -> dict[str, Any]:
    """The arguments of a task action and the task as it will be; refuses what the
    worklist does not allow (a delay not offered, a missing comment). `opening` moves a due
    time outside business hours to the next opening."""
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
            raise EffectFailed(_("`{delay}` is not a delay: write e.g. 4h").format(delay=delay)) from None
        if worklist and worklist.postpone_choices and wait not in worklist.postpone_choices:
            offered = ", ".join(_duration(choice) for choice in worklist.postpone_choices)
            raise EffectFailed(
                _("a task can be postponed by {offered}, not {delay}").format(offered=offered, delay=delay)
            )
        if worklist and worklist.postpone_comment_required and not str(args.get("comment") or "").strip():
            raise EffectFailed(_("say why the call is postponed: a comment is required"))
        record.update(attempts=attempts + 1, due=opening(now + timedelta(seconds=wait)).isoformat(), status="postponed")
        if str(args.get("comment") or "").strip():
            record["comment"] = str(args["comment"]).strip()
        if worklist and worklist.max_attempts and attempts + 1 >= worklist.max_attempts:
            record.update(status="removed", removed_because="max_attempts")
    elif action == "next_method":
        current = record.get("method") or (methods[0] if methods else None)
        index = methods.index(current) if current in methods else -1
        if index + 1 < len(methods):
            record.update(method=methods[index + 1], attempts=0, status=worklist.waiting if worklist else "waiting")
        else:
            record.update(status="removed", removed_because="last_method")
    elif action == "complete":
        record.update(status="done", attempts=attempts + 1)
    elif action == "remove":
        record.update(status="removed", removed_because=str(args.get("reason") or "removed"))
    elif action == "clear":
        record.update(status=worklist.waiting if worklist else "waiting")
        for key in ("outcome", "notes", "due"):
            record.pop(key, None)
    elif action == "move":
        where = str(args.get("to", ""))
        if where not in MOVES:
            raise EffectFailed(f"move to one of {', '.join(MOVES)}, not `{where}`")
    request["becomes"] = record
    return request


def new_task_request(
    args: dict[str, Any], now: datetime, opening: Callable[[datetime], datetime] = lambda due: due
) -> dict[str, Any]:
    """`task.create` with a `delay` gets its `due` time worked out like `task.postpone`'s."""
    if "delay" not in args or "due" in args:
        return args
    try:
        wait = seconds(str(args["delay"]))
    except ValueError:
        raise EffectFailed(_("`{delay}` is not a delay: write e.g. 4h").format(delay=args["delay"])) from None
    return {**args, "due": opening(now + timedelta(seconds=wait)).isoformat()}


def _duration(value: float) -> str:
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if value % size == 0:
            return f"{int(value // size)}{unit}"
    return f"{int(value)}s"
