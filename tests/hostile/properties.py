"""Property tests of sessions, run in a child process (`test_hostile_properties.py`).

Random sequences of moves (answers that fit the question and answers that do not, rule
events, waiting, going back, hanging up, effect results and failures) are played against
the bundled packs, from the starting points of their own scenario files, with a frozen
clock. Invariants:

* a move raises only the engine's own errors (`CallguideError`: `InputError` and its kin);
* every ended session has a complete call record;
* a snapshot taken anywhere, sent through JSON and resumed by another engine, continues
  exactly as the uninterrupted session does: the same views, the same errors, the same record.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from callguide import (
    CallguideError,
    EffectFailed,
    EffectRequest,
    Engine,
    FlowRuntimeError,
    FrozenClock,
    RenderError,
    Session,
)
from callguide.check import CheckResult, check_pack
from callguide.compile import CompiledPack, compile_pack
from callguide.host import local_engine
from callguide.host.store import Store, StoreHandlers
from callguide.load.yaml_source import read_yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis_profiles import settings as _profile_loaded  # noqa: F401  (deterministic examples, as in CI)

from .flow_strategies import RULES, SUB_FLOW, dump, flows, mutated_flows
from .packs import CONTEXT, write_pack

FLOWS = Path(__file__).resolve().parents[2] / "flows"
PACKS = sorted(path for path in FLOWS.iterdir() if (path / "pack.yaml").is_file())
RECORD_KEYS = {"call_id", "pack", "flow", "outcome", "reason", "path", "answers", "events", "effects", "close"}
CALL_ID = "property-call"
ODD_ANSWERS = [
    "", " ", "0", "-1", "1e999", "999999999999", "yes", "no", "{{ 7*7 }}", "x" * 11_000, "\x00", "nan",
    "2026-02-30", "25:61", "+7 (999) 000", "a@", "🙂", "1,2,3", "None", "true",
]  # fmt: skip
KINDS = ("fit", "fit", "fit", "fit", "odd", "text", "event", "wait", "back", "hangup", "resolve", "fail", "none")

Move = tuple[str, int, str]
moves = st.lists(
    st.tuples(st.sampled_from(KINDS), st.integers(0, 2**16), st.text(max_size=40)), min_size=1, max_size=40
)


@dataclass(frozen=True, slots=True)
class Start:
    """Where a scenario of a bundled pack starts a call."""

    pack: Path
    name: str
    spec: dict[str, Any] = field(hash=False, compare=False)
    pool: tuple[str, ...] = ()  # the answers the scenario gives: likely to fit somewhere
    # how to make an engine for one run (default: the bundled pack with its sample data)
    make: Callable[[Start], tuple[Engine, FrozenClock]] | None = field(default=None, hash=False, compare=False)


@cache
def starts() -> tuple[Start, ...]:
    found = []
    for pack in PACKS:
        for path in sorted((pack / "tests").glob("*.yaml")):
            spec = read_yaml(path.read_bytes(), str(path)).data
            if not isinstance(spec, dict) or "scenario" not in spec:
                continue
            pool = tuple(str(move["answer"]) for move in spec.get("play") or () if move.get("answer") is not None)
            found.append(Start(pack, path.stem, spec, pool))
    return tuple(found)


@cache
def base_engine(pack: Path) -> Engine:
    """The pack loaded once, through the same door a host uses."""
    engine, _ = local_engine(pack, clock=FrozenClock())
    return engine


def fresh_engine(start: Start) -> tuple[Engine, FrozenClock]:
    """An engine of its own (sample data, clock) on the pack's shared compiled machines."""
    base = base_engine(start.pack)
    clock = FrozenClock(str(start.spec.get("clock", "2026-11-23 09:00")))
    store = Store()
    if (start.pack / "data").is_dir():
        store.load_folder(start.pack / "data")
    store.down.update(start.spec.get("down") or ())
    handlers = StoreHandlers(base.pack, store).mapping(base.compiled.effects)
    engine = Engine(base.compiled, clock=clock, handlers=handlers, environment=start.spec.get("environment"))
    return engine, clock


