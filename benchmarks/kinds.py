"""Every kind of answer, timed over whole bundled calls: the scenarios of every bundled pack.

Each scenario (`flows/*/tests/*.yaml`) is played once as `callguide test` plays it (its
pack, clock, sample data and canned effect results); before each move the session is
snapshotted. A move is then timed on a live session standing just before it: resumed from
the snapshot taken one move earlier and moved once, its screen shown (untimed), so that it
holds its render context as a session that has been answering does. The moves are grouped
by kind (what the agent saw and what the move did) and each kind is one timed operation of
the pool, cycling through every move of that kind in every scenario: its figure is the
average over the bundled calls, not the cheapest example.

A move builds no view (views are built when read): each kind's screen, read after its
move, is a timed operation of its own, reported beside the move, so that what a host that
shows every screen pays is in the report too.
"""

from __future__ import annotations

import copy
import random
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

from callguide import EffectFailed, EffectRequest, Engine, InputError, Session, machines
from callguide.effects import Handler
from callguide.problems import CallguideError
from callguide.testing import _Runner, find_scenarios, load_scenario, pack_of
from transitions.core import EventData

from benchmarks.harness import Pool, Row, Stats, at_most, timed_between

TIMED_MOVES = ("answer", "event", "back", "hangup", "resolve", "fail")
CALL_ID = "kinds"  # every replay of a scenario is the same call: its effects have the same keys
TRIGGER_LIMIT = 2.0
SCREEN = ".screen"  # a kind's key, and this: the screen read after its move
# rare kinds timed together: they parse the same way
_MERGED = {
    "answer: date": "answer: date / time",
    "answer: time": "answer: date / time",
    "answer: datetime": "answer: date / time",
    "rule event (performs an effect)": "rule event",
}  # every kind <= 2x a raw trigger on a shared 12-state machine


@dataclass(slots=True)
class Move:
    """One move of a scenario, and how to put a live session just before it."""

    engine: Engine
    before_previous: dict[str, Any] | None  # snapshot one move earlier (None: the move is the first)
    previous: tuple[str, Any] | None
    start: tuple[str, dict[str, Any], str | None]  # flow, given, language: for the first move
    move: tuple[str, Any]
    entered: int  # the steps the move entered (each one a fire of the flow's machine, or more)
    fired: int  # the `transitions` triggers the move fired: its flows', the phases', the rules'...

    def live(self) -> Session:
        """A session standing just before the move, as one that has been answering."""
        if self.before_previous is None or self.previous is None:
            flow, given, language = self.start
            return self.engine.start(flow, given, language=language, call_id=CALL_ID)
        session = self.engine.resume(self.before_previous)
        apply(session, self.previous)
        session.view  # noqa: B018 (shown, as a host shows each screen before the agent answers)
        return session

    def made(self) -> Session:
        """A live session that has just made the move, its screen not read yet."""
        session = self.live()
        apply(session, self.move)
        return session


@dataclass(slots=True)
class Kinds:
    moves: dict[str, list[Move]] = field(default_factory=dict)
    scenarios: int = 0
    skipped: list[str] = field(default_factory=list)


def apply(session: Session, move: tuple[str, Any]) -> None:
    kind, value = move
    # the refusals the scenarios expect, caught as a host catches them: `contextlib.suppress`
    # (three calls of its own) cost the timed moves about 0.8 µs each, a ninth of a trigger
    try:
        if kind == "answer":
            session.answer(value)
        elif kind == "event":
            session.signal(value)
        elif kind == "back":
            session.back()
        elif kind == "hangup":
            session.hang_up(value if isinstance(value, str) else "dropped")
        elif kind == "resolve":
            session.resolve(value)
        else:
            session.fail(str(value))
    except InputError:
        pass


def kind_of(session: Session, move: tuple[str, Any]) -> str:
    """What the move is, from what the agent saw before it and what it did."""
    what, _ = move
    if what != "answer":
        return {"event": "rule event", "back": "back", "hangup": "hang up"}.get(what, "effect result")
    view = session.view
    if view.kind == "ask" and view.answer is not None:
        return f"answer: {view.answer['type']}"
    return {"say": "answer: say (read on)", "confirm": "answer: confirm", "wrapup": "answer: wrap-up field"}.get(
        view.kind, f"answer: {view.kind}"
    )


