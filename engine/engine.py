"""`Engine`: a loaded, checked and compiled pack that starts and resumes sessions."""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from callguide.check import check_pack
from callguide.clock import Clock, SystemClock
from callguide.compile import CompiledPack, compile_pack
from callguide.entities import TASK_ACTIONS
from callguide.model import EMPTY, Pack, Worklist
from callguide.problems import FlowError, FlowRuntimeError, InputError, Problem, RenderError, SnapshotError, UsageError
from callguide.session import Handler, PhraseBook, Session, Turn
from callguide.snapshot import Snapshots
from callguide.state import State, set_path

RESERVED_INPUTS = frozenset({"now", "today", "env", "phrases", "pack", "flow", "rules", "lang", "call"})


class Engine:
    """Runs the flows of one pack. Build it with `Engine.load(path)`.

    `handlers` answer effects (`{"sms.send": fn}`; a handler takes an `EffectRequest`,
    returns a JSON-able result or raises `EffectFailed`); effects without a handler wait
    in the session until the host calls `Session.resolve` or `Session.fail`.

    Snapshots are signed with `secret` (give every host that resumes the calls the same
    one), or with a key of this process when there is none. `trust_unsigned=True` resumes
    unsigned snapshots too: only where whoever holds a snapshot may not gain by editing it.
    """

    def __init__(
        self,
        compiled: CompiledPack,
        *,
        clock: Clock | None = None,
        handlers: Mapping[str, Handler] | None = None,
        environment: str | None = None,
        secret: bytes | None = None,
        trust_unsigned: bool = False,
        problems: tuple[Problem, ...] = (),
    ) -> None:
        pack = compiled.pack
        self.compiled = compiled
        self.clock: Clock = clock or SystemClock()
        self.handlers: dict[str, Handler] = dict(handlers or {})
        self.snapshots = Snapshots.of(compiled, secret, trust_unsigned)
        self.problems = problems
        if environment and environment not in pack.environments:
            raise UsageError(
                f"pack `{pack.name}` has no environment `{environment}` (it has: {', '.join(pack.environments) or 'none'})"
            )
        self.environment = environment or next(iter(pack.environments), "")
        self.timezone = ZoneInfo(pack.timezone)
        saved = [name for flow in pack.flows.values() for step in flow.steps.values() for name in step.stores]
        self._blank_vars = dict.fromkeys(sorted({name.split(".")[0] for name in saved}))
        self._parts: dict[str, list[str]] = {}
        for name in saved:
            head, _, rest = name.partition(".")
            if rest:
                self._parts.setdefault(head, []).append(rest)
        self._no_counts = {name: {"count": 0, "warnings": rule.rule.warnings} for name, rule in compiled.rules.items()}
        pack_info = {"name": pack.name, "title": pack.title, "language": pack.language}
        self._static = {**compiled.env.globals, "pack": pack_info, **self._blank_vars, "rules": self._no_counts}
        self._events: dict[str, tuple[dict[str, str], ...]] = {}
        self._options: dict[tuple[str, str], list[dict[str, str]]] = {}
        self._flow_info = {name: {"name": name, "title": flow.flow.title} for name, flow in compiled.flows.items()}

    @classmethod
    def load(cls, path: str | Path, *, cache: bool = False, **options: Any) -> Engine:
        """Read, check and compile a pack; `FlowError` lists every problem found. With
        `cache`, an unchanged pack's checked model comes from the check cache."""
        result = check_pack(Path(path), cache=cache)
        if result.errors or result.pack is None:
            raise FlowError(result.problems)
        return cls(compile_pack(result.pack), problems=tuple(result.problems), **options)

    @property
    def pack(self) -> Pack:
        return self.compiled.pack

    def handle(self, effect: str, handler: Handler) -> None:
        self.handlers[effect] = handler

    def handler(self, effect: str) -> Handler | None:
        found = self.handlers.get(effect)
        if found is None and effect.startswith("lookup."):
            return self.handlers.get("lookup")
        return found

    # --- sessions ------------------------------------------------------------------------

    def start(
        self,
        flow: str,
        context: Mapping[str, Any] | None = None,
        *,
        language: str | None = None,
        call_id: str | None = None,
    ) -> Session:
        """A new call in `flow`; `context` holds `agent` and the flow's `input` (customer, task...)."""
        pack = self.pack
        if flow not in self.compiled.flows:
            raise InputError(
                f"pack `{pack.name}` has no flow `{flow}` (flows: {', '.join(sorted(self.compiled.flows))})"
            )
        inputs = dict(context or {})
        clash = sorted(RESERVED_INPUTS & set(inputs))
        if clash:
            raise InputError(f"`{clash[0]}` is provided by the engine; it cannot be passed in the context")
        inputs.setdefault("agent", {})
        compiled_flow = self.compiled.flows[flow]
        missing = [name for name in compiled_flow.flow.inputs if name not in inputs]
        if missing:
            raise InputError(f"flow `{flow}` needs `{missing[0]}` in the context")
        chosen = language or pack.language
        if chosen not in pack.all_languages:
            raise InputError(f"pack `{pack.name}` speaks {', '.join(pack.all_languages)}, not `{chosen}`")
        now = self.clock.now()
        state = State(
            call_id=call_id or os.urandom(16).hex(),
            started=now.isoformat(),
            language=chosen,
            environment=self.environment,
            inputs=inputs,
            vars={},
            stack=[[flow, compiled_flow.flow.start]],
        )
        session = Session(self, state)
        turn = Turn(session, state)
        try:
            if compiled_flow.access:
                condition, message = compiled_flow.access
                if not condition.test(turn.context()):
                    raise InputError(message.render(turn.context(), chosen))
            turn.enter(compiled_flow.flow.start)
        except RenderError as error:
            raise FlowRuntimeError(str(error)) from None
        return Session(self, turn.state)

    def resume(self, data: Mapping[str, Any]) -> Session:
        """A session from `Session.snapshot()`, in this or another process. The agent's
        access to every flow on the call's stack is checked again, as at the start."""
        state = self.snapshots.read(data)
        context = self.context(state, self.clock.now())
        for flow, _ in state.stack:
            access = self.compiled.flows[flow].access
            if access is not None and not access[0].test(context):
                refusal = access[1].render(context, state.language)
                raise SnapshotError(f"the call is in flow `{flow}`, which this agent may not run: {refusal}")
        return Session(self, state)

    def blank_record(self, head: str) -> dict[str, Any]:
        """`caller` before its first part is saved: every part the flows save, as None."""
        record: dict[str, Any] = {}
        for part in self._parts.get(head, ()):
            if part.split(".")[0] not in record:
                set_path(record, part, None)
        return record

    # --- what sessions read --------------------------------------------------------------

    def context(self, state: State, now: datetime) -> dict[str, Any]:
        """What texts and conditions read. Built once per move: this is the hot path."""
        context = self._static.copy()
        context.update(state.inputs)
        context.update(state.vars)
        local = now.astimezone(self.timezone)
        context["now"] = local
        context["today"] = local.date()
        context["env"] = self.pack.environments.get(state.environment, EMPTY)
        context["flow"] = self._flow_info[state.flow]
        context["call"] = {"id": state.call_id, "started": state.started, "language": state.language}
        context["lang"] = state.language
        if state.counters:
            counts = {name: len(times) for name, times in state.counters.items()}
            context["rules"] = {
                name: {"count": counts.get(name, 0), "warnings": info["warnings"]}
                for name, info in self._no_counts.items()
            }
        context["phrases"] = PhraseBook(self.compiled.phrases, context, state.language)
        return context

    def events(self, context: dict[str, Any], language: str) -> tuple[dict[str, str], ...]:
        """The rule events the agent may raise, with their labels (made once when literal)."""
        found = self._events.get(language)
        if found is None:
            found = tuple(
                {"name": name, "label": rule.label.render(context, language)}
                for name, rule in self.compiled.rules.items()
            )
            if all(rule.label.is_literal for rule in self.compiled.rules.values()):
                self._events[language] = found
        return found

    def flow_info(self, flow: str) -> dict[str, str]:
        return self._flow_info[flow]

    def label(self, key: str, context: dict[str, Any], language: str) -> str:
        text = self.compiled.labels.get(key)
        return text.render(context, language) if text else key.split(":", 1)[-1]

    def options(self, kind: str, keys: Iterable[str], context: dict[str, Any], language: str) -> list[dict[str, str]]:
        """The wrap-up's reasons or queues with their labels (made once when literal)."""
        found = self._options.get((kind, language))
        if found is None:
            found = [{"key": key, "label": self.label(f"{kind}:{key}", context, language)} for key in keys]
            texts = [self.compiled.labels.get(f"{kind}:{key}") for key in keys]
            if all(text is None or text.is_literal for text in texts):
                self._options[(kind, language)] = found
        return [dict(option) for option in found]

    def wrapup_spec(self, state: State, context: dict[str, Any] | None = None) -> dict[str, Any]:
        """The current question of the end-of-call form."""
        catalog = self.pack.call_end_catalog
        assert catalog is not None
        context = context if context is not None else self.context(state, self.clock.now())
        language = state.language
        reason = catalog.reasons.get(state.wrapup.get("reason") or "")
        step = state.wrapup_step
        if step == "reason":
            options = self.options("reason", catalog.reasons, context, language)
            return {
                "step": "reason",
                "type": "choice",
                "options": options,
                "default": state.end_reason,
                "title": catalog.title,
            }
        if step == "close":
            preset = state.close_hint if self._preset_applies(state) else None
            if preset is None:
                preset = reason.close if reason else None
            return {"step": "close", "type": "yes_no", "default": preset}
        if step == "queue":
            options = self.options("queue", catalog.queues, context, language)
            return {"step": "queue", "type": "choice", "options": options, "default": reason.queue if reason else None}
        required = catalog.description == "required" or (reason is not None and reason.description == "required")
        if reason is not None and reason.description == "optional":
            required = False
        text = state.description_hint if self._preset_applies(state) else None
        return {"step": "description", "type": "text", "required": required, "default": text}

    @staticmethod
    def _preset_applies(state: State) -> bool:
        """An end's close / description presets go with its reason, not with one the agent picks instead."""
        return state.hint_reason is None or state.wrapup.get("reason") == state.hint_reason

    def worklist(self, task: Any, state: State) -> Worklist | None:
        """The worklist a task belongs to: named by the task, or the one running the call's flow."""
        pack = self.pack
        name = str(task.get("worklist")) if isinstance(task, dict) else ""
        if name in pack.worklists:
            return pack.worklists[name]
        owners = [w for w in pack.worklists.values() if w.flow == state.first_flow]
        return owners[0] if owners else None

    def record(self, state: State) -> dict[str, Any]:
        """The call record of an ended call, worked out from its state: who, when, which flow
        and version, what was said and done."""
        catalog = self.pack.call_end_catalog
        assert catalog is not None and state.ended_at is not None
        context = self.context(state, datetime.fromisoformat(state.ended_at))
        wrapup = state.wrapup
        reason = wrapup.get("reason")
        queue = wrapup.get("queue")
        queues = self.pack.environments.get(state.environment, {}).get("queues", {})
        top = state.first_flow
        started = datetime.fromisoformat(state.started)
        ended = datetime.fromisoformat(state.ended_at)
        record: dict[str, Any] = {
            "call_id": state.call_id,
            "pack": self.pack.name,
            "flow": top,
            "flow_version": self.compiled.flows[top].flow.digest[:16],
            "environment": state.environment,
            "language": state.language,
            "agent": state.inputs.get("agent", {}),
            "input": {key: value for key, value in state.inputs.items() if key != "agent"},
            "started": state.started,
            "ended": state.ended_at,
            "duration_seconds": round((ended - started).total_seconds(), 3),
            "outcome": state.outcome,
            "path": [entry for entry in state.path if "~" not in entry],  # without desugared branch steps
            "answers": dict(state.vars),
            "events": list(state.events),
            "effects": [*state.effects, *map(_performed_in_failed_move, state.unsettled)],
            "reason": reason,
            "reason_label": self.label(f"reason:{reason}", context, state.language) if reason else None,
            "close": bool(wrapup.get("close")),
            "queue": queue,
            "queue_name": queues.get(queue) if isinstance(queues, Mapping) and queue else None,
            "description": wrapup.get("description") or "",
        }
        task = state.vars.get("task") or state.inputs.get("task")
        worklist = self.worklist(task, state)
        if worklist is not None and isinstance(task, dict):
            acted = any(
                e["name"].partition(".")[2] in TASK_ACTIONS and e["name"].startswith("task.") and e.get("ok")
                for e in state.effects
            )
            # `applied`: the flow already moved the task on itself; the host must not do it again
            record["task"] = {
                "id": task.get("id"),
                "worklist": worklist.name,
                "action": "applied" if acted else worklist.outcomes.get(state.outcome or "", "keep"),
                "state": task,
            }
        return record


def _performed_in_failed_move(entry: dict[str, Any]) -> dict[str, Any]:
    """An effect the host performed in a move that failed, and the call never asked again."""
    shown = {key: value for key, value in entry.items() if key not in ("flow", "result")}
    return {**shown, "ok": True, "result": entry["result"], "move_failed": True}
