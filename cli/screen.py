"""How the simulator shows the agent's screen in a terminal (rich)."""

from __future__ import annotations

import json
from typing import Any

from callguide.i18n import _
from callguide.view import View
from rich.console import Console
from rich.markup import escape
from rich.panel import Panel
from rich.table import Table
from rich.text import Text


def _constraint_words() -> dict[str, str]:
    """How each answer constraint reads on the screen (in the call's language)."""
    return {
        "min_length": _("at least {} characters"),
        "max_length": _("at most {} characters"),
        "minimum": _("min {}"),
        "maximum": _("max {}"),
        "digits": _("{} digits"),
        "region": _("valid in {}"),
        "integer": _("whole number"),
        "mobile": _("mobile only"),
    }


def show_view(console: Console, view: View) -> None:
    """Render one view: the lines to read, the question, its options and constraints."""
    if view.notice:
        style = "bold yellow" if view.notice.get("kind") in ("warning", "rule") else "yellow"
        title = (
            _("rule {name}").format(name=view.notice["rule"])
            if view.notice.get("rule")
            else view.notice.get("kind", "")
        )
        counted = f" ({view.notice['count']}/{view.notice['of']})" if view.notice.get("of") else ""
        console.print(
            Panel(
                Text(view.notice.get("text") or "", style=style), title=Text(f"{title}{counted}"), border_style="yellow"
            )
        )
    console.print(Text(f"{view.flow} › {_step_name(view.step)}", style="dim"))
    if view.say:
        console.print(Text(view.say, style="bold"))
    if view.text:
        console.print(Text(view.text, style="bold cyan"))
    if view.hint:
        console.print(Text(f"  {view.hint}", style="italic dim"))
    for warning in view.warnings:
        console.print(Text(f"⚠ {warning}", style="bold yellow"))
    answer = view.answer or {}
    for number, option in enumerate(answer.get("options", []), 1):
        console.print(f"  [bold]{number}[/bold]. {escape(option['label'])} [dim]({escape(option['key'])})[/dim]")
    hints = [
        template.format(answer[key])
        for key, template in _constraint_words().items()
        if answer.get(key) not in (None, False)
    ]
    kind = answer.get("type")
    if kind == "yes_no":
        hints.append(_("yes / no"))
    elif kind == "multi":
        hints.append(_("several: 1,3"))
    elif kind == "lookup" and answer.get("phase") == "search":
        hints.append(_("search by {fields}").format(fields=", ".join(answer.get("by", []))))
    elif kind in ("date", "time", "datetime"):
        hints.append({"date": _("YYYY-MM-DD or today+3d"), "time": _("HH:MM"), "datetime": _("YYYY-MM-DD HH:MM")}[kind])
    default = answer.get("default")
    if default not in (None, ""):
        shown = (_("yes") if default else _("no")) if isinstance(default, bool) else default
        hints.append(_("Enter = {default}").format(default=shown))
    if answer.get("optional"):
        hints.append(_("may be left empty"))
    if view.kind in ("say",):
        hints.append(_("Enter to continue"))
    if view.kind == "failed":
        hints.append(_("Enter to try again"))
    if hints:
        console.print(Text("  [" + "; ".join(hints) + "]", style="dim"))
    if view.pending:
        for pending in view.pending:
            console.print(
                Text(
                    "  "
                    + _("waiting for {effect}").format(effect=pending["name"])
                    + f" {json.dumps(pending['args'], ensure_ascii=False)}",
                    style="magenta",
                )
            )
    if view.error:
        console.print(Text(f"✗ {view.error}", style="bold red"))
    if view.events:
        console.print(
            Text("  " + _("events:") + " " + "  ".join(f"!{event['name']}" for event in view.events), style="dim")
        )


def show_effects(console: Console, effects: list[dict[str, Any]]) -> None:
    """What the host did for the flow during the last move (the store's answers)."""
    for effect in effects:
        if effect.get("ok"):
            result = effect.get("result")
            shown = json.dumps(result, ensure_ascii=False, default=str) if result is not None else _("done")
            console.print(Text(f"  · {effect['name']} → {shown[:100]}", style="green"))
        else:
            failed = _("failed: {error}").format(error=effect.get("error"))
            console.print(Text(f"  · {effect['name']} {failed}", style="red"))


def show_record(console: Console, record: dict[str, Any]) -> None:
    table = Table(title=_("Call record"), show_header=False, title_style="bold green")
    labels = {
        "call_id": _("call"),
        "flow": _("flow"),
        "outcome": _("outcome"),
        "reason_label": _("reason"),
        "close": _("closed"),
        "queue_name": _("queue"),
        "description": _("description"),
        "duration_seconds": _("seconds"),
    }
    rows = [(label, _shown(record.get(key))) for key, label in labels.items()]
    rows.append((_("path"), " → ".join(step.split(":", 1)[1] for step in record.get("path", []))))
    rows.extend(
        (
            _("effect"),
            f"{effect['name']} "
            + (_("ok") if effect.get("ok") else _("FAILED: {error}").format(error=effect.get("error"))),
        )
        for effect in record.get("effects", [])
    )
    rows.extend(
        (_("event"), f"{event['rule']} #{event['count']}" + (" " + _("(limit)") if event.get("limit") else ""))
        for event in record.get("events", [])
    )
    for key, value in rows:
        table.add_row(key, Text(value))  # as written: a description may hold `[...]`
    console.print(table)


def _shown(value: Any) -> str:
    """A record value as the agent reads it: yes / no for a flag, nothing for none."""
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    return "" if value is None else str(value)


def _step_name(step: str) -> str:
    """A flow's step as the pack names it; the engine's wrap-up steps (`@reason`...) in words."""
    wrapup = {"@reason": _("reason"), "@close": _("close"), "@queue": _("queue"), "@description": _("description")}
    if step not in wrapup:
        return step
    return _("wrap-up") + ": " + wrapup[step]
