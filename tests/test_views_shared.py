"""A view is its reader's: what views share across calls (a step's options, the wrap-up's
reasons and questions, made once per language) reaches each view as its own copy, and
what reads the call is worked out for each call."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date
from pathlib import Path

from callguide import EffectRequest, Engine, FrozenClock, Session
from hostile.packs import CALL_END as HOSTILE_CALL_END
from hostile.packs import MANIFEST, write_pack

MAIN = """\
flow: main
title: Views
start: who
steps:
  who:
    ask: Who is calling?
    text: true
    save: caller
    next: pick
  pick:
    ask: What now?
    choice:
      fixed: A fixed option
      named: "For {{ caller }}"
      greyed:
        label: Greyed out
        if: caller == 'nobody'
        else: "not for {{ caller }}"
    save: picked
    next: bye
  bye:
    end: resolved
"""
# the hostile packs' catalog, with a reason label that reads the call
CALL_END = HOSTILE_CALL_END.replace("label: Call back later", 'label: "Call {{ caller }} back after {{ now.hour }}:00"')
RULES = "rules:\n  noise: {label: Noise, warnings: 2, then: {end: dropped}}\n"
PHRASES = "phrases:\n  wrapup_reason:\n    en: Why did it end?\n    ru: Почему звонок закончился?\n"


def engine_at(tmp_path: Path, clock: FrozenClock) -> Engine:
    files = {"main.yaml": MAIN, "call_end.yaml": CALL_END, "phrases.yaml": PHRASES, "rules.yaml": RULES}
    return Engine.load(write_pack(tmp_path / "pack", files, manifest=MANIFEST + "languages: [en, ru]\n"), clock=clock)


def at_pick(engine: Engine, caller: str) -> Session:
    session = engine.start("main")
    session.answer(caller)
    return session


def test_a_host_that_changes_a_view_changes_no_other_view(tmp_path: Path) -> None:
    engine = engine_at(tmp_path, FrozenClock("2026-11-23 10:00"))
    first = at_pick(engine, "Ann").view
    assert first.answer is not None
    first.answer["options"][0]["label"] = "changed"
    first.answer["options"].append({"key": "added", "label": "added"})
    assert at_pick(engine, "Bob").view.answer == {
        "type": "choice",
        "optional": False,
        "options": [
            {"key": "fixed", "label": "A fixed option"},
            {"key": "named", "label": "For Bob"},
            {"key": "greyed", "label": "Greyed out", "disabled": "not for Bob"},
        ],
    }
    events = first.events  # made once per flow, language and environment
    assert events == ({"name": "noise", "label": "Noise"},)
    events[0]["label"] = "changed"
    assert at_pick(engine, "Bob").view.events == ({"name": "noise", "label": "Noise"},)
    for _ in range(2):  # the queues' options, made once: each view has its own copy
        session = engine.start("main")
        session.hang_up()
        session.answer("later")
        session.answer("no")
        shown = session.view.answer
        assert shown is not None and shown["options"] == [{"key": "desk", "label": "Front desk"}]
        shown["options"][0]["label"] = "changed"
        shown["options"].append({"key": "added", "label": "added"})


def test_the_wrap_up_questions_are_each_calls_language(tmp_path: Path) -> None:
    engine = engine_at(tmp_path, FrozenClock("2026-11-23 10:00"))
    asked: list[tuple[str | None, ...]] = []
    for language in ("en", "ru", "en"):
        session = engine.start("main", language=language)
        session.hang_up()
        reason = session.view.text
        session.answer("later")
        close = session.view.text
        session.answer("no")
        asked.append((reason, close, session.view.text))
    english = ("Why did it end?", "Close the request?", "The request stays open: which queue does it go to?")
    russian = (
        "Почему звонок закончился?",
        "Закрыть обращение?",
        "Обращение остаётся открытым: в какую очередь его передать?",
    )
    assert asked == [english, russian, english]


def test_a_reason_label_that_reads_the_call_shows_it_as_the_call_ended(tmp_path: Path) -> None:
    clock = FrozenClock("2026-11-23 10:00")
    engine = engine_at(tmp_path, clock)
    session = at_pick(engine, "Ann")
    session.answer("fixed")
    clock.advance(2 * 3600)
    record = session.wrap_up(reason="later", close=False, queue="desk", description="Busy")
    assert (record["reason"], record["reason_label"]) == ("later", "Call Ann back after 12:00")
    clock.advance(3 * 3600)  # read again later, in another process: the same record
    assert engine.resume(session.snapshot()).record == record
    bob = at_pick(engine, "Bob")
    bob.hang_up()
    assert bob.wrap_up(reason="done")["reason_label"] == "Done"


PHONES = """\
flow: main
title: Phones
start: mobile
steps:
  mobile:
    ask: Mobile number?
    phone: true
    attempts: {max: 2, then: {end: resolved}}
    save: mobile
    next: office
  office:
    ask: Office number?
    phone: {region: GB}
    save: office
    next: bye
  bye:
    end: resolved
