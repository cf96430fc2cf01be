"""Sessions: one running call.

`Session` is the public face (view, answer, signal, resolve, back, wrap-up, snapshot);
`Turn` does the work of one move on a copy of the state. A move either completes and
replaces the state, or raises and leaves the session as it was. A session is safe to use
from several threads: moves are serialised by a lock, and `step=` lets a front end refuse
an answer meant for a screen the session has already left.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from callguide import answers, phases
from callguide.compile import ADVANCE, CALL, FAIL, FINISH, GIVE_UP, CompiledFlow, CompiledPack, CompiledStep
from callguide.effects import EffectRequest
from callguide.entities import TASK_ACTIONS, lifecycle_result, new_task_request, task_request
from callguide.model import INHERIT, Reason
from callguide.phases import next_phase, next_question
from callguide.problems import EffectFailed, FlowRuntimeError, InputError, RenderError, SessionBusy
from callguide.state import MAX_CALL_DEPTH, MAX_RESULTS, State, set_path
from callguide.texts import LocalText, plain, render_value

if TYPE_CHECKING:
    from callguide.engine import Engine
    from callguide.view import View

Handler = Callable[[EffectRequest], Any]
MAX_AUTOMATIC_MOVES = 500


class PhraseBook(Mapping[str, str]):
    """`phrases.name` in a text: the phrase rendered in the same context, on demand."""

    def __init__(self, phrases: Mapping[str, LocalText], context: dict[str, Any], language: str) -> None:
        self._phrases = phrases
        self._context = context
        self._language = language
        self._rendering: set[str] = set()

    def __getitem__(self, name: str) -> str:
        phrase = self._phrases[name]
        if name in self._rendering:
            raise FlowRuntimeError(f"phrase `{name}` uses itself")
        self._rendering.add(name)
        try:
            return phrase.render(self._context, self._language)
        finally:
            self._rendering.discard(name)

    def __iter__(self) -> Iterator[str]:
        return iter(self._phrases)

    def __len__(self) -> int:
        return len(self._phrases)


class Turn:
    """One move of a session, applied to a copy of its state."""

    def __init__(self, session: Session, state: State) -> None:
        self.session = session
        self.engine = session.engine
        self.compiled: CompiledPack = session.engine.compiled
        self.state = state
        self.now = session.engine.clock.now()
        self._context: dict[str, Any] | None = None
        self.moves = 0
        self._entering = False  # a step is being entered: a further `enter` is queued, not nested
        self._next: str | None = None
        state.move += 1
        self.asked = 0  # effects asked for in this move: the last part of their keys
        self.performed: list[dict[str, Any]] = []  # what the host did in this move

    # --- context ------------------------------------------------------------------------

    def cached_context(self) -> dict[str, Any] | None:
        """The context as it stands after the move, if one was built (the view reuses it)."""
        return self._context

    def context(self) -> dict[str, Any]:
        if self._context is None:
            self._context = self.engine.context(self.state, self.now)
        return self._context

    def store(self, name: str, value: Any) -> None:
        head = name.split(".", 1)[0]
        if "." in name and not isinstance(self.state.vars.get(head), dict):
            # every part a flow can save under `head` exists (as None) once one part is saved
            self.state.vars[head] = self.engine.blank_record(head)
        set_path(self.state.vars, name, plain(value))  # a session holds JSON data only (dates as ISO text)
        if self._context is not None:  # keep the context in step rather than build it again
            self._context[head] = self.state.vars[head]

    # --- where the call stands -----------------------------------------------------------

    def flow(self) -> CompiledFlow:
        return self.compiled.flows[self.state.flow]

    def step(self) -> CompiledStep:
        return self.flow().steps[self.state.step]

    def to(self, trigger: str) -> None:
        """Change the call's phase by firing `trigger` on the shared phase machine."""
        self.state.phase = next_phase(self.state.phase, trigger)

    def enter(self, step_id: str) -> None:
        """Arrive at a step of the current flow and run on while steps run by themselves.

        A loop, not recursion: a step entered while another is being entered (a branch, an
        effect's success, a sub-flow's end) is taken up when that one is done."""
        if self._entering:
            self._next = step_id
            return
        self._entering = True
        try:
            next_step: str | None = step_id
            while next_step is not None:
                self._next = None
                self.arrive(next_step)
                next_step = self._next
        finally:
            self._entering = False

    def arrive(self, step_id: str) -> None:
        self.moves += 1
        if self.moves > MAX_AUTOMATIC_MOVES:
            raise FlowRuntimeError(
                f"flow `{self.state.flow}` moves on for ever without asking anything (at `{step_id}`)"
            )
        state = self.state
        state.stack[-1][1] = step_id
        state.path.append(f"{state.flow}:{step_id}")
        if self._context is not None:
            self._context["flow"] = self.engine.flow_info(state.flow)
        state.attempts, state.error, state.results = 0, None, []
        if state.phase != "step":
            self.to(phases.ARRIVE)
        step = self.step()
        for name, condition in step.sets:
            self.store(name, condition.value(self.context()))
        if step.kind == "branch":
            self.advance(ADVANCE)
        elif step.say is None or step.kind == "say":
            self.act(step)
        # else: a `say` before a `do`, `call` or `end` is read first; the answer acts

    def act(self, step: CompiledStep) -> None:
        """What a `do`, `call` or `end` step does once the agent has read its `say`."""
        kind = step.kind
        if kind == "do":
            if self.confirm_text(step) is not None:
                self.to(phases.CONFIRM)
            else:
                self.perform(step)
        elif kind in ("call", "end"):  # the machine's `call` / `finish` callback does the work
            self.fire(CALL if kind == "call" else FINISH)

    def fire(self, trigger: str) -> str:
        """Fire `trigger` on the flow's machine from the current step: where it went."""
        current = self.state.step
        dest = self.flow().fire(trigger, current, self)
        if dest is None:
            raise FlowRuntimeError(f"no branch of step `{current}` in flow `{self.state.flow}` applies")
        return dest

    def advance(self, trigger: str) -> None:
        """Leave the current step by `trigger`; the flow's machine picks the branch."""
        current, kind = self.state.step, self.step().kind
        dest = self.fire(trigger)
        if kind in ("say", "ask") and trigger == ADVANCE:
            self.state.trail.append(current)
        self.enter(dest)

    def call(self, step: CompiledStep) -> None:
        callee = step.model.call or ""
        if len(self.state.stack) >= MAX_CALL_DEPTH:
            raise FlowRuntimeError(f"sub-flows nested more than {MAX_CALL_DEPTH} deep (calling `{callee}`)")
        self.state.stack.append([callee, self.compiled.flows[callee].flow.start])
        self.state.trail = []
        self.enter(self.compiled.flows[callee].flow.start)

    def finish(self, step: CompiledStep) -> None:
        """An `end`: back to the calling flow, or the call is over and wrap-up begins."""
        state, model = self.state, step.model
        outcome = model.end or "resolved"
        if outcome == INHERIT:
            outcome = state.last_outcome or "resolved"
        self.preset(model.reason, model.close, step.description)
        if len(state.stack) > 1:
            state.stack.pop()
            state.trail = []
            state.last_outcome = outcome
            caller = self.step()
            if caller.model.save:
                self.store(caller.model.save, outcome)
            self.advance(ADVANCE)
            return
        self.end_call(outcome, None)

    def preset(self, reason: str | None, close: bool | None, description: LocalText | None) -> None:
        """What an `end` says of the wrap-up: its reason, and the close flag and description
        that go with that reason (a later end with another reason starts afresh)."""
        state = self.state
        if reason is not None and reason != state.end_reason:
            state.end_reason, state.close_hint, state.description_hint = reason, None, None
        if close is not None or description is not None:
            state.hint_reason = reason  # an end without a reason presets whatever reason is picked
        if close is not None:
            state.close_hint = close
        if description is not None:
            state.description_hint = description.render(self.context(), state.language)

    def end_call(self, outcome: str, reason: str | None) -> None:
        state = self.state
        state.outcome, state.end_reason = outcome, reason or state.end_reason
        self.to(phases.WRAP_UP)
        state.trail, state.results = [], []
        state.wrapup = {"reason": None, "close": None, "queue": None, "description": None}
        state.wrapup_step = "reason"

    # --- effects -------------------------------------------------------------------------

    def confirm_text(self, step: CompiledStep) -> LocalText | None:
        return step.confirm if step.confirm is not None else self.compiled.warning(step.model.effect or "")

    def perform(self, step: CompiledStep) -> None:
        name = step.model.effect or ""
        try:
            args = self.prepare(name, render_value(step.args, self.context(), self.state.language))
        except EffectFailed as failure:
            self.effect_failed(step, {"name": name, "args": {}}, str(failure))
            return
        self.request(name, args, step.id, step)

    def prepare(self, name: str, args: dict[str, Any]) -> dict[str, Any]:
        """Lifecycle transitions and task actions: checked and completed by the engine."""
        head, _, action = name.partition(".")
        lifecycle = self.compiled.lifecycles.get(head)
        if lifecycle is not None and action in lifecycle.lifecycle.transitions:
            variable = str(args.pop("of", None) or head)
            entity = self.context().get(variable)
            request = lifecycle.request(action, entity, args, self.context(), self.state.language)
            return {**request, "of": variable}
        if name == "task.create":
            return new_task_request(args, self.now)
        if head == "task" and action in TASK_ACTIONS:
            task = self.context().get("task")
            worklist = self.engine.worklist(task, self.state)
            return task_request(worklist, action, task, args, self.now)
        return args

    def request(self, name: str, args: dict[str, Any], step_id: str, step: CompiledStep | None) -> Any:
        """Hand an effect to its handler, or leave it pending for the host to resolve; an
        effect the host already performed in a failed move is not asked for again."""
        state = self.state
        self.asked += 1
        earlier = self.unsettled(name, args, step_id)
        if earlier is not None:
            self.effect_done(earlier, earlier["result"], None, step)
            return earlier["result"]
        key = f"{state.call_id}:{state.move}:{self.asked}"
        request = EffectRequest(state.next_effect, name, args, step_id, key)
        state.next_effect += 1
        handler = self.engine.handler(name)
        if handler is None:
            state.pending.append({**request.as_json(), "of_step": step is not None})
            if step is not None:
                self.to(phases.WAIT)
            return None
        try:
            result = handler(request)
        except EffectFailed as failure:
            self.effect_done(request.as_json(), None, str(failure), step)
            return None
        except Exception as crash:  # a host's handler bug must not break the call
            self.effect_done(request.as_json(), None, f"{type(crash).__name__}: {crash}", step)
            return None
        self.performed.append({**request.as_json(), "flow": state.flow, "at": self.now.isoformat(), "result": result})
        self.effect_done(request.as_json(), result, None, step)
        return result

    def unsettled(self, name: str, args: dict[str, Any], step_id: str) -> dict[str, Any] | None:
        """The same effect (same step, same arguments) performed in a move that failed."""
        unsettled = self.state.unsettled
        for index, entry in enumerate(unsettled):
            same_step = entry["step"] == step_id and entry["flow"] == self.state.flow
            if same_step and entry["name"] == name and entry["args"] == args:
                del unsettled[index]
                return entry
        return None

    def effect_done(self, request: dict[str, Any], result: Any, failure: str | None, step: CompiledStep | None) -> None:
        entry = {
            "id": request["id"],
            "key": request["key"],
            "name": request["name"],
            "args": request["args"],
            "step": request["step"],
            "at": request.get("at") or self.now.isoformat(),
        }
        entry.update({"ok": False, "error": failure} if failure is not None else {"ok": True, "result": result})
        self.state.effects.append(entry)
        if step is None:
            return
        if failure is not None:
            self.effect_failed(step, request, failure)
            return
        self.effect_succeeded(step, request, result)

    def effect_succeeded(self, step: CompiledStep, request: dict[str, Any], result: Any) -> None:
        self.state.trail = []
        name, args = request["name"], request["args"]
        head, _, action = name.partition(".")
        found = self.compiled.pack.transition_of(name)
        if found is not None:
            variable = args.get("of") or head
            entity = lifecycle_result(found[0], action, self.context().get(variable), result)
            self.store(variable, entity)
            result = entity
        elif head == "task" and action in TASK_ACTIONS:
            self.store("task", args.get("becomes"))
        if step.model.save:
            self.store(step.model.save, result)
        self.advance(ADVANCE)

    def effect_failed(self, step: CompiledStep, request: dict[str, Any], failure: str) -> None:
        if not request.get("id"):
            self.state.effects.append(
                {"name": request["name"], "step": step.id, "ok": False, "error": failure, "at": self.now.isoformat()}
            )
        if step.model.on_failure:
            self.state.notice = {"kind": "effect", "text": failure}
            self.advance(FAIL)
        else:
            self.to(phases.FAIL)
            self.state.error = failure

    # --- answers -------------------------------------------------------------------------

    def answer(self, raw: Any) -> None:
        state = self.state
        state.notice = None
        if state.phase == "ended":
            raise InputError("the call has ended", state.step)
        if state.phase == "wrapup":
            self.wrapup_answer(raw)
            return
        step = self.step()
        if state.phase == "wait":
            raise InputError("waiting for the result of " + ", ".join(f"`{p['name']}`" for p in state.pending), step.id)
        if state.phase == "failed":
            self.perform(step)  # try the effect again
            return
        if state.phase == "confirm":
            if answers.yes_no(raw if raw is not None else "yes"):
                self.perform(step)
            else:
                self.back()
            return
        if step.kind == "say":
            self.advance(ADVANCE)
            return
        if step.kind in ("do", "call", "end"):
            self.act(step)
            return
        answer = step.model.answer
        assert answer is not None
        if answer.kind == "lookup":
            self.lookup(step, raw)
            return
        value = self.parse(step, raw)
        if step.model.save:
            self.store(step.model.save, value)
        self.advance(ADVANCE)

    def parse(self, step: CompiledStep, raw: Any) -> Any:
        model = step.model
        answer = model.answer
        assert answer is not None
        if _blank(raw) and step.default is not None:
            raw = render_value(step.default, self.context(), self.state.language)
        if _blank(raw):
            if model.optional:
                return [] if answer.kind == "multi" else None
            else:
                raise InputError("an answer is needed", step.id)
        options = choices(step, self.context(), self.state.language)
        pack, message = self.compiled.pack, step.message
        return answers.parse(
            answer,
            raw,
            options=options,
            now=self.local_now(),
            phone_digits=pack.phone_digits,
            phone_region=pack.phone_region,
            mismatch=(lambda: message.render(self.context(), self.state.language)) if message else None,
        )

    def lookup(self, step: CompiledStep, raw: Any) -> None:
        answer = step.model.answer
        assert answer is not None
        state = self.state
        if state.phase == "pick":
            item = self.pick(raw)
            if step.model.save:
                self.store(step.model.save, item)
            self.advance(ADVANCE)
            return
        if _blank(raw):
            if not step.model.optional:
                raise InputError("type what to search for", step.id)
            if step.model.save:
                self.store(step.model.save, None)
            self.advance(ADVANCE)
            return
        query = raw if isinstance(raw, dict) else str(raw).strip()
        args = {"source": answer.source, "query": query, "by": list(answer.search_by)}
        result = self.request(f"lookup.{answer.source}", args, step.id, None)
        if state.pending and state.pending[-1]["name"] == f"lookup.{answer.source}":
            self.to(phases.WAIT)
            return
        self.found(step, result, query)

    def found(self, step: CompiledStep, result: Any, query: Any) -> None:
        items = [item for item in (result if isinstance(result, list) else []) if isinstance(item, dict)][:MAX_RESULTS]
        if not items and step.model.on_failure:
            self.state.notice = {"kind": "lookup", "text": f"nothing found for `{query}`"}
            self.advance(FAIL)
            return
        if not items:
            raise InputError(f"nothing found for `{query}`: check the spelling or search by something else", step.id)
        self.to(phases.PICK)
        self.state.results = items

    def pick(self, raw: Any) -> dict[str, Any]:
        items = self.state.results
        text = str(raw).strip() if raw is not None else ""
        chosen: dict[str, Any] | None = next((item for item in items if text and text == str(item.get("id"))), None)
        if chosen is None and text.isdecimal() and 1 <= int(text) <= len(items):
            chosen = items[int(text) - 1]
        if chosen is not None:
            return chosen
        raise InputError(f"pick one of the {len(items)} results by its number (1-{len(items)})", self.state.step)

    def invalid(self, error: InputError) -> bool:
        """Count an invalid answer where the step caps them; True when the cap moved on."""
        step = self.step()
        attempts = step.model.attempts
        if attempts is None or self.state.phase not in ("step", "pick"):
            return False
        self.state.attempts += 1
        if self.state.attempts < attempts.limit:
            return False
        self.state.notice = {"kind": "attempts", "text": f"{attempts.limit} invalid answers: {error.message}"}
        self.advance(GIVE_UP)
        return True

    # --- going back ----------------------------------------------------------------------

    def back(self) -> None:
        state = self.state
        step = self.step()
        if state.phase == "pick":
            self.to(phases.UNPICK)
            state.results = []
            return
        if step.model.back is False or not state.trail or state.phase not in ("step", "confirm"):
            raise InputError("you cannot go back from here", step.id)
        previous = state.trail.pop()
        state.stack[-1][1] = previous
        state.path.append(f"{state.flow}:{previous}")
        self.to(phases.BACK)
        state.attempts, state.error = 0, None

    # --- rules ---------------------------------------------------------------------------

    def signal(self, event: str) -> None:
        state = self.state
        rule = self.compiled.rules.get(event)
        if rule is None:
            known = ", ".join(sorted(self.compiled.rules)) or "none"
            raise InputError(f"`{event}` is not a rule event of this pack (events: {known})", state.step)
        if state.phase in ("wrapup", "ended"):
            raise InputError("the call is over: rule events no longer apply", state.step)
        allowed = self.flow().flow.rules
        if allowed is not None and event not in allowed:
            raise InputError(f"the rule `{event}` does not apply in `{state.flow}`", state.step)
        elapsed = self.elapsed()
        times = [
            t for t in state.counters.get(event, []) if rule.rule.within is None or elapsed - t <= rule.rule.within
        ]
        times.append(elapsed)
        state.counters[event] = times
        self._context = None  # `rules.<name>.count` changed
        count = len(times)
        entry: dict[str, Any] = {
            "rule": event,
            "count": count,
            "step": f"{state.flow}:{state.step}",
            "at": self.now.isoformat(),
        }
        state.events.append(entry)
        if count <= rule.rule.warnings:
            phrase = rule.phrases[min(count, len(rule.phrases)) - 1] if rule.phrases else None
            text = phrase.render(self.context(), state.language) if phrase else ""
            state.notice = {"kind": "warning", "rule": event, "count": count, "of": rule.rule.warnings, "text": text}
            entry["warning"] = text
            return
        entry["limit"] = True
        state.counters[event] = []
        self._context = None
        state.notice = None
        self.consequences(event, rule.actions)

    def consequences(self, event: str, actions: Any) -> None:
        state = self.state
        said: list[str] = []
        for action, text, args, description in actions:
            language = state.language
            if action.kind == "say" and text:
                said.append(text.render(self.context(), language))
            elif action.kind == "do":
                self.request(action.effect or "", render_value(args, self.context(), language), f"rule:{event}", None)
            elif action.kind == "transfer" and text:
                self.request(
                    "call.transfer", {"to": text.render(self.context(), language), "rule": event}, f"rule:{event}", None
                )
                self.close_stack()
                self.end_call("transferred", action.reason)
            elif action.kind == "switch" and action.flow:
                state.stack = [[action.flow, self.compiled.flows[action.flow].flow.start]]
                state.trail = []
                self.enter(self.compiled.flows[action.flow].flow.start)
            elif action.kind == "end":
                self.preset(action.reason, action.close, description)  # rendered where the event happened
                self.close_stack()
                self.end_call(action.outcome or "interrupted", action.reason)
        if said:
            state.notice = {"kind": "rule", "rule": event, "text": "\n".join(said)}

    def close_stack(self) -> None:
        del self.state.stack[1:]

    def elapsed(self) -> float:
        started = datetime.fromisoformat(self.state.started)
        return (self.now - started).total_seconds()

    def local_now(self) -> datetime:
        return self.now.astimezone(ZoneInfo(self.compiled.pack.timezone))

    # --- wrap-up -------------------------------------------------------------------------

    def wrapup_answer(self, raw: Any) -> None:
        state = self.state
        catalog = self.compiled.pack.call_end_catalog
        assert catalog is not None
        spec = self.engine.wrapup_spec(state, self.context())
        current = state.wrapup_step
        if _blank(raw) and spec.get("default") is not None:
            raw = spec["default"]
        if current == "reason":
            state.wrapup["reason"] = answers.pick(spec_choices(spec), raw)
        elif current == "close":
            state.wrapup["close"] = answers.yes_no(raw)
        elif current == "queue":
            state.wrapup["queue"] = answers.pick(spec_choices(spec), raw)
        elif current == "description":
            text = "" if raw is None else str(raw).strip()
            if spec.get("required") and not text:
                raise InputError("describe the call: a description is required for this reason", "@description")
            if len(text) > answers.MAX_TEXT:
                raise InputError(f"the description is longer than {answers.MAX_TEXT:,} characters", "@description")
            state.wrapup["description"] = text
        self.next_wrapup_step()

    def next_wrapup_step(self) -> None:
        """On to the form's next question (the wrap-up machine skips what is settled), or
        the call has ended."""
        state = self.state
        state.wrapup_step = next_question(state.wrapup_step or "reason", self)
        if state.wrapup_step is None:
            self.to(phases.END)
            state.ended_at = self.now.isoformat()

    def wrapup_reason(self) -> Reason | None:
        """The catalog's entry for the reason picked in the wrap-up (what the form's machine reads)."""
        catalog = self.compiled.pack.call_end_catalog
        picked = self.state.wrapup.get("reason")
        return catalog.reasons[picked] if catalog is not None and picked else None


