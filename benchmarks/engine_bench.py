"""The engine's measurements: loading packs, one session's moves, many live sessions.

Only the public API is timed (`Engine.load`, `Engine.start`, `Session.view`, `.answer`,
`.wrap_up`, `.snapshot`, `Engine.resume`); one diagnostic row reaches inside to time the
compiled `transitions` event a move fires, to show how much of an answer it is.
"""

from __future__ import annotations

import gc
import json
import os
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable, Mapping, Sequence
from contextlib import suppress
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

import yaml
from callguide import EffectRequest, Engine, FlowError, InputError, Session, View
from callguide.state import State
from transitions import Machine

from benchmarks.generated import write_pack
from benchmarks.harness import (
    Pool,
    Row,
    Settings,
    Stats,
    at_most,
    measure,
    measure_each,
    measure_once,
    unavailable,
)

ROOT = Path(__file__).resolve().parent.parent
FLOWS = ROOT / "flows"
SCENARIO = FLOWS / "bboxx" / "tests" / "incoming_new_caller_technical.yaml"
US = 1e-6
MS = 1e-3
SCALE_ROUNDS = 2  # rounds of `live` live sessions, each between two rounds of 1 live


def bundled_packs() -> list[Path]:
    return sorted(manifest.parent for manifest in FLOWS.glob("*/pack.yaml"))


# --- a host for the benchmarks: effects answered in memory -----------------------------------


class MemoryHost:
    """Answers every effect at once, in memory: the timings are the engine's, not SQLite's."""

    def __init__(self) -> None:
        self.count = 0

    def __call__(self, request: EffectRequest) -> Any:
        self.count += 1
        if request.name.startswith("lookup."):
            return []
        return {"id": f"C-{self.count}", **request.args}


def show(session: Session) -> View:
    """Render (and keep) the session's view, as a host does before showing the call."""
    return session.view


def answered(value: Any) -> Callable[[Session], View]:
    """An answer and the screen it leads to: what a host that shows every screen pays (a
    move builds no view; the view is built when read)."""

    def answer(session: Session) -> View:
        session.answer(value)
        return session.view

    return answer


def warm_up(engine: Engine, call: Call, seconds: float = 1.0) -> None:
    """Play the call for a while: templates compiled, caches and the CPU warm."""
    until = time.perf_counter() + seconds
    while time.perf_counter() < until:
        call.whole(engine)


def bench_engine(pack: Path = FLOWS / "bboxx") -> Engine:
    engine = Engine.load(pack)
    host = MemoryHost()
    for name in engine.compiled.effects:
        engine.handle(name, host)
    engine.handle("lookup", host)
    return engine


# --- the Bboxx incoming call, from its scenario file ------------------------------------------


@dataclass(slots=True)
class Call:
    """The moves of a scenario, ready to replay against the engine."""

    flow: str
    context: dict[str, Any]
    moves: list[tuple[str, Any]]
    wrapup: dict[str, Any]
    path: list[str] = field(default_factory=list)
    outcome: str | None = None

    @classmethod
    def from_scenario(cls, path: Path = SCENARIO) -> Call:
        spec = yaml.safe_load(path.read_text(encoding="utf-8"))
        moves: list[tuple[str, Any]] = []
        for move in spec.get("play", []):
            kinds = [kind for kind in ("answer", "event") if kind in move]
            if not kinds and set(move) == {"expect"}:
                continue  # an expectation of the view before the first move
            if len(kinds) != 1 or set(move) - {"answer", "event", "expect"}:
                raise ValueError(f"{path}: the benchmark replays answers and events only, not {move}")
            moves.append((kinds[0], move[kinds[0]]))
        expect = spec.get("expect", {})
        return cls(
            flow=spec["flow"],
            context=spec.get("given", {}),
            moves=moves,
            wrapup=spec.get("wrapup", {}),
            path=list(expect.get("path", [])),
            outcome=expect.get("outcome"),
        )

    def start(self, engine: Engine) -> Session:
        return engine.start(self.flow, context=self.context)

    def play(self, session: Session, upto: int | None = None) -> Session:
        for kind, value in self.moves[:upto]:
            if kind == "answer":
                with suppress(InputError):  # the refusals the scenario expects
                    session.answer(value)
            else:
                session.signal(value)
            show(session)  # every screen, as the agent sees it
        return session

    def whole(self, engine: Engine) -> dict[str, Any]:
        session = self.play(self.start(engine))
        record: dict[str, Any] = session.wrap_up(**self.wrapup)
        return record

    def verify(self, engine: Engine) -> dict[str, Any]:
        """Play once and check the call went where its scenario says (so we time the real call)."""
        record = self.whole(engine)
        path = [entry.split(":", 1)[-1] for entry in record.get("path", [])]
        if self.path and path != self.path:
            raise AssertionError(f"the benchmark call went {path}, its scenario expects {self.path}")
        if self.outcome and record.get("outcome") != self.outcome:
            raise AssertionError(f"the benchmark call ended {record.get('outcome')}, expected {self.outcome}")
        return record

    @property
    def answers(self) -> int:
        return sum(1 for kind, _ in self.moves if kind == "answer")


