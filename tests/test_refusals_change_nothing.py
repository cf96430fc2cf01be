"""A refused move changes nothing: property tests over random calls of the bundled Bboxx pack.

Random sequences of answers (ones that fit the question, ones that do not, blanks, going
back, rule events the pack does not have) are played; whenever a move is refused, the
session must be exactly as it was: the same state (every field, the logs included), the
same view, the same snapshot. The one documented exception is a step that caps invalid
answers: the refusal is counted there (`attempts`), and nothing else changes.
"""

from __future__ import annotations

import ast
import contextlib
import json
from pathlib import Path
from typing import Any

import callguide
from callguide import CallguideError, Engine, FrozenClock, InputError, Session
from callguide.host import local_engine
from callguide.model import AskStep
from callguide.state import NEVER_REPLACED
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


@settings(max_examples=30)
@given(st.lists(MOVES, min_size=1, max_size=25))
def test_no_move_replaces_a_field_the_checkpoint_leaves_out(moves: list[tuple[str, Any]]) -> None:
    """`State.checkpoint` leaves out the fields a move never replaces (it changes the answers
    and logs in place, and `restore` puts those back by other means): were one replaced, a
    failed move would not be undone."""
    session = ENGINE.start("incoming", {"agent": {"name": "Amina"}})
    kept = {name: getattr(session.state, name) for name in NEVER_REPLACED}
    for move in moves:
        if session.ended:
            break
        with contextlib.suppress(CallguideError):
            play(session, move)
        assert {name for name, value in kept.items() if getattr(session.state, name) is not value} == set()


def test_the_engine_assigns_no_field_the_checkpoint_leaves_out() -> None:
    """No code of the engine assigns `….state.<field>` for a field of `NEVER_REPLACED` (a
    state is made whole by `State(...)`, `from_json`): the moves the tests play cannot reach
    every line, this reads them all."""
    engine_dir = Path(callguide.__file__).resolve().parent
    found = []
    for path in sorted(engine_dir.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            targets = (
                node.targets
                if isinstance(node, ast.Assign)
                else [node.target]
                if isinstance(node, ast.AugAssign | ast.AnnAssign)
                else []
            )
            for target in (t for top in targets for t in ast.walk(top)):
                if isinstance(target, ast.Attribute) and target.attr in NEVER_REPLACED and _names_state(target.value):
                    found.append(f"{path.relative_to(engine_dir)}:{target.lineno}: {ast.unparse(target)}")
    assert found == []


def _names_state(node: ast.expr) -> bool:
    """`state`, `self.state`, `move.state`...: an expression that names a call's state."""
    return (isinstance(node, ast.Name) and node.id == "state") or (
        isinstance(node, ast.Attribute) and node.attr in ("state", "_state")
    )
