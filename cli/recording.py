"""`:record FILE` in the simulator: the call played so far, written as a scenario test.

The moves are the ones the agent made (refused answers with the message they got), the
input is written as the simulator got it (sample records by their id: `customer: C1`),
and the expectations are what happened: the path, the step the call is at or its outcome,
and the wrap-up chosen. `callguide test FILE` replays it; the file is in the house style.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from callguide.cli.yaml_style import house_yaml
from callguide.host.given import SAMPLE_KINDS
from callguide.host.store import Store
from callguide.session import Session
from ruamel.yaml.comments import CommentedMap, CommentedSeq


def sample_ids(store: Store, context: dict[str, Any]) -> dict[str, Any]:
    """The call's input with each sample record written as its id, as `run --customer` takes it."""
    written: dict[str, Any] = {}
    for name, value in context.items():
        kind = SAMPLE_KINDS.get(name)
        key = value.get("id") if isinstance(value, dict) else None
        written[name] = key if kind and key is not None and store.get(kind, key) == value else value
    return written


def _flow_map(data: dict[str, Any]) -> CommentedMap:
    """A map written on one line (`{reason: resolved, close: true}`)."""
    written = CommentedMap(data)
    written.fa.set_flow_style()
    return written


def scenario_text(
    name: str,
    session: Session,
    given: dict[str, Any],
    moves: list[dict[str, Any]],
    *,
    clock: str | None,
    environment: str | None,
    head: str = "",
) -> str:
    """The scenario file of the call so far (`head`: the lines above it, e.g. a modeline)."""
    state = session.state
    document: dict[str, Any] = {"scenario": name, "flow": state.stack[0][0] if state.stack else session.flow}
    if clock:
        document["clock"] = clock
    if environment:
        document["environment"] = environment
    if state.language:
        document["language"] = state.language
    document["given"] = {key: _flow_map(value) if isinstance(value, dict) else value for key, value in given.items()}
    play = []
    for move in moves:
        written = dict(move)
        if isinstance(written.get("expect"), dict):
            written["expect"] = _flow_map(written["expect"])
        play.append(written)
    document["play"] = play
    chosen = {key: value for key, value in state.wrapup.items() if value not in (None, "")}
    if chosen:
        document["wrapup"] = _flow_map(chosen)
    path = [entry for entry in state.path if "~" not in entry]
    flows = {entry.split(":", 1)[0] for entry in path}
    steps = CommentedSeq(entry if len(flows) > 1 else entry.split(":", 1)[1] for entry in path)
    steps.fa.set_flow_style()
    expect: dict[str, Any] = {"path": steps}
    if state.phase in ("wrapup", "ended"):
        expect["outcome"] = state.outcome
    else:
        expect["step"] = session.step
    record = session.record
    if record:
        expect["record"] = _flow_map({key: record.get(key) for key in ("reason", "close", "queue")})
    document["expect"] = expect
    out = io.StringIO()
    house_yaml().dump(document, out)
    return head + out.getvalue()


def write_scenario(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