# --- loading -------------------------------------------------------------------------------------


def loadable(packs: Sequence[Path]) -> tuple[list[Path], list[str]]:
    """The packs that load; the others are named with their first problem."""
    good: list[Path] = []
    bad: list[str] = []
    for pack in packs:
        try:
            Engine.load(pack)
        except FlowError as error:
            first = str(error).splitlines()[0] if str(error) else "problems"
            bad.append(f"{pack.name}: {first}")
        else:
            good.append(pack)
    return good, bad


def load_rows(settings: Settings) -> list[Row]:
    """In this (warm) process: each bundled pack's read + check and compile, for the table
    of packs. The cold and cached figures with targets are fresh processes (`processes`)."""
    from callguide.check import check_pack
    from callguide.compile import compile_pack

    packs, broken = loadable(bundled_packs())
    per_pack: dict[str, dict[str, float | int]] = {}
    for pack in packs:
        checked = measure_once(partial(check_pack, pack), settings.load_repeat)
        result = check_pack(pack)
        assert result.pack is not None
        compiled = measure_once(partial(compile_pack, result.pack), settings.load_repeat)
        per_pack[pack.name] = {
            "flows": len(result.pack.flows),
            "steps": sum(len(flow.steps) for flow in result.pack.flows.values()),
            "read_and_check_s": checked.median,
            "compile_s": compiled.median,
        }
    total = sum(float(part["read_and_check_s"]) + float(part["compile_s"]) for part in per_pack.values())
    note = f"not loadable, left out: {'; '.join(broken)}" if broken else "imports done: not a cold figure"
    return [
        Row(
            "load.bundled.in_process",
            "load",
            f"all bundled packs ({len(packs)}) in a warm process: read + check + compile (sum of the packs)",
            total,
            "s",
            note=note,
            details={"packs": per_pack},
        )
    ]


# --- one session ---------------------------------------------------------------------------------


