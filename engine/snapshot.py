"""Snapshots: a session as plain data, and back, refusing anything that does not fit.

A snapshot names its pack and the content hash of every flow on the call's stack. Resuming
refuses a forged, truncated or edited snapshot, and one taken on another version of a
flow unless that flow's `migrate:` says where the old steps went. With a host secret the
snapshot is signed (HMAC-SHA256) and an unsigned or re-signed one is refused.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from callguide.problems import SnapshotError
from callguide.state import PHASES, State

if TYPE_CHECKING:
    from callguide.engine import Engine

FORMAT = "callguide.session/1"
MAX_SNAPSHOT_BYTES = 1_048_576


def make_snapshot(engine: Engine, state: State) -> dict[str, Any]:
    data: dict[str, Any] = {
        "format": FORMAT,
        "pack": engine.pack.name,
        "flows": {flow: engine.compiled.flows[flow].flow.digest for flow, _ in state.stack},
        "state": state.as_json(),
    }
    if engine.secret:
        data["signature"] = _sign(engine.secret, data)
    return data


def read_snapshot(engine: Engine, data: Mapping[str, Any]) -> State:
    if not isinstance(data, Mapping):
        raise SnapshotError("a snapshot is a JSON object")
    payload = {key: value for key, value in data.items() if key != "signature"}
    if engine.secret:
        signature = data.get("signature")
        if not isinstance(signature, str) or not hmac.compare_digest(signature, _sign(engine.secret, payload)):
            raise SnapshotError("the snapshot's signature does not match: it was changed or not made by this host")
    if len(json.dumps(payload, default=str)) > MAX_SNAPSHOT_BYTES:
        raise SnapshotError("the snapshot is too large")
    if payload.get("format") != FORMAT:
        raise SnapshotError(f"not a callguide session snapshot (format {payload.get('format')!r}, expected {FORMAT!r})")
    if payload.get("pack") != engine.pack.name:
        raise SnapshotError(f"the snapshot is of pack `{payload.get('pack')}`, not `{engine.pack.name}`")
    raw_state = payload.get("state")
    flows = payload.get("flows")
    if not isinstance(raw_state, dict) or not isinstance(flows, dict):
        raise SnapshotError("the snapshot is incomplete: `state` or `flows` is missing")
    state = _state(raw_state)
    _check_versions(engine, state, flows)
    return state


def _state(raw: dict[str, Any]) -> State:
    try:
        state = State.from_json(raw)
    except TypeError as error:
        raise SnapshotError(f"the snapshot's state is incomplete: {error}") from None
    checks = (
        (isinstance(state.stack, list) and bool(state.stack), "stack"),
        (all(isinstance(f, list) and len(f) == 2 and all(isinstance(p, str) for p in f) for f in state.stack), "stack"),
        (state.phase in PHASES, "phase"),
        (isinstance(state.vars, dict) and isinstance(state.inputs, dict), "vars"),
        (isinstance(state.counters, dict) and all(isinstance(v, list) for v in state.counters.values()), "counters"),
        (isinstance(state.pending, list) and isinstance(state.path, list) and isinstance(state.trail, list), "lists"),
        (isinstance(state.attempts, int) and isinstance(state.next_effect, int), "numbers"),
        (isinstance(state.started, str) and isinstance(state.call_id, str), "call"),
    )
    for ok, what in checks:
        if not ok:
            raise SnapshotError(f"the snapshot's state is not valid (`{what}`)")
    return state


def _check_versions(engine: Engine, state: State, flows: dict[str, Any]) -> None:
    compiled = engine.compiled.flows
    for frame in state.stack:
        name, step = frame
        if name not in compiled:
            raise SnapshotError(f"flow `{name}` of the snapshot no longer exists in pack `{engine.pack.name}`")
        flow = compiled[name].flow
        if flows.get(name) == flow.digest:
            if step not in compiled[name].steps:
                raise SnapshotError(f"step `{step}` is not in flow `{name}`: the snapshot was edited")
            continue
        if not flow.migrate:
            raise SnapshotError(
                f"flow `{name}` has changed since the snapshot was taken; give the new version a `migrate:` section to take over calls in progress"
            )
        target = flow.migrate.get(step, step)
        if target not in compiled[name].steps:
            raise SnapshotError(
                f"the snapshot stands at `{name}:{step}`, which the new version neither has nor migrates"
            )
        frame[1] = target
        state.trail = [flow.migrate.get(s, s) for s in state.trail if flow.migrate.get(s, s) in compiled[name].steps]
    for rule in state.counters:
        if rule not in engine.compiled.rules:
            raise SnapshotError(f"the snapshot counts events of rule `{rule}`, which the pack does not have")


def _sign(secret: bytes, payload: Mapping[str, Any]) -> str:
    canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
    return hmac.new(secret, canonical.encode(), hashlib.sha256).hexdigest()
