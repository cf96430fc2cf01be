"""Effects are performed exactly once: a move that fails after the host performed an effect
(a text after it does not render, a later effect's arguments, a condition...) is rolled
back, but the effect is never asked for again, whatever the agent does next; the host gets
one idempotency key per effect, and the call record shows each effect once."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from callguide import EffectRequest, Engine, FlowRuntimeError, FrozenClock, InputError, Session
from callguide.host import local_engine
from hostile.packs import MANIFEST, write_pack

ACM = Path(__file__).parents[1] / "flows" / "acm"

RULES = """\
rules:
  inaudible: {label: Inaudible, warnings: 3, warning: I cannot hear you, then: {end: dropped}}
"""

# `1 // now.minute` cannot be worked out at minute 0: the test's clock starts at 10:00
# and moves to 10:01 when the flow should work again.
FLOW = """\
flow: main
title: Effects
start: ready
steps:
  ready:
    ask: Ready?
    yes_no: true
    next: send
  send:
    do: sms.send
    with: {{to: "0712345678", text: Hello}}
    save: sms
    next: open
  open:
    do: case.create
    with: {{subject: A case}}
    save: case
    next: after
  after:
{after}
"""
BYE = """\
  bye:
    say: Goodbye
    end: resolved
    reason: done
"""

FAILS_AFTER_THE_EFFECTS = {
    "the next screen": '    say: "Case {{ case.id }}: {{ 1 // now.minute }}"\n    next: bye',
    "a later effect's arguments": (
        '    do: email.send\n    with: {to: a@example.com, subject: Case, body: "{{ 1 // now.minute }}"}\n    next: bye'
    ),
    "a value set on arrival": '    set: {ratio: "1 // now.minute"}\n    say: Noted\n    next: bye',
    "a branch condition": "    next:\n      - if: 1 // now.minute > 0\n        go: bye\n      - go: bye",
    "the end's description": '    end: resolved\n    reason: done\n    description: "{{ 1 // now.minute }}"',
}
# the screen is built when it is read: a move whose next screen cannot be shown is made, and
# undone when its screen is read; the others fail in the move itself
FAILS_AT_THE_SCREEN = {"the next screen"}


def flow(after: str) -> str:
    """The flow with `after` as its last step but one (the goodbye only when `after` goes there)."""
    return FLOW.format(after=after) + (BYE if "bye" in after else "")


class CountingHost:
    """Effect handlers that count what they were asked to do, and the keys they were given."""

    def __init__(self) -> None:
        self.calls: Counter[str] = Counter()
        self.keys: list[str] = []

    def __call__(self, request: EffectRequest) -> Any:
        self.calls[request.name] += 1
        self.keys.append(request.key)
        if request.name == "case.create":
            return {"id": f"C-{self.calls[request.name]}", "status": "OPEN"}
        if request.name.startswith("lookup."):
            return [{"id": "C1", "name": "Ann Smith"}, {"id": "C2", "name": "Ann Jones"}]
        return {"status": "sent"}


def engine_for(tmp_path: Path, flow: str, clock: FrozenClock, host: CountingHost) -> Engine:
    pack = write_pack(tmp_path / "pack", {"main.yaml": flow, "rules.yaml": RULES}, manifest=MANIFEST)
    handlers = dict.fromkeys(("sms.send", "case.create", "email.send", "lookup"), host)
    return Engine.load(pack, clock=clock, handlers=handlers)


def answer_that_fails(session: Session, answer: str, *, at_the_screen: bool) -> None:
    """`answer` fails and is undone: in the move itself, or (`at_the_screen`) when the screen
    it leads to is read, the move made first."""
    if at_the_screen:
        moves = session.moves
        session.answer(answer)  # made: its screen is built when it is read
        assert session.moves == moves + 1
        with pytest.raises(FlowRuntimeError):
            session.view  # noqa: B018 (the screen cannot be shown: the move is undone)
    else:
        with pytest.raises(FlowRuntimeError):
            session.answer(answer)


def recorded(session: Session, reason: str = "done") -> list[str]:
    """The effects in the call's record (the call hung up and wrapped up if it is still on)."""
    if not session.ended:
        if session.view.kind != "wrapup":
            session.hang_up()
        session.wrap_up(reason)
    assert session.record is not None
    return [effect["name"] for effect in session.record["effects"]]