"""


def test_a_phone_question_shows_the_packs_rule_unless_it_has_its_own(tmp_path: Path) -> None:
    manifest = MANIFEST + "phone: {digits: 10}\n"
    engine = Engine.load(write_pack(tmp_path / "pack", {"main.yaml": PHONES}, manifest=manifest))
    session = engine.start("main")
    assert session.view.answer == {
        "type": "phone",
        "optional": False,
        "attempts": {"max": 2, "used": 0},
        "digits": 10,
    }
    session.answer("0712345678")
    assert session.view.answer == {"type": "phone", "optional": False, "region": "GB"}


SHARED = """\
flow: main
title: Shared
input: [customer]
start: name
steps:
  name:
    ask: Name?
    text: true
    save: person.name
    next: send
  send:
    say: Sending
    do: sms.send
    with: {to: ["0712345678"], text: Hello}
    next: bye
  bye:
    end: resolved
"""


def test_a_host_that_changes_what_it_is_handed_changes_nothing_of_the_call(tmp_path: Path) -> None:
    engine = Engine.load(write_pack(tmp_path / "pack", {"main.yaml": SHARED, "rules.yaml": RULES}))
    customer = {"name": "Ann", "phones": ["0712345678"]}
    session = engine.start("main", {"customer": customer})

    def unchanged_by(change: Callable[[], object]) -> None:
        before = json.dumps(session.snapshot())
        change()
        assert json.dumps(session.snapshot()) == before

    session.answer("Ann")
    unchanged_by(lambda: session.variables["person"].update(name="Bob"))
    session.signal("noise")  # a warning: the view's notice
    assert session.view.notice is not None
    unchanged_by(lambda: session.view.notice.update(text="changed"))  # type: ignore[union-attr]
    session.answer()  # the SMS waits for the host
    unchanged_by(lambda: session.view.pending[0]["args"]["to"].append("0700000000"))
    unchanged_by(lambda: session.pending[0].args["to"].append("0700000000"))
    session.resolve({"id": "S-1"})
    record = session.wrap_up(reason="done")
    kept = json.dumps(record)

    def change_the_record() -> None:
        record["answers"]["person"]["name"] = "Bob"
        record["input"]["customer"]["phones"].append("0700000000")
        record["events"][0]["rule"] = "changed"
        record["effects"][0]["args"]["to"].clear()
        record["effects"][0]["result"]["id"] = "changed"

    unchanged_by(change_the_record)
    assert json.dumps(engine.resume(session.snapshot()).record) == kept


def test_a_host_that_keeps_an_effects_result_and_changes_it_later_changes_nothing_of_the_call(tmp_path: Path) -> None:
    kept: list[dict[str, object]] = []

    def send(request: EffectRequest) -> dict[str, object]:
        kept.append({"id": "S-1", "sent": date(2026, 11, 23), "to": list(request.args["to"])})
        return kept[-1]  # a store's own record, which a later effect changes in place

    pack = write_pack(tmp_path / "pack", {"main.yaml": SHARED})
    for handlers in ({"sms.send": send}, {}):
        engine = Engine.load(pack, handlers=handlers)
        session = engine.start("main", {"customer": {"name": "Ann"}})
        session.answer("Ann")
        session.answer()
        if not handlers:  # the host performs it itself, and resolves it with its record
            kept.append({"id": "S-1", "sent": date(2026, 11, 23), "to": ["0712345678"]})
            session.resolve(kept[-1])
        before = session.snapshot_text()
        kept[-1]["id"] = "changed"
        kept[-1]["to"].append("0700000000")  # type: ignore[attr-defined]
        assert session.snapshot_text() == before
        record = session.wrap_up(reason="done")
        assert record["effects"][0]["result"] == {"id": "S-1", "sent": "2026-11-23", "to": ["0712345678"]}


def test_a_handler_that_changes_the_request_it_is_handed_changes_nothing_of_the_call(tmp_path: Path) -> None:
    def send(request: EffectRequest) -> dict[str, object]:
        request.args["to"].append("0700000000")  # type: ignore[attr-defined]
        request.args["text"] = "changed"  # type: ignore[index]
        return {"id": "S-1"}

    engine = Engine.load(write_pack(tmp_path / "pack", {"main.yaml": SHARED}), handlers={"sms.send": send})
    session = engine.start("main", {"customer": {"name": "Ann"}})
    session.answer("Ann")
    session.answer()
    record = session.wrap_up(reason="done")
    assert record["effects"][0]["args"] == {"to": ["0712345678"], "text": "Hello"}


def test_a_host_that_changes_a_snapshot_changes_neither_the_call_nor_the_call_resumed_from_it(tmp_path: Path) -> None:
    engine = Engine.load(write_pack(tmp_path / "pack", {"main.yaml": SHARED}))
    session = engine.start("main", {"customer": {"name": "Ann"}})
    session.answer("Ann")
    kept = json.dumps(session.snapshot())

    taken = session.snapshot()
    taken["state"]["vars"]["person"]["name"] = "Bob"
    taken["state"]["inputs"]["customer"]["name"] = "Eve"
    assert json.dumps(session.snapshot()) == kept
    assert session.variables["person"] == {"name": "Ann"}

    given = json.loads(kept)
    resumed = engine.resume(given)
    given["state"]["vars"]["person"]["name"] = "Bob"
    given["state"]["inputs"]["customer"]["name"] = "Eve"
    assert json.dumps(resumed.snapshot()) == kept
