"""The interpreter runs on `transitions`: each flow's steps are a machine built once and
fired on every move; the call's phases and the wrap-up form are shared machines too."""

from __future__ import annotations

import logging
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from callguide import EffectFailed, Engine, FlowRuntimeError, FrozenClock, testing
from callguide import compile as compile_module
from callguide.machines import Cursor, fire, shared_machine
from callguide.phases import next_phase
from callguide.wrapup import next_question
from hostile.packs import MANIFEST, write_pack
from transitions import Machine

FLOWS = Path(__file__).parents[1] / "flows"


@pytest.mark.parametrize("pack", sorted(path.parent.name for path in FLOWS.glob("*/pack.yaml")))
def test_every_step_of_a_bundled_flow_is_a_state_of_its_machine(pack: str) -> None:
    engine = Engine.load(FLOWS / pack)
    for flow in engine.compiled.flows.values():
        assert set(flow.machine.states) == set(flow.steps)
        for event in flow.machine.events.values():
            for source, transitions in event.transitions.items():
                # a transition is a change of step (a `call` or `end` step does its work unfired)
                assert all(t.source == source and t.dest in flow.steps for t in transitions)


def _layout(machine: Machine) -> dict[str, dict[str, list[tuple[Any, ...]]]]:
    return {
        name: {
            source: [
                (t.source, t.dest, [(c.func, c.target) for c in t.conditions], t.before, t.after, t.prepare)
                for t in transitions
            ]
            for source, transitions in event.transitions.items()
        }
        for name, event in machine.events.items()
    }


def test_a_shared_machine_has_the_transitions_add_transition_would_give_it() -> None:
    def guard(event: Any) -> bool:
        return True

    def callback(event: Any) -> None:
        pass

    states = ["a", "b", "c", "d"]
    specs: list[dict[str, Any]] = [
        {"trigger": "advance", "source": "a", "dest": "b", "conditions": [guard]},
        {"trigger": "advance", "source": "a", "dest": "c", "unless": [guard], "before": [callback]},
        {"trigger": "advance", "source": "b", "dest": "c", "conditions": []},
        {"trigger": "advance", "source": ["c", "d"], "dest": "a"},
        {"trigger": "advance", "source": "*", "dest": "d", "prepare": [callback]},
        {"trigger": "advance", "source": "c", "dest": "=", "after": [callback]},
        {"trigger": "finish", "source": "d", "dest": None, "after": callback},
        {"trigger": "finish", "source": "a", "dest": None, "after": callback},
        {"trigger": "fail", "source": "b", "dest": "a"},
        {"trigger": "fail", "source": "*", "dest": "b"},
    ]
    reference = Machine(
        model=None, states=states, transitions=specs, initial="a", auto_transitions=False, ignore_invalid_triggers=False
    )
    machine = shared_machine(states, specs, "a")
    assert _layout(machine) == _layout(reference)
    assert [vars(state) for state in machine.states.values()] == [vars(state) for state in reference.states.values()]
    assert _layout(machine)["advance"]["c"][-1][:2] == ("c", "c")  # `=` is the source
    plain = {"trigger": "fail", "source": "a", "dest": "b"}
    with pytest.raises(TypeError):  # as `add_transition` would: not dropped unseen
        shared_machine(states, [plain, {**plain, "label": "unknown"}], "a")


def test_a_state_given_enter_and_exit_callbacks_runs_them() -> None:
    machine = shared_machine(["a", "b"], [{"trigger": "go", "source": "a", "dest": "b"}], "a")
    seen: list[tuple[str, str]] = []
    machine.states["a"].add_callback("exit", lambda event: seen.append(("exit", event.state.name)))
    machine.states["b"].add_callback("enter", lambda event: seen.append(("enter", event.state.name)))
    cursor = Cursor("a")
    assert fire(machine, "go", cursor)
    assert cursor.state == "b"
    assert seen == [("exit", "a"), ("enter", "b")]


