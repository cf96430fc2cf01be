"""The simulator's wrap-up: what contradicts the call, and the review before it is saved.

A reason that a conduct rule ends calls with (`interrupted_insult`) on a call no rule ended,
or another reason on a call a rule did end, is allowed (the agent may know better) but
warned about: the call record would say something that did not happen.
"""

from __future__ import annotations

from typing import Any

from callguide.i18n import _
from callguide.model import Pack
from callguide.state import State


def rule_reasons(pack: Pack) -> dict[str, list[str]]:
    """Each end-of-call reason rules end calls with, and those rules."""
    found: dict[str, list[str]] = {}
    for rule in pack.rules.values():
        for action in rule.then:
            if action.kind == "end" and action.reason:
                found.setdefault(action.reason, []).append(rule.name)
    return found


def contradictions(pack: Pack, state: State, reason: str | None) -> list[str]:
    """Warnings for a wrap-up reason that says something other than what happened."""
    if not reason:
        return []
    by_reason = rule_reasons(pack)
    ending = {name for names in by_reason.values() for name in names}
    ended_by = [event["rule"] for event in state.events if event.get("limit") and event["rule"] in ending]
    owners = by_reason.get(reason, [])
    if owners and not set(owners) & set(ended_by):
        rules = ", ".join(f"`{name}`" for name in owners)
        did = f" (rule `{ended_by[-1]}` did)" if ended_by else ""
        who = f"rules {rules} end" if len(owners) > 1 else f"rule {rules} ends"
        return [f"`{reason}` is the reason {who} a call with, but no such rule ended this call{did}"]
    if ended_by and not owners:
        rule = ended_by[-1]
        own = next((key for key, names in by_reason.items() if rule in names), None)
        return [f"rule `{rule}` ended this call" + (f": its reason is `{own}`" if own else "")]
    return []


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
        (_("reason"), f"{label} ({reason})" if label else str(reason or "-")),
        (_("close the request"), _("yes") if chosen.get("close") else _("no")),
        (_("queue"), f"{queue_label} ({queue})" if queue_label else str(queue or "-")),
        (_("description"), str(chosen.get("description") or "-")),
    ]
