"""Schema-valid documents -> the frozen model, each object with its source position.

Only files that passed their schema come here, so the shapes are known; what the schema
cannot say (which keys make which step kind) is reported as problems on the way.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from functools import cache
from types import MappingProxyType
from typing import Any, TypeVar, get_args, get_origin

from callguide.clock import seconds
from callguide.load.files import SourceFile
from callguide.load.yaml_source import Document, Path
from callguide.model import (
    ANSWER_KINDS,
    BELONGS_TO_DO,
    FILE_KINDS,
    STEP_OF_KIND,
    Action,
    Answer,
    AskStep,
    Case,
    Condition,
    Forbidden,
    Key,
    Option,
    Pack,
    Seconds,
    Step,
    StepKind,
    Text,
    bare,
    keys_of,
    step_keys,
    written,
)
from callguide.problems import Pos, Problem
from msgspec import Struct
from msgspec.structs import fields

_WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
S = TypeVar("S", bound=Struct)
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

    def step(self, spec: dict[str, Any], path: Path) -> Step:
        name = str(path[-1])
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
        for key in _misplaceable():
            if key.name in spec and key.name not in _readers(cls):
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

    def action(self, spec: dict[str, Any], path: Path) -> Action:
        action = self.struct(Action, spec, path)
        if len(action.kinds) != 1:
            said = " and ".join(f"`{kind}`" for kind in action.kinds) or "none of them"
            self.problem(
                path,
                "rule-action",
                f"an action does one of `say`, `do`, `transfer`, `switch` or `end`; this one has {said}",
            )
        return action

    def struct(self, cls: type[S], spec: dict[str, Any], path: Path, at: Path | None = None, **more: Any) -> S:
        """A model object from its written map: its keys read by their fields' types, and the
        loader's own fields (where it stands, or `at`; its name, in a map of named objects; the
        digest of its file) and `more` (what the loader assembles)."""
        own = _loaders(cls)
        found = self.fields(cls, spec, path)
        named = "name" in own or "key" in own
        if "pos" in own:
            found["pos"] = self.pos(path if at is None else at, key=named)
        if "places" in own:
            found["places"] = self.places(spec, path)
        if named:
            found["key" if "key" in own else "name"] = str(path[-1])
        if "digest" in own:
            found["digest"] = self.digest
        return cls(**found, **more)

    def seconds(self, value: str, path: Path) -> Seconds:
        return Seconds(seconds(value))


Reader = Callable[[Builder, Any, Path], Any]
# How a key's value becomes its field, where the field's type does not say it all.
READERS: dict[Any, Reader] = {
    Text: Builder.text,
    Condition: Builder.condition,
    Seconds: Builder.seconds,
    Case: Builder.case,
    Step: Builder.step,
    Action: Builder.action,
    Forbidden: lambda builder, spec, path: builder.struct(Forbidden, spec, path, (*path, "pattern")),
    tuple[Case, ...]: Builder.next,
    Mapping[str, Any]: Builder.args,
    Any: Builder.arg,  # a `default`: texts in it are templates
}


@cache
def reader(declared: Any) -> Reader:
    """How a value written for a field of type `declared` is read: a model class from its map,
    a tuple from one item or a list of them, a map item by item; anything else as written."""
    if declared in READERS:
        return READERS[declared]
    if isinstance(declared, type) and issubclass(declared, Struct):
        return lambda builder, value, path: builder.struct(declared, value, path)
    if get_origin(declared) is tuple:
        item = reader(bare(get_args(declared)[0]))
        return lambda builder, value, path: (
            tuple(item(builder, one, (*path, index)) for index, one in enumerate(value))
            if isinstance(value, list)
            else (item(builder, value, path),)
        )
    if get_origin(declared) is Mapping:
        value = reader(bare(get_args(declared)[1]))
        return lambda builder, found, path: frozen(
            {name: value(builder, one, (*path, name)) for name, one in found.items()}
        )
    return Builder.value


@cache
def _misplaceable() -> tuple[Key, ...]:
    """The step keys that say where they belong when written in a step of another kind (6 of
    35: each step is held to these only)."""
    return tuple(key for key in step_keys().values() if "misplaced" in key.extra)


@cache
def _loaders(cls: type[Struct]) -> frozenset[str]:
    """The fields of a model class the loader fills, not a key of the file."""
    return frozenset(info.name for info in fields(cls) if not written(info.type))


@cache
def _readers(cls: type[Struct]) -> dict[str, tuple[str, Reader]]:
    """The keys a model class takes, as written -> its field and how it is read."""
    return {key.name: (key.field, reader(key.type)) for key in keys_of(cls)}


# The pack's fields that hold its other files' parts, by file kind.
PARTS = {
    "flow": "flows",
    "catalog": "catalogs",
    "lifecycle": "lifecycles",
    "worklist": "worklists",
    "rules": "rules",
    "phrases": "phrases",
}


def build_pack(root: str, manifest: SourceFile | None, files: list[SourceFile], problems: list[Problem]) -> Pack | None:
    """The model of a pack from its schema-valid files (`None` without a valid manifest)."""
    if manifest is None:
        return None
    language = manifest.document.data["language"]
    parts: dict[str, dict[str, Any]] = {kind: {} for kind in PARTS}

    def add(kind: str, name: str, value: Any, source: SourceFile, path: Path) -> None:
        if name in parts[kind]:
            first = parts[kind][name].pos
            noun = {"rules": "rule", "phrases": "phrase"}.get(kind, kind)
            message = f"a second {noun} named `{name}` (the first is at {first.file}:{first.line})"
            problems.append(Problem(source.document.pos(path, key=True), "error", "duplicate-name", message))
        else:
            parts[kind][name] = value

    for source in files:
        if source.kind not in PARTS:
            continue
        builder = Builder(source.document, language, problems, source.digest)
        read = builder.struct(FILE_KINDS[source.kind], source.document.data, (), (source.kind,))
        named = getattr(read, source.kind, None)  # a file of many named parts: `rules:`, `phrases:`
        if isinstance(named, Mapping):
            for name, item in named.items():
                add(source.kind, name, item, source, (source.kind, name))
        else:
            add(source.kind, source.document.data[source.kind], read, source, (source.kind,))
    assembled = {field: frozen(parts[kind]) for kind, field in PARTS.items()}
    return Builder(manifest.document, language, problems).struct(
        Pack, manifest.document.data, (), ("pack",), root=root, **assembled
    )