def test_a_shared_machine_changes_state_as_a_machine_of_transitions_does() -> None:
    def run(machine: Machine) -> list[tuple[str, str, str]]:
        seen: list[tuple[str, str, str]] = []

        def note(what: str) -> Any:
            return lambda event: seen.append((what, event.state.name, event.model.state))

        machine.states["a"].add_callback("exit", note("exit"))
        machine.states["b"].add_callback("enter", note("enter"))
        machine.states["b"].final = True
        machine.on_final = note("final")
        machine.events["go"].transitions["a"][0].after.append(note("after"))
        cursor = Cursor("a")
        assert fire(machine, "go", cursor)
        assert cursor.state == "b"
        return seen

    spec = [{"trigger": "go", "source": "a", "dest": "b"}]
    reference = Machine(
        model=None, states=["a", "b"], transitions=spec, initial="a", auto_transitions=False, send_event=True
    )
    expected = [("exit", "a", "a"), ("enter", "b", "b"), ("final", "b", "b"), ("after", "b", "b")]
    assert run(shared_machine(["a", "b"], spec, "a")) == run(reference) == expected


def _reference(spec: list[dict[str, Any]]) -> Machine:
    states = sorted({spec[0]["source"], *(s["dest"] for s in spec)})
    return Machine(model=None, states=states, transitions=spec, initial="a", auto_transitions=False, send_event=True)


def test_a_shared_machine_runs_every_callback_of_a_transition_as_a_machine_of_transitions_does() -> None:
    def run(machine: Machine) -> list[tuple[str, str]]:
        seen: list[tuple[str, str]] = []

        def note(what: str) -> Any:
            return lambda event: seen.append((what, event.model.state))

        def guard(passes: bool) -> Any:
            return lambda event: seen.append(("guard", event.transition.dest)) or passes

        skipped, taken = machine.events["go"].transitions["a"]
        skipped.conditions[0].func = guard(False)
        taken.conditions[0].func = guard(True)
        for transition in (skipped, taken):
            transition.prepare.append(note("prepare"))
            transition.before.append(note("before"))
            transition.after.append(note("after"))
        machine.before_state_change = [note("before any")]
        machine.after_state_change = [note("after any")]
        cursor = Cursor("a")
        assert fire(machine, "go", cursor)
        assert cursor.state == "c"
        return seen

    spec = [
        {"trigger": "go", "source": "a", "dest": "b", "conditions": [lambda event: True]},
        {"trigger": "go", "source": "a", "dest": "c", "conditions": [lambda event: True]},
    ]
    expected = [
        ("prepare", "a"),
        ("guard", "b"),
        ("prepare", "a"),
        ("guard", "c"),
        ("before any", "a"),
        ("before", "a"),
        ("after", "c"),
        ("after any", "c"),
    ]
    assert run(shared_machine(["a", "b", "c"], spec, "a")) == run(_reference(spec)) == expected


def test_a_transition_s_own_callbacks_run_around_its_state_change_as_in_transitions() -> None:
    # the wrap-up form's machine has such transitions: they take the shared machine's own path
    def run(machine: Machine) -> list[tuple[str, str]]:
        seen: list[tuple[str, str]] = []
        skipped, taken = machine.events["go"].transitions["a"]
        for transition in (skipped, taken):
            transition.before.append(lambda event: seen.append(("before", event.model.state)))
            transition.after.append(lambda event: seen.append(("after", event.model.state)))
        cursor = Cursor("a")
        assert fire(machine, "go", cursor)
        assert cursor.state == "c"
        return seen

    spec: list[dict[str, Any]] = [
        {"trigger": "go", "source": "a", "dest": "b", "conditions": [lambda event: False]},
        {"trigger": "go", "source": "a", "dest": "c"},
    ]
    assert run(shared_machine(["a", "b", "c"], spec, "a")) == run(_reference(spec)) == [("before", "a"), ("after", "c")]