def collect(packs: Sequence[Path]) -> Kinds:
    """Play every scenario of `packs` once, sorting its moves into kinds."""
    found = Kinds()
    for path in find_scenarios([pack / "tests" for pack in packs]):
        try:
            document = load_scenario(path)
            spec: dict[str, Any] = document.data
            root = pack_of(path)
            assert root is not None
            runner = _Runner(document, spec, root)
        except (CallguideError, AssertionError) as error:
            found.skipped.append(f"{path.name}: {error}")
            continue
        play = spec.get("play") or []
        if any("wait" in move for move in play):
            found.skipped.append(f"{path.name}: waits (a frozen clock that moves)")
            continue
        engine = runner.engine
        tape: dict[tuple[str, str], Any] = {}
        for name, handler in list(engine.handlers.items()):
            engine.handlers[name] = _taped(handler, tape)
        start = (str(spec["flow"]), dict(spec.get("given") or {}), spec.get("language"))
        try:
            session = engine.start(start[0], start[1], language=start[2], call_id=CALL_ID)
        except CallguideError:
            continue  # a scenario whose call is refused at the start has no moves
        found.scenarios += 1
        snapshots: list[dict[str, Any]] = []
        moves: list[tuple[str, Any]] = []
        for step in play:
            kinds = [key for key in TIMED_MOVES if key in step]
            if not kinds:
                continue
            move = (kinds[0], step[kinds[0]])
            snapshots.append(session.snapshot())
            kind = kind_of(session, move)
            walked = len(session.state.path)
            refused = False
            try:
                with _counted_fires() as fired:
                    apply_strict(session, move)
            except InputError:
                refused = True
            except CallguideError:
                break
            if refused:
                kind = "refused answer" if move[0] == "answer" else f"refused {kind}"
            elif len(session.state.effects) > _effects(snapshots[-1]):
                kind = "answer that performs an effect" if move[0] == "answer" else f"{kind} (performs an effect)"
            kind = _MERGED.get(kind, kind)
            index = len(moves)
            moves.append(move)
            made = Move(
                engine,
                snapshots[index - 1] if index else None,
                moves[index - 1] if index else None,
                start,
                move,
                len(session.state.path) - walked,
                fired[0],
            )
            try:
                apply(made.live(), move)
            except CallguideError as error:  # replayed on its own, the move goes elsewhere
                found.skipped.append(f"{path.name} move {index + 1}: {error}")
                continue
            found.moves.setdefault(kind, []).append(made)
    return found


@contextmanager
def _counted_fires() -> Iterator[list[int]]:
    """Count the triggers fired meanwhile (the one-item list holds the count). Every machine
    of the engine is fired by `machines.fire`, which makes one `EventData` a fire: a counting
    one stands in for it while the scenarios are played (never while a move is timed)."""
    count = [0]

    class Counted(EventData):
        def __init__(self, *args: Any) -> None:
            count[0] += 1
            super().__init__(*args)

    machines.EventData = Counted
    try:
        yield count
    finally:
        machines.EventData = EventData


def _taped(handler: Handler, tape: dict[tuple[str, str], Any]) -> Handler:
    """The scenario's effect handler, answering a request it answered before from the tape:
    replayed moves meet the same results (the sample store does not grow under the timing,
    and its costs are not the engine's). A request is known by its idempotency key: a
    replayed move is the same move of the same call (`CALL_ID`), asking the same effects."""

    def handle(request: EffectRequest) -> Any:
        key = (request.name, request.key)
        if key not in tape:
            try:
                tape[key] = (True, handler(request))
            except EffectFailed as failure:
                tape[key] = (False, failure)
        done, result = tape[key]
        if not done:
            # a new exception, as a handler raises one: the taped one raised again would
            # chain every replay's frames onto its traceback, keeping them (and the moves
            # and sessions they hold) alive, for the collector to go through at every move
            raise copy.copy(result)
        return result

    return handle


def apply_strict(session: Session, move: tuple[str, Any]) -> None:
    """`apply`, letting a refusal through."""
    kind, value = move
    if kind != "answer":
        apply(session, move)
        return
    session.answer(value)


def _effects(snapshot: Mapping[str, Any]) -> int:
    return len(snapshot["state"]["effects"])


def kinds_plan(kinds: Kinds, pool: Pool, limit: int = 2_000) -> list[str]:
    """One timed operation per kind in `pool`; returns their keys."""
    keys = []
    for kind, moves in sorted(kinds.moves.items()):
        key = f"kinds.{_slug(kind)}"
        pool.add_each(key, partial(_live, moves), _timed, limit=limit)
        pool.add_each(f"{key}{SCREEN}", partial(_made, moves), _read_view, limit=limit)
        keys.append(key)
    return keys


def _live(moves: Sequence[Move], n: int) -> list[tuple[Session, tuple[str, Any]]]:
    """`n` live sessions, each standing before its move, cycling through `moves`."""
    return [(moves[i % len(moves)].live(), moves[i % len(moves)].move) for i in range(n)]


def _timed(item: tuple[Session, tuple[str, Any]]) -> None:
    apply(*item)


def _made(moves: Sequence[Move], n: int) -> list[Session]:
    """`n` live sessions that have each just made their move, cycling through `moves`."""
    return [moves[i % len(moves)].made() for i in range(n)]