def session_plan(
    settings: Settings, engine: Engine, call: Call, pool: Pool
) -> Callable[[Mapping[str, Stats]], list[Row]]:
    """Put one session's timed moves in `pool`; returns what makes their rows from the stats."""
    group = "session"
    record = call.verify(engine)
    context = call.context

    def at(moves: int) -> Callable[[int], list[Session]]:
        def prepare(n: int) -> list[Session]:
            return [call.play(call.start(engine), moves) for _ in range(n)]

        return prepare

    def refused(session: Session) -> None:
        try:
            session.answer("Jo")
        except InputError:
            return
        raise AssertionError("`Jo` was accepted as a caller's name")

    first_answer = _index_of(call, "technical")
    middle = call.play(call.start(engine), _index_of(call, "visit") + 1)  # at `describe`, in the sub-flow
    show(middle)
    where = f"`{middle.step}` of `{middle.flow}`"
    data = middle.snapshot()

    def through_text() -> None:
        """What a host does between two requests: the snapshot stored as JSON text, read back."""
        show(engine.resume(middle.snapshot_text()))

    def dict_through_json() -> None:
        """The same through the map: the host writes it with `json.dumps` and reads it back."""
        text = json.dumps(middle.snapshot(), separators=(",", ":"))
        show(engine.resume(json.loads(text)))

    trusting = Engine.load(FLOWS / "bboxx", trust_unsigned=True)
    unsigned_middle = trusting.resume(middle.snapshot_text(signed=False))

    def unsigned_text() -> None:
        """The same with an engine that trusts unsigned snapshots, the text made without one."""
        show(trusting.resume(unsigned_middle.snapshot_text(signed=False)))

    def unsigned_dict_json() -> None:
        """The same through the map, the host dropping the signature."""
        data = unsigned_middle.snapshot()
        del data["signature"]
        show(trusting.resume(json.loads(json.dumps(data, separators=(",", ":")))))

    pool.add("session.start", lambda: engine.start(call.flow, context=context))
    pool.add("session.start_view", lambda: show(engine.start(call.flow, context=context)))
    pool.add_each("session.answer", at(first_answer), answered("technical"))
    pool.add_each("session.answer_branch", at(first_answer + 1), answered(False))
    pool.add_each("session.answer_invalid", at(first_answer + 2), refused)
    trigger = engine_trigger(engine)
    if trigger is not None:
        pool.add("session.engine_trigger", trigger)
    pool.add("session.whole_call", lambda: call.whole(engine))
    pool.add("session.snapshot", middle.snapshot)
    pool.add("session.resume", lambda: engine.resume(data))
    pool.add("session.snapshot_resume", lambda: engine.resume(middle.snapshot()))
    pool.add("session.snapshot_json_resume", through_text)
    pool.add("session.snapshot_json_resume_unsigned", unsigned_text)
    pool.add("session.snapshot_dict_json_resume", dict_through_json)
    pool.add("session.snapshot_dict_json_resume_unsigned", unsigned_dict_json)
    pool.add("session.shared_trigger", shared_trigger())
    length = move_lengths(pool)

    moves = len(call.moves)
    timed: list[tuple[str, str, str, float | None, str]] = [
        ("session.start", "start a session (`engine.start`)", "<= 20 µs", 20 * US, "the first view is rendered lazily"),
        (
            "session.start_view",
            "start a session and render its first view",
            "<= 20 µs",
            20 * US,
            "what a host does before it shows the call",
        ),
        (
            "session.answer",
            "one answer: choice `reason` -> `existing` (validate, store, transition, render the view)",
            "<= 40 µs",
            40 * US,
            "",
        ),
        ("session.answer_branch", "one answer: yes/no `existing` with a guarded branch -> `caller_name`", "", None, ""),
        (
            "session.answer_invalid",
            "one refused answer: text too short at `caller_name` (InputError, state unchanged)",
            "",
            None,
            "",
        ),
        (
            "session.engine_trigger",
            "inside an answer: the flow machine's `advance` fired, `reason` -> `existing`",
            "",
            None,
            "CompiledFlow.fire, as Turn.advance does it",
        ),
        (
            "session.whole_call",
            f"a whole Bboxx incoming call: start, {moves} moves (2 refused), a sub-flow, an effect, wrap-up, every screen read",
            "",
            None,
            f"scenario {SCENARIO.name}; the call the peers play",
        ),
        ("session.snapshot", f"`snapshot()` mid-call (at {where}, a sub-flow on the stack)", "", None, ""),
        ("session.resume", "`resume()` of that snapshot", "", None, ""),
        ("session.snapshot_resume", "`snapshot()` + `resume()` mid-call, no JSON", "", None, ""),
        (
            "session.snapshot_json_resume",
            "signed: `snapshot_text()` -> `resume(text)` -> view (the README's way, signature checked)",
            "<= 70 µs",
            70 * US,
            "one dump: the signature is checked over the text as it came back",
        ),
        (
            "session.snapshot_json_resume_unsigned",
            "unsigned: `snapshot_text(signed=False)` -> `resume(text)` -> view, `trust_unsigned=True`",
            "<= 50 µs",
            50 * US,
            "an unsigned snapshot is validated against the state's JSON Schema (a signed one is not: this engine"
            " made it from a valid state)",
        ),
        (
            "session.snapshot_dict_json_resume",
            "signed, through the map: `snapshot()` -> `json.dumps` -> `json.loads` -> `resume()` -> view",
            "",
            None,
            "the host's own JSON: resume writes the map again to check its signature",
        ),
        (
            "session.snapshot_dict_json_resume_unsigned",
            "unsigned, through the map: the same, the host dropping the signature",
            "",
            None,
            "`snapshot()` signs it all the same",
        ),
        (
            "session.shared_trigger",
            "raw `transitions`: `machine.events['advance'].trigger(model)` on a shared 12-state `Machine(model=None)`",
            "",
            None,
            "the unit of the per-answer target",
        ),
        *length.timed,
    ]

    def build(stats: Mapping[str, Stats]) -> list[Row]:
        rows: list[Row] = []
        for key, title, target, limit, note in timed:
            found = stats.get(key)
            if found is None:
                rows.append(unavailable(key, group, title, "s", target, "engine internals changed"))
                continue
            met = at_most(found.median, limit) if limit is not None else None
            rows.append(Row(key, group, title, found.median, "s", target, met, found, note))
            if key == "session.whole_call":
                rows[-1].note += f"; {found.median / (moves + 2) * 1e6:.1f} µs per move"
                rows[-1].details = {"moves": moves, "path": record.get("path")}
        started = call.start(engine)
        ended = call.play(call.start(engine))
        ended.wrap_up(**call.wrapup)
        for key, title, session in (
            ("session.snapshot_size_start", "snapshot size, just started", started),
            ("session.snapshot_size_middle", f"snapshot size, mid-call (at {where})", middle),
            ("session.snapshot_size_end", "snapshot size, call over (its record is worked out, not stored)", ended),
        ):
            size = len(json.dumps(session.snapshot(), separators=(",", ":"), ensure_ascii=False).encode())
            rows.append(Row(key, group, title, float(size), "B", note="compact JSON, UTF-8"))
        rows.extend(length.rows(stats))
        return rows

    return build


