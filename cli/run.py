"""`callguide run` (the interactive simulator) and `callguide simulate` (a scripted run)."""

from __future__ import annotations

import functools
import json
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import click
from callguide.cli.screen import show_effects, show_record, show_view
from callguide.clock import Clock, FrozenClock, SystemClock, seconds
from callguide.engine import Engine
from callguide.host import Store, local_engine
from callguide.load.yaml_source import YamlProblem, read_yaml
from callguide.problems import CallguideError, FlowError, InputError, ScenarioError
from callguide.session import Session
from callguide.testing import simulate
from rich.console import Console
from rich.markup import escape
from rich.text import Text

HELP = """Type the answer (a number picks an option), or:
  !event          a rule event, e.g. !insult
  :back           go back one question
  :hangup [how]   the line drops (or end now with an outcome)
  :data           the customer's data and history
  :wait 10s       let time pass (with --clock)
  :resolve JSON   answer a pending effect by hand; :fail MESSAGE
  :quit           leave without wrapping up"""


@dataclass(frozen=True, slots=True)
class Call:
    """What `run` and `simulate` both need to start a call."""

    pack: Path
    flow: str
    agent: str
    permission: tuple[str, ...]
    customer: str | None
    task: str | None
    given: Path | None
    inputs: tuple[str, ...]
    environment: str | None
    language: str | None
    clock: str | None


def call_options(function: Callable[..., None]) -> Callable[..., None]:
    """The options that say which call to start, gathered into one `Call` argument."""

    @functools.wraps(function)
    def with_call(**options: Any) -> None:
        call = Call(**{name: options.pop(name) for name in Call.__dataclass_fields__})
        function(call, **options)

    for option in reversed(
        [
            click.argument("pack", type=click.Path(exists=True, file_okay=False, path_type=Path)),
            click.argument("flow"),
            click.option("--agent", default="Agent", show_default=True, help="The agent's name."),
            click.option(
                "--permission", multiple=True, help="A permission of the agent (repeatable), e.g. manual_outgoing."
            ),
            click.option("--customer", help="A customer ID from the pack's sample data."),
            click.option("--task", help="A worklist task ID from the pack's sample data."),
            click.option(
                "--given",
                type=click.Path(exists=True, dir_okay=False, path_type=Path),
                help="A YAML file with the call's input.",
            ),
            click.option(
                "--input",
                "inputs",
                multiple=True,
                metavar="NAME=VALUE",
                help="One input of the call (repeatable), e.g. caller_number=0712345678.",
            ),
            click.option("--env", "environment", help="The pack environment (default: its first)."),
            click.option("--lang", "language", help="The language to speak (default: the pack's)."),
            click.option("--clock", help="Freeze the clock at this time, e.g. '2026-11-23 09:00'."),
        ]
    ):
        with_call = option(with_call)
    return with_call


@click.command()
@call_options
@click.option(
    "--record",
    "record_file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Also write the call record (JSON) here.",
)
def run(call: Call, record_file: Path | None) -> None:
    """Play a flow as the agent would, in the terminal (reads stdin line by line when piped)."""
    console = Console(highlight=False, soft_wrap=True)
    interactive = sys.stdin.isatty()
    the_clock: Clock = FrozenClock(call.clock) if call.clock else SystemClock()
    engine, store = _engine(call.pack, the_clock, call.environment)
    context = call_context(engine, store, call, console)
    session = _start(engine, call.flow, context, call.language)
    console.print(
        f"[bold]callguide[/bold] · {escape(engine.pack.title or engine.pack.name)} · flow [bold]{escape(call.flow)}[/bold]"
        + ("   (:help for commands)" if interactive else "")
    )
    while not session.ended:
        console.print()
        show_view(console, session.view)
        line = _read(console, interactive)
        if line is None:
            console.print("[red]the input ended before the call did[/red]")
            sys.exit(1)
        if line.strip() == ":quit":
            sys.exit(0)
        done = len(session.state.effects)
        _command(console, session, store, the_clock, line)
        show_effects(console, session.state.effects[done:])
    record = session.record or {}
    store.save_call(record)
    console.print()
    show_record(console, record)
    if record_file:
        record_file.write_text(json.dumps(record, indent=2, ensure_ascii=False), encoding="utf-8")


def _read(console: Console, interactive: bool) -> str | None:
    if interactive:
        try:
            return str(console.input("[bold]> [/bold]"))
        except EOFError:
            return None
    line = sys.stdin.readline()
    if not line:
        return None
    console.print(f"> {line.rstrip()}", style="dim", markup=False)  # as typed: `[/foo]` is no markup
    return line.rstrip("\n")


