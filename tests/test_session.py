"""The interpreter, through the Python API a front end uses: every step kind, rules,
wrap-up, effects and fallbacks, sub-flows, lifecycles, worklists, snapshots, threads."""

from __future__ import annotations

import json
import threading
from datetime import date
from pathlib import Path
from typing import Any
from unittest.mock import ANY

import pytest
from callguide import (
    EffectFailed,
    EffectRequest,
    Engine,
    FlowRuntimeError,
    FrozenClock,
    InputError,
    Session,
    SnapshotError,
)
from callguide.host import local_engine
from hostile.packs import MANIFEST, write_pack

DEMO = Path(__file__).parent / "packs" / "demo"
ANN = {"id": "C1", "name": "Ann Smith", "phone": "0712345678"}


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock("2026-11-23 10:00")


@pytest.fixture
def engine(clock: FrozenClock) -> Engine:
    loaded, _ = local_engine(DEMO, clock=clock)
    return loaded


def start(engine: Engine, customer: dict[str, Any] | None = None, **options: Any) -> Session:
    return engine.start("main", {"agent": {"name": "Sam"}, "customer": customer or ANN}, **options)


def test_say_then_choice_shows_rendered_texts_and_numbered_options(engine: Engine) -> None:
    session = start(engine)
    assert (session.view.kind, session.view.step, session.view.say) == ("say", "hello", "Hello Ann Smith")
    session.answer()
    view = session.view
    assert (view.kind, view.step, view.text) == ("ask", "topic", "What is it about?")
    assert [option["key"] for option in view.answer["options"]] == ["billing", "tech", "sms", "case", "skip"]
    assert [event["name"] for event in view.events] == ["insult", "obscene", "inaudible", "not_covered", "complaint"]


def test_the_session_speaks_its_language(engine: Engine) -> None:
    session = start(engine, language="ru")
    assert session.view.say == "Здравствуйте, Ann Smith"


def test_a_language_the_pack_does_not_speak_is_refused_and_none_is_the_packs(engine: Engine) -> None:
    with pytest.raises(InputError, match=r"pack `demo` speaks en, ru, not `fr`"):
        start(engine, language="fr")
    for language in (None, ""):
        assert start(engine, language=language).view.say == "Hello Ann Smith"


def test_invalid_answer_raises_and_leaves_the_session_unchanged(engine: Engine) -> None:
    session = start(engine)
    session.answer()
    before = session.snapshot()
    with pytest.raises(InputError) as refused:
        session.answer("nonsense")
    assert refused.value.message.startswith("`nonsense` is not one of the options: 1. Billing, 2. Technical")
    assert session.snapshot() == before


def test_an_option_can_be_picked_by_number_key_or_label(engine: Engine) -> None:
    for answer in ("1", "billing", "Billing"):
        session = start(engine)
        session.answer()
        session.answer(answer)
        assert session.view.step == "amount"


def test_a_greyed_out_option_is_refused_with_its_reason(engine: Engine) -> None:
    session = start(engine, {"id": "C2", "name": "Bob", "phone": "12"})
    session.answer()
    view = session.view
    assert view.answer["options"][2] == {"key": "sms", "label": "Send an SMS", "disabled": "no valid phone number"}
    with pytest.raises(InputError, match="`Send an SMS` is not available: no valid phone number"):
        session.answer("sms")


@pytest.mark.parametrize("typed", ["sms", " SMS ", "3", 3, "send an sms"])
def test_a_greyed_out_option_is_refused_however_it_is_named(engine: Engine, typed: Any) -> None:
    # the options read the call: a key is looked up before any option is rendered
    session = start(engine, {"id": "C2", "name": "Bob", "phone": "12"})
    session.answer()
    before = session.snapshot()
    with pytest.raises(InputError) as refused:
        session.answer(typed)
    assert str(refused.value) == "topic: `Send an SMS` is not available: no valid phone number"
    assert session.snapshot() == before


