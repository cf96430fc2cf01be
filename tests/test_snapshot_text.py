"""The snapshot as JSON text (`Session.snapshot_text`): written with one dump, its signature
checked over the text as it comes back; a text a host wrote again (keys in another order,
spaces, escapes) resumes the same, and a changed, cut, foreign or huge one is refused."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from callguide import Engine, FrozenClock, InputError, Session, SnapshotError
from callguide.host import local_engine
from callguide.snapshot import MAX_SNAPSHOT_BYTES, canonical
from hypothesis import given, settings
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
