"""Scenario tests: a scripted call and what must come of it.

A scenario file (`scenario:` first) gives the call's input, the moves (answers, events,
waiting, effect results) and the expectations: the path, texts, outcome, effects and the
call record. Failures point at the line of the scenario that expected something else.
Effects the scenario does not answer are answered from the pack's sample data.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from callguide.check import check_pack, pack_of
from callguide.check.schema import schema_problems
from callguide.clock import FrozenClock, seconds
from callguide.compile import CompiledPack, compile_pack
from callguide.effects import EffectRequest
from callguide.engine import Engine
from callguide.expr import CompiledText
from callguide.host.given import resolve_ids
from callguide.host.store import Store, StoreHandlers
from callguide.load.files import display, read_file
from callguide.load.yaml_source import Document, YamlProblem, read_yaml
from callguide.problems import (
    CallguideError,
    EffectFailed,
    FlowError,
    InputError,
    Pos,
    Problem,
    ScenarioError,
    UnknownSample,
    did_you_mean,
)
from callguide.sandbox import Sandbox
from callguide.schedules import Run, Scheduler
from callguide.session import Session

MOVES = ("answer", "event", "wait", "back", "hangup", "resolve", "fail")
VIEW_KEYS = (
    "step", "kind", "title", "say", "text", "hint", "note", "notice", "warnings", "error", "options", "contains", "pending",
    "due", "missed",
)  # fmt: skip


@dataclass(slots=True)
class Failure:
    pos: Pos
    message: str

    def __str__(self) -> str:
        return f"{self.pos}: {self.message}"


@dataclass(slots=True)
class Result:
    """What running one scenario gave."""

    name: str
    file: str
    pack: Path | None
    flow: str = ""
    failures: list[Failure] = field(default_factory=list)
    transcript: list[str] = field(default_factory=list)
    visited: list[str] = field(default_factory=list)
    events: list[dict[str, Any]] = field(default_factory=list)
    reason: str | None = None
    outcome: str | None = None
    record: dict[str, Any] | None = None

    @property
    def passed(self) -> bool:
        return not self.failures


@cache
def compiled_pack(root: Path) -> CompiledPack:
    result = check_pack(root)
    if result.errors or result.pack is None:
        raise FlowError(result.problems)
    return compile_pack(result.pack)


def find_scenarios(paths: Iterable[Path]) -> list[Path]:
    """Scenario files at or below the paths (files whose first key is `scenario:`)."""
    found: list[Path] = []
    for path in paths:
        candidates = [path] if path.is_file() else sorted(p for p in path.rglob("*.y*ml") if "data" not in p.parts)
        for candidate in candidates:
            if candidate.suffix in (".yaml", ".yml") and _starts_with_scenario(candidate):
                found.append(candidate)
    return found


def _starts_with_scenario(path: Path) -> bool:
    try:
        head = path.read_text(encoding="utf-8", errors="replace")[:4096]
    except OSError:
        return False
    return any(line.startswith("scenario:") for line in head.splitlines())


def load_scenario(path: Path) -> Document:
    read = read_file(path)
    if isinstance(read, Problem):
        raise ScenarioError([read])
    if read.kind != "scenario":
        raise ScenarioError([Problem(Pos(display(path)), "error", "unknown-file-kind", "not a scenario file")])
    problems = schema_problems(read.document, "scenario")
    if problems:
        raise ScenarioError(problems)
    return read.document


def run_scenario(path: Path, *, pack: Path | None = None) -> Result:
    """Run one scenario file; raises `ScenarioError` or `FlowError` when it cannot run."""
    document = load_scenario(path)
    spec: dict[str, Any] = document.data
    root = pack or pack_of(path)
    if root is None:
        raise ScenarioError(
            [Problem(Pos(display(path)), "error", "missing-pack", "the scenario is not inside a pack folder")]
        )
    runner = _Runner(document, spec, root)
    runner.run()
    return runner.result


def simulate(
    pack: Path,
    flow: str,
    answers: Path,
    *,
    context: Mapping[str, Any] | None = None,
    environment: str | None = None,
    language: str | None = None,
    clock: str | None = None,
) -> Result:
    """A scripted run: the answers file is a list of moves, or a scenario without `scenario:`
    and `flow:` (given / play / wrapup / effects / clock / down)."""
    try:
        document = load_yaml_file(answers)
    except YamlProblem as problem:
        raise ScenarioError([problem.problem]) from None
    data = document.data
    if isinstance(data, list):
        document = Document(
            document.file,
            {"play": data},
            {("play", *k): v for k, v in document.values.items()},
            {("play", *k): v for k, v in document.keys.items()},
        )
    elif not isinstance(data, dict):
        raise ScenarioError(
            [Problem(Pos(document.file), "error", "wrong-type", "the answers are a list of moves or a map")]
        )
    spec = {"scenario": f"simulation of {flow}", "flow": flow, **document.data}
    spec["given"] = {**(context or {}), **(spec.get("given") or {})}
    for key, value in (("environment", environment), ("language", language), ("clock", clock)):
        if value is not None:
            spec[key] = value
    document.data = spec
    problems = schema_problems(document, "scenario")
    if problems:
        raise ScenarioError(problems)
    runner = _Runner(document, spec, pack)
    runner.run()
    return runner.result


def load_yaml_file(path: Path) -> Document:
    return read_yaml(path.read_bytes(), display(path))


class _Runner:
    def __init__(self, document: Document, spec: dict[str, Any], root: Path) -> None:
        self.doc = document
        self.spec = spec
        self.compiled = compiled_pack(root)
        self.clock = FrozenClock(str(spec.get("clock", "2026-11-23 09:00")))
        self.store = Store()
        if (root / "data").is_dir():
            self.store.load_folder(root / "data")
            self.store.load_effect_answers(root / "data" / "effects")
        self.store.down.update(spec.get("down", ()))
        handlers = StoreHandlers(self.compiled.pack, self.store).mapping(self.compiled.effects)
        for name, canned in (spec.get("effects") or {}).items():
            if canned == "pending":
                handlers.pop(name, None)
            else:
                handlers[name] = _canned(canned)
        self.engine = Engine(self.compiled, clock=self.clock, handlers=handlers, environment=spec.get("environment"))
        self.result = Result(str(spec["scenario"]), document.file, root, flow=str(spec["flow"]))
        self.session: Session | None = None
        self.scheduler = Scheduler(self.engine)
        self.due: list[Run] = []  # the runs that fell due in the last move
        self.missed: list[Run] = []  # ... and the runs missed in it

    def fail(self, path: tuple[str | int, ...], message: str) -> None:
        self.result.failures.append(Failure(self.doc.pos(path), message))

    def run(self) -> None:
        spec = self.spec
        refusal = (spec.get("expect") or {}).get("refused")
        try:
            given = resolve_ids(self.store, spec.get("given") or {})  # `customer: NB-001` as `run --customer`
        except UnknownSample as unknown:
            self.fail(("given", unknown.name), unknown.message)
            return
        try:
            if "schedule" in spec:
                self.session = self.start_on_schedule(str(spec["schedule"]), given)
                if self.session is None:
                    return
            else:
                self.session = self.engine.start(spec["flow"], given, language=spec.get("language"))
            self.session.view  # noqa: B018 (the first screen: one that cannot be shown stops the call here)
        except InputError as error:
            if refusal is None:
                self.fail(("flow",), f"the call could not start: {error.message}")
            elif error.message != refusal:
                self.fail(("expect", "refused"), f"refused: expected `{refusal}`, got `{error.message}`")
            return
        except CallguideError as error:
            self.fail(("flow",), f"the call could not start: {error}")
            return
        if refusal is not None:
            self.fail(("expect", "refused"), f"expected the call to be refused with `{refusal}`, but it started")
            return
        self.note_view()
        for index, move in enumerate(spec.get("play") or []):
            if not self.move(index, move):
                break
        else:
            self.finish()

    def start_on_schedule(self, name: str, given: dict[str, Any]) -> Session | None:
        """The call starts by itself: the clock runs on to the schedule's next run."""
        schedule = self.compiled.pack.schedules.get(name)
        if schedule is None or schedule.flow != self.spec["flow"]:
            known = ", ".join(f"{s.name} ({s.flow})" for s in self.compiled.pack.schedules.values()) or "none"
            self.fail(("schedule",), f"no schedule `{name}` starts `{self.spec['flow']}` (schedules: {known})")
            return None
        run = self.scheduler.next_run(name)
        if run is None:
            self.fail(("schedule",), f"schedule `{name}` does not fall due within two weeks of {self.clock.now()}")
            return None
        self.clock.advance((run.due - self.clock.now()).total_seconds())
        self.due = self.scheduler.take()
        self.result.transcript.append(f"  ⏰ {run.title} ({run.due:%H:%M})")
        return self.scheduler.start(run, given, language=self.spec.get("language"))

    def note_view(self) -> None:
        assert self.session is not None
        view = self.session.view
        lines = [part for part in (view.say, view.text) if part]
        self.result.transcript.append(f"[{view.step}] " + " / ".join(lines) if lines else f"[{view.step}]")

    def move(self, index: int, move: dict[str, Any]) -> bool:
        """Play one move; False stops the play (an unexpected refusal)."""
        session = self.session
        assert session is not None
        path: tuple[str | int, ...] = ("play", index)
        expect = move.get("expect") or {}
        kinds = [key for key in MOVES if key in move]
        error: InputError | None = None
        try:
            if "answer" in move:
                shown = "(Enter)" if move["answer"] is None else move["answer"]  # as the agent typed it
                self.result.transcript.append(f"  > {shown}")
                session.answer(move["answer"])
            elif "event" in move:
                self.result.transcript.append(f"  ! {move['event']}")
                session.signal(move["event"])
            elif "wait" in move:
                self.clock.advance(seconds(move["wait"]))
            elif "back" in move:
                session.back()
            elif "hangup" in move:
                outcome = move["hangup"] if isinstance(move["hangup"], str) else "dropped"
                session.hang_up(outcome)
            elif "resolve" in move:
                session.resolve(move["resolve"])
            elif "fail" in move:
                session.fail(str(move["fail"]))
            session.view  # noqa: B018 (shown here: a screen that cannot be shown undoes the move)
        except InputError as refused:
            error = refused
        except CallguideError as broken:
            self.fail(path, f"the engine stopped: {broken}")
            return False
        if len(kinds) > 1:
            self.fail(path, f"one move per item: this one has {', '.join(kinds)}")
        if error is not None:
            self.result.transcript.append(f"  ✗ {error.message}")
            if "error" not in expect:
                self.fail((*path, kinds[0] if kinds else "expect"), f"the move was refused: {error.message}")
                return False
        elif "error" in expect:
            self.fail(
                (*path, "expect", "error"),
                f"expected the move to be refused with `{expect['error']}`, but it was accepted",
            )
        if kinds:  # what fell due (or was missed) during this move
            self.note_view()
            missed = len(self.scheduler.missed)
            self.due = self.scheduler.take()
            self.missed = self.scheduler.missed[missed:]
        self.check_view(path, expect, error)
        return True

    def check_view(self, path: tuple[str | int, ...], expect: Mapping[str, Any], error: InputError | None) -> None:
        session = self.session
        assert session is not None
        view = session.view
        context = self.engine.contexts.build(session.state, self.clock.now())
        actual: dict[str, Any] = {
            "step": view.step,
            "kind": view.kind,
            "title": view.title,
            "say": view.say,
            "text": view.text,
            "hint": view.hint,
            "note": view.note,
            "notice": (view.notice or {}).get("text"),
            "warnings": list(view.warnings),
            "error": error.message if error else view.error,
            "options": [option["key"] for option in (view.answer or {}).get("options", [])],
            "pending": [pending["name"] for pending in view.pending],
            "due": [run.label for run in self.due],
            "missed": [run.label for run in self.missed],
        }
        for key, wanted in expect.items():
            at = (*path, "expect", key)
            if key not in VIEW_KEYS:
                self.fail(at, f"`{key}` cannot be expected after a move (expect one of: {', '.join(VIEW_KEYS)})")
                continue
            wanted = _render(wanted, context, self.compiled.env)
            if key == "contains":
                options = [
                    f"{o['label']} ({o['disabled']})" if o.get("disabled") else o["label"]
                    for o in (view.answer or {}).get("options", [])
                ]
                on_screen = (
                    view.title,
                    view.say,
                    view.text,
                    view.hint,
                    view.note,
                    actual["notice"],
                    *view.warnings,
                    actual["error"],
                    *options,
                )
                shown = " ".join(str(v) for v in on_screen if v)
                for piece in wanted if isinstance(wanted, list) else [wanted]:
                    if str(piece) not in shown:
                        self.fail(at, f"expected the screen to contain `{piece}`; it shows: {shown!r}")
                continue
            got = actual[key]
            if key == "step" and isinstance(got, str) and isinstance(wanted, str) and ":" in wanted:
                got = f"{view.flow}:{got}"
            if key == "warnings" and isinstance(wanted, str):
                wanted = [wanted]
            if got != wanted:
                hint = self.step_hint(wanted) if key == "step" else ""
                self.fail(at, f"{key}: expected {_show(wanted)}, got {_show(got)}{hint}")

    def step_hint(self, wanted: Any) -> str:
        """` - did you mean ...` when the expected step is no step of the pack's flows (a typo)."""
        name = str(wanted).rpartition(":")[2]
        steps = {step for flow in self.compiled.flows.values() for step in flow.flow.steps}
        if name.startswith("@") or name in steps:
            return ""
        return f" (`{name}` is no step of this pack{did_you_mean(name, steps)})"

    def finish(self) -> None:
        session = self.session
        assert session is not None
        wrapup = self.spec.get("wrapup")
        expected_refusal = (self.spec.get("expect") or {}).get("wrapup_refused")
        if session.state.phase == "wrapup":
            values = dict(wrapup or {})
            try:
                session.wrap_up(
                    values.get("reason"), values.get("close"), values.get("queue"), str(values.get("description") or "")
                )
                if expected_refusal is not None:
                    self.fail(
                        ("expect", "wrapup_refused"),
                        f"expected the wrap-up to be refused with `{expected_refusal}`, but it was accepted",
                    )
            except InputError as refused:
                if expected_refusal is None:
                    self.fail(("wrapup",) if wrapup else ("scenario",), f"the wrap-up was refused: {refused.message}")
                elif refused.message != expected_refusal:
                    self.fail(
                        ("expect", "wrapup_refused"),
                        f"wrapup_refused: expected `{expected_refusal}`, got `{refused.message}`",
                    )
        elif wrapup is not None:
            self.fail(("wrapup",), f"the call did not end (it is at `{session.step}`), so there is nothing to wrap up")
        state = session.state
        self.result.visited = list(state.path)
        self.result.events = list(state.events)
        self.result.outcome = state.outcome
        self.result.reason = (session.record or {}).get("reason")
        self.result.record = session.record
        self.check_end(self.spec.get("expect") or {})

    def check_end(self, expect: Mapping[str, Any]) -> None:
        session = self.session
        assert session is not None
        state = session.state
        record = session.record or {}
        context = self.engine.contexts.build(state, self.clock.now())
        for key, wanted in expect.items():
            at: tuple[str | int, ...] = ("expect", key)
            wanted = _render(wanted, context, self.compiled.env)
            if key == "path":
                self.check_path(at, wanted, [entry for entry in state.path if "~" not in entry])
            elif key == "outcome":
                if state.outcome != wanted:
                    self.fail(at, f"outcome: expected `{wanted}`, got `{state.outcome}`")
            elif key == "ended":
                if session.ended != bool(wanted):
                    self.fail(
                        at, f"expected the call {'to have ended' if wanted else 'to go on'}; it is at `{session.step}`"
                    )
            elif key == "step":
                if session.step != wanted:
                    self.fail(at, f"step: expected `{wanted}`, got `{session.step}`{self.step_hint(wanted)}")
            elif key == "effects":
                self.check_effects(at, wanted, state.effects)
            elif key == "record":
                for problem in _subset(wanted, record, "record"):
                    self.fail(at, problem)
            elif key == "answers":
                for problem in _subset(wanted, state.vars, "answers"):
                    self.fail(at, problem)
            elif key not in ("refused", "wrapup_refused"):
                known = "path, outcome, ended, step, effects, record, answers, refused, wrapup_refused"
                self.fail(at, f"`{key}` cannot be expected at the end ({known})")

    def check_path(self, at: tuple[str | int, ...], wanted: Any, actual: list[str]) -> None:
        wanted = list(wanted or [])
        shown = [entry if any(":" in str(w) for w in wanted) else entry.split(":", 1)[1] for entry in actual]
        if [str(w) for w in wanted] != shown:
            first = next(
                (i for i, (a, b) in enumerate(zip(wanted, shown, strict=False)) if str(a) != b),
                min(len(wanted), len(shown)),
            )
            self.fail(at, f"path differs at step {first + 1}:\n    expected: {wanted}\n    actual:   {shown}")

    def check_effects(self, at: tuple[str | int, ...], wanted: Any, actual: list[dict[str, Any]]) -> None:
        """Each expected effect must appear, in this order, among those performed."""
        if wanted == []:
            if actual:
                self.fail(at, f"expected no effects; performed: {', '.join(e['name'] for e in actual)}")
            return
        remaining = list(actual)
        for expected in wanted or []:
            expected = {"name": expected} if isinstance(expected, str) else expected
            for index, effect in enumerate(remaining):
                if not list(_subset(expected, effect, "effect")):
                    remaining = remaining[index + 1 :]
                    break
            else:
                done = (
                    ", ".join(f"{e['name']}({json.dumps(e.get('args', {}), ensure_ascii=False)})" for e in actual)
                    or "none"
                )
                self.fail(at, f"no effect like {_show(expected)} was performed (in order); performed: {done}")
                return