@pytest.mark.parametrize(("typed", "saved"), [("Tech", "tech"), ("2", "tech"), ("technical", "tech"), ("case", "case")])
def test_options_that_read_the_call_are_picked_by_key_number_or_label(engine: Engine, typed: str, saved: str) -> None:
    session = start(engine, {"id": "C2", "name": "Bob", "phone": "12"})
    session.answer()
    session.answer(typed)
    assert session.variables["topic"] == saved


def test_number_and_date_answers_are_checked_converted_and_saved_nested(engine: Engine) -> None:
    session = start(engine)
    session.answer()
    session.answer("billing")
    with pytest.raises(InputError, match="must be at most 500"):
        session.answer("501")
    with pytest.raises(InputError, match="must be a whole number"):
        session.answer("2.5")
    session.answer("120")
    with pytest.raises(InputError, match="must not be later than 2026-11-23"):
        session.answer("2026-12-01")
    session.answer("today")
    assert session.variables["bill"] == {"amount": 120, "paid_on": "2026-11-23"}


def test_invalid_attempts_are_capped_and_the_call_moves_on(engine: Engine) -> None:
    session = start(engine)
    session.answer()
    session.answer("billing")
    for _ in range(2):
        with pytest.raises(InputError):
            session.answer("lots")
    assert session.state.attempts == 2
    session.answer("lots")  # the third invalid answer passes the cap
    view = session.view
    assert view.kind == "wrapup"
    assert session.outcome == "unresolved"
    assert view.notice == {"kind": "attempts", "text": "3 invalid answers: `lots` is not a number"}
    assert view.answer["default"] == "follow_up"


def test_sub_flow_returns_and_its_end_presets_the_wrap_up(engine: Engine) -> None:
    session = start(engine)
    session.answer()
    session.answer("tech")
    assert (session.view.flow, session.view.step) == ("tech", "describe")
    session.answer("there is a fire in the unit")
    assert (session.view.flow, session.view.step) == ("main", "after_tech")
    session.answer()
    assert session.outcome == "escalated"  # `end: inherit`
    assert session.view.answer["default"] == "follow_up"
    session.answer()  # the preset reason
    assert session.view.answer == {"step": "close", "type": "yes_no", "default": False}
    session.answer()
    session.answer()  # the reason's queue
    assert session.view.answer["default"] == "Urgent: there is a fire in the unit"
    session.answer()
    record = session.record
    assert record is not None
    assert (record["reason"], record["close"], record["queue"], record["queue_name"]) == (
        "follow_up",
        False,
        "support",
        "TEST-SUPPORT",
    )
    assert record["path"] == ["main:hello", "main:topic", "tech:describe", "main:after_tech"]


def test_effect_failure_takes_the_declared_fallback(clock: FrozenClock) -> None:
    calls: list[dict[str, Any]] = []

    def sms(request: EffectRequest) -> Any:
        calls.append(dict(request.args))
        if request.args["provider"] == "fast_sms":
            raise EffectFailed("fast_sms is down")
        return {"status": "sent"}

    engine = Engine.load(DEMO, clock=clock, handlers={"sms.send": sms})
    session = start(engine)
    session.answer()
    session.answer("sms")
    view = session.view
    assert (view.step, view.say, view.notice) == (
        "send_fallback",
        "The first provider is down.",
        {"kind": "effect", "text": "fast_sms is down"},
    )
    session.answer()
    assert session.view.step == "bye"
    assert [call["provider"] for call in calls] == ["fast_sms", "slow_sms"]
    effects = session.state.effects
    assert [(e["name"], e["ok"]) for e in effects] == [("sms.send", False), ("sms.send", True)]


def test_an_effect_without_handler_waits_for_the_host(clock: FrozenClock) -> None:
    engine = Engine.load(DEMO, clock=clock)
    session = start(engine)
    session.answer()
    session.answer("case")
    view = session.view
    assert view.kind == "wait"
    assert [(p["name"], p["args"]) for p in view.pending] == [
        ("case.create", {"subject": "Case for Ann Smith", "tags": ["a", "b"]})
    ]
    with pytest.raises(InputError, match=r"waiting for the result of `case\.create`"):
        session.answer("x")
    (waiting,) = session.pending  # what the host performs, once per key
    assert (waiting.id, waiting.name, waiting.key) == (1, "case.create", f"{session.state.call_id}:3:1")
    session.resolve({"id": "C-7", "status": "OPEN"}, effect=waiting.id)
    view = session.view
    assert view.step == "dispatch_or_save"
    assert [(e["key"], e["result"]) for e in session.state.effects] == [(waiting.key, {"id": "C-7", "status": "OPEN"})]


