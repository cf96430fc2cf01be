"""The simulator's wrap-up: what contradicts the call, and the review before it is saved.

A reason that a conduct rule ends calls with (`interrupted_insult`) on a call no rule ended,
or another reason on a call a rule did end, is allowed (the agent may know better) but
warned about: the call record would say something that did not happen.
"""

from __future__ import annotations

from typing import Any

from callguide.model import Pack
from callguide.state import State


def rule_reasons(pack: Pack) -> dict[str, str]:
    """Each end-of-call reason a rule ends calls with, and the rule."""
    return {
        action.reason: rule.name
        for rule in pack.rules.values()
        for action in rule.then
        if action.kind == "end" and action.reason
    }


def contradictions(pack: Pack, state: State, reason: str | None) -> list[str]:
    """Warnings for a wrap-up reason that says something other than what happened."""
    if not reason:
        return []
    by_rule = rule_reasons(pack)
    ended_by = [event["rule"] for event in state.events if event.get("limit") and event["rule"] in by_rule.values()]
    warnings = []
    owner = by_rule.get(reason)
    if owner is not None and owner not in ended_by:
        warnings.append(
            f"`{reason}` is the reason rule `{owner}` ends a call with, but no rule ended this call"
            + (f" (rule `{ended_by[-1]}` did)" if ended_by else "")
        )
    if ended_by and owner is None:
        rule = ended_by[-1]
        own = next((r for r, name in by_rule.items() if name == rule), None)
        warnings.append(f"rule `{rule}` ended this call" + (f": its reason is `{own}`" if own else ""))
    return warnings


def review_rows(pack: Pack, chosen: dict[str, Any], language: str) -> list[tuple[str, str]]:
    """The wrap-up as the agent chose it, in words: reason (with its label), close, queue, description."""
    catalog = pack.call_end_catalog
    reason = chosen.get("reason")
    label = ""
    if catalog is not None and isinstance(reason, str) and reason in catalog.reasons:
        label = catalog.reasons[reason].label.source(language, pack.language)
    queue = chosen.get("queue")
    queue_name = catalog.queues.get(queue) if catalog is not None and queue else None
    queue_label = queue_name.source(language, pack.language) if queue_name is not None else ""
    return [
        ("reason", f"{label} ({reason})" if label else str(reason or "-")),
        ("close the request", "yes" if chosen.get("close") else "no"),
        ("queue", f"{queue_label} ({queue})" if queue_label else str(queue or "-")),
        ("description", str(chosen.get("description") or "-")),
    ]