def _canned(canned: Any) -> Callable[[EffectRequest], Any]:
    queue = list(canned) if isinstance(canned, list) else None

    def handle(request: EffectRequest) -> Any:
        value = (queue.pop(0) if len(queue) > 1 else queue[0]) if queue else canned
        if isinstance(value, dict) and set(value) == {"fail"}:
            raise EffectFailed(str(value["fail"]))
        return value

    return handle


def _render(value: Any, context: dict[str, Any], env: Sandbox) -> Any:
    """Expected texts may be templates (`{{ phrases.warn_insult }}`), rendered like the flow's."""
    if isinstance(value, str) and "{{" in value:
        return CompiledText(env, value, Pos("scenario")).render(context)
    if isinstance(value, list):
        return [_render(item, context, env) for item in value]
    if isinstance(value, dict):
        return {key: _render(item, context, env) for key, item in value.items()}
    return value


def _subset(expected: Any, actual: Any, where: str) -> Iterable[str]:
    """Differences between what was expected and what is there (maps: only expected keys)."""
    if isinstance(expected, dict):
        if not isinstance(actual, dict):
            yield f"{where}: expected a map {_show(expected)}, got {_show(actual)}"
            return
        for key, value in expected.items():
            if key not in actual:
                yield f"{where}.{key}: expected {_show(value)}, but there is no `{key}`"
            else:
                yield from _subset(value, actual[key], f"{where}.{key}")
    elif expected != actual and not (
        isinstance(expected, (int, float)) and not isinstance(expected, bool) and expected == actual
    ):
        yield f"{where}: expected {_show(expected)}, got {_show(actual)}"


def _show(value: Any) -> str:
    return f"`{json.dumps(value, ensure_ascii=False, default=str)}`"
