"""Schema-valid documents -> the frozen model, each object with its source position.

Only files that passed their schema come here, so the shapes are known; what the schema
cannot say (which keys make which step kind) is reported as problems on the way.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from functools import cache
from types import MappingProxyType
from typing import Any

from callguide.clock import seconds
from callguide.load.files import SourceFile
from callguide.load.yaml_source import Document, Path
from callguide.model import (
    ANSWER_KINDS,
    BELONGS_TO_DO,
    STEP_OF_KIND,
    Access,
    Action,
    Answer,
    AskStep,
    Attempts,
    Calendar,
    Case,
    Catalog,
    Condition,
    Flow,
    Forbidden,
    Lifecycle,
    LifecycleTransition,
    Option,
    Pack,
    Reason,
    Rule,
    Schedule,
    Step,
    StepKind,
    Text,
    Warning,
    Worklist,
    keys_of,
    step_keys,
)
from callguide.problems import Pos, Problem
from msgspec import Struct

_WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
SPEAKING: tuple[StepKind, ...] = ("say", "ask", "do", "call", "end")  # the keys that make a step's kind, `next` aside


def frozen(mapping: Mapping[str, Any]) -> Mapping[str, Any]:
    return MappingProxyType(dict(mapping))


class Builder:
    """Builds the model objects of one document; collects what does not fit a step kind."""

    def __init__(self, document: Document, language: str, problems: list[Problem], digest: str = "") -> None:
        self.doc = document
        self.digest = digest
        self.language = language
        self.problems = problems

    def pos(self, path: Path, key: bool = False) -> Pos:
        return self.doc.pos(path, key=key)

    def problem(self, path: Path, code: str, message: str, key: bool = True) -> None:
        self.problems.append(Problem(self.pos(path, key), "error", code, message))

    def text(self, value: Any, path: Path) -> Text:
        if isinstance(value, dict):
            return Text(tuple((lang, str(text)) for lang, text in value.items()), self.pos(path))
        return Text(((self.language, str(value)),), self.pos(path))

    def maybe_text(self, value: Any, path: Path) -> Text | None:
        return None if value is None else self.text(value, path)

    def condition(self, value: Any, path: Path) -> Condition:
        source = ("true" if value else "false") if isinstance(value, bool) else str(value)
        return Condition(source, self.pos(path))

    def args(self, value: Any, path: Path) -> Mapping[str, Any]:
        return frozen({key: self.arg(item, (*path, key)) for key, item in (value or {}).items()})

    def arg(self, value: Any, path: Path) -> Any:
        if isinstance(value, str):
            return self.text(value, path)
        if isinstance(value, dict):
            return self.args(value, path)
        if isinstance(value, list):
            return tuple(self.arg(item, (*path, index)) for index, item in enumerate(value))
        return value

    # --- flows ------------------------------------------------------------------------

    def flow(self, data: dict[str, Any]) -> Flow:
        steps = {name: self.step(name, spec, ("steps", name)) for name, spec in data["steps"].items()}
        access = data.get("access")
        return Flow(
            name=data["flow"],
            pos=self.pos(("flow",)),
            start=data["start"],
            steps=frozen(steps),
            digest=self.digest,
            title=data.get("title", ""),
            description=data.get("description", ""),
            inputs=tuple(data.get("input", ())),
            access=Access(
                self.condition(access["if"], ("access", "if")),
                self.text(access["message"], ("access", "message")),
            )
            if access
            else None,
            migrate=frozen(data.get("migrate", {})),
            rules=tuple(data["rules"]) if "rules" in data else None,
        )

    def step(self, name: str, spec: dict[str, Any], path: Path) -> Step:
        kinds: list[StepKind] = [kind for kind in SPEAKING if kind in spec]
        if "say" in kinds and len(kinds) > 1:
            kinds.remove("say")  # `say` may introduce an ask, a do, a call or an end
        kind: StepKind
        if len(kinds) > 1:
            listed = " and ".join(f"`{k}`" for k in kinds)
            self.problem(path, "step-kind", f"step `{name}` has both {listed}: split it into one step each")
            kind = kinds[0]
        elif kinds:
            kind = kinds[0]
        elif "next" in spec:
            kind = "branch"
        else:
            self.problem(
                path,
                "step-kind",
                f"step `{name}` does nothing: give it `say`, `ask`, `do`, `call`, `end` or `next`",
            )
            kind = "say"
        answers = [answer for answer in ANSWER_KINDS if answer in spec]
        if kind == "ask" and not answers:
            self.problem(
                (*path, "ask"),
                "step-kind",
                f"question `{name}` needs an answer type: one of {', '.join(ANSWER_KINDS)}",
            )
        if len(answers) > 1:
            self.problem(
                (*path, answers[1]),
                "step-kind",
                f"question `{name}` has two answer types, `{answers[0]}` and `{answers[1]}`",
            )
        if answers and kind != "ask":
            self.problem(
                (*path, answers[0]),
                "step-kind",
                f"`{answers[0]}` gives an answer type, but step `{name}` has no `ask`",
            )
        cls = STEP_OF_KIND[kind]
        for key in step_keys().values():
            if "misplaced" in key.extra and key.name in spec and key.name not in _readers(cls):
                self.problem((*path, key.name), "step-kind", key.extra["misplaced"].format(key=key.name, step=name))
        if kind == "ask" and "on_failure" in spec and "lookup" not in spec:  # a search can fail; a question cannot
            self.problem((*path, "on_failure"), "step-kind", BELONGS_TO_DO.format(key="on_failure"))
        values = self.fields(cls, spec, path)
        if cls is AskStep and answers:
            values["answer"] = self.answer(answers[0], spec, path)
        return cls(id=name, pos=self.pos(path, key=True), places=self.places(spec, path), **values)

    def next(self, value: Any, path: Path) -> tuple[Case, ...]:
        if isinstance(value, str):
            return (Case(pos=self.pos(path), go=value),)
        return tuple(self.case(item, (*path, index)) for index, item in enumerate(value))

    def sets(self, value: dict[str, Any], path: Path) -> Mapping[str, Condition]:
        return frozen({name: self.condition(expr, (*path, name)) for name, expr in (value or {}).items()})

    def warnings(self, value: list[dict[str, Any]], path: Path) -> tuple[Warning, ...]:
        return tuple(Warning(**self.fields(Warning, item, (*path, i))) for i, item in enumerate(value))

    def attempts(self, value: dict[str, Any], path: Path) -> Attempts:
        return Attempts(**self.fields(Attempts, value, path))

    def fields(self, cls: type[Struct], spec: dict[str, Any], path: Path) -> dict[str, Any]:
        """The fields of a model class from its written map, each key read as its field's type says."""
        return {
            field: read(self, spec[key], (*path, key)) for key, (field, read) in _readers(cls).items() if key in spec
        }

    def value(self, value: Any, path: Path) -> Any:
        return value

    def case(self, spec: dict[str, Any], path: Path) -> Case:
        targets = [key for key in ("go", "call", "end") if key in spec]
        if len(targets) != 1:
            said = " and ".join(f"`{t}`" for t in targets) if targets else "none of them"
            self.problem(
                path,
                "branch-target",
                f"a branch leads to exactly one of `go`, `call` or `end`; this one has {said}",
            )
        if "then" in spec and "call" not in spec:
            self.problem(
                (*path, "then"),
                "branch-target",
                "`then` goes with `call`: where to continue after the sub-flow",
            )
        if "call" in spec and "then" not in spec:
            self.problem(
                (*path, "call"),
                "branch-target",
                f"after `call: {spec['call']}` the branch needs `then:` (the step to continue at)",
            )
        return Case(pos=self.pos(path), places=self.places(spec, path), **self.fields(Case, spec, path))

    def places(self, spec: dict[str, Any], path: Path) -> Mapping[str, Pos]:
        return frozen({key: self.pos((*path, key)) for key in spec})

    def answer(self, kind: str, spec: dict[str, Any], path: Path) -> Answer:
        value = spec[kind]
        at = (*path, kind)
        settings = value if isinstance(value, dict) else {}
        if kind in ("choice", "multi"):
            items = value.items() if isinstance(value, dict) else ((str(item), str(item)) for item in value)
            options = tuple(
                self.option(str(key), label, (*at, key) if isinstance(value, dict) else at) for key, label in items
            )
            return Answer(kind, self.pos(at), options=options)  # type: ignore[arg-type]
        if kind == "lookup":
            return Answer(
                "lookup",
                self.pos(at),
                source=value,
                search_by=tuple(spec.get("by", ())),
                show=self.maybe_text(spec.get("show"), (*path, "show")),
            )
        return Answer(
            kind,  # type: ignore[arg-type]
            self.pos(at),
            min_length=settings.get("min_length"),
            max_length=settings.get("max_length"),
            pattern=settings.get("pattern"),
            message=self.maybe_text(settings.get("message"), (*at, "message")),
            minimum=settings.get("min"),
            maximum=settings.get("max"),
            integer=bool(settings.get("integer", False)),
            digits=settings.get("digits"),
            region=settings.get("region"),
            mobile=bool(settings.get("mobile", False)),
        )

    def option(self, key: str, spec: Any, path: Path) -> Option:
        if isinstance(spec, dict) and "label" in spec:
            condition = self.condition(spec["if"], (*path, "if")) if "if" in spec else None
            return Option(
                key,
                self.text(spec["label"], (*path, "label")),
                condition,
                self.maybe_text(spec.get("else"), (*path, "else")),
            )
        return Option(key, self.text(spec, path))

    # --- rules, catalogs, lifecycles, worklists, phrases ------------------------------

    def action(self, spec: dict[str, Any], path: Path) -> Action:
        kinds = [kind for kind in ("say", "do", "transfer", "switch", "end") if kind in spec]
        if len(kinds) != 1:
            said = " and ".join(f"`{k}`" for k in kinds) if kinds else "none of them"
            self.problem(
                path,
                "rule-action",
                f"an action does one of `say`, `do`, `transfer`, `switch` or `end`; this one has {said}",
            )
        kind = kinds[0] if kinds else "say"
        return Action(
            kind=kind,
            pos=self.pos(path),
            text=self.maybe_text(spec.get("say", spec.get("transfer")), (*path, kind)),
            effect=spec.get("do"),
            args=self.args(spec.get("with"), (*path, "with")),
            flow=spec.get("switch"),
            outcome=spec.get("end"),
            reason=spec.get("reason"),
            close=spec.get("close"),
            description=self.maybe_text(spec.get("description"), (*path, "description")),
        )

    def rules(self, data: dict[str, Any]) -> dict[str, Rule]:
        rules = {}
        for name, spec in data["rules"].items():
            path: Path = ("rules", name)
            phrases = spec.get("warning", [])
            phrases = phrases if isinstance(phrases, list) else [phrases]
            then = spec["then"] if isinstance(spec["then"], list) else [spec["then"]]
            then_path = (*path, "then")
            rules[name] = Rule(
                name=name,
                pos=self.pos(path, key=True),
                label=self.text(spec["label"], (*path, "label")),
                warnings=spec.get("warnings", 0),
                phrases=tuple(self.text(phrase, (*path, "warning", i)) for i, phrase in enumerate(phrases)),
                then=tuple(
                    self.action(action, (*then_path, i) if isinstance(spec["then"], list) else then_path)
                    for i, action in enumerate(then)
                ),
                within=seconds(spec["within"]) if "within" in spec else None,
            )
        return rules

    def catalog(self, data: dict[str, Any]) -> Catalog:
        reasons = {
            key: Reason(
                key=key,
                pos=self.pos(("reasons", key), key=True),
                label=self.text(spec["label"], ("reasons", key, "label")),
                close=spec["close"],
                locked=spec.get("locked", False),
                queue=spec.get("queue"),
                description=spec.get("description"),
            )
            for key, spec in data["reasons"].items()
        }
        queues = {key: self.text(label, ("queues", key)) for key, label in data.get("queues", {}).items()}
        return Catalog(
            name=data["catalog"],
            pos=self.pos(("catalog",)),
            reasons=frozen(reasons),
            queues=frozen(queues),
            title=data.get("title", ""),
            description=data.get("description", "optional"),
        )

    def lifecycle(self, data: dict[str, Any]) -> Lifecycle:
        transitions = {}
        for name, spec in data["transitions"].items():
            path: Path = ("transitions", name)
            sources = spec["from"] if isinstance(spec["from"], list) else [spec["from"]]
            transitions[name] = LifecycleTransition(
                name=name,
                pos=self.pos(path, key=True),
                sources=tuple(str(source) for source in sources),
                target=str(spec["to"]),
                label=self.maybe_text(spec.get("label"), (*path, "label")),
                guard=self.condition(spec["if"], (*path, "if")) if "if" in spec else None,
                message=self.maybe_text(spec.get("message"), (*path, "message")),
                comment_required=spec.get("comment") == "required",
                warning=self.maybe_text(spec.get("warning"), (*path, "warning")),
            )
        return Lifecycle(
            name=data["lifecycle"],
            pos=self.pos(("lifecycle",)),
            initial=str(data["initial"]),
            states=frozen({state: self.text(label, ("states", state)) for state, label in data["states"].items()}),
            transitions=frozen(transitions),
            title=data.get("title", ""),
        )

    def worklist(self, data: dict[str, Any]) -> Worklist:
        postpone = data.get("postpone", {})
        return Worklist(
            name=data["worklist"],
            pos=self.pos(("worklist",)),
            flow=data["flow"],
            methods=tuple(data["methods"]),
            title=data.get("title", ""),
            max_attempts=data.get("max_attempts"),
            waiting=data.get("waiting", "waiting"),
            postpone_choices=tuple(seconds(choice) for choice in postpone.get("choices", ())),
            postpone_comment_required=postpone.get("comment") == "required",
            outcomes=frozen(data.get("outcomes", {})),
        )

    def schedule(self, name: str, spec: dict[str, Any]) -> Schedule:
        missed = spec.get("missed") or {}
        return Schedule(
            name=name,
            pos=self.pos(("schedules", name), key=True),
            flow=spec["flow"],
            every=seconds(spec["every"]),
            title=spec.get("title", ""),
            during=spec.get("during", "open"),
            late=seconds(spec["late"]) if "late" in spec else None,
            missed_effect=missed.get("do"),
            missed_args=self.args(missed.get("with"), ("schedules", name, "missed", "with")),
        )

    def phrases(self, data: dict[str, Any]) -> dict[str, Text]:
        return {name: self.text(text, ("phrases", name)) for name, text in data["phrases"].items()}


