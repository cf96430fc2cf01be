"""Performing effects for a move: asking the host, settling what it answers later, lookups,
lifecycle transitions and task actions.

Every request carries an idempotency key (`call:move:index`). What the host performed in a
move that fails afterwards is kept in the state (`unsettled`) and reused when the same
effect (same step, same arguments) is asked for again: the host never performs it twice.
"""

from __future__ import annotations

from typing import Any

from callguide import phases
from callguide.compile import CompiledStep
from callguide.context import RenderContext
from callguide.effects import EffectRequest
from callguide.entities import TASK_ACTIONS, lifecycle_result, new_task_request, task_request, worklist_of
from callguide.graph import ADVANCE, FAIL
from callguide.i18n import _
from callguide.model import AskStep, DoStep, Saving
from callguide.move import Move, blank
from callguide.owned import owned
from callguide.problems import EffectFailed, InputError
from callguide.state import MAX_RESULTS
from callguide.texts import plain, render_value


def perform(move: Move, step: CompiledStep) -> None:
    """The effect of a `do` step, with its arguments rendered and checked."""
    assert isinstance(step.model, DoStep)
    name = step.model.effect
    try:
        args = prepare(move, name, render_value(step.args, move.context(), move.state.language))
    except EffectFailed as failure:
        failed(move, step, {"name": name, "args": {}}, str(failure))
        return
    request(move, name, args, step.id, step)


def prepare(move: Move, name: str, args: dict[str, Any]) -> dict[str, Any]:
    """Lifecycle transitions and task actions: checked and completed by the engine."""
    head, _, action = name.partition(".")
    lifecycle = move.compiled.lifecycles.get(head)
    if lifecycle is not None and action in lifecycle.lifecycle.transitions:
        variable = str(args.pop("of", None) or head)
        context = move.context()
        entity = context.get(variable)
        # the guards read the entity and the comment over the move's context: a layer, not a
        # copy (a copy merges every layer of the context: about 13 µs, measured)
        values = RenderContext(lifecycle.over(entity, args), context)
        return {**lifecycle.take(action, entity, args, values, move.state.language), "of": variable}
    if name == "task.create":
        return new_task_request(args, move.now, move.compiled.opening())
    if head == "task" and action in TASK_ACTIONS:
        task = move.context().get("task")
        worklist = worklist_of(move.compiled.pack, task, move.state.first_flow)
        return task_request(worklist, action, task, args, move.now, move.compiled.opening())
    return args


def request(move: Move, name: str, args: dict[str, Any], step_id: str, step: CompiledStep | None) -> Any:
    """Hand an effect to its handler, or leave it pending for the host to resolve; an
    effect the host already performed in a failed move is not asked for again."""
    state = move.state
    move.asked += 1
    earlier = _unsettled(move, name, args, step_id) if state.unsettled else None  # most calls have none
    if earlier is not None:
        done(move, earlier, earlier["result"], None, step)
        return earlier["result"]
    key = f"{state.call_id}:{state.move}:{move.asked}"
    number = state.next_effect
    state.next_effect += 1
    # the request as the call keeps it: `args` are the move's own (rendered for this request)
    asked = {"id": number, "key": key, "name": name, "args": args, "step": step_id}
    handler = move.host.handler(name)
    if handler is None:
        asked["of_step"] = step is not None
        # replaced, not changed in place: the move's checkpoint holds the list as it was
        state.pending = [*state.pending, asked]
        if step is not None:
            move.to(phases.WAIT)
        return None
    try:
        # the call keeps its own plain copies: a host that keeps the result it answered (a store's
        # own record, changed by a later effect), or changes the arguments it is handed, changes
        # nothing of the call, and its snapshot
        result = plain(handler(EffectRequest(number, name, owned(args), step_id, key)))
    except EffectFailed as failure:
        done(move, asked, None, str(failure), step)
        return None
    except Exception as crash:  # a host's handler bug must not break the call
        done(move, asked, None, f"{type(crash).__name__}: {crash}", step)
        return None
    performed = asked  # the request, and what the host did of it (after its fields)
    performed["flow"], performed["at"], performed["result"] = state.flow, move.now.isoformat(), result
    move.performed = (*move.performed, performed)
    done(move, performed, result, None, step)  # `done` reads the request's fields and `at` of it
    return result


def _unsettled(move: Move, name: str, args: dict[str, Any], step_id: str) -> dict[str, Any] | None:
    """The same effect (same step, same arguments) performed in a move that failed."""
    unsettled = move.state.unsettled
    for index, entry in enumerate(unsettled):
        same_step = entry["step"] == step_id and entry["flow"] == move.state.flow
        if same_step and entry["name"] == name and entry["args"] == args:
            move.state.unsettled = [*unsettled[:index], *unsettled[index + 1 :]]  # replaced (see `request`)
            return entry
    return None


def done(move: Move, asked: dict[str, Any], result: Any, failure: str | None, step: CompiledStep | None) -> None:
    """An effect's result or failure: recorded, and the step it belongs to moves on."""
    entry = {
        "id": asked["id"],
        "key": asked["key"],
        "name": asked["name"],
        "args": asked["args"],
        "step": asked["step"],
        "at": asked.get("at") or move.now.isoformat(),
        "ok": failure is None,
    }
    if failure is None:
        entry["result"] = result
    else:
        entry["error"] = failure
    move.state.effects.append(entry)
    if step is None:
        return
    if failure is not None:
        failed(move, step, asked, failure)
        return
    _succeeded(move, step, asked, result)