def _index_of(call: Call, answer: Any) -> int:
    for index, (kind, value) in enumerate(call.moves):
        if kind == "answer" and value == answer:
            return index
    raise LookupError(f"the scenario never answers {answer!r}")


def engine_trigger(engine: Engine) -> Callable[[], object] | None:
    """The flow machine's `advance` fired from `reason`, as a move fires it: what the
    transition (its guards included) costs inside a move."""
    flow = engine.compiled.flows["incoming"]
    context = {"reason": "technical"}

    class Move:
        def context(self) -> dict[str, Any]:
            return context

        def call(self, step: Any) -> None:
            raise AssertionError("`reason` calls no flow")

        finish = call

    move = Move()

    def fire() -> None:
        flow.fire("advance", "reason", move)

    return fire


def shared_trigger() -> Callable[[], object]:
    """The raw trigger the targets are counted in: one event of a shared 12-state machine
    fired on a model that is only a `state` attribute, as the engine fires its machines."""
    states = [f"s{n}" for n in range(12)]
    ring = [
        {"trigger": "advance", "source": a, "dest": b} for a, b in zip(states, states[1:] + states[:1], strict=True)
    ]
    machine = Machine(model=None, states=states, transitions=ring, initial="s0", auto_transitions=False)
    event = machine.events["advance"]

    class Model:
        __slots__ = ("state",)

    model = Model()

    def fire() -> None:
        model.state = "s0"
        event.trigger(model)

    return fire


@dataclass
class MoveLengths:
    """One move's cost against the flow's size and the call's length (generated flows)."""

    timed: list[tuple[str, str, str, float | None, str]]
    rows: Callable[[Mapping[str, Stats]], list[Row]]