def test_a_shared_machine_logs_its_transitions_at_debug_level_as_a_machine_of_transitions_does(
    caplog: pytest.LogCaptureFixture,
) -> None:
    spec: list[dict[str, Any]] = [
        {"trigger": "go", "source": "a", "dest": "b", "conditions": [lambda event: False]},
        {"trigger": "go", "source": "a", "dest": "c"},
    ]
    logged = []
    for machine in (shared_machine(["a", "b", "c"], spec, "a"), _reference(spec)):
        caplog.clear()
        with caplog.at_level(logging.DEBUG, logger="transitions.core"):
            cursor = Cursor("a")
            assert fire(machine, "go", cursor)
        assert cursor.state == "c"
        # a shared machine's states log nothing when they have no callbacks (`SharedState`)
        messages = [r.getMessage() for r in caplog.records if r.name == "transitions.core"]
        logged.append(
            [m for m in messages if not m.startswith(("Entering state", "Exiting state", "Finished processing state"))]
        )
    assert logged[0] == logged[1]
    assert "Initiating transition from state a to state b..." in logged[0]
    assert any(message.startswith("Transition condition failed") for message in logged[0])


def test_a_shared_machine_takes_the_first_transition_whose_guards_hold() -> None:
    specs: list[dict[str, Any]] = [
        {"trigger": "go", "source": "a", "dest": "b", "conditions": [lambda event: False]},
        {"trigger": "go", "source": "a", "dest": "c", "unless": [lambda event: True]},
        # a guard named by a string is the model's, as `transitions` resolves it
        {"trigger": "go", "source": "a", "dest": "d", "conditions": ["ready"], "unless": [lambda event: 0]},
        {"trigger": "go", "source": "a", "dest": "b"},
    ]
    machine = shared_machine(["a", "b", "c", "d"], specs, "a")
    ready = SimpleNamespace(state="a", ready=lambda event: 1)  # 1 == True, 0 == False: as `Condition` compares
    assert fire(machine, "go", ready)
    assert ready.state == "d"
    not_ready = SimpleNamespace(state="a", ready=lambda event: False)
    assert fire(machine, "go", not_ready)
    assert not_ready.state == "b"


def test_a_phase_change_the_call_cannot_make_is_refused_by_the_machine() -> None:
    assert next_phase("step", "confirm") == "confirm"
    assert next_phase("wrapup", "end") == "ended"
    with pytest.raises(FlowRuntimeError, match="a call cannot `arrive` while it is in phase `ended`"):
        next_phase("ended", "arrive")
    with pytest.raises(FlowRuntimeError, match="a call cannot `confirm` while it is in phase `wait`"):
        next_phase("wait", "confirm")


LOOP = """\
flow: main
title: Loop
start: count
steps:
  count:
    next:
      - if: now.year > 3000
        go: done
      - go: again
  again:
    next: count
  done:
    end: resolved
"""


def test_a_flow_that_moves_on_for_ever_is_stopped_with_a_clear_error(tmp_path: Path) -> None:
    engine = Engine.load(write_pack(tmp_path / "pack", {"main.yaml": LOOP}, manifest=MANIFEST), clock=FrozenClock())
    with pytest.raises(FlowRuntimeError, match="flow `main` moves on for ever without asking anything"):
        engine.start("main")