def test_lifecycle_warning_is_confirmed_and_state_is_checked(engine: Engine) -> None:
    session = start(engine)
    session.answer()
    session.answer("case")
    session.answer("save")
    view = session.view
    assert (view.kind, view.text) == ("confirm", "Saving keeps the case in your folder; it is not dispatched")
    session.answer("yes")
    assert session.view.step == "dispatch_or_save"
    session.answer("dispatch")
    assert session.variables["case"]["status"] == "OPEN-DISPATCH"
    transitions = [
        (e["name"], e["args"]["from"], e["args"]["to"])
        for e in session.state.effects
        if e["name"].startswith("case.") and e["name"] != "case.create"
    ]
    assert transitions == [("case.save", "OPEN", "OPEN"), ("case.dispatch", "OPEN", "OPEN-DISPATCH")]


def test_insult_warns_once_then_ends_the_call(engine: Engine) -> None:
    session = start(engine)
    session.signal("insult")
    view = session.view
    assert view.notice == {
        "kind": "warning",
        "rule": "insult",
        "count": 1,
        "of": 1,
        "text": "Please do not insult me, Ann Smith.",
    }
    assert view.step == "hello"
    session.signal("insult")
    view = session.view
    assert (view.kind, session.outcome) == ("wrapup", "interrupted")
    record = session.wrap_up()
    assert (record["reason"], record["close"]) == ("abusive", True)
    assert [(e["rule"], e["count"], e.get("limit", False)) for e in record["events"]] == [
        ("insult", 1, False),
        ("insult", 2, True),
    ]


def test_obscene_language_warns_twice_and_ends_on_the_third(engine: Engine) -> None:
    session = start(engine)
    session.signal("obscene")
    assert session.view.notice["text"] == "First obscene warning"
    session.signal("obscene")
    assert session.view.notice["text"] == "Second obscene warning"
    session.signal("obscene")
    assert session.outcome == "interrupted"


def test_timed_rule_counts_only_events_within_the_window(engine: Engine, clock: FrozenClock) -> None:
    session = start(engine)
    session.signal("inaudible")
    clock.advance(20)
    session.signal("inaudible")  # the first one is out of the 15 s window
    assert session.state.phase == "step"
    clock.advance(5)
    session.signal("inaudible")
    assert session.view.notice["text"] == "Please move to a better signal"
    assert session.outcome is None
    clock.advance(5)
    session.signal("inaudible")
    assert session.outcome == "dropped"
    sms = [e for e in session.state.effects if e["name"] == "sms.send"]
    assert sms[0]["args"] == {"to": "0712345678", "text": "We could not hear you, please call back"}


def test_golden_rule_transfers_and_complaint_switches_flow(engine: Engine) -> None:
    session = start(engine)
    session.signal("not_covered")
    assert session.outcome == "transferred"
    assert session.state.effects[-1]["args"]["to"] == "100"
    session = start(engine)
    session.signal("complaint")
    view = session.view
    assert (view.flow, view.step) == ("outage", "check")


def test_unknown_event_and_events_after_the_end_are_refused(engine: Engine) -> None:
    session = start(engine)
    with pytest.raises(InputError, match="`shout` is not a rule event of this pack"):
        session.signal("shout")
    session.hang_up()
    with pytest.raises(InputError, match="rule events no longer apply"):
        session.signal("insult")


def test_wrap_up_requires_a_queue_and_description_when_the_request_stays_open(engine: Engine) -> None:
    session = start(engine)
    session.hang_up("dropped")
    session.answer("follow_up")
    session.answer("no")
    session.answer("support")
    with pytest.raises(InputError, match="a description is required"):
        session.answer("")
    session.answer("Call back tomorrow")
    assert session.ended and session.record is not None
    assert session.record["description"] == "Call back tomorrow"


