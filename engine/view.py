"""The view: what a front end shows the agent now, rendered in the session's language.

A pure function of the call's state (and the render context): it changes nothing.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

from callguide import wrapup
from callguide.compile import CompiledStep
from callguide.context import Contexts, RenderContext, choices, labelled
from callguide.model import AskStep, Pack
from callguide.owned import owned
from callguide.record import call_record
from callguide.state import State
from callguide.texts import render_value


@dataclass(slots=True)
class View:
    """What the agent sees; `kind` is say, ask, confirm, wait, failed, wrapup or ended.

    A view is a picture of the session when it was made: changing it changes nothing in
    the session (it is not frozen only because it is made on every move)."""

    flow: str
    step: str
    kind: str
    say: str | None = None
    text: str | None = None
    hint: str | None = None
    note: str | None = None
    title: str | None = None
    answer: dict[str, Any] | None = None
    warnings: tuple[str, ...] = ()
    notice: dict[str, Any] | None = None
    error: str | None = None
    events: tuple[dict[str, str], ...] = ()
    pending: tuple[dict[str, Any], ...] = ()
    can_back: bool = False
    outcome: str | None = None
    record: dict[str, Any] | None = field(default=None, repr=False)

    def as_json(self) -> dict[str, Any]:
        return asdict(self)


def build_view(contexts: Contexts, state: State, now: datetime, context: dict[str, Any] | None = None) -> View:
    compiled = contexts.compiled
    context = context if context is not None else contexts.build(state, now)
    language = state.language
    phase = state.phase
    flow, step_id = state.stack[-1]  # where the call stands (the state's properties read it each time)
    # the notice and the effects waiting are the state's maps: the view shows copies (a host
    # that changes what it is shown changes nothing of the call); most moves have neither
    notice = owned(state.notice) if state.notice is not None else None
    pending = tuple(map(owned, state.pending)) if state.pending else ()
    error, outcome = state.error, state.outcome
    if phase == "ended":
        record = call_record(contexts, state)
        # by position, as below (by keyword it costs a third more): no texts, warnings nor events
        return View(flow, "@ended", phase, None, None, None, None, None, None, (), notice, error, (), pending, False, outcome, record)  # fmt: skip
    if phase == "wrapup":
        spec = wrapup.spec(contexts, state, context)
        question = wrapup.question(contexts, spec["step"], context, language)
        return View(flow, f"@{spec['step']}", phase, None, question, None, None, None, spec, (), notice, error, (), pending, False, outcome)  # fmt: skip
    # a view is made at every move: its fields are worked out first (in the order they are
    # rendered), and the view is made once with all of them, not made and then filled in
    step = compiled.flows[flow].steps[step_id]
    events = contexts.events(context, language, flow, state.environment)
    warnings: tuple[str, ...] = ()
    if step.warnings:
        warnings = tuple(
            text.render(context, language)
            for text, condition in step.warnings
            if condition is None or condition.test(context)
        )
    hint = step.hint.render(context, language) if step.hint is not None else None
    note = step.note.render(context, language) if step.note is not None else None
    title = step.title.render(context, language) if step.title is not None else None
    say = step.say.render(context, language) if step.say is not None else None
    can_back = bool(state.trail) and step.model.back is not False and phase in ("step", "confirm")
    kind: str = phase
    text: str | None = None
    answer: dict[str, Any] | None = None
    if phase == "confirm":
        confirm = compiled.confirmation(step)
        text = confirm.render(context, language) if confirm is not None else None
        answer = {"type": "yes_no", "default": True}
    else:
        if step.ask is not None:
            text = step.ask.render(context, language)
        if phase == "failed":
            answer = {"type": "retry"}
        elif phase in ("step", "pick"):
            if step.kind == "ask":
                kind, answer = "ask", answer_spec(step, state, context, language, compiled.pack)
            else:  # a `say`, or the line read before a `do`, `call` or `end`
                kind = "say"
    return View(  # by position, in the order of View's fields: by keyword it costs a microsecond more
        flow,
        step.id,
        kind,
        say,
        text,
        hint,
        note,
        title,
        answer,
        warnings,
        notice,
        error,
        events,
        pending,
        can_back,
        outcome,
    )


def _phone_rule(spec: dict[str, Any], pack: Pack) -> None:
    """A phone question without a rule of its own shows the pack's (as it is checked)."""
    if "digits" not in spec and "region" not in spec:
        if pack.phone_digits:
            spec["digits"] = pack.phone_digits
        if pack.phone_region:
            spec["region"] = pack.phone_region


def answer_spec(step: CompiledStep, state: State, context: dict[str, Any], language: str, pack: Pack) -> dict[str, Any]:
    model = step.model
    assert isinstance(model, AskStep) and model.answer is not None
    answer = model.answer
    spec: dict[str, Any] = {"type": answer.kind, "optional": model.optional}
    if step.options:
        if step.fixed_options is not None:  # literal labels, no `if`: made once (`choices`)
            spec["options"] = [
                {"key": choice.key, "label": choice.label} for choice in choices(step, context, language)
            ]
        else:  # as they stand, made into maps at once: a `Choice` costs 0.7 µs to make
            options = spec["options"] = []
            for key, label, disabled in labelled(step, context, language):  # a loop: no `**{...}` per option
                option = {"key": key, "label": label}
                if disabled:
                    option["disabled"] = disabled
                options.append(option)
    if step.constraints:
        spec.update(step.constraints)
    if answer.kind == "lookup":
        spec.update(source=answer.source, by=list(answer.search_by), phase="search")
        if state.phase == "pick":
            spec["phase"] = "pick"
            spec["options"] = [
                {"key": str(item.get("id", n)), "label": _show(step, item, context, language)}
                for n, item in enumerate(state.results, 1)
            ]
    if step.default is not None:
        default = step.default
        spec["default"] = render_value(default, context, language)
    if model.attempts:
        spec["attempts"] = {"max": model.attempts.limit, "used": state.attempts}
    if answer.kind == "phone":
        _phone_rule(spec, pack)
    return spec


def _show(step: CompiledStep, item: dict[str, Any], context: dict[str, Any], language: str) -> str:
    if step.show is None:
        return str(item.get("label") or item.get("name") or item.get("id"))
    return step.show.render(RenderContext({"item": item}, context), language)
