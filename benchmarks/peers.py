"""The same call on peers: a dict table (the floor), raw `transitions`, `python-statemachine`
and `sismic`, each built from `callpath` and played move by move.

Each peer keeps the answers in a dict and, at each move, stores the answer and fires one
`advance` event whose branches are tried in order (sismic wants branches that exclude one
another, so each of its guards also says that the earlier ones do not hold). `start()`
makes a call at the first step; `move()` plays one answer; `one_step()` gives what the
single-transition measurement times: the `reason` -> `existing` move of the engine's
one-answer measurement.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from contextlib import suppress
from functools import partial
from typing import Any, Protocol

from benchmarks import callpath
from benchmarks.harness import Pool, Row, Settings, Stats, unavailable


class Peer(Protocol):
    name: str
    title: str

    def start(self) -> Any: ...

    def move(self, call: Any, state: str, value: Any) -> None: ...

    def state_of(self, call: Any) -> str: ...

    def finish(self, call: Any) -> None: ...

    def one_step(self) -> tuple[Callable[[int], Sequence[Any]], Callable[[Any], object]]: ...


def play(peer: Peer) -> Any:
    """The whole call on `peer`; returns the finished call."""
    call = peer.start()
    for state, value in callpath.MOVES:
        peer.move(call, state, value)
    peer.finish(call)
    return call


def verify(peer: Peer) -> None:
    """Check the peer really plays the call: every move lands where the flow goes."""
    call = peer.start()
    for (state, value), expected in zip(callpath.MOVES, callpath.PATH[1:], strict=True):
        if peer.state_of(call) != state:
            raise AssertionError(f"{peer.name}: at {peer.state_of(call)!r}, expected {state!r}")
        peer.move(call, state, value)
        if peer.state_of(call) != expected:
            raise AssertionError(f"{peer.name}: moved to {peer.state_of(call)!r}, expected {expected!r}")
    peer.finish(call)


# --- the floor: a hand-written table -------------------------------------------------------


class DictTable:
    """A dict from state to (answer name, branches): what the path costs in plain Python."""

    name = "dict"
    title = "hand-written dict state table"

    def __init__(self) -> None:
        self.table: dict[str, tuple[str | None, tuple[tuple[str, callpath.Guard | None], ...]]] = {
            step.name: (
                step.save,
                tuple((b.dest, callpath.guard(b.condition) if b.condition else None) for b in step.branches),
            )
            for step in callpath.STEPS
        }

    def start(self) -> dict[str, Any]:
        return {"state": callpath.INITIAL, "answers": {}}

    def move(self, call: dict[str, Any], state: str, value: Any) -> None:
        save, branches = self.table[call["state"]]
        answers = call["answers"]
        if save is not None:
            answers[save] = value
        for dest, condition in branches:
            if condition is None or condition(answers):
                call["state"] = dest
                return
        # no branch applies: the answer is refused, the call stays where it is

    def state_of(self, call: dict[str, Any]) -> str:
        return str(call["state"])

    def finish(self, call: Any) -> None:
        """Nothing to release."""

    def one_step(self) -> tuple[Callable[[int], Sequence[Any]], Callable[[Any], object]]:
        call = self.start()

        def prepare(n: int) -> Sequence[Any]:
            return [call] * n

        def step(call: dict[str, Any]) -> None:
            call["state"] = callpath.ONE_STEP
            self.move(call, callpath.ONE_STEP, callpath.ONE_ANSWER)

        return prepare, step


# --- raw transitions -----------------------------------------------------------------------


class CallModel:
    """The model `transitions` moves: its state attribute and the answers."""

    def __init__(self) -> None:
        self.answers: dict[str, Any] = {}
        self.state = callpath.INITIAL


def _transitions_machine(model: Any) -> Any:
    """The call path as a `transitions` Machine, bound to `model` (or to none)."""
    from transitions import Machine

    states, moves = _transitions_definition()
    return Machine(
        model=model,
        states=states,
        transitions=moves,
        initial=callpath.INITIAL,
        auto_transitions=False,
        send_event=True,
    )


def _transitions_definition() -> tuple[list[str], list[dict[str, Any]]]:
    moves: list[dict[str, Any]] = []
    for step in callpath.STEPS:
        for branch in step.branches:
            condition = callpath.guard(branch.condition) if branch.condition else None
            moves.append(
                {
                    "trigger": "advance",
                    "source": step.name,
                    "dest": branch.dest,
                    "conditions": [_event_guard(condition)] if condition else [],
                }
            )
    return list(callpath.STATES), moves


def _event_guard(condition: callpath.Guard) -> Callable[[Any], bool]:
    def check(event: Any) -> bool:
        return condition(event.model.answers)

    return check


class RawTransitions:
    """`transitions.Machine` as its docs use it: models added to a machine, `model.advance()`.

    One machine holds the states; each call is a model added to it for the call and
    removed after (one machine per call would cost milliseconds to build)."""

    name = "transitions"
    title = "raw transitions (Machine + model)"

    def __init__(self) -> None:
        self.machine = _transitions_machine(None)
        self.saves = {step.name: step.save for step in callpath.STEPS}

    def start(self) -> CallModel:
        call = CallModel()
        self.machine.add_model(call)
        return call

    def finish(self, call: CallModel) -> None:
        self.machine.remove_model(call)

    def move(self, call: Any, state: str, value: Any) -> None:
        save = self.saves[call.state]
        if save is not None:
            call.answers[save] = value
        call.advance()

    def state_of(self, call: Any) -> str:
        return str(call.state)

    def one_step(self) -> tuple[Callable[[int], Sequence[Any]], Callable[[Any], object]]:
        call = CallModel()
        _transitions_machine(call)  # binds the call, as a host with one model would

        def prepare(n: int) -> Sequence[Any]:
            return [call] * n

        def step(call: Any) -> None:
            call.state = callpath.ONE_STEP  # where the trigger starts from; an attribute store
            call.answers["reason"] = callpath.ONE_ANSWER
            call.advance()

        return prepare, step


# --- python-statemachine -------------------------------------------------------------------


class PythonStatemachine:
    """A `StateMachine` class made from the path; one machine object per call."""

    name = "python-statemachine"
    title = "python-statemachine"

    def __init__(self) -> None:
        from statemachine import State, StateMachine
        from statemachine.exceptions import TransitionNotAllowed

        self.refused = TransitionNotAllowed

        states = {
            name: State(name, value=name, initial=name == callpath.INITIAL, final=name == callpath.FINAL)
            for name in callpath.STATES
        }
        advance: Any = None
        for step in callpath.STEPS:
            for branch in step.branches:
                condition = callpath.guard(branch.condition) if branch.condition else None
                options = {"cond": _model_guard(condition)} if condition else {}
                move = states[step.name].to(states[branch.dest], **options)
                advance = move if advance is None else advance | move
        namespace: dict[str, Any] = {**states, "advance": advance}
        self.machine_class: Any = type("BboxxIncoming", (StateMachine,), namespace)
        self.saves = {step.name: step.save for step in callpath.STEPS}

    def start(self) -> Any:
        return self.machine_class(model=CallModel())

    def move(self, call: Any, state: str, value: Any) -> None:
        save = self.saves[call.model.state]
        if save is not None:
            call.model.answers[save] = value
        with suppress(self.refused):  # a refused answer: no guard holds
            call.send("advance")

    def state_of(self, call: Any) -> str:
        return str(call.model.state)

    def finish(self, call: Any) -> None:
        """Nothing to release."""

    def one_step(self) -> tuple[Callable[[int], Sequence[Any]], Callable[[Any], object]]:
        return fresh_calls_one_step(self)


def _model_guard(condition: callpath.Guard) -> Callable[..., bool]:
    def check(model: Any) -> bool:
        return condition(model.answers)

    return check


# --- sismic --------------------------------------------------------------------------------


class Sismic:
    """A sismic statechart built in code; one `Interpreter` per call, guards as Python text."""

    name = "sismic"
    title = "sismic"

    def __init__(self) -> None:
        from sismic.model import BasicState, CompoundState, FinalState, Statechart, Transition

        chart = Statechart("bboxx_incoming")
        chart.add_state(CompoundState("call", initial=callpath.INITIAL), parent=None)
        for name in callpath.STATES:
            state = FinalState(name) if name == callpath.FINAL else BasicState(name)
            chart.add_state(state, parent="call")
        for step in callpath.STEPS:
            earlier: list[str] = []
            for branch in step.branches:
                parts = [f"not ({condition})" for condition in earlier]
                if branch.condition:
                    parts.append(f"({branch.condition})")
                    earlier.append(branch.condition)
                guard = " and ".join(parts) or None
                chart.add_transition(Transition(step.name, branch.dest, event="advance", guard=guard))
        chart.validate()
        self.chart = chart
        self.saves = {step.name: step.save for step in callpath.STEPS}

    def start(self) -> Any:
        from sismic.interpreter import Interpreter

        interpreter = Interpreter(self.chart, initial_context={"answers": {}})
        interpreter.execute_once()  # enters the initial state
        return interpreter

    def move(self, call: Any, state: str, value: Any) -> None:
        save = self.saves[state]
        if save is not None:
            call.context["answers"][save] = value
        call.queue("advance")
        call.execute_once()

    def state_of(self, call: Any) -> str:
        if call.final:
            return callpath.FINAL
        leaves = [name for name in call.configuration if name != "call"]
        return str(leaves[0])

    def finish(self, call: Any) -> None:
        """Nothing to release."""

    def one_step(self) -> tuple[Callable[[int], Sequence[Any]], Callable[[Any], object]]:
        return fresh_calls_one_step(self)


def fresh_calls_one_step(peer: Peer) -> tuple[Callable[[int], Sequence[Any]], Callable[[Any], object]]:
    """The one-transition measure for a peer whose call cannot be put back: a fresh call
    per round, moved past the greeting beforehand."""

    def prepare(n: int) -> Sequence[Any]:
        made = []
        for _ in range(n):
            call = peer.start()
            peer.move(call, "greeting", None)
            made.append(call)
        return made

    def step(call: Any) -> None:
        peer.move(call, callpath.ONE_STEP, callpath.ONE_ANSWER)

    return prepare, step


def all_peers() -> list[tuple[str, Callable[[], Peer]]]:
    """The peers by name, each made on demand (python-statemachine and sismic are the
    `bench` extra: a missing one is reported, not fatal)."""
    return [
        ("dict", DictTable),
        ("transitions", RawTransitions),
        ("python-statemachine", PythonStatemachine),
        ("sismic", Sismic),
    ]


# --- the measurements ------------------------------------------------------------------------


def peer_plan(settings: Settings, pool: Pool) -> Callable[[Mapping[str, Stats]], list[Row]]:
    """Per peer: the whole call, and the single `reason` -> `existing` transition, put in
    `pool`; returns what makes their rows from the stats."""
    moves = len(callpath.MOVES)
    shape = f"{len(callpath.STATES)} states, {callpath.transitions_count()} transitions"
    missing: dict[str, str] = {}
    titles: dict[str, str] = {}
    for name, make in all_peers():
        try:
            peer = make()
            verify(peer)
        except ImportError as error:
            missing[name] = f"not installed ({error.name}): install the `bench` extra"
            continue
        titles[name] = peer.title
        pool.add(f"peers.{name}.call", partial(play, peer))
        prepare, step = peer.one_step()
        pool.add_each(f"peers.{name}.one", prepare, step, limit=5_000 if name in SLOW else 200_000)

    def build(stats: Mapping[str, Stats]) -> list[Row]:
        rows: list[Row] = []
        for name, _ in all_peers():
            if name in missing:
                why = missing[name]
                rows.append(unavailable(f"peers.{name}.call", "peers", f"{name}: the whole call", "s", "", why))
                rows.append(unavailable(f"peers.{name}.one", "peers", f"{name}: one transition", "s", "", why))
                continue
            whole, one = stats[f"peers.{name}.call"], stats[f"peers.{name}.one"]
            title = titles[name]
            note = shape if name == "dict" else ""
            rows.append(
                Row(
                    f"peers.{name}.call",
                    "peers",
                    f"{title}: the whole call ({moves} moves)",
                    whole.median,
                    "s",
                    stats=whole,
                    note=note,
                )
            )
            rows.append(
                Row(
                    f"peers.{name}.one",
                    "peers",
                    f"{title}: one transition `reason` -> `existing` (store the answer, fire `advance`)",
                    one.median,
                    "s",
                    stats=one,
                )
            )
        return rows

    return build


SLOW = frozenset({"python-statemachine", "sismic"})