@pytest.mark.parametrize("where", sorted(FAILS_AFTER_THE_EFFECTS))
@pytest.mark.parametrize("then", ["the same answer", "a rule event, then the same answer"])
def test_a_move_that_fails_after_its_effects_never_performs_them_again(tmp_path: Path, where: str, then: str) -> None:
    clock, host = FrozenClock("2026-11-23 10:00"), CountingHost()
    engine = engine_for(tmp_path, flow(FAILS_AFTER_THE_EFFECTS[where]), clock, host)
    session = engine.start("main")
    for attempt in range(2):
        moves = session.moves
        answer_that_fails(session, "yes", at_the_screen=where in FAILS_AT_THE_SCREEN)
        assert session.view.step == "ready"  # the move was rolled back
        # counted only while the host performed effects in it (the first time: kept, never asked again)
        assert session.moves == (moves + 1 if attempt == 0 else moves)
        if then != "the same answer":
            session.signal("inaudible")
    assert host.calls == {"sms.send": 1, "case.create": 1}
    clock.advance(60)
    session.answer("yes")
    assert host.calls["sms.send"] == 1 and host.calls["case.create"] == 1
    assert session.variables["case"] == {"id": "C-1", "status": "OPEN"}
    names = recorded(session)
    assert names.count("sms.send") == 1 and names.count("case.create") == 1
    path = session.record["path"]  # type: ignore[index]
    assert path[:3] == ["main:ready", "main:send", "main:open"] and len(path) == len(set(path)), "failed moves undone"
    assert len(host.keys) == len(set(host.keys)), "every effect has its own key"
    assert all(re.fullmatch(rf"{session.state.call_id}:\d+:\d+", key) for key in host.keys)


def test_an_effect_of_a_failed_move_the_call_never_reaches_again_is_in_the_record(tmp_path: Path) -> None:
    clock, host = FrozenClock("2026-11-23 10:00"), CountingHost()
    engine = engine_for(tmp_path, flow(FAILS_AFTER_THE_EFFECTS["the next screen"]), clock, host)
    session = engine.start("main")
    answer_that_fails(session, "yes", at_the_screen=True)
    assert session.view.step == "ready"
    assert recorded(session) == ["sms.send", "case.create"]
    assert all(effect["move_failed"] for effect in session.record["effects"])  # type: ignore[index]
    assert host.calls == {"sms.send": 1, "case.create": 1}


LOOKUP = """\
flow: main
title: Lookup
start: search
steps:
  search:
    ask: Which customer?
    lookup: customers
    by: [name]
    show: "{{ item.name }} {{ 1 // now.minute }}"
    save: customer
    next: bye
  bye:
    say: Goodbye {{ customer.name }}
    end: resolved
    reason: done
"""


def test_a_lookup_whose_results_cannot_be_shown_is_not_asked_again(tmp_path: Path) -> None:
    clock, host = FrozenClock("2026-11-23 10:00"), CountingHost()
    manifest = MANIFEST + "lookups: {customers: Customers}\n"
    pack = write_pack(tmp_path / "pack", {"main.yaml": LOOKUP, "rules.yaml": RULES}, manifest=manifest)
    engine = Engine.load(pack, clock=clock, handlers={"lookup": host})
    session = engine.start("main")
    for _ in range(2):
        answer_that_fails(session, "Ann", at_the_screen=True)  # the results are shown as options
        assert session.view.step == "search"
    clock.advance(60)
    session.answer("Ann")
    view = session.view
    assert view.answer is not None
    assert [option["label"] for option in view.answer["options"]] == ["Ann Smith 1", "Ann Jones 1"]
    session.answer("2")
    assert session.view.say == "Goodbye Ann Jones"
    assert host.calls == {"lookup.customers": 1}
    assert recorded(session) == ["lookup.customers"]
    with pytest.raises(InputError):  # a new search is a new lookup
        session.answer("Bob")


def test_acm_two_confirms_of_a_new_decline_reason_add_it_once(tmp_path: Path) -> None:
    engine, store = local_engine(ACM, clock=FrozenClock("2026-11-23 10:00"))
    added: list[EffectRequest] = []

    def add_reason(request: EffectRequest) -> Any:  # the host answers a bare text, not the new reason
        added.append(request)
        return "R08"

    engine.handle("decline_reason.add", add_reason)
    task = {"id": "T006", "worklist": "acm_telephone", "customer": "C006", "follow_up": "VOSA", "vehicle": "CU14 EVN"}
    customer = {"id": "C006", "name": "Mr David Evans"}
    session = engine.start("customer_declined", {"agent": {"name": "Karen"}, "task": task, "customer": customer})
    session.answer("new")
    session.answer("Van going for export")
    assert session.view.step == "add_reason"
    for _ in range(2):  # the report after it needs the reason's id: the move fails
        with pytest.raises(FlowRuntimeError, match=re.escape("customer_declined.yaml:70:15: a text has no field `id`")):
            session.answer("yes")
    session.back()  # and whatever the agent does next
    session.answer("Van going for export")
    with pytest.raises(FlowRuntimeError):
        session.answer("yes")
    assert len(added) == 1
    assert [name for name in recorded(session, "declined") if name == "decline_reason.add"] == ["decline_reason.add"]
    assert [row["id"] for row in store.all("reports")] == ["R-0901", "R-0902", "R-0903"]  # the sample rows only
