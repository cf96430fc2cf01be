"""`callguide run` (the interactive simulator) and `callguide simulate` (a scripted run)."""

from __future__ import annotations

import contextlib
import functools
import json
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import click
from callguide import i18n
from callguide.check import pack_of
from callguide.cli.recording import sample_ids, scenario_text, write_scenario
from callguide.cli.schema_files import modeline
from callguide.cli.screen import show_effects, show_record, show_view
from callguide.cli.words import rows, words
from callguide.cli.wrapup_review import contradictions, review_rows
from callguide.clock import Clock, FrozenClock, SystemClock, seconds
from callguide.engine import Engine
from callguide.host import Store, local_engine
from callguide.host.given import resolve_ids
from callguide.i18n import _
from callguide.load.files import display
from callguide.load.yaml_source import YamlProblem, read_yaml
from callguide.problems import (
    CallguideError,
    FlowError,
    FlowRuntimeError,
    InputError,
    ScenarioError,
    UnknownSample,
    did_you_mean,
)
from callguide.schedules import Scheduler
from callguide.session import Session
from callguide.testing import simulate
from rich.console import Console
from rich.markup import escape
from rich.table import Table
from rich.text import Text


def help_text() -> str:
    """The simulator's commands, in the call's language."""
    return _(
        """Type the answer (a number picks an option), or:
  !event          a rule event, e.g. !insult
  :back           go back one question
  :hangup [how]   the line drops (or end now with an outcome)
  :data           the customer's data and history
  :wait 10s       let time pass (with --clock)
  :resolve JSON   answer a pending effect by hand; :fail MESSAGE
  :record FILE    write the call so far as a scenario test
  :quit           leave without wrapping up
Arrow keys edit the line and go through what you typed before."""
    )


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
    _known_flow(engine, call.flow)
    context = call_context(engine, store, call, console)
    _require_inputs(engine, call.flow, context)
    session = _start(engine, call.flow, context, call.language)
    with i18n.speaking(session.state.language):  # the simulator speaks the call's language
        scheduler = Scheduler(engine)  # the pack's timed work, shown when it falls due
        console.print(
            f"[bold]callguide[/bold] · {escape(engine.pack.title or engine.pack.name)} · [bold]{escape(call.flow)}[/bold]"
            + ("   " + escape(_("(:help for commands)")) if interactive else "")
        )
        simulator = Simulator(console, engine, store, the_clock, session, call, context)
        reader = LineReader(console, interactive)
        while True:
            while not simulator.session.ended:
                console.print()
                show_view(console, simulator.session.view)
                line = reader.read()
                if line is None:
                    console.print(Text(_("the input ended before the call did"), style="red"))
                    sys.exit(1)
                if line.strip() == ":quit":
                    sys.exit(0)
                simulator.play(line)
                _show_due(console, scheduler)
            if simulator.review(reader):
                break
        record = simulator.session.record or {}
        store.save_call(record)
        console.print()
        show_record(console, record)
        if record_file:
            record_file.write_text(json.dumps(record, indent=2, ensure_ascii=False), encoding="utf-8")


def _show_due(console: Console, scheduler: Scheduler) -> None:
    missed = len(scheduler.missed)
    for run in scheduler.take():
        due = _("due {time}: {title}").format(time=f"{run.due:%H:%M}", title=run.title)
        console.print(Text(f"⏰ {due} ({run.flow})", style="bold yellow"))
    for run in scheduler.missed[missed:]:
        missed_run = _("missed {time}: {title}").format(time=f"{run.due:%H:%M}", title=run.title)
        console.print(Text(f"⏰ {missed_run}", style="bold red"))


class LineReader:
    """The agent's lines: with line editing and history in a terminal (readline), else from
    the pipe, echoed as typed."""

    def __init__(self, console: Console, interactive: bool) -> None:
        self.console = console
        self.interactive = interactive
        if interactive:
            # once readline is loaded, input() edits lines and keeps a history (arrow keys)
            with contextlib.suppress(ImportError):  # no readline on this platform: plain input
                import readline  # noqa: F401

    def read(self, prompt: str = "> ") -> str | None:
        if self.interactive:
            try:
                return input(prompt)
            except EOFError:
                return None
        line = sys.stdin.readline()
        if not line:
            return None
        self.console.print(f"{prompt}{line.rstrip()}", style="dim", markup=False)  # as typed: `[/foo]` is no markup
        return line.rstrip("\n")


