"""`Engine`: a loaded, checked and compiled pack that starts and resumes sessions, and holds
the host's effect handlers."""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from contextlib import suppress
from functools import partial
from pathlib import Path
from typing import Any

from callguide import collector, i18n, wrapup
from callguide.answers import Options
from callguide.check import check_pack
from callguide.clock import Clock, SystemClock
from callguide.compile import CompiledPack, CompiledSteps, compile_pack
from callguide.context import RESERVED_INPUTS, Contexts, choices
from callguide.effects import Handler
from callguide.expr import prepare
from callguide.interpreter import Turn
from callguide.model import EMPTY, Pack
from callguide.owned import owned
from callguide.problems import FlowError, FlowRuntimeError, InputError, Problem, RenderError, SnapshotError, UsageError
from callguide.session import Session
from callguide.snapshot import Snapshots
from callguide.state import WRAPUP_STEPS, State


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
        self.contexts = Contexts(compiled, self.environment)
        for language in pack.all_languages:  # read once per process, now rather than at the first refusal
            i18n.catalog(language)

    @classmethod
    def load(cls, path: str | Path, *, cache: bool = False, **options: Any) -> Engine:
        """Read, check and compile a pack; `FlowError` lists every problem found. With
        `cache`, an unchanged pack's checked model comes from the check cache."""
        # with `cache`, an unchanged pack's model comes from the cache without importing the
        # checker's stages (jsonschema, every checker): `callguide.check` imports them on demand
        # the model and the machines live as long as the engine: no garbage to look for, and
        # one pause, not one for the check (or the cache) and one for compiling: the first
        # collection after a pause walks every object made during it
        with collector.paused():
            result = check_pack(Path(path), cache=cache)
            if result.errors or result.pack is None:
                raise FlowError(result.problems)
            compiled = compile_pack(result.pack)
            # what the first call after loading made, cold; not in a big pack, whose steps
            # are compiled as calls reach them so that a load does not pay for all of them
            small = not any(isinstance(flow.steps, CompiledSteps) for flow in compiled.flows.values())
            if small:
                prepare(compiled.texts.made)
            engine = cls(compiled, problems=tuple(result.problems), **options)
            if small:
                engine._label_once()
        return engine

    def _label_once(self) -> None:
        """Make now what calls make once of the pack's labels, on first use: the rule events
        each flow shows, the wrap-up's reasons, queues, labels and questions, the options of the
        steps whose options never change, and the spellings an answer picks them by. The
        first call after loading made them, cold (a Bboxx call: about 0.1 ms of its 1.4).

        Each is kept only where it is the same in every call, so making it here, with no
        call, keeps what the first call would have kept; a label that reads the call renders
        with nothing to read, may fail, and is not kept: left to each call, as before."""
        pack, contexts = self.pack, self.contexts
        catalog = pack.call_end_catalog
        for language in pack.all_languages:
            # what a constant rule label may read (`context.CALL_CONSTANTS`)
            constants = {"env": pack.environments.get(self.environment, EMPTY), "lang": language}
            made: list[Callable[[], object]] = [
                partial(contexts.events, constants, language, name, self.environment) for name in self.compiled.flows
            ]
            made += [
                partial(choices, step, constants, language)
                for flow in self.compiled.flows.values()
                for step in flow.steps.values()
                if step.options and step.fixed_options is not None
            ]
            made += [partial(contexts.literal_label, key, language) for key in self.compiled.labels]
            if catalog is not None:
                made += [
                    partial(contexts.choices, kind, keys, constants, language)
                    for kind, keys in (("reason", catalog.reasons), ("queue", catalog.queues))
                ]
                made += [partial(wrapup.question, contexts, step, constants, language) for step in WRAPUP_STEPS]
            for make in made:
                with suppress(RenderError):
                    found = make()
                    if isinstance(found, Options):
                        _ = found.spellings

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
        inputs = owned(dict(context or {}))  # the call's own: nothing the host changes afterwards reaches it
        if not RESERVED_INPUTS.isdisjoint(inputs):  # no set made of the inputs at every start
            clash = sorted(RESERVED_INPUTS & set(inputs))
            raise InputError(f"`{clash[0]}` is provided by the engine; it cannot be passed in the context")
        inputs.setdefault("agent", {})
        compiled_flow = self.compiled.flows[flow]
        missing = [name for name in compiled_flow.flow.inputs if name not in inputs]
        if missing:
            raise InputError(f"flow `{flow}` needs `{missing[0]}` in the context")
        chosen = language or pack.language
        if language and chosen not in pack.all_languages:  # the pack's own is one of them
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
        turn = Turn(self, state, now=now)
        speaking = i18n.use(chosen)  # the engine's messages in the call's language
        try:
            if compiled_flow.access:
                condition, message = compiled_flow.access
                if not condition.test(turn.context()):
                    raise InputError(message.render(turn.context(), chosen))
            turn.enter(compiled_flow.flow.start)
        except RenderError as error:
            raise FlowRuntimeError(str(error)) from None
        finally:
            i18n.LANGUAGE.reset(speaking)
        return Session(self, turn.state, turn.cached_context())

    def resume(self, data: Mapping[str, Any] | str | bytes) -> Session:
        """A session from `Session.snapshot()`, or from the text of `Session.snapshot_text()`,
        in this or another process. The agent's access to every flow on the call's stack is
        checked again, as at the start."""
        snapshots = self.snapshots
        state = snapshots.read_text(data) if isinstance(data, str | bytes) else snapshots.read(data)
        context = self.contexts.build(state, self.clock.now())
        for flow, _ in state.stack:
            access = self.compiled.flows[flow].access
            if access is not None and not access[0].test(context):
                refusal = access[1].render(context, state.language)
                raise SnapshotError(f"the call is in flow `{flow}`, which this agent may not run: {refusal}")
        return Session(self, state, context)  # the context of the state: the first move takes it up
