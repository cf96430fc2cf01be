"""Snapshots cannot lie: they hold only the call's state (the record is worked out from it),
they are refused unsigned unless the engine trusts unsigned ones, refused when signed with
another secret, validated against the schema of the state, and the agent's access to every
flow on the call's stack is checked again when a call is resumed. The snapshot's JSON text
resumes as its map does, its signature checked over the text as it came."""

from __future__ import annotations

import copy
import json
import math
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from callguide import Engine, FrozenClock, InputError, Session, SnapshotError
from callguide.host import local_engine
from callguide.snapshot import MAX_SNAPSHOT_BYTES, canonical, quick_canonical
from callguide.state import State
from hypothesis import example, given, settings
from hypothesis import strategies as st

DEMO = Path(__file__).parent / "packs" / "demo"
BBOXX = Path(__file__).parents[1] / "flows" / "bboxx"
ANN = {"id": "C1", "name": "Ann Smith", "phone": "0712345678"}


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock("2026-11-23 10:00")


def demo(clock: FrozenClock, **options: Any) -> Engine:
    return local_engine(DEMO, clock=clock, **options)[0]


def at_amount(engine: Engine, **customer: Any) -> Session:
    session = engine.start("main", {"agent": {"name": "Sam"}, "customer": {**ANN, **customer}})
    session.answer()
    session.answer("billing")
    return session


def unsigned(data: dict[str, Any]) -> dict[str, Any]:
    data = copy.deepcopy(data)
    del data["signature"]
    return data


def test_a_snapshot_holds_the_state_and_never_the_record(clock: FrozenClock) -> None:
    session = at_amount(demo(clock))
    session.hang_up()
    session.wrap_up("done")
    data = json.loads(json.dumps(session.snapshot()))
    assert "record" not in data["state"]
    resumed = demo(clock).resume(data)
    assert resumed.ended and resumed.record == session.record
    assert resumed.record is not None and resumed.record["outcome"] == "dropped"


def test_an_unsigned_snapshot_is_refused_unless_the_engine_trusts_unsigned_ones(clock: FrozenClock) -> None:
    data = unsigned(at_amount(demo(clock)).snapshot())
    with pytest.raises(SnapshotError, match="the snapshot is not signed: this engine resumes only snapshots signed"):
        demo(clock).resume(data)
    assert demo(clock, trust_unsigned=True).resume(data).view.step == "amount"


def test_a_snapshot_signed_with_another_secret_is_refused(clock: FrozenClock) -> None:
    data = at_amount(demo(clock, secret=b"one host")).snapshot()
    assert demo(clock, secret=b"one host").resume(data).view.step == "amount"
    for other in (demo(clock, secret=b"another host"), demo(clock), demo(clock, trust_unsigned=True)):
        with pytest.raises(SnapshotError, match="signature does not match: it was changed, or made with another key"):
            other.resume(data)


def test_an_ended_call_cannot_be_edited_into_another_outcome(clock: FrozenClock) -> None:
    session = at_amount(demo(clock))
    session.hang_up("dropped")
    session.wrap_up("done")
    data = session.snapshot()
    data["state"]["outcome"] = "resolved"
    with pytest.raises(SnapshotError, match="signature does not match"):
        demo(clock).resume(data)
    with pytest.raises(SnapshotError, match="not signed"):
        demo(clock).resume(unsigned(data))


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        (
            "started",
            "2026-11-23T10:00:00",
            "`started` must be a date and time with its time zone, such as 2026-01-05T09:00:00+00:00",
        ),
        ("ended_at", "2026-11-23 10:05", "`ended_at` must be a date and time with its time zone"),
        ("vars", {"deep": json.loads("[" * 500 + "]" * 500)}, "`vars` must be a map, not"),
        ("vars", {"long": "x" * 100_001}, "`vars` must be a map"),
        ("phase", "hacked", "`phase` must be one of step, pick, confirm, wait, failed, wrapup, ended"),
        ("call_id", "", "`call_id` must be a text of 1 to 200 characters"),
        ("stack", [["main"]], "`stack` must be a list of 1 to 16 [flow, step] pairs"),
        ("unsettled", [{"id": 1, "name": "sms.send"}], "`unsettled` must be a list of performed effects"),
        ("record", {"outcome": "resolved"}, "a field this engine does not know: `record`"),
    ],
)
def test_a_trusted_unsigned_snapshot_is_still_checked_against_the_state_schema(
    clock: FrozenClock, field: str, value: Any, message: str
) -> None:
    data = unsigned(at_amount(demo(clock)).snapshot())
    data["state"][field] = value
    with pytest.raises(SnapshotError, match=re.escape(message)):
        demo(clock, trust_unsigned=True).resume(data)


