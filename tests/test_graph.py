"""One step graph per flow: the ways out of every step, in the order the engine tries them,
worked out once and read by the checker, the compiler, coverage and the diagrams."""

from __future__ import annotations

from pathlib import Path
from types import MappingProxyType

from callguide import Engine, FrozenClock
from callguide.coverage import required_edges
from callguide.diagram import edges
from callguide.graph import ADVANCE, FAIL, GIVE_UP, graph_of
from callguide.model import AskStep, Case, Condition, EndStep, SayStep, Text
from callguide.problems import Pos
from hostile.packs import MANIFEST, write_pack

MAIN = """\
flow: main
title: Main
start: reason
steps:
  reason:
    ask: Why do you call?
    choice: {tech: Technical, other: Other}
    save: reason
    attempts:
      max: 2
      then: {end: unresolved, reason: later}
    next:
      - if: reason == 'tech'
        call: tech
        then: send
      - go: send
  send:
    do: sms.send
    with: {to: '0712345678', text: Hello}
    on_failure: sorry
    next: bye
  sorry:
    say: We could not send the message
    next: bye
  bye:
    end: resolved
    reason: done
"""

TECH = """\
flow: tech
title: Technical
start: done
steps:
  done:
    end: resolved
    reason: done
"""


def _engine(tmp_path: Path) -> Engine:
    root = write_pack(tmp_path / "pack", {"main.yaml": MAIN, "tech.yaml": TECH}, manifest=MANIFEST)
    return Engine.load(root, clock=FrozenClock())


def test_the_ways_out_of_a_step_come_in_the_order_the_engine_tries_them(tmp_path: Path) -> None:
    graph = graph_of(_engine(tmp_path).pack.flows["main"])
    ways = [(w.trigger, w.dest, w.goes_on, w.saved) for w in graph.ways["reason"]]
    assert ways == [
        (ADVANCE, "reason~n0", "send", True),  # a `call` branch is a step of its own, returning to `then`
        (ADVANCE, "send", "send", True),
        (GIVE_UP, "reason~a0", None, False),  # past the cap the answer was never saved
    ]
    assert graph.branches["reason~n0"].call == "tech"
    assert (graph.branches["reason~a0"].kind, graph.branches["reason~a0"].end) == ("end", "unresolved")
    assert [(w.trigger, w.dest, w.saved) for w in graph.ways["send"]] == [
        (ADVANCE, "bye", True),
        (FAIL, "sorry", False),
    ]
    assert list(graph.successors("reason")) == [("send", True), ("send", True)]
    assert graph.order == ["reason", "send", "sorry", "bye"]
    assert graph.ends_at("reason") and graph.ends_at("bye") and not graph.ends_at("send")


def test_every_stage_reads_the_one_graph_of_a_flow(tmp_path: Path) -> None:
    engine = _engine(tmp_path)
    flow = engine.pack.flows["main"]
    compiled = engine.compiled.flows["main"]
    assert compiled.graph is graph_of(flow)
    assert set(compiled.machine.states) == {step.id for step in graph_of(flow).states}
    assert ("main", "reason", "reason~a0") in set(required_edges(engine.compiled))
    drawn = {(edge.source, edge.target, edge.label) for edge in edges(compiled)}
    assert ("reason", "flow:tech", "reason == 'tech'") in drawn
    assert ("flow:tech", "send", "returns") in drawn
    assert ("reason", "end:unresolved", "after 2 invalid answers") in drawn
    assert ("send", "sorry", "on failure") in drawn


def test_a_step_stores_its_set_names_then_its_branches_saves_then_its_save() -> None:
    at = Pos("f.yaml")
    ask = AskStep(
        id="s",
        pos=at,
        ask=Text((("en", "?"),), at),
        sets=MappingProxyType({"a": Condition("1", at), "b": Condition("2", at)}),
        next=(Case(pos=at, call="other", save="c"), Case(pos=at, go="t"), Case(pos=at, call="more", save="d")),
        save="e",
    )
    assert ask.stores == ("a", "b", "c", "d", "e")
    assert SayStep(id="t", pos=at, next=(Case(pos=at, go="s"),)).stores == ()
    assert EndStep(id="u", pos=at, end="resolved", sets=MappingProxyType({"f": Condition("1", at)})).stores == ("f",)
