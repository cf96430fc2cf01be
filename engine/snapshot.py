"""Snapshots: a session as plain data, and back, refusing anything that does not fit.

A snapshot names its pack and the content hash of every flow on the call's stack. Resuming
refuses a forged, truncated or edited snapshot, and one taken on another version of a
flow unless that flow's `migrate:` says where the old steps went. With a host secret the
snapshot is signed (HMAC-SHA256) and an unsigned or re-signed one is refused. Without one,
a snapshot comes back from a front end as data that may have been edited: every field is
checked (its type, the pack's names it refers to, and that the phase fits the step) before
a session runs on it, so that an edited snapshot is refused here, never crashes a move later.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import math
import re
from collections.abc import Callable, Collection, Mapping
from datetime import date, datetime, time
from typing import TYPE_CHECKING, Any
from weakref import WeakKeyDictionary

from callguide.problems import SnapshotError
from callguide.session import MAX_CALL_DEPTH, MAX_RESULTS, WRAPUP_STEPS
from callguide.state import _FIELDS, PHASES, State

if TYPE_CHECKING:
    from callguide.engine import Engine

FORMAT = "callguide.session/1"
MAX_SNAPSHOT_BYTES = 1_048_576
_SIGNATURE = re.compile(r"[0-9a-f]{64}")


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
        raise SnapshotError(f"a snapshot is a JSON object (a map), not {type(data).__name__}")
    payload = {key: value for key, value in data.items() if key != "signature"}
    size = _encoded_size(payload)
    if size > MAX_SNAPSHOT_BYTES:
        raise SnapshotError(f"the snapshot is larger than {MAX_SNAPSHOT_BYTES:,} characters")
    if engine.secret:
        signature = data.get("signature")
        if signature is None:
            raise SnapshotError("the snapshot is not signed, but this host signs its snapshots: resume one it made")
        if not isinstance(signature, str) or not _SIGNATURE.fullmatch(signature):
            raise SnapshotError("the snapshot's signature is not an HMAC-SHA256 (64 hexadecimal digits)")
        if not hmac.compare_digest(signature, _sign(engine.secret, payload)):
            raise SnapshotError("the snapshot's signature does not match: it was changed, or made with another key")
    if payload.get("format") != FORMAT:
        raise SnapshotError(f"not a callguide session snapshot (format {payload.get('format')!r}, expected {FORMAT!r})")
    if payload.get("pack") != engine.pack.name:
        raise SnapshotError(f"the snapshot is of pack `{payload.get('pack')}`, not `{engine.pack.name}`")
    raw_state = payload.get("state")
    flows = payload.get("flows")
    if not isinstance(raw_state, dict) or not isinstance(flows, dict):
        raise SnapshotError("the snapshot is incomplete: `state` or `flows` is missing")
    state = _state(engine, raw_state)
    _check_versions(engine, state, flows)
    _check_phase(engine, state)
    return state


def _encoded_size(payload: Mapping[str, Any]) -> int:
    """The snapshot's size as JSON; refuses what JSON cannot carry (objects, NaN,
    infinities, keys of mixed types) and values nested too deep."""
    try:
        return len(json.dumps(payload, allow_nan=False, sort_keys=True, ensure_ascii=False, default=_moment))
    except (TypeError, ValueError) as error:
        raise SnapshotError(f"the snapshot is not plain JSON data: {error}") from None
    except RecursionError:
        raise SnapshotError("the snapshot nests its values too deeply to be JSON data") from None


def _moment(value: Any) -> str:
    """Dates and times a `set:` stored in the state (its one kind of non-JSON value) count
    as the text they are sent as; anything else that JSON cannot carry is refused."""
    if isinstance(value, (date, time)):
        return value.isoformat()
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


def _state(engine: Engine, raw: dict[str, Any]) -> State:
    missing = [name for name in _FIELDS if name not in raw]
    if missing:
        raise SnapshotError(f"the snapshot's state is incomplete: `{missing[0]}` is missing")
    unknown = sorted(str(name) for name in raw if name not in _FIELDS)
    if unknown:
        raise SnapshotError(f"the snapshot's state has a field this engine does not know: `{unknown[0]}`")
    checks = _CHECKS.get(engine)
    if checks is None:
        checks = _CHECKS[engine] = _field_checks(engine)
    for name, valid, expected in checks:
        if not valid(raw[name]):
            shown = json.dumps(raw[name], ensure_ascii=False)
            shown = shown if len(shown) <= 60 else shown[:57] + "..."
            raise SnapshotError(f"the snapshot's state is not valid: `{name}` must be {expected}, not {shown}")
    return State.from_json(raw)


Checks = tuple[tuple[str, Callable[[Any], bool], str], ...]
_CHECKS: WeakKeyDictionary[Engine, Checks] = WeakKeyDictionary()  # made once per engine


def _field_checks(engine: Engine) -> Checks:
    """For each field of the state: is a value valid, and what a valid one is."""
    pack = engine.pack
    catalog = pack.call_end_catalog
    reasons = frozenset(catalog.reasons) if catalog else frozenset()
    queues = frozenset(catalog.queues) if catalog else frozenset()
    languages = ", ".join(pack.all_languages)
    environments = ", ".join(pack.environments) or "none"

    def outcome(value: Any) -> bool:
        return value is None or _one_of(value, pack.outcome_names)

    return (
        ("call_id", lambda v: isinstance(v, str) and 0 < len(v) <= 200, "a text of 1 to 200 characters"),
        ("started", _instant, "a date and time such as 2026-01-05T09:00:00+00:00"),
        ("language", lambda v: _one_of(v, pack.all_languages), f"one of the pack's languages ({languages})"),
        (
            "environment",
            lambda v: _one_of(v, pack.environments) or (v == "" and not pack.environments),
            f"one of the pack's environments ({environments})",
        ),
        ("inputs", _map, "a map"),
        ("vars", _map, "a map"),
        ("stack", _stack, f"a list of 1 to {MAX_CALL_DEPTH} [flow, step] pairs"),
        ("phase", lambda v: _one_of(v, PHASES), f"one of {', '.join(sorted(PHASES))}"),
        ("attempts", _count, "a whole number, 0 or more"),
        ("results", lambda v: _list_of(v, dict) and len(v) <= MAX_RESULTS, f"a list of at most {MAX_RESULTS} maps"),
        ("pending", lambda v: _list_of(v, dict) and all(_request(p) for p in v), "a list of effect requests"),
        ("counters", _counters, "a map from a rule to a list of times in seconds"),
        ("notice", lambda v: v is None or isinstance(v, dict), "a map or null"),
        ("error", lambda v: v is None or isinstance(v, str), "a text or null"),
        (
            "path",
            lambda v: _list_of(v, str) and all(entry.partition(":")[0] in engine.compiled.flows for entry in v),
            "a list of the steps the call went through, as `flow:step`",
        ),
        ("events", lambda v: _list_of(v, dict), "a list of maps"),
        ("effects", lambda v: _list_of(v, dict), "a list of maps"),
        ("trail", lambda v: _list_of(v, str), "a list of step names"),
        ("outcome", outcome, "one of the pack's outcomes, or null"),
        ("end_reason", lambda v: v is None or _one_of(v, reasons), "one of the end-of-call reasons, or null"),
        ("last_outcome", outcome, "one of the pack's outcomes, or null"),
        ("close_hint", lambda v: v is None or isinstance(v, bool), "true, false or null"),
        ("description_hint", lambda v: v is None or isinstance(v, str), "a text or null"),
        ("wrapup", lambda v: _wrapup(v, reasons, queues), "a map of the wrap-up's reason, close, queue, description"),
        ("wrapup_step", lambda v: v is None or _one_of(v, WRAPUP_STEPS), f"one of {', '.join(WRAPUP_STEPS)}, or null"),
        ("next_effect", lambda v: _count(v) and v >= 1, "a whole number, 1 or more"),
        ("move", _count, "a whole number, 0 or more"),
        ("unsettled", lambda v: _list_of(v, dict) and all(_request(p) for p in v), "a list of performed effects"),
        ("ended_at", lambda v: v is None or _instant(v), "a date and time, or null"),
        ("record", lambda v: v is None or isinstance(v, dict), "a map or null"),
    )


def _instant(value: Any) -> bool:
    if not isinstance(value, str) or len(value) > 40:
        return False
    try:
        datetime.fromisoformat(value)
    except ValueError:
        return False
    return True


def _one_of(value: Any, names: Collection[str]) -> bool:
    return isinstance(value, str) and value in names


def _map(value: Any) -> bool:
    return isinstance(value, dict) and all(isinstance(key, str) for key in value)


def _count(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 0 <= value < 2**53


def _list_of(value: Any, kind: type | tuple[type, ...]) -> bool:
    return isinstance(value, list) and all(isinstance(item, kind) for item in value)


def _stack(value: Any) -> bool:
    return (
        isinstance(value, list)
        and 1 <= len(value) <= MAX_CALL_DEPTH
        and all(
            isinstance(frame, list) and len(frame) == 2 and all(isinstance(p, str) for p in frame) for frame in value
        )
    )


def _request(value: dict[str, Any]) -> bool:
    return (
        _count(value.get("id"))
        and isinstance(value.get("key"), str)
        and isinstance(value.get("name"), str)
        and isinstance(value.get("args"), dict)
        and isinstance(value.get("step"), str)
        and isinstance(value.get("of_step", False), bool)
    )


def _counters(value: Any) -> bool:
    return _map(value) and all(
        _list_of(times, (int, float))
        and all(not isinstance(t, bool) and math.isfinite(t) and abs(t) < 1e12 for t in times)
        for times in value.values()
    )


def _wrapup(value: Any, reasons: frozenset[str], queues: frozenset[str]) -> bool:
    if not isinstance(value, dict) or not set(value) <= {"reason", "close", "queue", "description"}:
        return False
    return (
        (value.get("reason") is None or _one_of(value["reason"], reasons))
        and (value.get("queue") is None or _one_of(value["queue"], queues))
        and isinstance(value.get("close"), (bool, type(None)))
        and isinstance(value.get("description"), (str, type(None)))
    )


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


def _check_phase(engine: Engine, state: State) -> None:
    """The phase fits the step the call stands at, and the call's history fits the phase."""
    flow = engine.compiled.flows[state.flow]
    step = flow.steps[state.step]
    answer = step.model.answer
    strays = [name for name in state.trail if name not in flow.steps]
    fits = {
        "step": True,
        "pick": answer is not None and answer.kind == "lookup" and bool(state.results),
        "confirm": step.kind == "do",
        "failed": step.kind == "do",
        "wait": bool(state.pending),
        "wrapup": state.wrapup_step is not None and engine.pack.call_end_catalog is not None,
        "ended": isinstance(state.record, dict) and state.ended_at is not None,
    }
    if strays:
        raise SnapshotError(f"the snapshot's trail names step `{strays[0]}`, which is not in flow `{state.flow}`")
    if not fits[state.phase]:
        raise SnapshotError(f"the snapshot's phase `{state.phase}` does not fit step `{state.flow}:{state.step}`")


def _sign(secret: bytes, payload: Mapping[str, Any]) -> str:
    canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
    return hmac.new(secret, canonical.encode(), hashlib.sha256).hexdigest()
