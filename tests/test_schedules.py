"""Timed work: a pack's schedules fall due on the engine's clock, within its hours."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from callguide.cli.main import main
from callguide.clock import FrozenClock
from callguide.host import Store, local_engine
from callguide.schedules import Run, Scheduler, due_times
from click.testing import CliRunner

HELPDESK = Path(__file__).resolve().parent.parent / "flows" / "helpdesk"
FLORIDA = ZoneInfo("America/New_York")


def test_the_queue_report_falls_due_on_the_half_hours_of_the_shift_only() -> None:
    engine, _ = local_engine(HELPDESK)
    schedule = engine.pack.schedules["queue_report"]
    found = due_times(
        engine.pack,
        schedule,
        datetime(2026, 11, 23, 20, 0, tzinfo=FLORIDA),
        datetime(2026, 11, 24, 8, 45, tzinfo=FLORIDA),
    )
    assert [f"{moment:%d %H:%M}" for moment in found] == ["23 20:30", "24 08:00", "24 08:30"]


@dataclass
class Shift:
    clock: FrozenClock
    store: Store
    scheduler: Scheduler
    run: Run


@pytest.fixture
def at_eleven() -> Shift:
    """The helpdesk's scheduler watching from 10:55: the 11:00 queue report has just fallen due."""
    clock = FrozenClock("2026-11-23 10:55-05:00")
    engine, store = local_engine(HELPDESK, clock=clock)
    scheduler = Scheduler(engine)
    clock.advance(5 * 60)
    [run] = scheduler.take()
    return Shift(clock, store, scheduler, run)


def test_a_run_nobody_starts_is_missed_and_the_supervisor_is_told(at_eleven: Shift) -> None:
    clock, store, scheduler, run = at_eleven.clock, at_eleven.store, at_eleven.scheduler, at_eleven.run
    assert (run.label, run.title, run.flow) == ("queue_report 11:00", "30-minute queue report", "queue_report")
    clock.advance(9 * 60)
    assert scheduler.take() == [] and scheduler.missed == []
    clock.advance(60)
    scheduler.take()
    assert scheduler.missed == [run] and scheduler.waiting == []
    assert store.outbox()[-1] == (
        "supervisor.notify",
        {"message": "The 11:00 queue report was not started within 10 minutes."},
    )


def test_a_started_run_is_not_missed(at_eleven: Shift) -> None:
    clock, store, scheduler, run = at_eleven.clock, at_eleven.store, at_eleven.scheduler, at_eleven.run
    session = scheduler.start(run, {"agent": {"name": "Dana Reyes"}})
    assert session.step == "dispatch_flash"
    clock.advance(20 * 60)
    scheduler.take()
    assert scheduler.missed == []
    assert all(effect != "supervisor.notify" for effect, _ in store.outbox())


def test_callguide_run_shows_a_run_when_it_falls_due_and_when_it_is_missed() -> None:
    result = CliRunner().invoke(
        main,
        ["run", str(HELPDESK), "lunch_break", "--clock", "2026-11-23 10:20-05:00"],
        input=":wait 14m\nyes\n:wait 30m\nyes\n" + "\n" * 6,
        catch_exceptions=False,
    )
    assert result.exit_code == 0, result.output
    shown = [line for line in result.output.splitlines() if line.startswith("⏰")]
    assert shown == [
        "⏰ due 10:30: 30-minute queue report (queue_report)",
        "⏰ due 11:00: 30-minute queue report (queue_report)",
        "⏰ missed 10:30: 30-minute queue report",
    ]
