"""Snapshots: a session as plain data, and back, refusing anything that does not fit.

A snapshot holds the call's one state (never its record: that is worked out from the state)
and names its pack and the content hash of every flow on the call's stack. It is signed
(HMAC-SHA256) with the host's secret, or with a key made for this process when the host
gave none; an unsigned snapshot is refused unless the engine was told to trust unsigned
ones, and one signed with another secret always is. A snapshot this engine did not sign
(a trusted unsigned one) is validated against a JSON Schema derived from the `State` type
(types, time zones, sizes, nesting depth, the pack's names): compiled into a quick yes or
no (`json_shape`), and given to jsonschema for the message when the answer is no. Every one
is checked against the pinned flows (the stack's flows and steps exist, or the new version
migrates them), so that an edited snapshot is refused here and never crashes a move later.

A snapshot travels as a map or as JSON text. The text is the canonical text that is signed,
with the signature spliced in before its last brace: it is written with one dump, and read
back with none, its signature checked over the bytes as they came. A text a host wrote
again its own way is read as a map, and its canonical text written again to check it.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import math
import os
import re
import types
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal, Union, get_args, get_origin, get_type_hints

import orjson
from callguide.compile import CompiledPack
from callguide.json_shape import Fits, compile_shape, instant
from callguide.model import AskStep
from callguide.problems import SnapshotError
from callguide.state import State, Valid

if TYPE_CHECKING:
    from jsonschema import Draft202012Validator, ValidationError

FORMAT = "callguide.session/2"
MAX_SNAPSHOT_BYTES = 1_048_576
MAX_DEPTH = 16  # how deep a stored value may nest (maps in lists in maps...)
MAX_TEXT = 100_000  # characters in one stored text
MAX_ITEMS = 10_000  # entries in one stored list or map
PROCESS_KEY = os.urandom(32)  # signs snapshots when the host gave no secret: they resume in this process only
_SIGNATURE = re.compile(r"[0-9a-f]{64}")
# how the text of `make_text` ends: the signature, spliced in after the canonical payload
_SIGNED = re.compile(rb',"signature":"([0-9a-f]{64})"}')
_SIGNED_TAIL = len(',"signature":"' + "0" * 64 + '"}')
_TOO_LARGE = f"the snapshot is larger than {MAX_SNAPSHOT_BYTES:,} characters"
# An integer past 64 bits, which orjson reads as a float, has 19 digits or more: a text that
# holds as many in a row is read by `json.loads` (searched as zeros in a copy with every digit
# made 0: ten times quicker than a regular expression's `[0-9]{19}`)
_DIGITS_AS_ZEROS = bytes.maketrans(b"123456789", b"000000000")
_LONG_INTEGER = b"0" * 19
# each field of the state: its type, and what `Valid` adds
_HINTS = {name: get_args(hint) for name, hint in get_type_hints(State, include_extras=True).items()}
_FIELDS = list(_HINTS)


@dataclass(slots=True)
class Snapshots:
    """Makes and reads the snapshots of one compiled pack."""

    compiled: CompiledPack
    secret: bytes
    trust_unsigned: bool
    _schema: dict[str, Any] | None = None
    _fits: Fits | None = None
    _validator: Draft202012Validator | None = None

    @classmethod
    def of(cls, compiled: CompiledPack, secret: bytes | None, trust_unsigned: bool) -> Snapshots:
        return cls(compiled, secret or PROCESS_KEY, trust_unsigned)

    @property
    def fits(self) -> Fits:
        """Whether a state fits the schema: yes or no, at the speed of the state's data."""
        if self._fits is None:
            self._fits = compile_shape(self.schema, {"instant": instant})
        return self._fits

    @property
    def validator(self) -> Draft202012Validator:
        """The state's JSON Schema validator, made when the first state that does not fit
        comes (jsonschema is imported then: an engine that reads valid snapshots never pays it)."""
        if self._validator is None:
            from jsonschema import Draft202012Validator, FormatChecker

            formats = FormatChecker(formats=())
            formats.checks("instant", raises=ValueError)(_instant)
            self._validator = Draft202012Validator(self.schema, format_checker=formats)
        return self._validator

    @property
    def schema(self) -> dict[str, Any]:
        if self._schema is None:
            self._schema = state_schema(self.compiled)
        return self._schema

    def make(self, state: State) -> dict[str, Any]:
        data = self._payload(state.as_json())
        data["signature"] = _sign(self.secret, _dump(data))
        return data

    def make_text(self, state: State, *, signed: bool = True) -> str:
        """The snapshot as JSON text from one dump: the canonical text of the payload, and the
        signature spliced in before its last brace (`read_text` checks it over these very bytes)."""
        text = _dump(self._payload(state.as_json(copy=False)))  # written out at once: nothing copied
        if not signed:
            return text.decode()
        return f'{text[:-1].decode()},"signature":"{_sign(self.secret, text)}"}}'

    def _payload(self, state: dict[str, Any]) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "pack": self.compiled.pack.name,
            "flows": {flow: self.compiled.flows[flow].flow.digest for flow, _ in state["stack"]},
            "state": state,
        }

    def read(self, data: Mapping[str, Any]) -> State:
        if not isinstance(data, Mapping):
            raise SnapshotError(f"a snapshot is a JSON object (a map), not {type(data).__name__}")
        payload = {key: value for key, value in data.items() if key != "signature"}
        # one dump: its size is checked, and it is what is signed
        text: str | bytes | None = quick_canonical(payload)  # within the size when there is one
        if text is None:
            text = canonical(payload)
            if len(text) > MAX_SNAPSHOT_BYTES:
                raise SnapshotError(_TOO_LARGE)
        return self._state(payload, self._check_signature(data.get("signature"), text))

    def read_text(self, text: str | bytes) -> State:
        """A state from the text of `make_text`: its signature is checked over the bytes as
        they came, with no dump. A text in another form (a host that wrote the JSON again,
        keys in another order) is read as data and takes the way of `read`; an unsigned one
        (where unsigned ones are trusted) is measured as it came."""
        if len(text) > MAX_SNAPSHOT_BYTES + _SIGNED_TAIL:
            raise SnapshotError(_TOO_LARGE)
        raw = text.encode(errors="surrogatepass") if isinstance(text, str) else text
        tail = _SIGNED.fullmatch(raw, max(len(raw) - _SIGNED_TAIL, 0))
        if tail is not None:
            payload = raw[:-_SIGNED_TAIL] + b"}"
            if hmac.compare_digest(tail[1].decode(), _sign(self.secret, payload)):
                return self._state(_parse(payload, type(text)), signed=True, copy=False)
        data = _parse(raw, type(text))
        if type(data) is not dict or "signature" in data or not self.trust_unsigned:
            return self.read(data)  # the signature checked over the canonical text, or refused
        if len(raw) > MAX_SNAPSHOT_BYTES:
            raise SnapshotError(_TOO_LARGE)
        return self._state(data, signed=False, copy=False)

    def _state(self, payload: dict[str, Any], signed: bool, copy: bool = True) -> State:
        """The state of a payload whose signature is checked: one this engine did not sign is
        checked against the state's schema; every one against the pinned flows. `copy=False`:
        the payload was read from a text for this state, and its containers become the state's."""
        pack = self.compiled.pack.name
        if payload.get("format") != FORMAT:
            raise SnapshotError(
                f"not a callguide session snapshot (format {payload.get('format')!r}, expected {FORMAT!r})"
            )
        if payload.get("pack") != pack:
            raise SnapshotError(f"the snapshot is of pack `{payload.get('pack')}`, not `{pack}`")
        raw_state, flows = payload.get("state"), payload.get("flows")
        if not isinstance(raw_state, dict) or not isinstance(flows, dict):
            raise SnapshotError("the snapshot is incomplete: `state` or `flows` is missing")
        # one this engine signed is one it made from a valid state; jsonschema says why a
        # state does not fit (and has the last word: the quick check may refuse a corner it allows)
        if not signed and not self.fits(raw_state):
            refusal = _first(self.validator.iter_errors(raw_state))
            if refusal is not None:
                raise SnapshotError(_explain(refusal, self.schema, raw_state))
        state = State.from_json(raw_state, copy=copy)
        self._check_versions(state, flows)
        self._check_phase(state)
        return state

    def _check_signature(self, signature: Any, payload: str | bytes) -> bool:
        """Whether the snapshot is signed with this engine's key; refuses one signed otherwise,
        and an unsigned one unless unsigned ones are trusted."""
        if signature is None:
            if self.trust_unsigned:
                return False
            raise SnapshotError(
                "the snapshot is not signed: this engine resumes only snapshots signed with its secret"
                " (give every host the same `secret`, or `trust_unsigned=True` where edited snapshots cannot harm)"
            )
        if not isinstance(signature, str) or not _SIGNATURE.fullmatch(signature):
            raise SnapshotError("the snapshot's signature is not an HMAC-SHA256 (64 hexadecimal digits)")
        if not hmac.compare_digest(signature, _sign(self.secret, payload)):
            raise SnapshotError("the snapshot's signature does not match: it was changed, or made with another key")
        return True

    def _check_versions(self, state: State, flows: dict[str, Any]) -> None:
        """Every flow on the stack is the version pinned, or its new version migrates the step."""
        compiled, pack = self.compiled.flows, self.compiled.pack.name
        for frame in state.stack:
            name, step = frame
            if name not in compiled:
                raise SnapshotError(f"flow `{name}` of the snapshot no longer exists in pack `{pack}`")
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
            moved = (flow.migrate.get(s, s) for s in state.trail)
            state.trail = [s for s in moved if s in compiled[name].steps]
        for rule in state.counters:
            if rule not in self.compiled.rules:
                raise SnapshotError(f"the snapshot counts events of rule `{rule}`, which the pack does not have")

    def _check_phase(self, state: State) -> None:
        """The phase fits the step the call stands at, and the call's history fits the phase."""
        flow = self.compiled.flows[state.flow]
        step = flow.steps[state.step]
        answer = step.model.answer if isinstance(step.model, AskStep) else None
        strays = [name for name in state.trail if name not in flow.steps]
        if strays:
            raise SnapshotError(f"the snapshot's trail names step `{strays[0]}`, which is not in flow `{state.flow}`")
        fits = {
            "step": True,
            "pick": answer is not None and answer.kind == "lookup" and bool(state.results),
            "confirm": step.kind == "do",
            "failed": step.kind == "do",
            "wait": bool(state.pending),
            "wrapup": state.wrapup_step is not None and self.compiled.pack.call_end_catalog is not None,
            "ended": state.ended_at is not None and state.outcome is not None,
        }
        if not fits[state.phase]:
            raise SnapshotError(f"the snapshot's phase `{state.phase}` does not fit step `{state.flow}:{state.step}`")


