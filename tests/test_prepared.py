"""Texts and conditions compiled when a pack loads (`expr.prepare`): the ones shapes.py
reads are ready before the first call; the others, and any that does not compile, wait for
their first use, which behaves as it always did."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from callguide import Engine
from callguide import compile as compile_module
from callguide.expr import CompiledCondition, CompiledText, prepare
from callguide.filters import make_environment
from callguide.problems import Pos, RenderError
from callguide.shapes import condition_tree, text_tree
from hostile.packs import MANIFEST, write_pack

ENV = make_environment()
FLOWS = Path(__file__).resolve().parent.parent / "flows"
STOP_OR_GO = """\
flow: main
title: Stop or go on
input: [stop]
start: decide
steps:
  decide:
    next:
      - if: stop
        go: stopped
      - go: going
  stopped:
    end: resolved
  going:
    end: resolved
"""


def test_loading_a_pack_compiles_the_texts_and_conditions_shapes_reads() -> None:
    made = Engine.load(FLOWS / "bboxx").compiled.texts.made
    read = [
        item
        for item in made
        if (text_tree(item.source) if isinstance(item, CompiledText) else condition_tree(item.source)) is not None
    ]
    assert len(read) > 100
    assert [item.source for item in read if item._run is None] == []
    others = [item for item in made if item not in read and not (isinstance(item, CompiledText) and item.is_literal)]
    assert others and all(item._run is None for item in others)  # Jinja's parser: on first use


def test_a_prepared_text_renders_and_a_condition_tests_as_on_first_use() -> None:
    data = {"customer": {"name": "Ann"}, "reason": "technical"}
    text = CompiledText(ENV, "Hello {{ customer.name }}!", Pos("flow.yaml", 3, 5))
    condition = CompiledCondition(ENV, "reason == 'technical'", Pos("flow.yaml", 4, 5))
    prepare([text, condition])
    assert text.render(data) == "Hello Ann!"
    assert condition.test(data) is True
    assert condition.test({"reason": "billing"}) is False


def test_a_source_that_does_not_compile_says_why_at_its_first_use() -> None:
    text = CompiledText(ENV, "Hi {{ customer | no_such_filter }}", Pos("flow.yaml", 7, 9))
    prepare([text])
    with pytest.raises(RenderError) as raised:
        text.render({"customer": "Ann"})
    assert str(raised.value) == "flow.yaml:7:9: No filter named `no_such_filter`."


@pytest.mark.parametrize("big", [False, True])
def test_a_big_pack_leaves_its_conditions_to_the_calls_that_reach_them(
    big: bool, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    if big:  # compiled step by step as calls reach them; its big flow's machine made at load
        monkeypatch.setattr(compile_module, "LAZY_PAST", 2)
        monkeypatch.setattr(compile_module, "SMALL_FLOW", 2)
    engine = Engine.load(write_pack(tmp_path / "pack", {"main.yaml": STOP_OR_GO}, manifest=MANIFEST))
    (stop,) = [item for item in engine.compiled.texts.made if item.source == "stop"]
    assert (stop._run is None) is big
    assert engine.start("main", {"stop": True}).outcome == "resolved"


def test_a_source_written_twice_is_compiled_once_and_each_says_where_it_failed() -> None:
    first, second = (CompiledCondition(ENV, "customer.name == 'Ann'", Pos("flow.yaml", line, 5)) for line in (3, 9))
    prepare([first, second])
    assert first._run is second._run
    assert second.test({"customer": {"name": "Ann"}}) is True
    with pytest.raises(RenderError) as raised:
        second.test({})
    assert str(raised.value) == "flow.yaml:9:5: `customer` is undefined"


LABELLED = """\
flow: main
title: Labels made at load
start: pick
steps:
  pick:
    ask: What now?
    choice: {stay: Stay on the line, leave: Leave}
    save: picked
    next: name
  name:
    ask: Your name?
    text: true
    save: caller
    next: thanks
  thanks:
    say: Thank you.
    next: bye
  bye:
    end: resolved
"""
# a label that reads the call is left to each call (test_session.py: rule labels show each call's answers)
LABELLED_RULES = """\
rules:
  noise: {label: Noise on the line, warnings: 2, then: {end: dropped}}
"""


def test_the_labels_every_call_shows_the_same_are_made_when_the_pack_loads(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    files = {"main.yaml": LABELLED, "rules.yaml": LABELLED_RULES}
    engine = Engine.load(write_pack(tmp_path / "pack", files, manifest=MANIFEST))
    rendered: list[str] = []
    render = CompiledText.render

    def noted(text: CompiledText, context: dict[str, Any]) -> str:
        rendered.append(text.source)
        return render(text, context)

    monkeypatch.setattr(CompiledText, "render", noted)
    session = engine.start("main")
    view = session.view
    assert view.answer is not None
    assert [option["label"] for option in view.answer["options"]] == ["Stay on the line", "Leave"]
    session.answer("leave")  # by its label
    assert session.view.text == "Your name?"  # the screen is made when it is read
    session.answer("Ann")
    assert [event["label"] for event in session.view.events] == ["Noise on the line"]
    session.answer(None)
    assert session.view.answer is not None
    assert [option["label"] for option in session.view.answer["options"]] == ["Done", "Call back later"]
    record = session.wrap_up(reason="later", close=False, queue="desk", description="Busy")
    assert record["reason_label"] == "Call back later"
    assert rendered == ["What now?", "Your name?", "Thank you."]  # the step's texts: no label
