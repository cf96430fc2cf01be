"""Problems the hostile corpus found outside the files it could fix, each reproduced in a
few lines; they were reported, fixed in the engine, and these tests keep them fixed.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import pytest
from callguide import Engine, FrozenClock, InputError
from callguide.host import local_engine
from callguide.load.yaml_source import read_yaml

from .packs import write_pack

FLOWS = Path(__file__).resolve().parents[2] / "flows"


def engine_for(flow: str) -> Engine:
    return Engine.load(write_pack(Path(tempfile.mkdtemp()) / "pack", {"main.yaml": flow}), clock=FrozenClock())


def test_a_snapshot_holding_a_set_date_is_plain_json() -> None:
    flow = "flow: main\ntitle: M\nstart: a\nsteps:\n  a:\n    set: {due: today}\n    say: Due {{ due }}\n    next: b\n  b:\n    end: resolved\n"
    json.dumps(engine_for(flow).start("main").snapshot())


def test_a_view_with_an_expression_default_is_plain_json() -> None:
    flow = (
        "flow: main\ntitle: M\nstart: a\nsteps:\n  a:\n    ask: Phone?\n    phone: true\n"
        "    default: \"{{ '0712345678' }}\"\n    save: p\n    next: b\n  b:\n    end: resolved\n"
    )
    json.dumps(engine_for(flow).start("main").view.as_json())


def test_the_acm_summary_works_with_the_sample_host() -> None:
    engine, _ = local_engine(FLOWS / "acm", clock=FrozenClock("2026-11-23 09:00"))
    scenario = FLOWS / "acm" / "tests" / "call_list_summary.yaml"  # the same call, with canned effects
    session = engine.start("process_calls", read_yaml(scenario.read_bytes(), str(scenario)).data["given"])
    session.answer("summary")
    view = session.view
    assert view.step == "show_summary" and view.say


def test_a_refused_answer_names_its_step() -> None:
    flow = (
        "flow: main\ntitle: M\nstart: amount\nsteps:\n  amount:\n    ask: How much?\n"
        "    number: {min: 1, max: 500}\n    save: amount\n    next: b\n  b:\n    end: resolved\n"
    )
    with pytest.raises(InputError) as refused:
        engine_for(flow).start("main").answer("{{ 7*7 }}")
    assert refused.value.step == "amount"
    assert str(refused.value).startswith("amount: ")


def test_a_choice_answered_with_a_superscript_digit_is_refused() -> None:
    flow = "flow: main\ntitle: M\nstart: a\nsteps:\n  a:\n    ask: Which?\n    choice: {x: X, y: Y}\n    save: c\n    next: b\n  b:\n    end: resolved\n"
    with pytest.raises(InputError, match="is not one of the options"):
        engine_for(flow).start("main").answer("²")