def fitting(session: Session, n: int, pool: tuple[str, ...]) -> Any:
    """An answer that fits the question on the screen (most of the time)."""
    view = session.view
    spec = view.answer or {}
    kind = spec.get("type")
    if view.kind in ("say", "failed"):
        return None
    if view.kind == "confirm" or kind == "yes_no":
        return ("yes", "no")[n % 2]
    options = [option for option in spec.get("options") or () if not option.get("disabled")]
    if options:
        option = options[n % len(options)]
        return (option["key"], option["label"])[n // 5 % 2]
    if kind == "number":
        low = int(spec.get("minimum", 0))
        high = int(spec.get("maximum", low + 100))
        return str(low + n % max(high - low + 1, 1))
    canned = {
        "date": ("today", "tomorrow", "2026-11-20", "yesterday")[n % 4],
        "time": "10:30",
        "datetime": "2026-11-24 10:00",
        "phone": "0712345678",
        "email": "someone@example.com",
        "multi": "1",
    }
    if kind in canned:
        return canned[kind]
    if pool:
        return pool[n % len(pool)]
    return "a reasonable answer"


def apply(session: Session, engine: Engine, clock: FrozenClock, start: Start, move: Move) -> Any:
    """Make the move, then read the screen it led to (built when it is read: a screen that
    cannot be shown raises there, and undoes the move)."""
    kind, n, text = move
    if kind == "fit":
        session.answer(fitting(session, n, start.pool))
    elif kind == "odd":
        session.answer(ODD_ANSWERS[n % len(ODD_ANSWERS)])
    elif kind == "text":
        session.answer(text)
    elif kind == "none":
        session.answer(None)
    elif kind == "event":
        rules = [*sorted(engine.compiled.rules), "no_such_event"]
        session.signal(rules[n % len(rules)])
    elif kind == "wait":
        clock.advance(n % 7200)
    elif kind == "back":
        session.back()
    elif kind == "hangup":
        outcomes = [*sorted(engine.pack.outcome_names), "no_such_outcome"]
        session.hang_up(outcomes[n % len(outcomes)])
    elif kind == "resolve":
        session.resolve([{"id": "X1", "name": text}] if n % 2 else {"ok": True, "text": text})
    else:
        session.fail(text or "the host is down")
    return session.view


@dataclass(slots=True)
class Played:
    trace: list[Any] = field(default_factory=list)  # per move: the view, or the error's type and text
    record: dict[str, Any] | None = None
    flow_errors: list[str] = field(default_factory=list)  # FlowRuntimeError / RenderError: a flow's own fault
    not_json: set[str] = field(default_factory=set)  # types a snapshot held that JSON cannot carry


def view_data(view: Any) -> dict[str, Any]:
    """The view as a front end gets it: plain JSON data."""
    return dict(json.loads(json.dumps(view.as_json())))


def through_json(data: Any, played: Played) -> Any:
    """What a front end sends back: the data through JSON (which fails on anything else)."""
    return json.loads(json.dumps(data))


def play(start: Start, steps: list[Move], resume_at: frozenset[int] = frozenset()) -> Played:
    engine, clock = (start.make or fresh_engine)(start)
    other = Engine(engine.compiled, clock=clock, handlers=engine.handlers, environment=engine.environment or None)
    played = Played()
    spec = start.spec
    try:
        session = engine.start(spec["flow"], spec.get("given") or {}, language=spec.get("language"), call_id=CALL_ID)
    except CallguideError as refused:
        played.trace.append(["refused", type(refused).__name__, str(refused)])
        return played
    for index, move in enumerate(steps):
        if index in resume_at:
            session = (engine if index % 2 else other).resume(through_json(session.snapshot(), played))
        try:
            view = apply(session, engine, clock, start, move)
            played.trace.append(view_data(view) if view is not None else None)
        except (FlowRuntimeError, RenderError) as fault:
            played.flow_errors.append(f"{move}: {type(fault).__name__}: {fault}")
            played.trace.append([type(fault).__name__, str(fault)])
        except CallguideError as refused:
            played.trace.append([type(refused).__name__, str(refused)])
        check_record(session)
    finish(session, engine, clock, start, played)
    played.record = session.record
    through_json(session.snapshot(), played)  # a snapshot is plain JSON at any time
    return played


def finish(session: Session, engine: Engine, clock: FrozenClock, start: Start, played: Played) -> None:
    """Hang up if need be and fill in the wrap-up, so that most calls end with a record."""
    dropped = sorted(engine.pack.outcome_names).index("dropped")
    for move in [("hangup", dropped, ""), *(("fit", n, "") for n in range(8))]:
        if session.ended:
            break
        try:
            played.trace.append(view_data(apply(session, engine, clock, start, move)))
        except CallguideError as refused:
            played.trace.append([type(refused).__name__, str(refused)])
        check_record(session)


def check_record(session: Session) -> None:
    if not session.ended:
        return
    record = session.record
    assert isinstance(record, dict), "an ended session has no call record"
    missing = RECORD_KEYS - set(record)
    assert not missing, f"the call record lacks {sorted(missing)}"
    assert record["call_id"] == CALL_ID
    assert record["outcome"] in session.engine.pack.outcome_names
    catalog = session.engine.pack.call_end_catalog
    assert catalog is not None and record["reason"] in catalog.reasons
    assert isinstance(record["close"], bool)
    assert record["path"] and all(isinstance(entry, str) and ":" in entry for entry in record["path"])


Report = Callable[..., None]


def run(report: Report, max_examples: int) -> None:
    """Each property over every bundled pack; reports the number of examples tried."""
    for pack in PACKS:
        run_pack(pack, report, max_examples)


def run_pack(pack: Path, report: Report, max_examples: int) -> None:
    seeds = [start for start in starts() if start.pack == pack]
    counted: dict[str, Any] = {"played": 0, "ended": 0, "refused": 0, "flow_errors": [], "not_json": set()}

    @settings(
        max_examples=max_examples,
        deadline=None,
        database=None,
        print_blob=True,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(start=st.sampled_from(seeds), steps=moves, data=st.data())
    def snapshots_change_nothing(start: Start, steps: list[Move], data: st.DataObject) -> None:
        resume_at = frozenset(data.draw(st.sets(st.integers(0, len(steps) - 1), max_size=4)))
        straight = play(start, steps)
        resumed = play(start, steps, resume_at)
        if straight.not_json or resumed.not_json:  # compare as a front end sees them
            straight.trace, straight.record = through_json([straight.trace, straight.record], straight)
            resumed.trace, resumed.record = through_json([resumed.trace, resumed.record], resumed)
        assert resumed.trace == straight.trace, "a resumed session went another way"
        assert resumed.record == straight.record, "a resumed session ended with another record"
        counted["not_json"] |= straight.not_json
        counted["played"] += 1
        counted["ended"] += straight.record is not None
        counted["refused"] += sum(isinstance(entry, list) for entry in straight.trace)
        counted["flow_errors"].extend(straight.flow_errors)

    snapshots_change_nothing()
    report(
        f"random calls in {pack.name}",
        verdict="accepted",
        examples=counted["played"],
        ended=counted["ended"],
        refused_moves=counted["refused"],
        flow_errors=sorted(set(counted["flow_errors"]))[:10],
        not_json=sorted(counted["not_json"]),
    )


def run_generated(report: Report, max_examples: int) -> None:
    """Generated flows: valid ones pass the checker and run like the bundled ones; mutated
    ones are refused with problems at their place, or run with only the engine's errors."""
    root = Path(tempfile.mkdtemp()) / "generated"
    current: dict[str, CompiledPack] = {}
    counted: dict[str, Any] = {"valid": 0, "mutated": 0, "refused": 0, "ran": 0, "codes": set()}

    def sms(request: EffectRequest) -> Any:
        if "abc" in str(request.args.get("text")):  # some sends fail, so that `on_failure` runs
            raise EffectFailed("the SMS gateway is down")
        return {"id": request.id}

    def engine_of_this_example(start: Start) -> tuple[Engine, FrozenClock]:
        clock = FrozenClock("2026-11-23 09:00")
        return Engine(current["pack"], clock=clock, handlers={"sms.send": sms}), clock

    def check(flow: dict[str, Any]) -> tuple[str, CheckResult]:
        text = dump(flow)
        write_pack(root, {"main.yaml": text, "sub.yaml": dump(SUB_FLOW), "rules.yaml": dump(RULES)})
        return text, check_pack(root)

    start = Start(
        root, "generated", {"flow": "main", "given": CONTEXT}, ("a", "yes", "5", "hello"), engine_of_this_example
    )
    options = settings(
        max_examples=max_examples,
        deadline=None,
        database=None,
        print_blob=True,
        suppress_health_check=list(HealthCheck),
    )

    @options
    @given(flow=flows(), steps=moves, data=st.data())
    def valid_flows_pass_and_resume_exactly(flow: dict[str, Any], steps: list[Move], data: st.DataObject) -> None:
        _, result = check(flow)
        assert not result.errors, [str(problem) for problem in result.errors]
        assert result.pack is not None
        current["pack"] = compile_pack(result.pack)
        resume_at = frozenset(data.draw(st.sets(st.integers(0, len(steps) - 1), max_size=4)))
        straight, resumed = play(start, steps), play(start, steps, resume_at)
        assert resumed.trace == straight.trace, "a resumed session went another way"
        assert resumed.record == straight.record, "a resumed session ended with another record"
        counted["valid"] += 1

    @options
    @given(flow=mutated_flows(), steps=moves)
    def mutated_flows_are_refused_in_place_or_run(flow: dict[str, Any], steps: list[Move]) -> None:
        text, result = check(flow)
        lines = text.count("\n") + 1
        for problem in result.problems:
            assert problem.pos.line >= 1 and problem.pos.col >= 1, str(problem)
            if problem.pos.file.endswith("main.yaml"):
                assert problem.pos.line <= lines, f"{problem} is past the end of the file ({lines} lines)"
        counted["mutated"] += 1
        if result.errors or result.pack is None:
            counted["refused"] += 1
            counted["codes"] |= {problem.code for problem in result.errors}
            return
        current["pack"] = compile_pack(result.pack)
        play(start, steps)
        counted["ran"] += 1

    valid_flows_pass_and_resume_exactly()
    report("generated valid flows", verdict="accepted", examples=counted["valid"])
    mutated_flows_are_refused_in_place_or_run()
    report(
        "generated mutated flows",
        verdict="accepted",
        examples=counted["mutated"],
        refused=counted["refused"],
        ran=counted["ran"],
        codes=sorted(counted["codes"]),
    )