def test_a_locked_reason_skips_the_close_question(engine: Engine) -> None:
    session = start(engine)
    session.hang_up()
    session.answer("test_call")
    assert session.view.step == "@description"
    session.answer("")
    assert session.record is not None and session.record["close"] is True


def test_a_locked_close_flag_cannot_be_unticked_by_the_host(engine: Engine) -> None:
    session = start(engine)
    session.hang_up()
    with pytest.raises(InputError, match="reason `test_call` locks 'close the request' at yes"):
        session.wrap_up(reason="test_call", close=False, queue="support")
    assert session.state.phase == "wrapup"


def test_an_ends_presets_do_not_follow_another_reason(engine: Engine) -> None:
    session = start(engine)
    session.answer()
    session.answer("tech")
    session.answer("fire everywhere")  # tech ends `escalated`, reason follow_up, close false, a description
    session.answer()
    record = session.wrap_up(reason="done")  # another reason: its own flag, no preset description
    assert (record["reason"], record["close"], record["description"]) == ("done", True, "")


def test_a_flow_may_limit_the_rules_that_apply_in_it(clock: FrozenClock, tmp_path: Path) -> None:
    import shutil

    pack = tmp_path / "demo"
    shutil.copytree(DEMO, pack)
    (pack / "outage.yaml").write_text(
        (pack / "outage.yaml").read_text().replace("start: check", "rules: [insult]\nstart: check")
    )
    engine, _ = local_engine(pack, clock=clock)
    session = engine.start("outage", {"customer": ANN})
    assert [event["name"] for event in session.view.events] == ["insult"]
    with pytest.raises(InputError, match="the rule `inaudible` does not apply in `outage`"):
        session.signal("inaudible")
    session.signal("insult")
    assert session.view.notice["rule"] == "insult"


def test_back_returns_to_the_previous_question(engine: Engine) -> None:
    session = start(engine)
    session.answer()
    session.answer("billing")
    assert session.view.can_back
    session.back()
    assert session.view.step == "topic"


def test_worklist_postpone_needs_an_offered_delay_and_a_comment(engine: Engine) -> None:
    task = {"id": "T1", "worklist": "calls", "attempts": 0, "method": "telephone"}
    session = engine.start("outbound", {"task": task, "customer": ANN})
    assert session.view.text == "Did Ann Smith answer? (attempt 1)"
    session.answer("no")
    session.answer("4h")
    session.answer("")
    view = session.view
    assert view.step == "comment"
    assert view.notice == {"kind": "effect", "text": "say why the call is postponed: a comment is required"}
    session.answer("Customer at work")
    record = session.wrap_up(reason="done")
    assert record["task"]["action"] == "applied"  # the flow postponed the task itself
    assert record["task"]["state"]["due"] == "2026-11-23T14:00:00+00:00"
    assert record["task"]["state"]["attempts"] == 1


def test_a_task_postponed_past_closing_falls_due_at_the_next_opening_call_after_call(
    engine: Engine, clock: FrozenClock
) -> None:
    def postponed_until() -> str:
        task = {"id": "T1", "worklist": "calls", "attempts": 0, "method": "telephone"}
        session = engine.start("outbound", {"task": task, "customer": ANN})
        session.answer("no")
        session.answer("4h")
        session.answer("Customer at work")
        due: str = session.wrap_up(reason="done")["task"]["state"]["due"]
        return due

    assert postponed_until() == "2026-11-23T14:00:00+00:00"  # Monday 10:00 + 4h: open
    clock.advance(8 * 3600)  # Monday 18:00 + 4h: closed (08:00-20:00), the pack's hours kept from the first call
    assert postponed_until() == "2026-11-24T08:00:00+00:00"


def test_missing_input_and_access_are_refused_at_start(engine: Engine) -> None:
    with pytest.raises(InputError, match="flow `main` needs `customer` in the context"):
        engine.start("main", {})
    with pytest.raises(InputError, match="pack `demo` has no flow `mian`"):
        engine.start("mian", {})