Reader = Callable[[Builder, Any, Path], Any]
# How a step key's value becomes its field, by the field's type (other types: as written).
READERS: dict[Any, Reader] = {
    Text: Builder.text,
    Condition: Builder.condition,
    Case: Builder.case,
    tuple[Case, ...]: Builder.next,
    Mapping[str, Condition]: Builder.sets,
    tuple[Warning, ...]: Builder.warnings,
    Attempts: Builder.attempts,
    Mapping[str, Any]: Builder.args,
    Any: Builder.arg,  # a `default`: texts in it are templates
}


@cache
def _readers(cls: type[Struct]) -> dict[str, tuple[str, Reader]]:
    """The keys a model class takes, as written -> its field and how it is read."""
    return {key.name: (key.field, READERS.get(key.type, Builder.value)) for key in keys_of(cls)}


# How each file kind becomes model objects: one named object per file, or a map of them.
ONE_PER_FILE: dict[str, Callable[[Builder, dict[str, Any]], Any]] = {
    "flow": Builder.flow,
    "catalog": Builder.catalog,
    "lifecycle": Builder.lifecycle,
    "worklist": Builder.worklist,
}
MANY_PER_FILE: dict[str, Callable[[Builder, dict[str, Any]], dict[str, Any]]] = {
    "rules": Builder.rules,
    "phrases": Builder.phrases,
}


