"""A step's `note`: a note for the agent, never read aloud. It is one field of the model's
`Step` (engine/model.py): from it come the editors' schema, the validation, the model, and the
checker's reading of its template."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from callguide import Engine
from callguide.check import check_pack
from callguide.model import AskStep, SayStep, Text
from callguide.testing import run_scenario
from hostile.packs import MANIFEST, write_pack

FLOW = """\
flow: main
input: [customer]
start: identify
steps:
  identify:
    note: "Ask {{ customer.name }} for the number on the card"
    ask: What is your account number?
    text: true
    save: account
    next: bye
  bye:
    note: Do not promise a call-back.
    say: Thank you for calling.
    next: done
  done:
    end: resolved
    reason: done
"""


@pytest.fixture
def pack(tmp_path: Path) -> Path:
    return write_pack(tmp_path / "pack", {"main.yaml": FLOW}, manifest=MANIFEST)


def test_an_editor_offers_note_in_every_kind_of_step() -> None:
    schema = json.loads((Path(__file__).parents[1] / "schemas" / "flow.json").read_text(encoding="utf-8"))
    assert all("note" in branch["properties"] for branch in schema["$defs"]["step"]["anyOf"])
    assert schema["$defs"]["any_step"]["properties"]["note"]["title"] == "Note"


def test_the_model_holds_the_note_of_each_kind_of_step(pack: Path) -> None:
    steps = Engine.load(pack).pack.flows["main"].steps
    identify, bye = steps["identify"], steps["bye"]
    assert isinstance(identify, AskStep) and isinstance(bye, SayStep)
    assert isinstance(identify.note, Text) and identify.note.source("en", "en").startswith("Ask {{ customer.name }}")
    assert bye.note is not None and bye.note.pos.line == 12
    assert steps["done"].note is None


def test_a_note_that_is_not_text_is_refused_in_an_analysts_words(pack: Path) -> None:
    (pack / "main.yaml").write_text(FLOW.replace("note: Do not promise a call-back.", "note: [1, 2]"))
    problems = [(p.pos.line, p.code, p.message) for p in check_pack(pack).problems]
    assert problems == [(12, "wrong-type", "`note` should be text or a map of `key: value`, but is a list")]


def test_the_checker_reads_a_note_like_every_text(pack: Path) -> None:
    (pack / "main.yaml").write_text(FLOW.replace("{{ customer.name }}", "{{ custmer.name }}"))
    problems = [(p.pos.line, p.code, p.message) for p in check_pack(pack).problems]
    assert problems == [
        (6, "undefined-variable", "`custmer` is not stored by any step nor given as `input` - did you mean `customer`?")
    ]


SCENARIO = """\
scenario: the note of each step is shown to the agent
flow: main
given: {customer: {name: Ann}}
play:
  - expect: {step: identify, note: Ask Ann for the number on the card}
  - answer: "12345"
    expect: {step: bye, note: Do not promise a call-back., contains: call-back}
  - answer: null
wrapup: {reason: done}
expect: {outcome: resolved}
"""


def test_the_agent_sees_the_note_and_never_reads_it_aloud(pack: Path) -> None:
    session = Engine.load(pack).start("main", {"customer": {"name": "Ann"}})
    assert (session.view.note, session.view.text) == (
        "Ask Ann for the number on the card",
        "What is your account number?",
    )
    assert session.view.say is None
    session.answer("12345")
    view = session.view
    assert (view.note, view.say) == ("Do not promise a call-back.", "Thank you for calling.")


def test_a_scenario_expects_the_note(pack: Path) -> None:
    (pack / "tests").mkdir()
    (pack / "tests" / "note.yaml").write_text(SCENARIO, encoding="utf-8")
    result = run_scenario(pack / "tests" / "note.yaml", pack=pack)
    assert result.failures == [] and result.outcome == "resolved"
