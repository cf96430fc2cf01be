"""How the simulator shows the agent's screen in a terminal (rich)."""

from __future__ import annotations

from typing import Any

from callguide.cli.words import words
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
        # wrapped to the terminal, never clipped: the agent must read the whole phrase
        console.print(
            Panel(
                Text(view.notice.get("text") or "", style=style), title=Text(f"{title}{counted}"), border_style="yellow"
            ),
            soft_wrap=False,
        )
    console.print(
        Text(f"{view.flow} › {_step_name(view.step)}" + (f" · {view.title}" if view.title else ""), style="dim")
    )
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
            waiting = _("waiting for {effect}").format(effect=pending["name"])
            console.print(Text(f"  {waiting} ({words(pending['args'])})", style="magenta"))
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
            shown = words(result) if result is not None else _("done")
            console.print(Text(f"  · {effect['name']} → {shown}", style="green"))
        else:
            failed = _("failed: {error}").format(error=effect.get("error"))
            console.print(Text(f"  · {effect['name']} {failed}", style="red"))


def _record_rows() -> tuple[tuple[str, str], ...]:
    """The call record's rows: what each is called on the screen, and its field."""
    return (
        (_("call"), "call_id"),
        (_("flow"), "flow"),
        (_("outcome"), "outcome"),
        (_("reason"), "reason_label"),
        (_("close the request"), "close"),
        (_("queue"), "queue_name"),
        (_("description"), "description"),
        (_("duration (s)"), "duration_seconds"),
    )


def show_record(console: Console, record: dict[str, Any]) -> None:
    """The call record in words (`yes`, `-`), as the agent's screen would say it."""
    table = Table(title=_("Call record"), show_header=False, title_style="bold green")
    rows = [(label, words(record.get(key))) for label, key in _record_rows()]
    rows.append((_("path"), " → ".join(step.split(":", 1)[1] for step in record.get("path", []))))
    rows.extend(
        (
            _("effect"),
            f"{effect['name']} "
            + (_("ok") if effect.get("ok") else _("FAILED: {error}").format(error=words(effect.get("error")))),
        )
        for effect in record.get("effects", [])
    )
    rows.extend(
        (_("event"), f"{event['rule']} #{event['count']}" + (" " + _("(limit)") if event.get("limit") else ""))
        for event in record.get("events", [])
    )
    for key, value in rows:
        table.add_row(key, Text(value))  # as written: a description may hold `[...]`
    console.print(table, soft_wrap=False)


def _step_name(step: str) -> str:
    """A flow's step as the pack names it; the engine's wrap-up steps (`@reason`...) in words."""
    wrapup = {"@reason": _("reason"), "@close": _("close"), "@queue": _("queue"), "@description": _("description")}
    if step not in wrapup:
        return step
    return _("wrap-up") + ": " + wrapup[step]