def _succeeded(move: Move, step: CompiledStep, asked: dict[str, Any], result: Any) -> None:
    move.state.clear_trail()
    name, args = asked["name"], asked["args"]
    head, _, action = name.partition(".")
    found = move.compiled.pack.transition_of(name)
    if found is not None:
        variable = args.get("of") or head
        # the entity as the call had it (a host's input, maybe not plain data yet) over the result
        entity = plain(lifecycle_result(found[0], action, move.context().get(variable), result))
        move.store(variable, entity, own=True)
        result = entity
    elif head == "task" and action in TASK_ACTIONS:
        move.store("task", args.get("becomes"))
    if isinstance(step.model, Saving) and step.model.save:
        # the call's own plain data: `request` and `settle` keep a plain copy of the result
        move.store(step.model.save, result, own=True)
    move.advance(ADVANCE)


def failed(move: Move, step: CompiledStep, asked: dict[str, Any], failure: str) -> None:
    """A step's effect failed: its fallback, or the agent may try it again."""
    if not asked.get("id"):
        move.state.effects.append(
            {"name": asked["name"], "step": step.id, "ok": False, "error": failure, "at": move.now.isoformat()}
        )
    if isinstance(step.model, (AskStep, DoStep)) and step.model.on_failure:
        move.state.notice = {"kind": "effect", "text": failure}
        move.advance(FAIL)
    else:
        move.to(phases.FAIL)
        move.state.error = failure


def settle(move: Move, effect: int | None, result: Any, failure: str | None) -> None:
    """The host's result (or failure) for a pending effect."""
    state = move.state
    if not state.pending:
        raise InputError("no effect is waiting for a result", state.step)
    chosen = next((p for p in state.pending if effect is None or p["id"] == effect), None)
    if chosen is None:
        waiting = ", ".join(str(p["id"]) for p in state.pending)
        raise InputError(f"effect {effect} is not waiting (waiting: {waiting})", state.step)
    result = plain(result)  # the call's own copy, as `request` keeps it
    state.pending = [p for p in state.pending if p is not chosen]  # replaced (see `request`)
    of_step = chosen.get("of_step", False)  # read, not popped: a failed move puts the list back, not its maps
    if chosen["name"].startswith("lookup."):
        done(move, chosen, result, failure, None)
        if state.phase != "wait":  # the call went on meanwhile (a rule ended it)
            return
        move.to(phases.SETTLE)
        if failure is not None:
            state.error = failure
            return
        try:
            found(move, move.step(), result, chosen["args"].get("query"))
        except InputError as nothing:
            state.error = nothing.message
        return
    step = move.step() if of_step and state.phase == "wait" else None
    if step is not None:
        move.to(phases.SETTLE)
    done(move, chosen, result, failure, step)


# --- lookups -----------------------------------------------------------------------------------


def lookup(move: Move, step: CompiledStep, raw: Any) -> None:
    """A lookup question: search (an effect), then pick one of the results."""
    assert isinstance(step.model, AskStep) and step.model.answer is not None
    answer = step.model.answer
    state = move.state
    if state.phase == "pick":
        item = _pick(move, raw)
        if step.model.save:
            move.store(step.model.save, item, own=True)  # one of the results: the call's own plain data
        move.advance(ADVANCE)
        return
    if blank(raw):
        if not step.model.optional:
            raise InputError(_("type what to search for"), step.id)
        if step.model.save:
            move.store(step.model.save, None)
        move.advance(ADVANCE)
        return
    query = raw if isinstance(raw, dict) else str(raw).strip()
    args = {"source": answer.source, "query": query, "by": list(answer.search_by)}
    result = request(move, f"lookup.{answer.source}", args, step.id, None)
    if state.pending and state.pending[-1]["name"] == f"lookup.{answer.source}":
        move.to(phases.WAIT)
        return
    found(move, step, result, query)


def found(move: Move, step: CompiledStep, result: Any, query: Any) -> None:
    items = [item for item in (result if isinstance(result, list) else []) if isinstance(item, dict)][:MAX_RESULTS]
    if not items and isinstance(step.model, AskStep) and step.model.on_failure:
        move.state.notice = {"kind": "lookup", "text": f"nothing found for `{query}`"}
        move.advance(FAIL)
        return
    if not items:
        raise InputError(
            _("nothing found for `{query}`: check the spelling or search by something else").format(query=query),
            step.id,
        )
    move.to(phases.PICK)
    move.state.results = items


def _pick(move: Move, raw: Any) -> dict[str, Any]:
    items = move.state.results
    text = str(raw).strip() if raw is not None else ""
    chosen: dict[str, Any] | None = next((item for item in items if text and text == str(item.get("id"))), None)
    if chosen is None and text.isdecimal() and 1 <= int(text) <= len(items):
        chosen = items[int(text) - 1]
    if chosen is not None:
        return chosen
    raise InputError(
        _("pick one of the {count} results by its number (1-{count})").format(count=len(items)), move.state.step
    )
