"""Sessions: one running call, the public face of the engine.

`Session` shows the view and takes the agent's answers, rule events and the host's effect
results; each is one move of the interpreter (`Turn`), made on the state in place. A move
either completes, or raises and is rolled back: the session is as it was (what the host
performed in it is kept, so that it is never asked for again).

The view is built when it is read, not by the move: a move pays for what it changes, and a
host that reads no screen (a load test, a batch replay) pays for none. The last move stays
undoable until its screen is shown: a screen that cannot be shown undoes the move that led
to it, so an agent is never left at a screen nobody can see. A session is safe to use from
several threads: moves and views are serialised by a lock, and `step=` lets a front end
refuse an answer meant for a screen the session has already left.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable
from contextvars import Token
from datetime import datetime
from typing import Any

from callguide import i18n, perform, rules, wrapup
from callguide.context import CallContext
from callguide.effects import EffectRequest
from callguide.interpreter import Turn, capped_attempts
from callguide.move import Host
from callguide.owned import owned
from callguide.problems import FlowRuntimeError, InputError, RenderError, SessionBusy
from callguide.state import State
from callguide.view import View, build_view


class Session:
    """One call in progress. Create with `Engine.start` or `Engine.resume`."""

    # no per-session __dict__: a host keeps 100,000 of these alive
    __slots__ = ("_context", "_lock", "_state", "_unshown", "_view", "engine")

    def __init__(self, engine: Host, state: State, context: CallContext | None = None) -> None:
        self.engine = engine
        self._state = state
        self._context = context  # the render context of `_state`, taken up by the next move
        self._lock = threading.Lock()
        self._view: View | None = None
        # the last move while its screen has not been shown: undone if it cannot be shown (its
        # journal kept meanwhile, the Turn itself: nothing around it for the collector to walk)
        self._unshown: Turn | None = None

    # --- reading -------------------------------------------------------------------------

    @property
    def state(self) -> State:
        return self._state

    @property
    def view(self) -> View:
        """What the agent sees now (rendered once per state, when it is first read). When the
        screen the last move led to cannot be shown, that move is undone and
        `FlowRuntimeError` says why: the session is back at the screen before it."""
        view = self._view
        if view is None:
            self._acquire()  # a move changes the state in place: not while one is made
            try:
                view = self._view or self._show()  # another thread may have shown it meanwhile
            finally:
                self._lock.release()
        return view

    @property
    def moves(self) -> int:
        """How many moves the call has made: it changes whenever the session does (a refused
        answer changes nothing, unless it is counted or the host performed an effect in it)."""
        return self._state.move

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
        return owned(self._state.vars)  # a copy: changing it changes nothing of the call

    @property
    def pending(self) -> list[EffectRequest]:
        return [EffectRequest(p["id"], p["name"], owned(p["args"]), p["step"], p["key"]) for p in self._state.pending]

    # --- moves ---------------------------------------------------------------------------

    def answer(self, value: Any = None, *, step: str | None = None) -> None:
        """Give the answer to the current question (`None` continues a `say`, or takes the
        default). An invalid answer raises `InputError` and changes nothing (unless the step
        caps invalid answers: then the attempt is counted, and past the cap the call moves on)."""
        self._move(lambda turn: turn.answer(value), step, count_invalid=True)

    def signal(self, event: str, *, step: str | None = None) -> None:
        """A rule event (`insult`, `inaudible`...): a warning, or the rule's consequences."""
        self._move(lambda turn: rules.signal(turn, event), step)

    def back(self, *, step: str | None = None) -> None:
        """Go back to the previous question, where the flow allows it."""
        self._move(lambda turn: turn.back(), step)

    def resolve(self, result: Any = None, *, effect: int | None = None) -> None:
        """The host's result for a pending effect."""
        self._move(lambda turn: perform.settle(turn, effect, result, None), None)

    def fail(self, message: str, *, effect: int | None = None) -> None:
        """The host could not perform a pending effect."""
        self._move(lambda turn: perform.settle(turn, effect, None, message), None)

    def hang_up(self, outcome: str = "dropped", reason: str | None = None) -> None:
        """The line dropped or the agent ends the call now: straight to the wrap-up."""

        def end(turn: Turn) -> None:
            if turn.state.phase in ("wrapup", "ended"):
                raise InputError("the call is already over", self.step)
            if outcome not in self.engine.compiled.outcomes:
                raise InputError(f"`{outcome}` is not an outcome of this pack", self.step)
            del turn.state.stack[1:]
            turn.end_call(outcome, reason)

        self._move(end, None)

    def wrap_up(
        self, reason: str | None = None, close: bool | None = None, queue: str | None = None, description: str = ""
    ) -> dict[str, Any]:
        """Fill in the whole end-of-call form at once; returns the call record."""

        def fill(turn: Turn) -> None:
            if turn.state.phase != "wrapup":
                raise InputError("the call has not ended yet", self.step)
            values = {"reason": reason, "close": close, "queue": queue, "description": description}
            while turn.state.phase == "wrapup":
                wrapup.answer(turn, values[turn.state.wrapup_step or "reason"])
            chosen = turn.state.wrapup
            if close is not None and chosen["close"] != close:
                raise InputError(
                    f"reason `{chosen['reason']}` locks 'close the request' at {'yes' if chosen['close'] else 'no'}",
                    "@close",
                )

        self._move(fill, None)
        record = self.view.record
        assert record is not None
        return record

    def snapshot(self) -> dict[str, Any]:
        """The session as plain JSON-able data, signed and pinned to its flows' versions.
        A move whose screen has not been shown yet is shown first: a snapshot never holds a
        move whose screen cannot be shown (`FlowRuntimeError`, the move undone)."""
        self._acquire()  # a move changes the state in place: not while one is made
        try:
            self._settle()
            return self.engine.snapshots.make(self._state)
        finally:
            self._lock.release()

    def snapshot_text(self, *, signed: bool = True) -> str:
        """The snapshot as JSON text, written once: what a host stores or sends, for
        `Engine.resume` to check its signature over the text as it comes back. `signed=False`
        leaves the signature out, for an engine that trusts unsigned snapshots."""
        self._acquire()
        try:
            self._settle()
            return self.engine.snapshots.make_text(self._state, signed=signed)
        finally:
            self._lock.release()

    def _acquire(self) -> None:
        """Take the session's lock, or raise `SessionBusy` when a move holds it for too long."""
        # a free lock is taken without a timeout first: a timed acquire costs twice as much
        # (and `blocking` by position: as a keyword it costs as much again, parsed by name)
        if not self._lock.acquire(False) and not self._lock.acquire(timeout=5):
            raise SessionBusy("another answer is being applied to this call; try again", self.step)

    def _move(self, apply: Callable[[Turn], None], step: str | None, *, count_invalid: bool = False) -> None:
        self._acquire()
        speaking = _speaking(self._state.language)
        try:
            if step is not None and step != self.step:
                raise InputError(f"this answer was meant for `{step}`, but the call is now at `{self.step}`", self.step)
            try:
                turn = self._try(apply)
            except InputError as error:
                if not count_invalid or capped_attempts(self.engine.compiled, self._state) is None:
                    raise _at_step(error, self.step) from None  # nothing counts it: no move to make
                refused, gave_up, attempts = error, [], self._state.attempts
                turn = self._try(lambda counting: gave_up.append(counting.invalid(refused)))
                if not gave_up[0]:
                    if turn.state.attempts != attempts:
                        self._commit(turn)
                    else:
                        turn.rollback()
                    raise _at_step(error, self.step) from None
            self._commit(turn)
        except RenderError as error:
            raise FlowRuntimeError(str(error)) from None
        finally:
            if speaking is not None:
                i18n.LANGUAGE.reset(speaking)
            self._lock.release()

    def _try(self, apply: Callable[[Turn], None]) -> Turn:
        """A move on the state; when it fails, what the host performed in it is kept all the same."""
        turn = Turn(self.engine, self._state, self._context)
        try:
            apply(turn)
        except BaseException:
            self._undo(turn)
            raise
        return turn

    def _undo(self, turn: Turn) -> None:
        """Roll `turn` back, keeping what the host performed in it (never asked for again)."""
        state = self._state
        moved, next_effect = state.move, state.next_effect
        turn.rollback()
        if turn.performed:
            state.unsettled = [*state.unsettled, *turn.performed]
            state.move, state.next_effect = moved, next_effect
            # the state is no longer as the last move left it: that move can no longer be undone
            self._unshown = None

    def _commit(self, turn: Turn) -> None:
        # the move's context, taken up now (the view and the next move read it)
        self._context = turn.context()
        before = self._unshown  # a move whose screen was never shown: its state is the one before
        turn.view_before, turn.view_before_at = self._view, before.now if before is not None else None
        self._unshown, self._view = turn, None

    def _settle(self) -> None:
        """Show the last move's screen if it has not been shown (under the lock)."""
        if self._unshown is not None and self._view is None:
            self._show()

    def _show(self) -> View:
        """Build the view (under the lock); a screen that cannot be shown undoes the move that
        led to it, and the view before it is put back (made now, of its own move's instant,
        if it was never read)."""
        turn, self._unshown = self._unshown, None
        try:
            return self._build(turn.now if turn is not None else None)
        except BaseException as error:
            if turn is not None:
                self._undo(turn)
                self._context, self._view = turn.base, turn.view_before
                if self._view is None and turn.view_before_at is not None:
                    with contextlib.suppress(RenderError):  # read again, it says why
                        self._build(turn.view_before_at)
            if isinstance(error, RenderError):
                raise FlowRuntimeError(str(error)) from None
            raise

    def _build(self, now: datetime | None) -> View:
        """The view of the state, of instant `now` (None: of a start or a resume, the time now)."""
        now = now or self.engine.clock.now()
        context = self._context  # the last move's, or kept from `start`, or built by `resume`
        if context is not None:
            context.clock.set(now)  # the move's own instant, as when it was made
        speaking = _speaking(self._state.language)
        try:
            view = self._view = build_view(self.engine.contexts, self._state, now, context)
        finally:
            if speaking is not None:
                i18n.LANGUAGE.reset(speaking)
        return view


def _speaking(language: str) -> Token[str] | None:
    """The engine's messages in the call's language: set (to be reset) only when it is another."""
    return i18n.use(language) if i18n.LANGUAGE.get() != language else None


def _at_step(error: InputError, step: str) -> InputError:
    """The error, naming the step the agent answered at when it names none (a kind of
    `InputError` of its own keeps its wording)."""
    return error.at_step(step) if error.step is None and type(error) is InputError else error