def _counting_compiles(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The ids of the steps compiled from now on, in order."""
    made: list[str] = []
    compile_step = compile_module.compile_step

    def counted(flow: str, step: Any, texts: Any) -> Any:
        made.append(step.id)
        return compile_step(flow, step, texts)

    monkeypatch.setattr(compile_module, "compile_step", counted)
    return made


def test_a_big_pack_compiles_a_step_when_first_looked_up_and_then_keeps_it(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    made = _counting_compiles(monkeypatch)
    monkeypatch.setattr(compile_module, "LAZY_PAST", 2)  # LOOP's 3 steps make it a big pack
    engine = Engine.load(write_pack(tmp_path / "pack", {"main.yaml": LOOP}, manifest=MANIFEST))
    assert made == []  # loading compiles no step
    flow = engine.compiled.flows["main"]
    assert "count" in flow.steps and "nowhere" not in flow.steps
    assert len(flow.steps) == len(list(flow.steps)) == 3
    assert made == []  # nor do its keys
    assert flow.steps["count"] is flow.steps["count"]
    assert made == ["count"]
    with pytest.raises(KeyError):
        flow.steps["nowhere"]


def test_a_small_flow_of_a_big_pack_gets_its_machine_when_first_fired(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(compile_module, "LAZY_PAST", 2)
    flow = Engine.load(write_pack(tmp_path / "pack", {"main.yaml": LOOP}, manifest=MANIFEST)).compiled.flows["main"]
    assert flow.built is None
    machine = flow.machine
    assert flow.built is machine and flow.machine is machine
    assert set(machine.states) == set(flow.steps)
    assert flow.fire("advance", "again", SimpleNamespace(context=dict)) == "count"


def test_a_big_flow_gets_its_machine_at_load(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(compile_module, "LAZY_PAST", 2)
    monkeypatch.setattr(compile_module, "SMALL_FLOW", 2)  # LOOP's 3 steps make it a big flow
    flow = Engine.load(write_pack(tmp_path / "pack", {"main.yaml": LOOP}, manifest=MANIFEST)).compiled.flows["main"]
    assert flow.built is not None and set(flow.built.states) == set(flow.steps)


def test_a_pack_of_at_most_lazy_past_steps_compiles_them_all_at_load(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    made = _counting_compiles(monkeypatch)
    monkeypatch.setattr(compile_module, "LAZY_PAST", 3)
    engine = Engine.load(write_pack(tmp_path / "pack", {"main.yaml": LOOP}, manifest=MANIFEST))
    assert sorted(made) == ["again", "count", "done"]
    assert type(engine.compiled.flows["main"].steps) is dict
    assert engine.compiled.flows["main"].built is not None


def test_every_scenario_of_a_pack_passes_with_its_steps_compiled_when_reached(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(compile_module, "LAZY_PAST", 0)
    testing.compiled_pack.cache_clear()  # a pack compiled before, all at once, is not reused
    try:
        flows = testing.compiled_pack(FLOWS / "bboxx").flows.values()
        assert all(isinstance(flow.steps, compile_module.CompiledSteps) for flow in flows)
        assert all(flow.built is None for flow in flows)  # no machine made yet: all are small
        results = [testing.run_scenario(path) for path in testing.find_scenarios([FLOWS / "bboxx"])]
    finally:
        testing.compiled_pack.cache_clear()
    assert len(results) > 10 and all(result.passed for result in results)
    assert any(result.outcome for result in results)  # `end` steps fired, looked up by their machine


@pytest.mark.parametrize(
    ("locked", "close", "questions"),
    [
        (False, False, ["close", "queue", "description"]),
        (False, True, ["close", "description"]),
        (True, True, ["description"]),
        (True, False, ["queue", "description"]),
    ],
)
def test_the_wrap_up_skips_what_the_reason_settles(locked: bool, close: bool, questions: list[str]) -> None:
    catalog = SimpleNamespace(reasons={"r": SimpleNamespace(locked=locked, close=close)})
    compiled = SimpleNamespace(pack=SimpleNamespace(call_end_catalog=catalog))
    form = SimpleNamespace(compiled=compiled, state=SimpleNamespace(wrapup={"reason": "r"}))
    asked, question = [], next_question("reason", form)
    while question is not None:
        asked.append(question)
        if question == "close":
            form.state.wrapup["close"] = close  # the agent's answer
        question = next_question(question, form)
    assert asked == questions
    assert form.state.wrapup["close"] is close


def test_a_lifecycle_transition_fires_only_from_its_sources_with_its_guard_and_comment() -> None:
    engine = Engine.load(Path(__file__).parent / "packs" / "demo")
    case = engine.compiled.lifecycles["case"]
    context = {"agent": {"name": "Sam"}}
    opened = {"id": "C-1", "status": "OPEN"}
    assert case.request("dispatch", opened, {}, context, "en")["to"] == "OPEN-DISPATCH"
    with pytest.raises(EffectFailed, match="case is OPEN-DISPATCH: `dispatch` is only possible from OPEN"):
        case.request("dispatch", {"id": "C-1", "status": "OPEN-DISPATCH"}, {}, context, "en")
    with pytest.raises(EffectFailed, match="case is LOST: `save` is only possible from OPEN"):
        case.request("save", {"id": "C-1", "status": "LOST"}, {}, context, "en")
    with pytest.raises(EffectFailed, match="`close` needs a comment"):
        case.request("close", opened, {"comment": "  "}, context, "en")
    assert case.request("close", opened, {"comment": "fixed"}, context, "en")["to"] == "CLOSED"