def move_lengths(pool: Pool) -> MoveLengths:
    """A `say` answered as the 10th move of a 100-step and of a 5,000-step flow, and as the
    901st move of the long one: the sessions are copies of one played to the move before,
    each of which then makes that move itself (so that it has its own render context, as a
    live session has)."""
    with tempfile.TemporaryDirectory() as folder:
        engines = {
            size: Engine.load(write_pack(Path(folder) / str(size), steps=size, flows=1)) for size in (100, 5_000)
        }
    answers = [None, "second", "yes"]  # a block: say, a choice, (a branch), yes/no

    def played(size: int, moves: int) -> Session:
        session = engines[size].start("flow_000", {"agent": {"name": "Amina"}})
        for index in range(moves):
            session.answer(answers[index % 3])
        return session

    def copies(session: Session, moves: int) -> Callable[[int], list[Session]]:
        def prepare(n: int) -> list[Session]:
            found = [Session(session.engine, State.from_json(session.state.as_json(copy=False))) for _ in range(n)]
            for each in found:
                each.answer(answers[(moves - 1) % 3])
                assert each.view.kind == "say", each.view
            return found

        return prepare

    cases = (
        ("session.move_100_10th", 100, 9),
        ("session.move_5000_10th", 5_000, 9),
        ("session.move_5000_901st", 5_000, 900),
    )
    for key, size, moves in cases:
        pool.add_each(key, copies(played(size, moves - 1), moves), answered(None), limit=5_000)
    timed: list[tuple[str, str, str, float | None, str]] = [
        (
            key,
            f"the {moves + 1}th move of a {size:,}-step flow (a `say`), its screen read".replace("1th", "1st"),
            "",
            None,
            "",
        )
        for key, size, moves in cases
    ]

    def rows(stats: Mapping[str, Stats]) -> list[Row]:
        found: list[Row] = []
        for key, title, top, bottom in (
            (
                "compare.move_flow_size",
                "10th move: 5,000-step flow / 100-step flow",
                "session.move_5000_10th",
                "session.move_100_10th",
            ),
            (
                "compare.move_call_length",
                "5,000-step flow: 901st move / 10th move",
                "session.move_5000_901st",
                "session.move_5000_10th",
            ),
        ):
            a, b = stats.get(top), stats.get(bottom)
            value = a.median / b.median if a is not None and b is not None else None
            found.append(Row(key, "compare", title, value, "x", "<= 1.3x", at_most(value, 1.3)))
        return found

    return MoveLengths(timed, rows)


# --- many live sessions --------------------------------------------------------------------------


