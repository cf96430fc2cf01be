"""A refused move changes nothing: property tests over random calls of the bundled Bboxx pack.

Random sequences of answers (ones that fit the question, ones that do not, blanks, going
back, rule events the pack does not have) are played; whenever a move is refused, the
session must be exactly as it was: the same state (every field, the logs included), the
same view, the same snapshot. The one documented exception is a step that caps invalid
answers: the refusal is counted there (`attempts`), and nothing else changes.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from callguide import CallguideError, Engine, FrozenClock, InputError, Session
from callguide.host import local_engine
from callguide.model import AskStep
from hypothesis import given, settings
from hypothesis import strategies as st

BBOXX = Path(__file__).resolve().parent.parent / "flows" / "bboxx"
ANSWERS = (
    None,
    "",
    "   ",
    "yes",
    "no",
    "maybe",
    "technical",
    "payment",
    "new_customer",
    "other",
    "1",
    "2",
    "99",
    "Jo",
    "Jane Wanjiru",
    "07123456",
    "0712345678",
    "+254712345678",
    "no_power",
    "visit",
    "BX100234",
    "The control unit shows no light at all since Monday",
    "x" * 600,
)
MOVES = st.one_of(
    st.tuples(st.just("answer"), st.sampled_from(ANSWERS)),
    st.tuples(st.just("back"), st.none()),
    st.tuples(st.just("event"), st.sampled_from(["insult", "no_such_event"])),
)


def engine() -> Engine:
    loaded, _ = local_engine(BBOXX, clock=FrozenClock("2026-11-23 10:00"))
    return loaded


ENGINE = engine()


def picture(session: Session) -> tuple[Any, ...]:
    """Everything a host can see of the session, as plain data."""
    state = json.dumps(session.state.as_json(), sort_keys=True, default=str)
    snapshot = {key: value for key, value in session.snapshot().items() if key != "signature"}
    return state, json.dumps(session.view.as_json(), sort_keys=True, default=str), json.dumps(snapshot, sort_keys=True)


def play(session: Session, move: tuple[str, Any]) -> None:
    kind, value = move
    if kind == "answer":
        session.answer(value)
    elif kind == "back":
        session.back()
    else:
        session.signal(value)


@settings(max_examples=60)
@given(st.lists(MOVES, min_size=1, max_size=25))
def test_a_refused_move_leaves_the_session_exactly_as_it_was(moves: list[tuple[str, Any]]) -> None:
    session = ENGINE.start("incoming", {"agent": {"name": "Amina"}})
    for move in moves:
        if session.ended:
            break
        before = picture(session)
        attempts = session.state.attempts
        capped = session.state.phase in ("step", "pick") and _caps_invalid(session)
        try:
            play(session, move)
        except InputError:
            if capped and session.state.attempts != attempts:
                continue  # counted where the step caps invalid answers: documented
            assert picture(session) == before, f"refused {move} changed the session"
        except CallguideError:
            assert picture(session) == before, f"failed {move} changed the session"


def _caps_invalid(session: Session) -> bool:
    flow = session.engine.compiled.flows[session.flow]
    step = flow.steps.get(session.state.step)
    return step is not None and isinstance(step.model, AskStep) and step.model.attempts is not None