class Simulator:
    """One call in the terminal: the agent's commands, the wrap-up with its review and way
    back, and the moves so far (for `:record`)."""

    def __init__(
        self,
        console: Console,
        engine: Engine,
        store: Store,
        clock: Clock,
        session: Session,
        call: Call,
        context: dict[str, Any],
    ) -> None:
        self.console, self.engine, self.store, self.clock = console, engine, store, clock
        self.session, self.call = session, call
        self.given = sample_ids(store, context)
        self.started = session.state.started
        self.moves: list[dict[str, Any]] = []
        self.wrapup_start: dict[str, Any] | None = None  # the call as the wrap-up began
        self.wrapup_answers: list[str | None] = []

    def play(self, line: str) -> None:
        """One line the agent typed."""
        session = self.session
        if session.state.phase == "wrapup" and self.wrapup_start is None:
            self.wrapup_start = session.snapshot()
        text = line.strip()
        done = len(session.state.effects)
        if text.startswith(":record"):
            self.record(text.split(maxsplit=1)[1] if " " in text else "")
            return
        if session.state.phase == "wrapup" and text not in (":help", ":data"):
            self.wrapup(text)
            return
        move = _command(self.console, session, self.store, self.clock, line)
        if move is not None:
            self.moves.append(move)
        show_effects(self.console, session.state.effects[done:])

    def wrapup(self, text: str) -> None:
        """An answer to the end-of-call form, or `:back` to the question before."""
        if text in (":back", "<"):
            if not self.wrapup_answers:
                self.console.print(
                    Text("✗ " + _("the call is over: the wrap-up is the first thing to go back to"), "bold red")
                )
                return
            self.wrapup_answers.pop()
            self.replay_wrapup()
            return
        if text.startswith(("!", ":")):
            self.console.print(
                Text(
                    "✗ "
                    + _("`{command}` does not apply in the wrap-up (:back goes back)").format(command=text.split()[0]),
                    "bold red",
                )
            )
            return
        asked = self.session.state.wrapup_step
        try:
            self.session.answer(text or None)
        except InputError as refused:
            self.console.print(Text(f"✗ {refused.message}", style="bold red"))
            return
        self.wrapup_answers.append(text or None)
        if asked == "reason":
            self.warn(self.session.state.wrapup.get("reason"))

    def warn(self, reason: str | None) -> None:
        for warning in contradictions(self.engine.pack, self.session.state, reason):
            self.console.print(Text(f"⚠ {warning}", style="bold yellow"))

    def replay_wrapup(self) -> None:
        """The call as the wrap-up began, with every answer but the ones taken back."""
        assert self.wrapup_start is not None
        self.session = self.engine.resume(self.wrapup_start)
        for answer in self.wrapup_answers:
            self.session.answer(answer)

    def review(self, reader: LineReader) -> bool:
        """The wrap-up as chosen, before the call is saved; False when the agent goes back to it."""
        state = self.session.state
        table = Table(title=_("Wrap-up"), show_header=False, title_style="bold")
        for name, value in review_rows(self.engine.pack, state.wrapup, state.language):
            table.add_row(name, Text(value))
        self.console.print()
        self.console.print(table, soft_wrap=False)
        self.warn(state.wrapup.get("reason"))
        while True:  # piped input that has ended saves the call, as an Enter would
            line = reader.read(_("Enter saves the call; :back changes the wrap-up") + " > ")
            text = (line or "").strip()
            if line is None or text == "":
                return True
            if text in (":back", "<") and self.wrapup_answers:
                self.wrapup_answers.pop()
                self.replay_wrapup()
                return False
            if text.startswith(":record"):
                self.record(text.split(maxsplit=1)[1] if " " in text else "")
                continue
            self.console.print(Text("✗ " + _("press Enter to save the call, or type :back"), style="bold red"))

    def record(self, file: str) -> None:
        """`:record FILE`: the call so far as a scenario test."""
        if not file:
            self.console.print(Text("✗ :record needs a file, e.g. :record tests/my_call.yaml", "bold red"))
            return
        path = Path(file)
        name = f"recorded call of {self.call.flow}"
        text = scenario_text(
            name,
            self.session,
            self.given,
            self.moves,
            clock=self.call.clock or self.started,
            environment=self.call.environment,
            head=modeline(path.resolve().parent, "scenario"),
        )
        try:
            write_scenario(path, text)
        except OSError as error:
            self.console.print(Text(f"✗ cannot write {file}: {error.strerror}", "bold red"))
            return
        inside = pack_of(path.resolve()) == Path(self.call.pack).resolve()
        hint = "" if inside else f" (move it into {display(self.call.pack / 'tests')} to run it)"
        self.console.print(Text(f"wrote {file}: `callguide test {file}` plays the call again{hint}", "green"))


def _known_flow(engine: Engine, flow: str) -> None:
    if flow not in engine.compiled.flows:
        flows = ", ".join(sorted(engine.compiled.flows))
        raise click.UsageError(
            f"pack `{engine.pack.name}` has no flow `{flow}`{did_you_mean(flow, engine.compiled.flows)} (flows: {flows})"
        )