def scale_rows(settings: Settings, engine: Engine, call: Call) -> list[Row]:
    rows: list[Row] = []
    group = "scale"
    live = settings.live_sessions
    first_answer = _index_of(call, "technical")

    def timings() -> tuple[Stats, Stats]:
        gc.collect()
        start = measure(lambda: engine.start(call.flow, context=call.context), settings)

        def prepare(n: int) -> list[Session]:
            return [call.play(call.start(engine), first_answer) for _ in range(n)]

        answer = measure_each(prepare, answered("technical"), settings)
        return start, answer

    def held() -> list[Session]:
        """`live` sessions, each with its view rendered, as a host holds them."""
        sessions = [engine.start(call.flow, context=call.context) for _ in range(live)]
        for session in sessions:
            show(session)
        return sessions

    # 1 live and `live` live, alternating: the machine's drift falls on both sides
    ones, manys = [timings()], []
    for _ in range(SCALE_ROUNDS):
        sessions = held()
        gc.collect()
        manys.append(timings())
        del sessions
        gc.collect()
        ones.append(timings())
    start_1, answer_1 = Stats.merged(*(start for start, _ in ones)), Stats.merged(*(answer for _, answer in ones))
    start_n, answer_n = Stats.merged(*(start for start, _ in manys)), Stats.merged(*(answer for _, answer in manys))

    gc.collect()
    tracemalloc.start()
    base = tracemalloc.get_traced_memory()[0]
    sessions = [engine.start(call.flow, context=call.context) for _ in range(live)]
    gc.collect()
    idle = (tracemalloc.get_traced_memory()[0] - base) / live
    for session in sessions:
        show(session)
    gc.collect()
    shown = (tracemalloc.get_traced_memory()[0] - base) / live
    tracemalloc.stop()
    del sessions
    rows.append(
        Row(
            "scale.memory_idle",
            group,
            f"memory per idle live session ({live:,} live, just started, view not read)",
            idle,
            "B",
            "<= 2 KB",
            at_most(idle, 2048),
            note="tracemalloc: Python allocations, with the call id and the inputs",
        )
    )
    rows.append(
        Row(
            "scale.memory_view",
            group,
            f"memory per live session with its view rendered ({live:,} live)",
            shown,
            "B",
            "<= 2 KB",
            at_most(shown, 2048),
            note="what a host holds while the agent reads the first line",
        )
    )
    middle_count = max(1_000, live // 10)
    gc.collect()
    tracemalloc.start()
    base = tracemalloc.get_traced_memory()[0]
    upto = _index_of(call, "0712345678") + 1  # caller's name and phone given: in the sub-flow
    middles = [call.play(call.start(engine), upto) for _ in range(middle_count)]
    for session in middles:
        show(session)
    gc.collect()
    middle = (tracemalloc.get_traced_memory()[0] - base) / middle_count
    tracemalloc.stop()
    rows.append(
        Row(
            "scale.memory_middle",
            group,
            f"memory per live session mid-call, view rendered ({middle_count:,} live, at `{middles[0].step}`)",
            middle,
            "B",
            note="the answers, the path so far and the view",
        )
    )
    del middles
    rss = rss_per_session(live)
    if rss is not None:
        rows.append(
            Row(
                "scale.memory_rss",
                group,
                f"resident memory per live session with its view ({live:,} live, fresh process)",
                rss,
                "B",
                note="RSS growth / sessions: what the OS pays, allocator overhead included",
            )
        )

    for key, title, one, many, target in (
        ("scale.start", "start a session", start_1, start_n, 20 * US),
        ("scale.answer", "one answer (`reason` -> `existing`) and its screen", answer_1, answer_n, 40 * US),
    ):
        limit = f"<= {target / US:.0f} µs"
        rows.append(
            Row(
                f"{key}_1",
                group,
                f"{title}, 1 live session (before, between and after)",
                one.median,
                "s",
                limit,
                at_most(one.median, target),
                one,
            )
        )
        rows.append(
            Row(
                f"{key}_n",
                group,
                f"{title}, {live:,} live sessions",
                many.median,
                "s",
                limit,
                at_most(many.median, target),
                many,
                note=f"mean with GC pauses {many.mean * 1e6:.1f} µs (at 1: {one.mean * 1e6:.1f} µs)",
            )
        )
        ratio = many.median / one.median
        rows.append(
            Row(
                f"{key}_growth",
                group,
                f"{title}: {live:,} live / 1 live",
                ratio,
                "x",
                "<= 1.25x (no growth)",
                at_most(ratio, 1.25),
            )
        )
    return rows


RSS_PROCESS = """
import gc, json, sys
from pathlib import Path
from benchmarks.engine_bench import Call, bench_engine, rss
engine, call, count = bench_engine(), Call.from_scenario(), int(sys.argv[1])
warm = [call.start(engine).view for _ in range(1000)]
del warm
gc.collect()
before = rss()
sessions = [call.start(engine) for _ in range(count)]
for session in sessions:
    session.view
gc.collect()
print(json.dumps((rss() - before) / count))
"""


def rss() -> int:
    """Resident set size of this process, in bytes (Linux)."""
    pages = int(Path("/proc/self/statm").read_text().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE")


def rss_per_session(count: int) -> float | None:
    if not Path("/proc/self/statm").exists():
        return None
    done = subprocess.run(
        [sys.executable, "-c", RSS_PROCESS, str(count)],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
        timeout=600,
    )
    return float(json.loads(done.stdout.strip().splitlines()[-1]))