def test_a_state_read_from_data_without_a_field_added_since_takes_its_default(clock: FrozenClock) -> None:
    data = json.loads(json.dumps(at_amount(demo(clock)).snapshot()))["state"]
    full = State.from_json(data)
    assert full.as_json() == data
    del data["unsettled"], data["ended_at"]
    partial = State.from_json(data)
    assert partial.unsettled == [] and partial.ended_at is None
    assert partial.as_json() == full.as_json()


def test_access_is_checked_again_for_every_flow_on_a_resumed_call(clock: FrozenClock) -> None:
    engine = local_engine(BBOXX, clock=clock, trust_unsigned=True)[0]
    allowed = {"name": "Amina", "permissions": ["manual_outgoing"]}
    context = {"agent": allowed}
    session = engine.start("manual_outgoing", context)
    data = unsigned(session.snapshot())
    assert engine.resume(data).view.step == session.view.step
    data["state"]["inputs"]["agent"] = {"name": "Bob", "permissions": []}
    with pytest.raises(
        SnapshotError, match="the call is in flow `manual_outgoing`, which this agent may not run: Only"
    ):
        engine.resume(data)


RESUME_ELSEWHERE = """
import json, sys
from callguide import FrozenClock, SnapshotError
from callguide.host import local_engine
secret = sys.argv[2].encode() or None
engine = local_engine(sys.argv[1], clock=FrozenClock("2026-11-23 10:00"), secret=secret)[0]
try:
    print(engine.resume(json.load(sys.stdin)).view.step)
except SnapshotError as refused:
    print(refused)
"""


@pytest.mark.parametrize(
    ("secret", "resumed"),
    [("", "the snapshot's signature does not match: it was changed, or made with another key"), ("shared", "amount")],
)
def test_a_snapshot_resumes_in_another_process_with_the_same_secret_only(
    clock: FrozenClock, secret: str, resumed: str
) -> None:
    data = at_amount(demo(clock, secret=secret.encode() or None)).snapshot()
    child = subprocess.run(
        [sys.executable, "-c", RESUME_ELSEWHERE, str(DEMO), secret],
        input=json.dumps(data),
        capture_output=True,
        text=True,
        check=True,
    )
    assert child.stdout.strip() == resumed


