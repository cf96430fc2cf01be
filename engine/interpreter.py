"""The interpreter: one move of a call, made on its state in place.

A `Turn` enters steps and runs them as far as they run by themselves (say, ask, branch, do,
call, end), by firing the flow's shared machine; it reads answers and goes back. It hands
effects to `perform`, rule events to `rules` and the end-of-call form to `wrapup`, which
see it as a `Move`. A move either completes, or raises and is rolled back (`rollback`): the
state from the checkpoint the turn took first, the render context from the changes it noted.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from callguide import answers, perform, phases, wrapup
from callguide.compile import CompiledFlow, CompiledPack, CompiledStep
from callguide.context import CallContext, choices
from callguide.graph import ADVANCE, GIVE_UP
from callguide.i18n import _
from callguide.model import INHERIT, AskStep, Attempts, CallStep, EndStep, Saving
from callguide.move import Host, blank
from callguide.phases import next_phase
from callguide.problems import FlowRuntimeError, InputError
from callguide.state import MAX_CALL_DEPTH, State, note_answer, set_path
from callguide.texts import LocalText, plain, render_value
from callguide.view import View

MAX_AUTOMATIC_MOVES = 500
_ABSENT = object()  # a name the context did not hold before the move


def capped_attempts(compiled: CompiledPack, state: State) -> Attempts | None:
    """The cap on invalid answers where the call stands, when it counts them (at a question
    or a pick, not in a confirmation, the wrap-up...)."""
    if state.phase not in ("step", "pick"):
        return None
    model = compiled.flows[state.flow].steps[state.step].model
    return model.attempts if isinstance(model, AskStep) else None


class Turn:
    """One move of a session, applied to its state in place (undone by `rollback`)."""

    # one is made per move: slots make it and its attributes cheaper than a __dict__ would
    __slots__ = (
        "_answers",
        "_base",
        "_context",
        "_entering",
        "_next",
        "_saved",
        "_undo",
        "asked",
        "compiled",
        "host",
        "moves",
        "now",
        "performed",
        "state",
        "view_before",
        "view_before_at",
    )

    def __init__(
        self, host: Host, state: State, context: CallContext | None = None, now: datetime | None = None
    ) -> None:
        self.host = host
        self.compiled: CompiledPack = host.compiled
        self.state = state
        self._saved = state.checkpoint()  # what `rollback` puts back
        self._answers: dict[str, Any] | None = None  # what the answers the move saves were (most save none)
        self.now = host.clock.now() if now is None else now  # a call's start: the time it started at
        self._context: CallContext | None = None
        # the session's context as of `state`: taken up and changed in place, each change
        # noted so that `undo` puts it back when the move fails (no copy of the whole context)
        self._base = context
        self._undo: dict[str, Any] = {}
        self.moves = 0
        self._entering = False  # a step is being entered: a further `enter` is queued, not nested
        self._next: str | None = None
        state.move += 1
        self.asked = 0  # effects asked for in this move: the last part of their keys
        # what the host did in this move: a tuple, made anew by the rare move that performs an
        # effect (a list per move would be one more object for the garbage collector to walk
        # while the move's screen is not shown)
        self.performed: tuple[dict[str, Any], ...] = ()
        # kept for the session while the move's screen is not shown: the view before the move
        # (None if it was never read) and the instant it is of (None: a start's or a resume's,
        # shown at the time it is read), put back if the move is undone
        self.view_before: View | None = None
        self.view_before_at: datetime | None = None

    # --- context ------------------------------------------------------------------------

    @property
    def base(self) -> CallContext | None:
        """The session's context before the move (what `undo` puts back), if it had one."""
        return self._base

    def cached_context(self) -> CallContext | None:
        """The context as it stands after the move, if one was built (the view reuses it)."""
        return self._context

    def context(self) -> CallContext:
        if self._context is None:
            if self._base is None:
                self._context = self.host.contexts.build(self.state, self.now)
            else:
                # the clock is the move's own: whoever reads a session's context next sets it
                # first (the next move, `Session.view`), so a failed move has none to undo
                self._context = self._base
                self._base.clock.set(self.now)
        return self._context

    def _put(self, name: str, value: Any) -> None:
        """The state changed what the context shows as `name`: keep the context in step (a
        context built afresh later reads the state itself)."""
        context = self._context
        if context is None:
            if self._base is None:
                return
            context = self.context()
        if context is self._base and name not in self._undo:
            before = dict.get(context, name, _ABSENT)  # the own layer: what `undo` puts back
            if before is value:
                return  # shown already (the flow a step is entered in, most moves): nothing to undo
            self._undo[name] = before
        context[name] = value

    def rollback(self) -> None:
        """The move failed: put the state and the session's context back as they were."""
        self.state.restore(self._saved, self._answers)
        self.undo()

    def undo(self) -> None:
        """Put the session's context back as it was before this move."""
        base = self._base
        if base is not None:
            for name, value in self._undo.items():
                if value is _ABSENT:
                    base.pop(name, None)
                else:
                    base[name] = value
        self._undo.clear()

    def recount(self) -> None:
        """A rule's count changed: the context shows the new counts (noted, as every change)."""
        self._put("rules", self.host.contexts.rules(self.state))

    def store(self, name: str, value: Any, *, own: bool = False) -> None:
        """Save `value` under `name` (`caller.phone`: a part of `caller`) as plain data.
        `own`: the value is the call's own plain data already (an effect's result as `request`
        keeps it, a lookup's result), saved as it is: the call never changes a value in place
        (a part saved builds new maps), so the answers and the effects log may share it."""
        answers = self.state.vars
        head, dotted, _ = name.partition(".")
        kept = self._answers
        if kept is None:
            kept = self._answers = {}
        note_answer(kept, answers, head)
        if dotted and not isinstance(answers.get(head), dict):
            # every part a flow can save under `head` exists (as None) once one part is saved
            answers[head] = self.host.contexts.blank_record(head)
        set_path(answers, name, value if own else plain(value))  # JSON data only (dates as ISO text)
        # the render context reads the answers through: it shows the new one already

    # --- where the call stands -----------------------------------------------------------

    def flow(self) -> CompiledFlow:
        return self.compiled.flows[self.state.stack[-1][0]]

    def step(self) -> CompiledStep:
        flow, step = self.state.stack[-1]  # where the call stands (read a few times a move)
        return self.compiled.flows[flow].steps[step]

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
        flow = state.stack[-1][0]
        step = self.compiled.flows[flow].steps[step_id]
        state.stack[-1] = [flow, step_id]  # a new frame: the checkpoint's copy of the stack shares the old one
        state.path.append(step.where)
        self._put("flow", self.host.contexts.flow_info(flow))
        state.attempts, state.error = 0, None
        if state.results:  # most steps show no lookup results: no new list to make (and drop)
            state.results = []
        if state.phase != "step":
            self.to(phases.ARRIVE)
        for name, condition in step.sets:
            self.store(name, condition.value(self.context()))
        kind = step.kind
        if kind == "branch":
            self.advance(ADVANCE)
        elif step.say is None or kind == "say":
            self.act(step)
        # else: a `say` before a `do`, `call` or `end` is read first; the answer acts

    def act(self, step: CompiledStep) -> None:
        """What a `do`, `call` or `end` step does once the agent has read its `say`."""
        kind = step.kind
        if kind == "do":
            if self.compiled.confirmation(step) is not None:
                self.to(phases.CONFIRM)
            else:
                perform.perform(self, step)
        elif kind == "call":
            self.call(step)
        elif kind == "end":
            self.finish(step)

    def advance(self, trigger: str) -> None:
        """Leave the current step by `trigger`: the flow's machine, fired from it, picks the branch."""
        state = self.state
        flow, current = state.stack[-1]
        compiled = self.compiled.flows[flow]
        dest = compiled.fire(trigger, current, self)
        if dest is None:
            raise FlowRuntimeError(f"no branch of step `{current}` in flow `{flow}` applies")
        if trigger == ADVANCE and compiled.steps[current].kind in ("say", "ask"):
            state.trail.append(current)
        self.enter(dest)

    def call(self, step: CompiledStep) -> None:
        assert isinstance(step.model, CallStep)
        callee = step.model.call
        if len(self.state.stack) >= MAX_CALL_DEPTH:
            raise FlowRuntimeError(f"sub-flows nested more than {MAX_CALL_DEPTH} deep (calling `{callee}`)")
        self.state.stack.append([callee, self.compiled.flows[callee].flow.start])
        self.state.clear_trail()
        self.enter(self.compiled.flows[callee].flow.start)

    def finish(self, step: CompiledStep) -> None:
        """An `end`: back to the calling flow, or the call is over and wrap-up begins."""
        state, model = self.state, step.model
        assert isinstance(model, EndStep)
        outcome = model.end or "resolved"
        if outcome == INHERIT:
            outcome = state.last_outcome or "resolved"
        self.preset(model.reason, model.close, step.description)
        if len(state.stack) > 1:
            state.stack.pop()
            state.clear_trail()
            state.last_outcome = outcome
            caller = self.step()
            if isinstance(caller.model, Saving) and caller.model.save:
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
        state.clear_trail()
        if state.results:
            state.results = []
        state.wrapup = {"reason": None, "close": None, "queue": None, "description": None}
        state.wrapup_step = "reason"

    # --- answers -------------------------------------------------------------------------

    def answer(self, raw: Any) -> None:
        state = self.state
        state.notice = None
        phase = state.phase
        if phase == "ended":
            raise InputError(_("the call has ended"), state.step)
        if phase == "wrapup":
            wrapup.answer(self, raw)
            return
        step = self.step()
        if phase == "wait":
            waited = ", ".join(f"`{p['name']}`" for p in state.pending)
            raise InputError(_("waiting for the result of {effects}").format(effects=waited), step.id)
        if phase == "failed":
            perform.perform(self, step)  # try the effect again
            return
        if phase == "confirm":
            if answers.yes_no(raw if raw is not None else "yes"):
                perform.perform(self, step)
            else:
                self.back()
            return
        model = step.model
        if model.kind == "say":
            self.advance(ADVANCE)
            return
        if model.kind in ("do", "call", "end"):
            self.act(step)
            return
        assert isinstance(model, AskStep) and model.answer is not None
        if model.answer.kind == "lookup":
            perform.lookup(self, step, raw)
            return
        value = self.parse(step, raw)
        if model.save:
            self.store(model.save, value)
        self.advance(ADVANCE)

    def parse(self, step: CompiledStep, raw: Any) -> Any:
        model = step.model
        assert isinstance(model, AskStep) and model.answer is not None
        answer = model.answer
        if blank(raw):
            if step.default is not None:
                raw = render_value(step.default, self.context(), self.state.language)
            if blank(raw):
                if model.optional:
                    return [] if answer.kind == "multi" else None
                raise InputError(_("an answer is needed"), step.id)
        # only a pick reads the options: the other kinds need not make them (nor their labels)
        kind = answer.kind
        options: Sequence[answers.Choice] = ()
        if kind in ("choice", "multi"):
            # a choice typed as a key needs that option alone (`choices`)
            named = answers.spelling(raw) if kind == "choice" else None
            options = choices(step, self.context(), self.state.language, named)
        phone, message = self.compiled.pack.phone, step.message
        return answers.parse(
            answer,
            raw,
            options=options,
            # only for the kinds that read it: a refused text or number makes no context
            now=self.local_now() if kind in answers.MOMENTS else None,
            phone_digits=phone.digits,
            phone_region=phone.region,
            mismatch=(lambda: message.render(self.context(), self.state.language)) if message else None,
        )

    def invalid(self, error: InputError) -> bool:
        """Count an invalid answer where the step caps them; True when the cap moved on."""
        attempts = capped_attempts(self.compiled, self.state)
        if attempts is None:
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
            raise InputError(_("you cannot go back from here"), step.id)
        # the trail only grows in place (a failed move cuts it back to its length): going
        # back makes a shorter one
        previous, state.trail = state.trail[-1], state.trail[:-1]
        state.stack[-1] = [state.flow, previous]  # a new frame (see `arrive`)
        state.path.append(self.flow().steps[previous].where)
        self.to(phases.BACK)
        state.attempts, state.error = 0, None

    def local_now(self) -> datetime:
        """The move's time in the pack's time zone: the context's `now` (worked out once a move)."""
        local: datetime = self.context()["now"]
        return local