# --- the schema of the state ---------------------------------------------------------------------


def state_schema(compiled: CompiledPack) -> dict[str, Any]:
    """The JSON Schema of a valid state of this pack, derived from the `State` type: each
    field's type, what its metadata adds (sizes, time zones) and the pack's own names."""
    names = _pack_names(compiled)
    properties = {}
    for name, (kind, valid) in _HINTS.items():
        schema = _schema_of(kind, _merge(valid.schema, names.get(name, {})))
        properties[name] = {"description": _expected(name, valid, compiled), **schema}
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "type": "object",
        "properties": properties,
        "required": list(_FIELDS),
        "additionalProperties": False,
    }


def _schema_of(kind: Any, extra: dict[str, Any]) -> dict[str, Any]:
    """The JSON Schema of a Python type, with `extra` applied to its non-null part."""
    origin, args = get_origin(kind), get_args(kind)
    if origin in (Union, types.UnionType):
        (inner,) = [arg for arg in args if arg is not type(None)]
        return {"anyOf": [_schema_of(inner, extra), {"type": "null"}]}
    if kind is Any:
        schema: dict[str, Any] = dict(_VALUE)
    elif origin is Literal:
        schema = {"enum": list(args)}
    elif kind is str:
        schema = {"type": "string", "maxLength": MAX_TEXT}
    elif kind is bool:
        schema = {"type": "boolean"}
    elif kind is int:
        schema = {"type": "integer", "minimum": 0, "maximum": 2**53 - 1}
    elif kind is float:
        schema = {"type": "number"}
    elif origin is list:
        schema = {"type": "array", "maxItems": MAX_ITEMS, "items": _schema_of(args[0], extra.get("items", {}))}
    elif origin is dict:
        values = _schema_of(args[1], extra.get("additionalProperties", {}))
        schema = {"type": "object", "maxProperties": MAX_ITEMS, "additionalProperties": values}
    else:
        raise TypeError(f"no JSON Schema for {kind!r}")
    rest = {key: value for key, value in extra.items() if not (key in ("items", "additionalProperties") and origin)}
    return _merge(schema, rest)