# A snapshot signed by the engine before the signed text was written with orjson (callguide
# 0.1.0 at fe6bb16): its answers hold what the two writers could disagree on (floats written
# with an exponent, text beyond ASCII, a control character). Hosts keep snapshots of calls in
# progress across an upgrade: such a snapshot must keep resuming.
EARLIER_PACK = {
    "pack.yaml": "pack: fixed\ntitle: Fixed snapshots\nlanguage: en\ntimezone: UTC\ncall_end: call_end\n",
    "call_end.yaml": "catalog: call_end\ntitle: End of call\nreasons:\n  done: {label: Done, close: true, locked: true}\n",
    "main.yaml": """\
flow: main
title: Main
start: hello
steps:
  hello:
    say: Hello
    next: note
  note:
    ask: What did the caller say?
    text: true
    save: said
    next: bye
  bye:
    end: resolved
""",
}
EARLIER_SECRET = b"a secret of an earlier version"
EARLIER_SNAPSHOT = (
    r'{"format":"callguide.session/2","pack":"fixed","flows":{"main":"1109d0145c90ccbe712bb82dd0ca72323b6f2d69ece82452f0e994764c04e259"},'
    r'"state":{"call_id":"fixed-call","started":"2026-11-23T10:00:00+00:00","language":"en","environment":"",'
    r'"inputs":{"agent":{"name":"Zo\u00eb"}},"vars":{"small":[1e-05,2.5e-07,-3.25e-06,9.99e-05,0.0001],'
    r'"large":[1e+16,1.5e+300,123456789.125],"text":"\u00e9 \ud83d\ude00 \u0001 \u2028 \"quoted\" e-5 0.00001"},'
    r'"stack":[["main","note"]],"phase":"step","attempts":0,"results":[],"pending":[],"counters":{},"notice":null,'
    r'"error":null,"path":["main:hello","main:note"],"events":[],"effects":[],"trail":["hello"],"outcome":null,'
    r'"end_reason":null,"last_outcome":null,"close_hint":null,"description_hint":null,"hint_reason":null,"wrapup":{},'
    r'"wrapup_step":null,"next_effect":1,"move":2,"unsettled":[],"ended_at":null},'
    r'"signature":"8a8f1fe6f7ef5440a1f2933c1710cc094375a2d3103957575c3f46449683ff12"}'
)


def test_a_snapshot_signed_by_an_earlier_version_resumes_and_is_signed_the_same(tmp_path: Path) -> None:
    for name, text in EARLIER_PACK.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    engine = Engine.load(tmp_path, clock=FrozenClock("2026-11-23 10:00"), secret=EARLIER_SECRET)
    data = json.loads(EARLIER_SNAPSHOT)
    session = engine.resume(data)
    assert session.view.step == "note"
    assert session.variables["small"] == [1e-05, 2.5e-07, -3.25e-06, 9.99e-05, 0.0001]
    # the same state is signed over the same text as before: earlier versions resume it too
    assert session.snapshot() == data
    edited = copy.deepcopy(data)
    edited["state"]["vars"]["small"][0] = 2e-05
    with pytest.raises(SnapshotError, match="signature does not match"):
        engine.resume(edited)
    session.answer("fine")
    assert session.step == "@reason"


# JSON data as a host's `json.loads` makes it, numbers of every size included
JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=20,
)


@given(st.dictionaries(st.text(), JSON, max_size=4))
@example({"small": [1e-05, 2.5e-07, 9.99e-05, 1e-10], "large": [1e16, 1.5e300], "text": "é\x01\u2028\ud83d"})
def test_the_quick_signed_text_is_the_canonical_one_or_none(payload: dict[str, Any]) -> None:
    quick = quick_canonical(payload)
    if quick is not None:
        assert quick == canonical(payload).encode()


def test_the_quick_signed_text_leaves_what_is_not_plain_json_data_to_the_canonical_one() -> None:
    assert (
        quick_canonical({"a": [1, 2.5, "é"], "b": {"c": None, "d": True}})
        == b'{"a":[1,2.5,"\xc3\xa9"],"b":{"c":null,"d":true}}'
    )
    deep: list[Any] = [1]
    for _ in range(300):  # deeper than orjson writes
        deep = [deep]
    for slow in ({"x": math.nan}, {"x": object()}, {"x": (1, 2)}, {"x": 2**70}, {"x": 1e-05}, {1: "a"}, {"x": deep}):
        assert quick_canonical(slow) is None


def test_a_resumed_call_shows_the_time_its_view_is_read_at(tmp_path: Path) -> None:
    files = {**EARLIER_PACK, "main.yaml": EARLIER_PACK["main.yaml"].replace("ask: What", "ask: On {{ today }}, what")}
    for name, text in files.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    clock = FrozenClock("2026-11-23 10:00")
    engine = Engine.load(tmp_path, clock=clock)
    session = engine.start("main")
    session.answer()
    assert session.view.text == "On 2026-11-23, what did the caller say?"
    resumed = engine.resume(session.snapshot())
    clock.advance(86_400)
    assert resumed.view.text == "On 2026-11-24, what did the caller say?"
    resumed.answer("fine")
    assert resumed.step == "@reason"