def test_what_the_host_changes_in_the_context_after_start_never_reaches_the_session(engine: Engine) -> None:
    customer: dict[str, Any] = {"id": "C1", "name": "Ann Smith", "tags": ["vip"], "address": {"city": "Nairobi"}}
    context: dict[str, Any] = {"agent": {"name": "Sam"}, "customer": customer}
    session = engine.start("main", context)
    before = session.snapshot()
    customer["name"] = "Bob"
    customer["tags"].append("new")
    customer["address"]["city"] = "Mombasa"
    context["agent"]["name"] = "Eve"
    context["extra"] = {"x": 1}
    assert session.snapshot() == before
    assert session.view.say == "Hello Ann Smith"


def test_a_context_of_other_data_is_the_sessions_own_too(engine: Engine) -> None:
    """Tuples, dates, maps with other keys, a map that holds itself: deepcopy's way."""
    since = date(2020, 1, 2)
    listed = ["a"]
    customer: dict[Any, Any] = {"name": "Ann Smith", "since": since, "pair": ("b", listed), (1, 2): "tuple key"}
    customer["itself"] = customer
    session = engine.start("main", {"customer": customer})
    listed.append("later")
    customer["name"] = "Bob"
    own = session.state.inputs["customer"]
    assert own["pair"] == ("b", ["a"]) and own["since"] == since and own[(1, 2)] == "tuple key"
    assert own["itself"] is own and own is not customer
    assert session.view.say == "Hello Ann Smith"


def test_snapshot_resume_continues_exactly(engine: Engine) -> None:
    session = start(engine)
    session.answer()
    session.answer("billing")
    data = json.loads(json.dumps(session.snapshot()))
    resumed = engine.resume(data)
    for each in (session, resumed):
        each.answer("12")
        each.answer("2026-11-20")
        each.answer()
        each.wrap_up(reason="done")
    assert resumed.record == session.record


def test_a_tampered_or_outdated_snapshot_is_refused(engine: Engine, clock: FrozenClock, tmp_path: Path) -> None:
    signed, _ = local_engine(DEMO, clock=clock, secret=b"key")
    data = start(signed).snapshot()
    data["state"]["vars"]["topic"] = "billing"
    with pytest.raises(SnapshotError, match="signature does not match"):
        signed.resume(data)
    trusting, _ = local_engine(DEMO, clock=clock, trust_unsigned=True)
    plain = start(trusting).snapshot()
    plain["flows"]["main"] = "0" * 64
    del plain["signature"]
    with pytest.raises(SnapshotError, match="flow `main` has changed since the snapshot was taken"):
        trusting.resume(plain)
    with pytest.raises(SnapshotError, match="not a callguide session snapshot"):
        trusting.resume({"format": "other"})


def test_a_changed_flow_with_migrate_takes_over_calls_in_progress(clock: FrozenClock, tmp_path: Path) -> None:
    import shutil

    pack = tmp_path / "demo"
    shutil.copytree(DEMO, pack)
    old, _ = local_engine(pack, clock=clock, secret=b"key")
    session = old.start("main", {"customer": ANN})
    session.answer()
    data = session.snapshot()
    text = (
        (pack / "main.yaml").read_text().replace("  topic:\n", "  subject:\n").replace("next: topic", "next: subject")
    )
    (pack / "main.yaml").write_text(text.replace("start: hello\n", "start: hello\nmigrate: {topic: subject}\n"))
    new, _ = local_engine(pack, clock=clock, secret=b"key")
    assert new.resume(data).view.step == "subject"


