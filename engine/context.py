"""The render context: what a flow's texts and conditions read, built from the call's state.

`Contexts` is made once per engine (what never changes: the pack, the sandbox's globals,
the names the flows save, labels that are literal) and builds one context per move: the
hot path. `choices` are a step's options as the agent sees them in that context.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from callguide import answers
from callguide.compile import CompiledOption, CompiledPack, CompiledStep
from callguide.model import EMPTY
from callguide.problems import FlowRuntimeError
from callguide.state import State, set_path
from callguide.texts import LocalText

# what the engine puts in the context itself; a host's context may not name them
RESERVED_INPUTS = frozenset({"now", "today", "env", "phrases", "pack", "flow", "rules", "lang", "call"})
# what a context shows the same in every call of the same environment and language: the
# context's own names, which no answer can hide (`pack`, beneath the answers, is not one)
CALL_CONSTANTS = frozenset({"env", "lang"})


class RenderContext(dict[str, Any]):
    """What a move's texts and conditions read, in layers: the move's own names (the dict
    itself: the flow, the call...) over the call's answers and inputs, read through where
    the state holds them (a move changes the answers in place, and a failed move puts them
    back: the context always shows the state's), over the names the pack gives every call
    (the sandbox's globals, the pack, every answer name as None until saved) and, in a
    call's context, over its clock (`MoveClock`). Nothing is copied: building a context
    costs the move's own names, not the call's answers nor the pack's, and a live session
    holds no second copy of them.

    Reading (`[]`, `get`, `in`) sees every layer; so do iterating and `{**context}` (the
    merged view is made then: rare). Writing and deleting touch the own layer only."""

    __slots__ = ("layers",)

    def __init__(self, own: Mapping[str, Any], *layers: Mapping[str, Any]) -> None:
        super().__init__(own)
        self.layers = layers  # searched in order after the own names

    def __missing__(self, name: str) -> Any:
        for layer in self.layers:
            found = layer.get(name, _ABSENT)
            if found is not _ABSENT:
                return found
        raise KeyError(name)

    def __contains__(self, name: object) -> bool:
        return dict.__contains__(self, name) or any(name in layer for layer in self.layers)

    def get(self, name: str, default: Any = None) -> Any:
        found = dict.get(self, name, _ABSENT)
        if found is not _ABSENT:
            return found
        for layer in self.layers:
            found = layer.get(name, _ABSENT)
            if found is not _ABSENT:
                return found
        return default

    def merged(self) -> dict[str, Any]:
        every: dict[str, Any] = {}
        for layer in reversed(self.layers):
            every.update(layer.items())
        every.update(dict.items(self))
        return every

    def __iter__(self) -> Iterator[str]:
        return iter(self.merged())

    def __len__(self) -> int:
        return len(self.merged())

    def keys(self) -> Any:
        return self.merged().keys()

    def items(self) -> Any:
        return self.merged().items()

    def values(self) -> Any:
        return self.merged().values()


_ABSENT = object()


class MoveClock(Mapping[str, Any]):
    """`now` and `today` in the pack's time zone, worked out when a text first reads them: the
    instant changes at every move, and most moves read neither (a time zone's conversion and a
    date made at every move cost a tenth of a trigger). The last layer of a call's context,
    beneath every other: no layer above hides it, since its names are reserved (no input
    nor saved answer may take them)."""

    __slots__ = ("_local", "_now", "_timezone")

    def __init__(self, timezone: ZoneInfo, now: datetime) -> None:
        self._timezone = timezone
        self.set(now)

    def set(self, now: datetime) -> None:
        self._now = now
        self._local: datetime | None = None

    def _local_now(self) -> datetime:
        local = self._local
        if local is None:
            local = self._local = self._now.astimezone(self._timezone)
        return local

    def get(self, name: str, default: Any = None) -> Any:
        if name == "now":
            return self._local_now()
        if name == "today":
            return self._local_now().date()
        return default

    def __getitem__(self, name: str) -> Any:
        found = self.get(name, _ABSENT)
        if found is _ABSENT:
            raise KeyError(name)
        return found

    def __iter__(self) -> Iterator[str]:
        return iter(("now", "today"))

    def __len__(self) -> int:
        return 2


class CallContext(RenderContext):
    """A call's context, kept by its session from move to move: the clock is set at each."""

    __slots__ = ("clock",)

    def __init__(self, clock: MoveClock, *layers: Mapping[str, Any]) -> None:
        super().__init__({}, *layers, clock)
        self.clock = clock


class PhraseBook(Mapping[str, str]):
    """`phrases.name` in a text: the phrase rendered in the same context, on demand."""

    __slots__ = ("_context", "_language", "_phrases", "_rendering")

    def __init__(self, phrases: Mapping[str, LocalText], context: dict[str, Any], language: str) -> None:
        self._phrases = phrases
        self._context = context
        self._language = language
        # the phrases being rendered (one using another); made on first use: every live
        # session's context holds a phrase book, few of them ever render a phrase
        self._rendering: set[str] | None = None

    def __getitem__(self, name: str) -> str:
        phrase = self._phrases[name]
        rendering = self._rendering
        if rendering is None:
            rendering = self._rendering = set()
        if name in rendering:
            raise FlowRuntimeError(f"phrase `{name}` uses itself")
        rendering.add(name)
        try:
            return phrase.render(self._context, self._language)
        finally:
            rendering.discard(name)

    def __iter__(self) -> Iterator[str]:
        return iter(self._phrases)

    def __len__(self) -> int:
        return len(self._phrases)


class Contexts:
    """Builds the render context of a call, and what the view shows of the pack's labels."""

    def __init__(self, compiled: CompiledPack, environment: str) -> None:
        pack = compiled.pack
        self.compiled = compiled
        self.environment = environment
        self.timezone = ZoneInfo(pack.timezone)
        saved = [name for flow in pack.flows.values() for step in flow.steps.values() for name in step.stores]
        self._parts: dict[str, list[str]] = {}
        for name in saved:
            head, _, rest = name.partition(".")
            if rest:
                self._parts.setdefault(head, []).append(rest)
        blank_vars = dict.fromkeys(sorted({name.split(".")[0] for name in saved}))
        self._no_counts = {name: {"count": 0, "warnings": rule.rule.warnings} for name, rule in compiled.rules.items()}
        pack_info = {"name": pack.name, "title": pack.title, "language": pack.language}
        self._static = {**compiled.env.globals, "pack": pack_info, **blank_vars, "rules": self._no_counts}
        self._events: dict[tuple[str, str, str], tuple[dict[str, str], ...]] = {}
        # the rules whose labels every call of an environment and language sees the same
        # (`Not covered - call {{ env.names.supervisor }}`): their events are made once
        self._constant_labels = frozenset(
            name for name, rule in compiled.rules.items() if rule.label.reads_only(CALL_CONSTANTS)
        )
        self._choices: dict[tuple[str, str], tuple[answers.Options, tuple[dict[str, str], ...]]] = {}
        self._literal_labels: dict[tuple[str, str], str | None] = {}
        # the wrap-up's questions that read nothing, by question and language (`wrapup.question`)
        self.questions: dict[tuple[str, str], str] = {}
        self._flow_info = {name: {"name": name, "title": flow.flow.title} for name, flow in compiled.flows.items()}

    def build(self, state: State, now: datetime) -> CallContext:
        """What texts and conditions read as the call stands at `now`. A session keeps the
        one its moves build: each move sets its clock and changes what it saves."""
        context = CallContext(MoveClock(self.timezone, now), state.vars, state.inputs, self._static)
        context["env"] = self.compiled.pack.environments.get(state.environment, EMPTY)
        context["flow"] = self._flow_info[state.flow]
        context["call"] = {"id": state.call_id, "started": state.started, "language": state.language}
        context["lang"] = state.language
        if state.counters:
            context["rules"] = self.rules(state)
        context["phrases"] = PhraseBook(self.compiled.phrases, context, state.language)
        return context

    def rules(self, state: State) -> dict[str, dict[str, Any]]:
        """`rules.<name>.count` and `.warnings` as the call stands: the pack's map of no counts
        when the call has none, else a copy of it with the counted rules' entries replaced
        (the others shared: texts read them, the sandbox changes no map)."""
        if not state.counters:
            return self._no_counts
        rules = self._no_counts.copy()
        for name, times in state.counters.items():
            info = rules.get(name)
            if times and info is not None:
                rules[name] = {"count": len(times), "warnings": info["warnings"]}
        return rules

    def blank_record(self, head: str) -> dict[str, Any]:
        """`caller` before its first part is saved: every part the flows save, as None."""
        record: dict[str, Any] = {}
        for part in self._parts.get(head, ()):
            if part.split(".")[0] not in record:
                set_path(record, part, None)
        return record

    def flow_info(self, flow: str) -> dict[str, str]:
        return self._flow_info[flow]

    def events(self, context: dict[str, Any], language: str, flow: str, environment: str) -> tuple[dict[str, str], ...]:
        """The rule events the agent may raise in `flow`, with their labels (made once per
        flow, language and environment when the labels read nothing else): new maps every
        time, as the view shows them (a view is its reader's to change)."""
        key = (flow, language, environment)
        found = self._events.get(key)
        if found is None:
            allowed = self.compiled.flows[flow].flow.rules
            rules = {name: rule for name, rule in self.compiled.rules.items() if allowed is None or name in allowed}
            found = tuple({"name": name, "label": rule.label.render(context, language)} for name, rule in rules.items())
            if rules.keys() <= self._constant_labels:
                self._events[key] = found
        return tuple(map(dict.copy, found)) if found else ()

    def label(self, key: str, context: dict[str, Any], language: str) -> str:
        text = self.compiled.labels.get(key)
        return text.render(context, language) if text else key.split(":", 1)[-1]

    def literal_label(self, key: str, language: str) -> str | None:
        """The label when it reads nothing (most do), made once per language; None when it
        reads the call (the record's reason label: made at every call's end)."""
        known = (key, language)
        if known in self._literal_labels:
            return self._literal_labels[known]
        text = self.compiled.labels.get(key)
        found = self.label(key, {}, language) if text is None or text.is_literal else None
        self._literal_labels[known] = found
        return found

    def choices(self, kind: str, keys: Iterable[str], context: dict[str, Any], language: str) -> answers.Options:
        """The wrap-up's reasons or queues with their labels, to pick from."""
        return self._labelled(kind, keys, context, language)[0]

    def options(self, kind: str, keys: Iterable[str], context: dict[str, Any], language: str) -> list[dict[str, str]]:
        """The same as the view shows them: new maps every time (a view is its reader's to change)."""
        return list(map(dict.copy, self._labelled(kind, keys, context, language)[1]))

    def _labelled(
        self, kind: str, keys: Iterable[str], context: dict[str, Any], language: str
    ) -> tuple[answers.Options, tuple[dict[str, str], ...]]:
        """The choices and the maps a view copies, made once when literal: a wrap-up answer
        picks from them, a wrap-up view shows them, and a choice is slow to make."""
        found = self._choices.get((kind, language))
        if found is None:
            keys = tuple(keys)
            choices = answers.Options(
                answers.Choice(key, self.label(f"{kind}:{key}", context, language)) for key in keys
            )
            found = choices, tuple({"key": choice.key, "label": choice.label} for choice in choices)
            texts = [self.compiled.labels.get(f"{kind}:{key}") for key in keys]
            if all(text is None or text.is_literal for text in texts):
                self._choices[(kind, language)] = found
        return found


def choices(
    step: CompiledStep, context: dict[str, Any], language: str, named: str | None = None
) -> Sequence[answers.Choice]:
    """A step's options as the agent sees them now (as `Options`, which `pick` finds
    spellings in at once). `named`: an answer as `pick` folds it; where the options read the
    call and one has that key, the first such alone, which `pick` takes before any other
    (one option rendered, not every one: its `if`, its label, why it is greyed out)."""
    fixed = step.fixed_options
    if fixed is not None and language in fixed:
        return fixed[language]
    if fixed is None and named is not None:
        for option in step.options:
            if option.key.casefold() == named:
                return answers.Options((answers.Choice(*_labelled(option, context, language)),))
    options = answers.Options(answers.Choice(*option) for option in labelled(step, context, language))
    if fixed is not None:
        fixed[language] = options
    return options


def labelled(step: CompiledStep, context: dict[str, Any], language: str) -> Iterator[tuple[str, str, str | None]]:
    """A step's options as they stand now: key, label, and why it is greyed out where its
    `if` fails (else None)."""
    for option in step.options:
        yield _labelled(option, context, language)


def _labelled(option: CompiledOption, context: dict[str, Any], language: str) -> tuple[str, str, str | None]:
    disabled = None
    if option.condition is not None and not option.condition.test(context):
        disabled = option.disabled.render(context, language) if option.disabled else "not available now"
    return option.key, option.label.render(context, language), disabled