# --- the snapshot as JSON text (`Session.snapshot_text`): written with one dump, its signature
# checked over the text as it comes back; a text the host wrote again resumes the same ---------


def state_of(session: Session) -> dict[str, Any]:
    return session.state.as_json()


def rewritten(text: str) -> str:
    """The text as a host that stores JSON its own way writes it again: keys in reverse
    order, indented, everything but ASCII escaped."""

    def reverse(value: Any) -> Any:
        if isinstance(value, dict):
            return {key: reverse(value[key]) for key in reversed(value)}
        return [reverse(item) for item in value] if isinstance(value, list) else value

    return json.dumps(reverse(json.loads(text)), indent=2)


def test_the_text_is_the_signed_snapshot_written_once(clock: FrozenClock) -> None:
    session = at_amount(demo(clock), name="Zoë Ñandú")
    text = session.snapshot_text()
    data = session.snapshot()
    assert json.loads(text) == data
    payload = {key: value for key, value in data.items() if key != "signature"}
    assert text == canonical(payload)[:-1] + f',"signature":"{data["signature"]}"}}'
    assert session.snapshot_text(signed=False) == canonical(payload)


def test_a_text_resumes_as_its_snapshot_does_as_str_or_bytes(clock: FrozenClock) -> None:
    engine = demo(clock)
    session = at_amount(engine)
    text = session.snapshot_text()
    for given_text in (text, text.encode()):
        resumed = engine.resume(given_text)
        assert state_of(resumed) == state_of(engine.resume(session.snapshot()))
        assert resumed.view.step == "amount"
    resumed.answer("120")
    assert resumed.step != "amount"


def test_an_unsigned_text_resumes_where_unsigned_snapshots_are_trusted_only(clock: FrozenClock) -> None:
    session = at_amount(demo(clock))
    text = session.snapshot_text(signed=False)
    assert "signature" not in json.loads(text)
    for given_text in (text, text.encode(), rewritten(text)):
        assert state_of(demo(clock, trust_unsigned=True).resume(given_text)) == state_of(session)
        with pytest.raises(SnapshotError, match="the snapshot is not signed: this engine resumes only snapshots"):
            demo(clock).resume(given_text)


def test_a_text_written_again_by_the_host_resumes_all_the_same(clock: FrozenClock) -> None:
    engine = demo(clock, secret=b"host key")
    session = at_amount(engine, name="Zoë Ñandú")
    text = rewritten(session.snapshot_text())
    assert "\\u00eb" in text and text != session.snapshot_text()
    assert state_of(demo(clock, secret=b"host key").resume(text)) == state_of(session)


def test_a_text_changed_by_one_character_is_refused(clock: FrozenClock) -> None:
    session = at_amount(demo(clock))
    text = session.snapshot_text()
    assert '"attempts":0' in text
    changed = text.replace('"attempts":0', '"attempts":1')
    for tampered in (changed, rewritten(changed), text.replace("main", "mbin", 1)):
        with pytest.raises(SnapshotError, match="signature does not match: it was changed, or made with another key"):
            demo(clock).resume(tampered)
    with pytest.raises(SnapshotError, match="signature does not match"):
        demo(clock, secret=b"another host").resume(text)


@pytest.mark.parametrize("cut", [1, 2, 81, 500])
def test_a_cut_text_is_refused_as_not_json(clock: FrozenClock, cut: int) -> None:
    text = at_amount(demo(clock)).snapshot_text()
    with pytest.raises(
        SnapshotError, match=r"a snapshot is a JSON object \(a map\), not str: this text is not JSON \("
    ):
        demo(clock).resume(text[:-cut])


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("garbage", "a snapshot is a JSON object (a map), not str: this text is not JSON ("),
        (b"\xff\xfe{", "a snapshot is a JSON object (a map), not bytes: this text is not JSON ("),
        ("", "a snapshot is a JSON object (a map), not str: this text is not JSON ("),
        ("[1, 2]", "a snapshot is a JSON object (a map), not list"),
        ('"a text"', "a snapshot is a JSON object (a map), not str"),
    ],
)
def test_a_text_that_is_not_a_snapshot_is_refused(clock: FrozenClock, text: str | bytes, message: str) -> None:
    for engine in (demo(clock), demo(clock, trust_unsigned=True)):
        with pytest.raises(SnapshotError) as refused:
            engine.resume(text)
        assert str(refused.value).startswith(message)