def choices(step: CompiledStep, context: dict[str, Any], language: str) -> Sequence[answers.Choice]:
    """A step's options as the agent sees them now: greyed out where their `if` fails."""
    fixed = step.fixed_options
    if fixed is not None and language in fixed:
        return fixed[language]
    found = []
    for option in step.options:
        disabled = None
        if option.condition is not None and not option.condition.test(context):
            disabled = option.disabled.render(context, language) if option.disabled else "not available now"
        found.append(answers.Choice(option.key, option.label.render(context, language), disabled))
    if fixed is not None:
        fixed[language] = tuple(found)
    return found


def spec_choices(spec: dict[str, Any]) -> list[answers.Choice]:
    return [answers.Choice(option["key"], option["label"]) for option in spec.get("options", [])]


def _blank(raw: Any) -> bool:
    return raw is None or (isinstance(raw, str) and not raw.strip())


class Session:
    """One call in progress. Create with `Engine.start` or `Engine.resume`."""

    def __init__(self, engine: Engine, state: State) -> None:
        self.engine = engine
        self._state = state
        self._lock = threading.Lock()
        self._view: View | None = None

    # --- reading -------------------------------------------------------------------------

    @property
    def state(self) -> State:
        return self._state

    @property
    def view(self) -> View:
        """What the agent sees now (rendered once per state)."""
        view = self._view
        if view is None:
            from callguide.view import build_view

            view = self._view = build_view(self, self._state, self.engine.clock.now())
        return view

    @property
    def step(self) -> str:
        return self._state.step if self._state.phase != "wrapup" else f"@{self._state.wrapup_step}"

    @property
    def flow(self) -> str:
        return self._state.flow

    @property
    def ended(self) -> bool:
        return self._state.phase == "ended"

    @property
    def outcome(self) -> str | None:
        return self._state.outcome

    @property
    def record(self) -> dict[str, Any] | None:
        """The call record once the call has ended and its wrap-up is done."""
        return self.view.record

    @property
    def variables(self) -> dict[str, Any]:
        return dict(self._state.vars)

    @property
    def pending(self) -> list[EffectRequest]:
        return [EffectRequest(p["id"], p["name"], p["args"], p["step"], p["key"]) for p in self._state.pending]

    # --- moves ---------------------------------------------------------------------------

    def answer(self, value: Any = None, *, step: str | None = None) -> View:
        """Give the answer to the current question (`None` continues a `say`, or takes the
        default). An invalid answer raises `InputError` and changes nothing (unless the step
        caps invalid answers: then the attempt is counted, and past the cap the call moves on)."""
        return self._move(lambda turn: turn.answer(value), step, count_invalid=True)

    def signal(self, event: str, *, step: str | None = None) -> View:
        """A rule event (`insult`, `inaudible`...): a warning, or the rule's consequences."""
        return self._move(lambda turn: turn.signal(event), step)

    def back(self, *, step: str | None = None) -> View:
        """Go back to the previous question, where the flow allows it."""
        return self._move(lambda turn: turn.back(), step)

    def resolve(self, result: Any = None, *, effect: int | None = None) -> View:
        """The host's result for a pending effect."""
        return self._move(lambda turn: _settle(turn, effect, result, None), None)

    def fail(self, message: str, *, effect: int | None = None) -> View:
        """The host could not perform a pending effect."""
        return self._move(lambda turn: _settle(turn, effect, None, message), None)

    def hang_up(self, outcome: str = "dropped", reason: str | None = None) -> View:
        """The line dropped or the agent ends the call now: straight to the wrap-up."""

        def end(turn: Turn) -> None:
            if turn.state.phase in ("wrapup", "ended"):
                raise InputError("the call is already over", self.step)
            if outcome not in self.engine.compiled.pack.outcome_names:
                raise InputError(f"`{outcome}` is not an outcome of this pack", self.step)
            turn.close_stack()
            turn.end_call(outcome, reason)

        return self._move(end, None)

    def wrap_up(
        self, reason: str | None = None, close: bool | None = None, queue: str | None = None, description: str = ""
    ) -> dict[str, Any]:
        """Fill in the whole end-of-call form at once; returns the call record."""

        def fill(turn: Turn) -> None:
            if turn.state.phase != "wrapup":
                raise InputError("the call has not ended yet", self.step)
            values = {"reason": reason, "close": close, "queue": queue, "description": description}
            while turn.state.phase == "wrapup":
                turn.wrapup_answer(values[turn.state.wrapup_step or "reason"])
            chosen = turn.state.wrapup
            if close is not None and chosen["close"] != close:
                raise InputError(
                    f"reason `{chosen['reason']}` locks 'close the request' at {'yes' if chosen['close'] else 'no'}",
                    "@close",
                )

        record = self._move(fill, None).record
        assert record is not None
        return record

    def snapshot(self) -> dict[str, Any]:
        """The session as plain JSON-able data, signed and pinned to its flows' versions."""
        return self.engine.snapshots.make(self._state)

    def _move(self, apply: Callable[[Turn], None], step: str | None, *, count_invalid: bool = False) -> View:
        if not self._lock.acquire(timeout=5):
            raise SessionBusy("another answer is being applied to this call; try again", self.step)
        try:
            if step is not None and step != self.step:
                raise InputError(f"this answer was meant for `{step}`, but the call is now at `{self.step}`", self.step)
            try:
                turn, view = self._try(apply)
            except InputError as error:
                if not count_invalid:
                    raise _at_step(error, self.step) from None
                refused, gave_up = error, []
                turn, view = self._try(lambda counting: gave_up.append(counting.invalid(refused)))
                if not gave_up[0]:
                    if turn.state.attempts != self._state.attempts:
                        self._commit(turn.state, view)
                    raise _at_step(error, self.step) from None
            self._commit(turn.state, view)
        except RenderError as error:
            raise FlowRuntimeError(str(error)) from None
        finally:
            self._lock.release()
        return view

    def _try(self, apply: Callable[[Turn], None]) -> tuple[Turn, View]:
        """A move on a copy of the state, and its view (a screen that cannot be shown moves
        nothing). When it fails, what the host performed in it is kept all the same."""
        turn = Turn(self, self._state.copy())
        try:
            apply(turn)
            return turn, self._render(turn)
        except BaseException:
            if turn.performed:
                kept = self._state.copy()
                kept.unsettled += turn.performed
                kept.move, kept.next_effect = turn.state.move, turn.state.next_effect
                self._state = kept
            raise

    def _render(self, turn: Turn) -> View:
        from callguide.view import build_view

        return build_view(self, turn.state, turn.now, turn.cached_context())

    def _commit(self, state: State, view: View) -> None:
        self._state = state
        self._view = view


