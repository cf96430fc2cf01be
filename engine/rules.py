"""Rules: events the agent may raise in any step (`insult`, `inaudible`...). Each is counted
(within a time window where the rule has one); the first ones get the rule's warning
phrases, the next one its consequences: say, do an effect, transfer, switch flows, end."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from callguide import perform
from callguide.i18n import _
from callguide.move import Move
from callguide.problems import InputError
from callguide.texts import render_value


def signal(move: Move, event: str) -> None:
    state = move.state
    rule = move.compiled.rules.get(event)
    if rule is None:
        known = ", ".join(sorted(move.compiled.rules)) or "none"
        raise InputError(
            _("`{event}` is not a rule event of this pack (events: {known})").format(event=event, known=known),
            state.step,
        )
    if state.phase in ("wrapup", "ended"):
        raise InputError(_("the call is over: rule events no longer apply"), state.step)
    allowed = move.flow().flow.rules
    if allowed is not None and event not in allowed:
        raise InputError(
            _("the rule `{event}` does not apply in `{flow}`").format(event=event, flow=state.flow), state.step
        )
    elapsed = (move.now - datetime.fromisoformat(state.started)).total_seconds()
    window = rule.rule.within
    times = [t for t in state.counters.get(event, []) if window is None or elapsed - t <= window]
    times.append(elapsed)
    count = len(times)
    entry: dict[str, Any] = {
        "rule": event,
        "count": count,
        "step": f"{state.flow}:{state.step}",
        "at": move.now.isoformat(),
    }
    state.events.append(entry)
    limit = count > rule.rule.warnings
    # the counters are replaced, not changed in place: the move's checkpoint holds them as they
    # were. Past the limit, the count starts again (nothing reads it in between)
    state.counters = {**state.counters, event: [] if limit else times}
    move.recount()  # `rules.<name>.count` changed
    if not limit:
        phrase = rule.phrases[min(count, len(rule.phrases)) - 1] if rule.phrases else None
        text = phrase.render(move.context(), state.language) if phrase else ""
        state.notice = {"kind": "warning", "rule": event, "count": count, "of": rule.rule.warnings, "text": text}
        entry["warning"] = text
        return
    entry["limit"] = True
    state.notice = None
    _consequences(move, event, rule.actions)


def _consequences(move: Move, event: str, actions: Any) -> None:
    state = move.state
    said: list[str] = []
    for kind, action, text, args, description in actions:
        language = state.language
        if kind == "say" and text:
            said.append(text.render(move.context(), language))
        elif kind == "do":
            perform.request(
                move, action.effect or "", render_value(args, move.context(), language), f"rule:{event}", None
            )
        elif kind == "transfer" and text:
            to = text.render(move.context(), language)
            perform.request(move, "call.transfer", {"to": to, "rule": event}, f"rule:{event}", None)
            del state.stack[1:]
            move.end_call("transferred", action.reason)
        elif kind == "switch" and action.flow:
            start = move.compiled.flows[action.flow].flow.start
            state.stack = [[action.flow, start]]
            state.clear_trail()
            move.enter(start)
        elif kind == "end":
            move.preset(action.reason, action.close, description)  # rendered where the event happened
            del state.stack[1:]
            move.end_call(action.outcome or "interrupted", action.reason)
    if said:
        state.notice = {"kind": "rule", "rule": event, "text": "\n".join(said)}