def test_answers_from_many_threads_are_applied_one_at_a_time(engine: Engine) -> None:
    session = start(engine)
    session.answer()
    refused: list[str] = []

    def answer() -> None:
        try:
            session.answer("billing", step="topic")
        except InputError as error:
            refused.append(error.message)

    threads = [threading.Thread(target=answer) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert session.view.step == "amount"
    assert len(refused) == 7
    assert all("was meant for `topic`, but the call is now at `amount`" in message for message in refused)


def test_answers_are_data_never_templates(engine: Engine) -> None:
    session = start(engine)
    session.answer()
    session.answer("tech")
    session.answer("{{ 7*7 }} and {% for x in range(3) %}x{% endfor %}")
    assert session.variables["problem"] == "{{ 7*7 }} and {% for x in range(3) %}x{% endfor %}"


BILINGUAL_CODE = """\
flow: main
title: Code
start: code
steps:
  code:
    ask: {en: The code?, ru: Код?}
    text:
      pattern: "[A-Z]+"
      message: {en: "Capitals only, {{ agent.name }}", ru: "Только заглавные, {{ agent.name }}"}
    save: code
    next: bye
  bye:
    end: resolved
"""


@pytest.mark.parametrize(("language", "message"), [("en", "Capitals only, Amina"), ("ru", "Только заглавные, Amina")])
def test_a_pattern_message_is_rendered_in_the_call_language(tmp_path: Path, language: str, message: str) -> None:
    manifest = MANIFEST + "languages: [en, ru]\n"
    engine = Engine.load(write_pack(tmp_path / "pack", {"main.yaml": BILINGUAL_CODE}, manifest=manifest))
    session = engine.start("main", {"agent": {"name": "Amina"}}, language=language)
    with pytest.raises(InputError) as refused:
        session.answer("lower")
    assert refused.value.message == message
    session.answer("UPPER")
    assert session.view.step == "@reason"


UNDONE = """\
flow: main
title: Undone
start: name
steps:
  name:
    ask: Name?
    text: true
    save: person.name
    next: nickname
  nickname:
    ask: "Nickname of {{ person.name }}?"
    text: {min_length: 2}
    save: person.nick
    attempts: {max: 1, then: {go: recap}}
    next: greet
  greet:
    say: "Hello {{ person.nick }}{{ '' if now.minute else 1 // 0 }}"
    next: bye
  recap:
    say: "No nickname for {{ person.name }} ({{ person.nick }})"
    next: bye
  bye:
    end: resolved
"""


def test_a_failed_move_leaves_nothing_the_next_move_reads(tmp_path: Path) -> None:
    engine = Engine.load(write_pack(tmp_path / "pack", {"main.yaml": UNDONE}), clock=FrozenClock("2026-11-23 10:00"))
    session = engine.start("main")
    session.answer("Ann")
    moves = session.moves
    session.answer("Annie")  # saved: the move is made
    assert (session.step, session.moves) == ("greet", moves + 1)
    with pytest.raises(FlowRuntimeError):
        session.view  # noqa: B018 (the next screen fails: the move is undone)
    assert (session.step, session.moves) == ("nickname", moves)
    session.answer("A")  # too many invalid answers: on to `recap`
    view = session.view
    assert (view.say, view.notice) == ("No nickname for Ann (None)", {"kind": "attempts", "text": ANY})
    assert session.variables == {"person": {"name": "Ann", "nick": None}}


# `{{ 1 // now.minute }}` cannot be worked out at minute 0: the clock starts at 10:01, and
# each case moves it to 11:00 just before the move that must fail (and be undone).
PUT_BACK = """\
flow: main
title: Put back
start: first
steps:
  first:
    ask: "First {{ 1 // now.minute }}?"
    text: true
    next: send
  send:
    say: "Sending {{ 1 // now.minute }}"
    do: sms.send
    with: {to: "0712345678", text: Hello}
    next: after
  after:
    say: "Sent {{ 1 // now.minute }}"
    next: bye
  bye:
    end: resolved
"""
PUT_BACK_FILES = {
    "main.yaml": PUT_BACK,
    "rules.yaml": "rules:\n  noise: {label: Noise, warnings: 2, warning: 'Quiet {{ 1 // now.minute }}', then: {end: dropped}}\n",
    "phrases.yaml": "phrases:\n  wrapup_queue: 'Which queue? {{ 1 // now.minute }}'\n",
}
# each case: the moves that get there (at 10:01), then the move that fails at 11:00, and where
# it fails: in the move itself (a rule's warning is worked out by the move), or at the screen
# it leads to, when that screen is shown (the move is made, then undone)
PUT_BACK_CASES: dict[str, tuple[Any, Any, str]] = {
    "going back (the stack's frame)": (lambda s: s.answer("Ann"), lambda s: s.back(), "screen"),
    "a rule event (the counters)": (lambda s: s.signal("noise"), lambda s: s.signal("noise"), "move"),
    "an effect left pending": (lambda s: s.answer("Ann"), lambda s: s.answer(), "screen"),
    "a pending effect resolved": (
        lambda s: (s.answer("Ann"), s.answer()),
        lambda s: s.resolve({"id": "S-1"}),
        "screen",
    ),
    "a wrap-up answer (the form)": (lambda s: (s.hang_up(), s.answer("later")), lambda s: s.answer("no"), "screen"),
}


@pytest.mark.parametrize("case", sorted(PUT_BACK_CASES))
def test_a_move_that_fails_puts_back_every_part_of_the_state_it_changed(tmp_path: Path, case: str) -> None:
    clock = FrozenClock("2026-11-23 10:01")
    engine = Engine.load(write_pack(tmp_path / "pack", PUT_BACK_FILES), clock=clock)
    session = engine.start("main")
    ready, failing, where = PUT_BACK_CASES[case]
    ready(session)
    shown = session.view  # the screen the agent sees before the move that fails
    step, moves = session.step, session.moves
    before = json.dumps(session.state.as_json())  # as text: a map changed in place shows too
    clock.advance(59 * 60)
    if where == "move":
        with pytest.raises(FlowRuntimeError):
            failing(session)
    else:
        failing(session)  # made: its screen is built when it is read
        assert session.moves == moves + 1
        with pytest.raises(FlowRuntimeError):
            session.view  # noqa: B018 (the screen cannot be shown: the move is undone)
    assert json.dumps(session.state.as_json()) == before
    assert (session.step, session.moves) == (step, moves)
    assert session.view == shown  # the screen before it, put back


def test_a_screen_that_cannot_be_shown_undoes_the_move_that_led_to_it(tmp_path: Path) -> None:
    clock = FrozenClock("2026-11-23 10:01")
    engine = Engine.load(write_pack(tmp_path / "pack", PUT_BACK_FILES), clock=clock)
    session = engine.start("main")
    shown = session.view
    assert (shown.step, shown.text) == ("first", "First 1?")
    before, moves = json.dumps(session.state.as_json()), session.moves
    clock.advance(59 * 60)  # 11:00: the next screen's `1 // now.minute` cannot be worked out
    session.answer("Ann")  # the move is made: nothing is shown yet
    assert (session.step, session.moves, session.variables) == ("send", moves + 1, {})
    assert session.state.path[-1] == "main:send"
    with pytest.raises(FlowRuntimeError, match=r"main\.yaml:\d+:\d+: ZeroDivisionError"):
        session.view  # noqa: B018 (the view renders the screen)
    assert (session.step, session.view.step, session.moves) == ("first", "first", moves)
    assert session.view == shown
    assert json.dumps(session.state.as_json()) == before
    # a snapshot shows an unshown screen first: it never holds a move whose screen cannot be shown
    for snapshot in (session.snapshot, session.snapshot_text):
        session.answer("Ann")
        assert session.step == "send"
        with pytest.raises(FlowRuntimeError, match=r"main\.yaml:\d+:\d+: ZeroDivisionError"):
            snapshot()
        assert (session.step, session.view.step, session.moves) == ("first", "first", moves)
        assert session.view == shown
        assert json.dumps(session.state.as_json()) == before
    # once the screen can be shown, the same answer goes on, and a snapshot holds it
    clock.advance(60)
    session.answer("Ann")
    assert (session.view.step, session.view.say) == ("send", "Sending 1")
    assert engine.resume(session.snapshot()).view.step == "send"


def test_a_screen_put_back_unread_shows_the_time_of_its_own_move(tmp_path: Path) -> None:
    clock = FrozenClock("2026-11-23 10:01")
    engine = Engine.load(write_pack(tmp_path / "pack", PUT_BACK_FILES), clock=clock)
    session = engine.start("main")
    session.answer("Ann")  # at `send` (at 10:01), its screen never read
    clock.advance(59 * 60)  # 11:00: `first`'s screen cannot be worked out, nor `send`'s made now
    session.back()
    with pytest.raises(FlowRuntimeError, match=r"main\.yaml:6:\d+: ZeroDivisionError"):
        session.view  # noqa: B018 (`first` again: the move back is undone)
    assert (session.step, session.view.say) == ("send", "Sending 1")  # made as at 10:01, its move's time


LABELS = """\
flow: {name}
title: Labels
{rules}start: name
steps:
  name:
    ask: Your name?
    text: true
    save: person
    next: bye
  bye:
    say: Bye {{ person }}
    next: done
  done:
    end: resolved
"""
LABEL_RULES = """\
rules:
  boss: {label: "Call {{ env.names.boss }}", warnings: 0, then: {end: dropped}}
  about: {label: "About {{ person }}", warnings: 0, then: {end: dropped}}
"""
TWO_ENVIRONMENTS = MANIFEST + "environments:\n  test: {names: {boss: Tess}}\n  production: {names: {boss: Paul}}\n"


def test_rule_labels_show_each_calls_environment_and_answers(tmp_path: Path) -> None:
    files = {
        "boss.yaml": LABELS.format(name="boss", rules="rules: [boss]\n"),
        "both.yaml": LABELS.format(name="both", rules=""),
        "rules.yaml": LABEL_RULES,
    }
    pack = write_pack(tmp_path / "pack", files, manifest=TWO_ENVIRONMENTS)
    clock = FrozenClock("2026-11-23 10:00")
    testing, production = (Engine.load(pack, clock=clock, environment=name) for name in ("test", "production"))

    def labels(session: Session) -> list[str]:
        return [event["label"] for event in session.view.events]

    assert labels(testing.start("boss")) == ["Call Tess"]
    # a call of the other environment, resumed by this engine, sees its own environment
    assert labels(testing.resume(production.start("boss").snapshot())) == ["Call Paul"]
    assert labels(testing.start("boss")) == ["Call Tess"]
    ann, bob = testing.start("both"), testing.start("both")
    assert labels(ann) == labels(bob) == ["Call Tess", "About None"]
    ann.answer("Ann")
    bob.answer("Bob")
    assert (labels(ann), labels(bob)) == (["Call Tess", "About Ann"], ["Call Tess", "About Bob"])


CLOCK_READER = """\
flow: main
title: Clock
start: hello
steps:
  hello:
    say: "Good {{ 'evening' if now.hour >= 17 else 'day' }}, it is {{ now.strftime('%H:%M') }} on {{ today }}"
    next: name
  name:
    ask: "Name? ({{ now.strftime('%H:%M') }})"
    text: true
    save: name
    next: recap
  recap:
    say: "{{ name }}: {{ now.strftime('%d %H:%M') }}, {{ today.day }}"
    next: bye
  bye:
    end: resolved
"""


def test_texts_read_the_clock_in_the_packs_time_zone_as_it_stands_at_each_move(tmp_path: Path) -> None:
    pack = write_pack(
        tmp_path / "pack", {"main.yaml": CLOCK_READER}, manifest=MANIFEST.replace("UTC", "Africa/Nairobi")
    )
    clock = FrozenClock("2026-11-23 14:50")  # 17:50 in Nairobi (UTC+3)
    engine = Engine.load(pack, clock=clock)
    session = engine.start("main")
    assert session.view.say == "Good evening, it is 17:50 on 2026-11-23"
    clock.advance(60)
    session.answer()
    assert session.view.text == "Name? (17:51)"
    clock.advance(7 * 3600)  # 00:51 the next day in Nairobi
    with pytest.raises(InputError):
        session.answer("")  # refused: nothing of the move is kept
    assert session.view.text == "Name? (17:51)"  # the screen as it was shown
    session.answer("Ann")
    assert session.view.say == "Ann: 24 00:51, 24"
    clock.advance(60)
    assert engine.resume(session.snapshot()).view.say == "Ann: 24 00:52, 24"  # made anew: the clock now