def _command(console: Console, session: Session, store: Store, clock: Clock, line: str) -> dict[str, Any] | None:
    """Play one command; the move it was, as a scenario writes it (None: nothing to replay)."""
    text = line.strip()
    move: dict[str, Any] | None = None
    try:
        if text.startswith("!"):
            move = {"event": text[1:].strip()}
            session.signal(text[1:].strip())
        elif text in (":back", "<"):
            move = {"back": True}
            session.back()
        elif text.startswith(":hangup"):
            how = text.split(maxsplit=1)[1] if " " in text else "dropped"
            move = {"hangup": how}
            session.hang_up(how)
        elif text == ":help":
            # Text, not markup: `[how]` is part of the help, not a rich style
            console.print(Text(help_text()))
        elif text == ":data":
            _show_data(console, session, store)
        elif text.startswith(":wait"):
            if not isinstance(clock, FrozenClock):
                console.print(
                    Text(_(":wait needs a frozen clock (--clock); real time passes by itself"), style="yellow")
                )
            else:
                duration = text.split(maxsplit=1)[1] if " " in text else "10s"
                clock.advance(seconds(duration))
                move = {"wait": duration}
        elif text.startswith(":resolve"):
            value = json.loads(text.split(maxsplit=1)[1]) if " " in text else None
            move = {"resolve": value}
            session.resolve(value)
        elif text.startswith(":fail"):
            message = text.split(maxsplit=1)[1] if " " in text else "failed"
            move = {"fail": message}
            session.fail(message)
        elif text.startswith(":"):
            known = ("back", "hangup", "help", "data", "wait", "resolve", "fail", "record", "quit")
            word = text[1:].split()[0] if text[1:].split() else ""
            refusal = _("✗ no command `:{word}`{hint} (:help lists them)")
            console.print(Text(refusal.format(word=word, hint=did_you_mean(word, known)), "bold red"))
        else:
            move = {"answer": text if text else None}
            session.answer(text if text else None)
        session.view  # noqa: B018 (shown here: a screen that cannot be shown undoes the move)
    except InputError as refused:
        console.print(Text(f"✗ {refused.message}", style="bold red"))
        if move is not None and "answer" in move:
            return {**move, "expect": {"error": refused.message}}
        return None
    except FlowRuntimeError as broken:  # the flow's own fault: the move is undone, the call goes on
        console.print(Text(f"✗ {broken}", style="bold red"))
        return None
    except (ValueError, json.JSONDecodeError) as bad:
        console.print(Text(f"✗ {bad}", style="bold red"))
        return None
    return move


def _show_data(console: Console, session: Session, store: Store) -> None:
    """The customer's data as a table of fields, then their history."""
    values = {**session.state.inputs, **session.state.vars}
    customer = values.get("customer") or values.get("client") or values.get("member")
    if not isinstance(customer, dict):
        console.print(Text("no customer in this call", style="dim"))
        return
    table = Table(title="Customer", show_header=False, title_style="bold")
    for name, value in rows(customer):
        table.add_row(name, Text(value))
    console.print(table, soft_wrap=False)
    key = customer.get("id")
    for entry in store.all("history"):
        if key is not None and str(entry.get("customer")) == str(key):
            console.print(Text(f"  {words(entry.get('date'))}: {words(entry.get('text'))}"))


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
    """The call, or why it cannot start (a refused permission is no usage error: exit 1)."""
    try:
        return engine.start(flow, context, language=language)
    except InputError as refused:
        click.echo(click.style(f"✗ the call cannot start: {refused.message}", fg="red", bold=True), err=True)
        raise SystemExit(1) from None
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
    if task:
        context["task"] = task
    if customer:
        context["customer"] = customer
    needs = engine.compiled.flows[flow].flow.inputs if flow in engine.compiled.flows else ()
    if "task" in needs and "task" not in context:
        first = _first_task(engine, store, flow)
        if first is not None:
            context["task"] = first
            console.print(Text(f"task {first.get('id')} from the sample data (--task to choose)", style="dim"))
    try:
        context = resolve_ids(store, context)  # a task given by id brings its customer
    except UnknownSample as unknown:
        raise click.UsageError(unknown.message) from None
    if "customer" in needs and "customer" not in context:
        first = next(iter(store.all("customers")), None)
        if first is None:
            raise click.UsageError("the flow needs a customer and the pack's sample data has none (--given)")
        context["customer"] = first
    return context


def _require_inputs(engine: Engine, flow: str, context: dict[str, Any]) -> None:
    """Every input the flow needs, or a usage error that says how to give it."""
    missing = [name for name in engine.compiled.flows[flow].flow.inputs if name not in context]
    if missing:
        given_as = " ".join(f"--input {name}=VALUE" for name in missing)
        raise click.UsageError(f"flow `{flow}` needs {', '.join(f'`{n}`' for n in missing)}: give {given_as}")


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
    _known_flow(engine, call.flow)
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
    if not result.record and not result.failures:
        flow, _, step = (result.visited[-1] if result.visited else f"{call.flow}:").partition(":")
        click.echo(
            f"{display(answers_file)}: the answers ran out at step `{step}` of flow `{flow}`, before the call ended"
            " (add the moves that finish it, or `hangup: dropped`)",
            err=True,
        )
    sys.exit(1 if result.failures or not result.record else 0)