def _value(depth: int) -> dict[str, Any]:
    """A JSON value nested at most `depth` deep. The levels share one schema object each
    (no `$ref` to resolve: a snapshot is validated at the speed of its data)."""
    scalars = ["null", "boolean", "number", "string"]
    schema: dict[str, Any] = {"type": scalars, "maxLength": MAX_TEXT}
    for _ in range(depth):
        schema = {
            "type": [*scalars, "array", "object"],
            "maxLength": MAX_TEXT,
            "maxItems": MAX_ITEMS,
            "maxProperties": MAX_ITEMS,
            "items": schema,
            "additionalProperties": schema,
        }
    return schema


_VALUE = _value(MAX_DEPTH)


def _pack_names(compiled: CompiledPack) -> dict[str, dict[str, Any]]:
    """What a field may name in this pack: its languages, outcomes, reasons, queues, flows."""
    pack = compiled.pack
    catalog = pack.call_end_catalog
    reasons = {"enum": [*(catalog.reasons if catalog else ()), None]}
    queues = {"enum": [*(catalog.queues if catalog else ()), None]}
    outcomes = {"enum": sorted(pack.outcome_names)}
    flows = "|".join(re.escape(name) for name in compiled.flows)
    return {
        "language": {"enum": list(pack.all_languages)},
        "environment": {"enum": list(pack.environments) or [""]},
        "outcome": outcomes,
        "last_outcome": outcomes,
        "end_reason": reasons,
        "hint_reason": reasons,
        "wrapup": {"properties": {"reason": reasons, "queue": queues}},
        "path": {"items": {"pattern": f"^({flows}):"}},
    }