def _at_step(error: InputError, step: str) -> InputError:
    """The error, naming the step the agent answered at (answer types do not know it)."""
    if error.step is not None or type(error) is not InputError:
        return error
    return InputError(error.message, step)


def _settle(turn: Turn, effect: int | None, result: Any, failure: str | None) -> None:
    state = turn.state
    if not state.pending:
        raise InputError("no effect is waiting for a result", state.step)
    chosen = next((p for p in state.pending if effect is None or p["id"] == effect), None)
    if chosen is None:
        waiting = ", ".join(str(p["id"]) for p in state.pending)
        raise InputError(f"effect {effect} is not waiting (waiting: {waiting})", state.step)
    state.pending.remove(chosen)
    of_step = chosen.pop("of_step", False)
    if chosen["name"].startswith("lookup."):
        turn.effect_done(chosen, result, failure, None)
        if state.phase != "wait":  # the call went on meanwhile (a rule ended it)
            return
        turn.to(phases.SETTLE)
        if failure is not None:
            state.error = failure
            return
        try:
            turn.found(turn.step(), result, chosen["args"].get("query"))
        except InputError as nothing:
            state.error = nothing.message
        return
    step = turn.step() if of_step and state.phase == "wait" else None
    if step is not None:
        turn.to(phases.SETTLE)
    turn.effect_done(chosen, result, failure, step)
