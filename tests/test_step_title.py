"""A step's `title`: a short heading for the agent, never read aloud. It is one declaration in
schemas/source.py (its shape, its hover help, the step kinds it belongs to); the view, the
scenario tests, the diagrams and the checker's reading of texts show it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from callguide import Engine
from callguide.check import check_pack
from callguide.diagram import mermaid
from callguide.testing import run_scenario
from hostile.packs import MANIFEST, write_pack

FLOW = """\
flow: main
title: Main
input: [customer]
start: identify
steps:
  identify:
    title:
      en: "Identify {{ customer.name }}"
      ru: "Опознать {{ customer.name }}"
    ask: What is your account number?
    text: true
    save: account
    next: bye
  bye:
    title: Goodbye
    say: Thank you for calling.
    end: resolved
    reason: done
"""

SCENARIO = """\
scenario: the heading of each step is shown to the agent
flow: main
given: {customer: {name: Ann}}
play:
  - expect: {step: identify, title: Identify Ann}
  - answer: "12345"
    expect: {step: bye, title: Goodbye, contains: Goodbye}
  - answer: null
wrapup: {reason: done}
expect: {outcome: resolved}
"""


@pytest.fixture
def pack(tmp_path: Path) -> Path:
    root = write_pack(tmp_path / "pack", {"main.yaml": FLOW}, manifest=MANIFEST + "languages: [en, ru]\n")
    (root / "tests").mkdir()
    (root / "tests" / "heading.yaml").write_text(SCENARIO, encoding="utf-8")
    return root


@pytest.mark.parametrize(("language", "heading"), [("en", "Identify Ann"), ("ru", "Опознать Ann")])
def test_the_agent_sees_the_title_above_the_step_in_the_call_language(pack: Path, language: str, heading: str) -> None:
    session = Engine.load(pack).start("main", {"customer": {"name": "Ann"}}, language=language)
    assert (session.view.title, session.view.text) == (heading, "What is your account number?")
    assert session.view.say is None  # never read aloud
    session.answer("12345")
    assert session.view.title == "Goodbye"


def test_a_scenario_expects_the_title(pack: Path) -> None:
    result = run_scenario(pack / "tests" / "heading.yaml", pack=pack)
    assert result.failures == [] and result.outcome == "resolved"


def test_the_diagram_shows_the_title_as_the_step(pack: Path) -> None:
    engine = Engine.load(pack)
    drawn = mermaid(engine.pack, engine.compiled.flows["main"])
    assert '"identify: Identify {{ customer.name }} (text)"' in drawn


def test_the_checker_reads_a_title_like_every_text(pack: Path) -> None:
    (pack / "main.yaml").write_text(FLOW.replace('customer.name }}"\n      ru', 'custmer.name }}"\n      ru'))
    problems = [(p.pos.line, p.code, p.message) for p in check_pack(pack).problems]
    assert problems == [
        (
            8,
            "undefined-variable",
            "`custmer` is not stored by any step nor given as `input` - did you mean `customer`?",
        )
    ]


def test_an_editor_offers_title_in_every_kind_of_step() -> None:
    schema = json.loads((Path(__file__).parents[1] / "schemas" / "flow.json").read_text(encoding="utf-8"))
    assert all("title" in branch["properties"] for branch in schema["$defs"]["step"]["anyOf"])
    assert schema["$defs"]["any_step"]["properties"]["title"]["description"].endswith("never read aloud.")