def test_a_text_past_the_size_is_refused_before_it_is_read(clock: FrozenClock) -> None:
    engine = demo(clock, trust_unsigned=True)
    # not JSON either: the size is what is refused
    for huge in ("x" * (MAX_SNAPSHOT_BYTES + 81), b"[" * (MAX_SNAPSHOT_BYTES + 81)):
        with pytest.raises(SnapshotError, match="the snapshot is larger than 1,048,576 characters"):
            engine.resume(huge)
    # an unsigned text within the room of a signature, but past the size itself
    data = json.loads(at_amount(engine).snapshot_text(signed=False))
    data["state"]["vars"]["blob"] = ""
    room = MAX_SNAPSHOT_BYTES + 40 - len(json.dumps(data, separators=(",", ":")))
    data["state"]["vars"]["blob"] = "x" * room
    text = json.dumps(data, separators=(",", ":"))
    assert MAX_SNAPSHOT_BYTES < len(text) <= MAX_SNAPSHOT_BYTES + 80
    with pytest.raises(SnapshotError, match="the snapshot is larger than 1,048,576 characters"):
        engine.resume(text)


def test_numbers_come_back_as_they_were_written(clock: FrozenClock) -> None:
    engine = demo(clock, trust_unsigned=True)
    session = at_amount(engine, account=2**70, balance=-(2**63) - 1, rate=1e-05, big=1.5e300)
    for text in (session.snapshot_text(), session.snapshot_text(signed=False)):
        customer = engine.resume(text).state.inputs["customer"]
        assert customer["account"] == 2**70 and type(customer["account"]) is int
        assert customer["balance"] == -(2**63) - 1 and customer["rate"] == 1e-05 and customer["big"] == 1.5e300


@pytest.mark.parametrize("number", ["NaN", "Infinity", "-Infinity", "1e400", "-1e400"])
def test_a_number_json_cannot_carry_is_refused(clock: FrozenClock, number: str) -> None:
    engine = demo(clock, trust_unsigned=True)
    text = at_amount(engine).snapshot_text(signed=False)
    for long in ("", ',"long":12345678901234567890123'):  # with and without an integer past 64 bits
        edited = text.replace('"vars":{', f'"vars":{{"x":{number}{long},', 1)
        with pytest.raises(SnapshotError, match=r"not str: this text is not JSON \("):
            engine.resume(edited)


BBOXX_ENGINE = local_engine(BBOXX, clock=FrozenClock("2026-11-23 10:00"), trust_unsigned=True)[0]
BBOXX_ANSWERS = (None, "yes", "no", "technical", "payment", "1", "2", "Jane Wanjiru", "0712345678", "no_power", "visit")


@settings(max_examples=40)
@given(st.lists(st.sampled_from(BBOXX_ANSWERS), max_size=14))
def test_a_text_resumes_the_same_state_as_the_snapshot_at_any_move(answers: list[Any]) -> None:
    session = BBOXX_ENGINE.start("incoming", {"agent": {"name": "Amina"}})
    for answer in answers:
        try:
            session.answer(answer)
        except InputError:
            continue
    expected = state_of(BBOXX_ENGINE.resume(session.snapshot()))
    for text in (session.snapshot_text(), session.snapshot_text(signed=False)):
        assert state_of(BBOXX_ENGINE.resume(text)) == expected
        assert state_of(BBOXX_ENGINE.resume(rewritten(text))) == expected