def _read_view(session: Session) -> None:
    session.view  # noqa: B018 (the timed operation: the screen built as it is read)


TRIGGER_BETWEEN = "kinds.trigger_between"


def trigger_between_plan(kinds: Kinds, pool: Pool, trigger: Callable[[], object], limit: int = 2_000) -> None:
    """The raw trigger, fired right after each move of every kind (in one mixed order, as a
    call mixes them) and timed alone: a unit to count the kinds in, measured with the machine
    in the state the moves leave it in. Not the targets' unit (a trigger timed in a loop of
    its own); reported beside it, for the owner of the targets to compare."""
    every = [move for _, moves in sorted(kinds.moves.items()) for move in moves]
    if not every:
        return
    random.Random(0).shuffle(every)
    pool.add_trial(TRIGGER_BETWEEN, lambda n: timed_between(trigger, _live(every, n), _timed), limit)


def _slug(kind: str) -> str:
    return "".join(c if c.isalnum() else "_" for c in kind.replace("answer: ", "")).strip("_").replace("__", "_")


def kinds_rows(kinds: Kinds, stats: Mapping[str, Stats], trigger: Stats | None) -> list[Row]:
    """A row per kind: its cost, and its cost in raw triggers against the <= 2x target; and
    the trigger fired between the moves (`trigger_between_plan`), with each kind in it."""
    rows: list[Row] = []
    between = stats.get(TRIGGER_BETWEEN)
    if between is not None:
        against = [f"{between.median / trigger.median:.2f}x the trigger timed in a loop of its own"] if trigger else []
        rows.append(
            Row(
                TRIGGER_BETWEEN,
                "kinds",
                "raw `transitions` trigger fired right after each of these moves, timed alone (not the targets' unit)",
                between.median,
                "s",
                stats=between,
                note="; ".join([*against, "each kind's note gives it in this unit too"]),
            )
        )
    for kind, moves in sorted(kinds.moves.items()):
        found = stats.get(f"kinds.{_slug(kind)}")
        if found is None:
            continue
        packs = len({move.engine.pack.name for move in moves})
        ratio = found.median / trigger.median if trigger is not None else None
        rounds = _round_ratios(found, trigger)
        # the target counts a move as one trigger fired; most moves of a real call fire several
        entered = sum(move.entered for move in moves) / len(moves)
        fired = sum(move.fired for move in moves) / len(moves)
        per_fire = (
            f" ({found.median / fired * 1e6:.1f} µs a trigger it fires"
            + (f", {found.median / fired / trigger.median:.2f}x a raw trigger" if trigger is not None else "")
            + ")"
            if fired
            else ""
        )
        screen = stats.get(f"kinds.{_slug(kind)}{SCREEN}")
        shown = (
            f"; its screen, read after it: {screen.median * 1e6:.1f} µs"
            + (f" ({screen.median / trigger.median:.2f}x a trigger)" if trigger is not None else "")
            if screen is not None
            else ""
        )
        rows.append(
            Row(
                f"kinds.{_slug(kind)}",
                "kinds",
                f"{kind} ({len(moves)} moves in the scenarios of {packs} pack{'s' if packs != 1 else ''})",
                ratio,
                "x",
                f"<= {TRIGGER_LIMIT:g}x a trigger",
                at_most(ratio, TRIGGER_LIMIT),
                found,
                note=f"{found.median * 1e6:.1f} µs per move; {entered:.1f} steps entered and "
                f"{fired:.1f} `transitions` triggers fired per move{per_fire}"
                + (f"; round by round, {rounds.q1:.2f}x to {rounds.q3:.2f}x a trigger (quartiles)" if rounds else "")
                + (f"; {found.median / between.median:.2f}x a trigger fired between the moves" if between else "")
                + shown,
                details={
                    "moves": len(moves),
                    "median_s": found.median,
                    "steps_entered": entered,
                    "triggers_fired": fired,
                    "ratio_q1": rounds.q1 if rounds else None,
                    "ratio_q3": rounds.q3 if rounds else None,
                    "screen_median_s": screen.median if screen is not None else None,
                },
            )
        )
    return rows


def _round_ratios(found: Stats, trigger: Stats | None) -> Stats | None:
    """The kind against the trigger in each round of the pool (both are timed once a round,
    under the same drift): how far from its target the ratio of the medians stands."""
    if trigger is None or not found.samples or len(found.samples) != len(trigger.samples):
        return None
    return Stats.of([move / fire for move, fire in zip(found.samples, trigger.samples, strict=True)], 1)


def describe(kinds: Kinds) -> str:
    note = f"{kinds.scenarios} scenarios played"
    if kinds.skipped:
        note += f"; left out {len(kinds.skipped)}: " + "; ".join(kinds.skipped[:3])
    return note
