"""How the simulator shows the agent's screen in a terminal (rich)."""

from __future__ import annotations

from typing import Any

from callguide.cli.words import words
from callguide.view import View
from rich.console import Console
from rich.markup import escape
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

_CONSTRAINT_WORDS = {
    "min_length": "at least {} characters",
    "max_length": "at most {} characters",
    "minimum": "min {}",
    "maximum": "max {}",
    "digits": "{} digits",
    "region": "valid in {}",
    "integer": "whole number",
    "mobile": "mobile only",
}


def show_view(console: Console, view: View) -> None:
    """Render one view: the lines to read, the question, its options and constraints."""
    if view.notice:
        style = "bold yellow" if view.notice.get("kind") in ("warning", "rule") else "yellow"
        title = f"rule {view.notice['rule']}" if view.notice.get("rule") else view.notice.get("kind", "")
        counted = f" ({view.notice['count']}/{view.notice['of']})" if view.notice.get("of") else ""
        # wrapped to the terminal, never clipped: the agent must read the whole phrase
        console.print(
            Panel(
                Text(view.notice.get("text") or "", style=style), title=Text(f"{title}{counted}"), border_style="yellow"
            ),
            soft_wrap=False,
        )
    console.print(Text(f"{view.flow} › {view.step}" + (f" · {view.title}" if view.title else ""), style="dim"))
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
        for key, template in _CONSTRAINT_WORDS.items()
        if answer.get(key) not in (None, False)
    ]
    kind = answer.get("type")
    if kind == "yes_no":
        hints.append("yes / no")
    elif kind == "multi":
        hints.append("several: 1,3")
    elif kind == "lookup" and answer.get("phase") == "search":
        hints.append("search by " + ", ".join(answer.get("by", [])))
    elif kind in ("date", "time", "datetime"):
        hints.append({"date": "YYYY-MM-DD or today+3d", "time": "HH:MM", "datetime": "YYYY-MM-DD HH:MM"}[kind])
    default = answer.get("default")
    if default not in (None, ""):
        hints.append(f"Enter = {('yes' if default else 'no') if isinstance(default, bool) else default}")
    if answer.get("optional"):
        hints.append("may be left empty")
    if view.kind in ("say",):
        hints.append("Enter to continue")
    if view.kind == "failed":
        hints.append("Enter to try again")
    if hints:
        console.print(Text("  [" + "; ".join(hints) + "]", style="dim"))
    if view.pending:
        for pending in view.pending:
            console.print(Text(f"  waiting for {pending['name']} ({words(pending['args'])})", style="magenta"))
    if view.error:
        console.print(Text(f"✗ {view.error}", style="bold red"))
    if view.events:
        console.print(Text("  events: " + "  ".join(f"!{event['name']}" for event in view.events), style="dim"))


def show_effects(console: Console, effects: list[dict[str, Any]]) -> None:
    """What the host did for the flow during the last move (the store's answers)."""
    for effect in effects:
        if effect.get("ok"):
            result = effect.get("result")
            shown = words(result) if result is not None else "done"
            console.print(Text(f"  · {effect['name']} → {shown}", style="green"))
        else:
            console.print(Text(f"  · {effect['name']} failed: {effect.get('error')}", style="red"))


RECORD_ROWS = (
    ("call", "call_id"),
    ("flow", "flow"),
    ("outcome", "outcome"),
    ("reason", "reason_label"),
    ("close the request", "close"),
    ("queue", "queue_name"),
    ("description", "description"),
    ("duration (s)", "duration_seconds"),
)


def show_record(console: Console, record: dict[str, Any]) -> None:
    """The call record in words (`yes`, `-`), as the agent's screen would say it."""
    table = Table(title="Call record", show_header=False, title_style="bold green")
    rows = [(label, words(record.get(key))) for label, key in RECORD_ROWS]
    rows.append(("path", " → ".join(step.split(":", 1)[1] for step in record.get("path", []))))
    rows.extend(
        ("effect", f"{effect['name']} {'ok' if effect.get('ok') else 'FAILED: ' + words(effect.get('error'))}")
        for effect in record.get("effects", [])
    )
    rows.extend(
        ("event", f"{event['rule']} #{event['count']}{' (limit)' if event.get('limit') else ''}")
        for event in record.get("events", [])
    )
    for key, value in rows:
        table.add_row(key, Text(value))  # as written: a description may hold `[...]`
    console.print(table, soft_wrap=False)