def build_pack(root: str, manifest: SourceFile | None, files: list[SourceFile], problems: list[Problem]) -> Pack | None:
    """The model of a pack from its schema-valid files (`None` without a valid manifest)."""
    if manifest is None:
        return None
    data = manifest.document.data
    language = data["language"]
    at_manifest = Builder(manifest.document, language, problems)
    parts: dict[str, dict[str, Any]] = {
        kind: {} for kind in ("flow", "catalog", "lifecycle", "worklist", "rules", "phrases")
    }

    def add(kind: str, name: str, value: Any, source: SourceFile, path: Path) -> None:
        if name in parts[kind]:
            first = parts[kind][name].pos
            noun = {"rules": "rule", "phrases": "phrase"}.get(kind, kind)
            message = f"a second {noun} named `{name}` (the first is at {first.file}:{first.line})"
            problems.append(Problem(source.document.pos(path, key=True), "error", "duplicate-name", message))
        else:
            parts[kind][name] = value

    for source in files:
        builder = Builder(source.document, language, problems, source.digest)
        content = source.document.data
        if source.kind in ONE_PER_FILE:
            add(source.kind, content[source.kind], ONE_PER_FILE[source.kind](builder, content), source, (source.kind,))
        elif source.kind in MANY_PER_FILE:
            for name, item in MANY_PER_FILE[source.kind](builder, content).items():
                add(source.kind, name, item, source, (source.kind, name))
    calendar = data.get("calendar", {})
    hours = calendar.get("hours", "00:00-24:00").split("-")
    return Pack(
        name=data["pack"],
        pos=at_manifest.pos(("pack",)),
        root=root,
        language=language,
        call_end=data["call_end"],
        title=data.get("title", ""),
        languages=tuple(data.get("languages", ())),
        timezone=data.get("timezone", "UTC"),
        calendar=Calendar(
            workdays=tuple(_WEEKDAYS.index(day) for day in calendar.get("workdays", _WEEKDAYS[:5])),
            opens=hours[0],
            closes=hours[1],
            holidays=tuple(calendar.get("holidays", ())),
        ),
        phone_digits=data.get("phone", {}).get("digits"),
        phone_region=data.get("phone", {}).get("region"),
        outcomes=frozen(
            {key: at_manifest.text(label, ("outcomes", key)) for key, label in data.get("outcomes", {}).items()}
        ),
        effects=frozen({name: tuple(spec.get("args", ())) for name, spec in data.get("effects", {}).items()}),
        lookups=frozen(
            {key: at_manifest.text(label, ("lookups", key)) for key, label in data.get("lookups", {}).items()}
        ),
        forbidden=tuple(
            Forbidden(item["pattern"], item["message"], at_manifest.pos(("forbidden", i, "pattern")))
            for i, item in enumerate(data.get("forbidden", ()))
        ),
        environments=frozen({name: frozen(values) for name, values in data.get("environments", {}).items()}),
        flows=frozen(parts["flow"]),
        rules=frozen(parts["rules"]),
        catalogs=frozen(parts["catalog"]),
        lifecycles=frozen(parts["lifecycle"]),
        worklists=frozen(parts["worklist"]),
        phrases=frozen(parts["phrases"]),
        schedules=frozen({name: at_manifest.schedule(name, spec) for name, spec in data.get("schedules", {}).items()}),
    )