def _expected(name: str, valid: Valid, compiled: CompiledPack) -> str:
    """A valid value of a field, in words; naming the pack's choices where there are few."""
    expected, pack = valid.expected, compiled.pack
    if name == "language":
        return f"{expected} ({', '.join(pack.all_languages)})"
    if name == "environment":
        return f"{expected} ({', '.join(pack.environments) or 'none'})"
    return expected


def _merge(base: dict[str, Any], extra: dict[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in extra.items():
        merged[key] = (
            _merge(merged[key], value) if isinstance(value, dict) and isinstance(merged.get(key), dict) else value
        )
    return merged


def _instant(value: object) -> bool:
    """A date and time with its time zone (a wrap-up without one cannot count the call's length)."""
    return not isinstance(value, str) or instant(value)


def _first(errors: Iterable[ValidationError]) -> ValidationError | None:
    """The error to show: a missing field, then an unknown one, then the first field in order."""
    order = _FIELDS

    def rank(error: ValidationError) -> tuple[int, int]:
        if not error.path:
            return (0 if error.validator == "required" else 1, 0)
        return (2, order.index(str(error.path[0])) if error.path[0] in _FIELDS else len(order))

    return min(errors, key=rank, default=None)


def _explain(error: ValidationError, schema: Mapping[str, Any], raw: dict[str, Any]) -> str:
    if not error.path and error.validator == "required":
        missing = next(name for name in _FIELDS if name not in raw)
        return f"the snapshot's state is incomplete: `{missing}` is missing"
    if not error.path:
        unknown = sorted(str(name) for name in raw if name not in _FIELDS)
        return f"the snapshot's state has a field this engine does not know: `{unknown[0]}`"
    name = str(error.path[0])
    shown = json.dumps(raw[name], ensure_ascii=False)
    shown = shown if len(shown) <= 60 else shown[:57] + "..."
    expected = schema["properties"][name]["description"]
    return f"the snapshot's state is not valid: `{name}` must be {expected}, not {shown}"


def canonical(payload: Mapping[str, Any]) -> str:
    """The snapshot as the one JSON text that is measured and signed (sorted keys, compact);
    refuses what JSON cannot carry (objects, NaN, infinities, keys of mixed types) and
    values nested too deep. For plain JSON data it is the text earlier versions signed."""
    try:
        return json.dumps(payload, allow_nan=False, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    except (TypeError, ValueError) as error:
        raise SnapshotError(f"the snapshot is not plain JSON data: {error}") from None
    except RecursionError:
        raise SnapshotError("the snapshot nests its values too deeply to be JSON data") from None


# Where orjson writes a number otherwise than `json.dumps`: below 1e-4 (0.00001 for 1e-05,
# 1e-7 for 1e-07); orjson 3.10 also wrote 1e16 for 1e+16 (3.13 does not): with such an
# orjson, every exponent is looked for. A text that holds the same characters only takes the
# slow way. Two searches that start with a literal: an alternation is searched 30 times slower.
_SMALL_NUMBER = re.compile(rb"0\.0000")
_SHORT_EXPONENT = re.compile(rb"e-[0-9](?![0-9])" if orjson.dumps(1e16) == b"1e+16" else rb"e-?[0-9]")
_QUICK = orjson.OPT_SORT_KEYS | orjson.OPT_PASSTHROUGH_SUBCLASS | orjson.OPT_PASSTHROUGH_DATETIME
_QUICK |= orjson.OPT_PASSTHROUGH_DATACLASS


def quick_canonical(payload: Mapping[str, Any]) -> bytes | None:
    """`canonical(payload)` in UTF-8, written by orjson (written, checked and read back in
    about half the time `json.dumps` takes) when that is sure to be the same text: the payload
    is plain JSON data (the text reads back as the payload itself: no NaN written as null, no
    object orjson knows and `json.dumps` refuses), holds no number orjson writes otherwise, and
    is within the size of a snapshot. None when it is not: `canonical` then writes the text,
    or says why there is none."""
    try:
        text = orjson.dumps(payload, option=_QUICK)
    except orjson.JSONEncodeError:  # not plain data, a 65-bit integer, nested too deep...
        return None
    if len(text) > MAX_SNAPSHOT_BYTES or _SMALL_NUMBER.search(text) or _SHORT_EXPONENT.search(text):
        return None
    return text if orjson.loads(text) == payload else None


def _dump(payload: Mapping[str, Any]) -> bytes:
    """The canonical text of a payload this engine made, to be signed."""
    return quick_canonical(payload) or canonical(payload).encode()


def _parse(text: bytes, given: type) -> Any:
    """The data of a snapshot's text: numbers as `json.loads` reads them, and none that JSON
    cannot carry (NaN, infinity)."""
    try:
        if _LONG_INTEGER not in text.translate(_DIGITS_AS_ZEROS):
            return orjson.loads(text)
        return json.loads(text, parse_constant=_not_a_number, parse_float=_finite)
    except (ValueError, RecursionError) as error:
        raise SnapshotError(
            f"a snapshot is a JSON object (a map), not {given.__name__}: this text is not JSON ({error})"
        ) from None


def _not_a_number(text: str) -> float:
    raise ValueError(f"{text} is not a JSON number")


def _finite(text: str) -> float:
    number = float(text)
    if not math.isfinite(number):
        raise ValueError(f"{text} is too large a number")
    return number


def _sign(secret: bytes, text: str | bytes) -> str:
    return hmac.new(secret, text if isinstance(text, bytes) else text.encode(), hashlib.sha256).hexdigest()
