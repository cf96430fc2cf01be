"""What the console page knows of its pack before any call: the end-of-call catalog (so the
wrap-up form can preset and lock "close the request" as the reason says, ask for a queue and
a description where needed) and the rules (so a rule button can say what comes next)."""

from __future__ import annotations

from typing import Any

from callguide.engine import Engine
from callguide.problems import RenderError


def _label(engine: Engine, key: str, language: str) -> str:
    """A label of the pack's catalog; one that needs a call's data to be worded shows its key."""
    try:
        return engine.contexts.label(key, {}, language)
    except RenderError:
        return key.split(":", 1)[-1]


def call_end(engine: Engine, language: str) -> dict[str, Any] | None:
    catalog = engine.pack.call_end_catalog
    if catalog is None:
        return None
    return {
        "title": catalog.title,
        "description": catalog.description,
        "reasons": [
            {
                "key": key,
                "label": _label(engine, f"reason:{key}", language),
                "close": reason.close,
                "locked": reason.locked,
                "queue": reason.queue,
                "description": reason.description,
            }
            for key, reason in catalog.reasons.items()
        ],
        "queues": [{"key": key, "label": _label(engine, f"queue:{key}", language)} for key in catalog.queues],
    }


def rules(engine: Engine) -> list[dict[str, Any]]:
    """Each rule's number of warnings (its label comes worded for the call, in the view)."""
    return [{"name": name, "warnings": rule.warnings} for name, rule in engine.pack.rules.items()]