def _command(console: Console, session: Session, store: Store, clock: Clock, line: str) -> None:
    text = line.strip()
    try:
        if text.startswith("!"):
            session.signal(text[1:].strip())
        elif text in (":back", "<"):
            session.back()
        elif text.startswith(":hangup"):
            session.hang_up(text.split(maxsplit=1)[1] if " " in text else "dropped")
        elif text == ":help":
            console.print(HELP)
        elif text == ":data":
            _show_data(console, session, store)
        elif text.startswith(":wait"):
            if not isinstance(clock, FrozenClock):
                console.print("[yellow]:wait needs a frozen clock (--clock); real time passes by itself[/yellow]")
            else:
                clock.advance(seconds(text.split(maxsplit=1)[1] if " " in text else "10s"))
        elif text.startswith(":resolve"):
            session.resolve(json.loads(text.split(maxsplit=1)[1]) if " " in text else None)
        elif text.startswith(":fail"):
            session.fail(text.split(maxsplit=1)[1] if " " in text else "failed")
        else:
            session.answer(text if text else None)
    except InputError as refused:
        console.print(Text(f"✗ {refused.message}", style="bold red"))
    except (ValueError, json.JSONDecodeError) as bad:
        console.print(Text(f"✗ {bad}", style="bold red"))


def _show_data(console: Console, session: Session, store: Store) -> None:
    values = {**session.state.inputs, **session.state.vars}
    customer = values.get("customer") or values.get("client") or values.get("member")
    console.print_json(json.dumps(customer or {}, ensure_ascii=False, default=str))
    key = customer.get("id") if isinstance(customer, dict) else None
    for entry in store.all("history"):
        if key is not None and str(entry.get("customer")) == str(key):
            console.print(Text(f"  {entry.get('date')}: {entry.get('text')}"))


def _engine(pack: Path, clock: Clock, environment: str | None) -> tuple[Engine, Store]:
    try:
        return local_engine(pack, clock=clock, environment=environment)
    except FlowError as error:
        for problem in error.problems:
            click.echo(str(problem), err=True)
        raise SystemExit(1) from None
    except (CallguideError, ValueError) as error:
        raise click.UsageError(str(error)) from None


def _start(engine: Engine, flow: str, context: dict[str, Any], language: str | None) -> Session:
    try:
        return engine.start(flow, context, language=language)
    except InputError as refused:
        raise click.UsageError(refused.message) from None
    except CallguideError as error:
        click.echo(f"error: {error}", err=True)
        raise SystemExit(1) from None


def call_context(engine: Engine, store: Store, call: Call, console: Console) -> dict[str, Any]:
    """The call's input: from --given, --task / --customer, or the first sample task."""
    flow, given, task, customer = call.flow, call.given, call.task, call.customer
    context: dict[str, Any] = {}
    if given:
        try:
            loaded = read_yaml(given.read_bytes(), str(given)).data
        except YamlProblem as problem:
            raise click.UsageError(str(problem.problem)) from None
        if not isinstance(loaded, dict):
            raise click.UsageError(f"{given}: the input is a map (agent:, customer:, ...)")
        context.update(loaded)
    for item in call.inputs:
        name, equals, value = item.partition("=")
        if not equals or not name.strip():
            raise click.UsageError(f"--input takes NAME=VALUE, not `{item}`")
        context[name.strip()] = value
    context.setdefault("agent", {"name": call.agent, "permissions": list(call.permission)})
    needs = engine.compiled.flows[flow].flow.inputs if flow in engine.compiled.flows else ()
    if task or ("task" in needs and "task" not in context):
        found = store.get("tasks", task) if task else _first_task(engine, store, flow)
        if found is None:
            raise click.UsageError(f"no task {task!r} in the pack's data/tasks.yaml")
        context["task"] = found
        if not task:
            console.print(Text(f"task {found.get('id')} from the sample data (--task to choose)", style="dim"))
        customer = customer or found.get("customer")
    if customer or ("customer" in needs and "customer" not in context):
        found = store.get("customers", customer) if customer else next(iter(store.all("customers")), None)
        if found is None:
            raise click.UsageError(f"no customer {customer!r} in the pack's sample data")
        context["customer"] = found
    return context


def _first_task(engine: Engine, store: Store, flow: str) -> dict[str, Any] | None:
    mine = {name for name, worklist in engine.pack.worklists.items() if worklist.flow == flow}
    tasks = store.all("tasks")
    return next((t for t in tasks if t.get("worklist") in mine), None) or next(iter(tasks), None)


@click.command(name="simulate")
@call_options
@click.option(
    "--answers",
    "answers_file",
    required=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="YAML: a list of moves, or a map with given / play / wrapup / effects / clock.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the call record as JSON instead of the transcript.")
def simulate_command(call: Call, answers_file: Path, as_json: bool) -> None:
    """Run a flow with scripted answers, events, clock moves and effect results."""
    console = Console(highlight=False, soft_wrap=True)
    engine, store = _engine(call.pack, FrozenClock(call.clock) if call.clock else FrozenClock(), call.environment)
    context = call_context(engine, store, call, Console(stderr=True))
    try:
        result = simulate(
            call.pack,
            call.flow,
            answers_file,
            context=context,
            environment=call.environment,
            language=call.language,
            clock=call.clock,
        )
    except ScenarioError as error:
        for problem in error.problems:
            click.echo(str(problem), err=True)
        sys.exit(1)
    except FlowError as error:
        for problem in error.problems:
            click.echo(str(problem), err=True)
        sys.exit(1)
    if as_json:
        click.echo(json.dumps(result.record, indent=2, ensure_ascii=False, default=str))
    else:
        for line in result.transcript:
            console.print(line, markup=False)
        if result.record:
            show_record(console, result.record)
    for failure in result.failures:
        click.echo(str(failure), err=True)
    sys.exit(1 if result.failures or not result.record else 0)
