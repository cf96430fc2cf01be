"""Timed work: a pack's schedules fall due on the engine's clock, within its hours."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from callguide.clock import FrozenClock
from callguide.host import local_engine
from callguide.schedules import Scheduler, due_times

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


def test_a_run_nobody_starts_is_missed_and_the_supervisor_is_told() -> None:
    clock = FrozenClock("2026-11-23 10:55-05:00")
    engine, store = local_engine(HELPDESK, clock=clock)
    scheduler = Scheduler(engine)
    clock.advance(5 * 60)
    [run] = scheduler.take()
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


def test_a_started_run_is_not_missed() -> None:
    clock = FrozenClock("2026-11-23 10:55-05:00")
    engine, store = local_engine(HELPDESK, clock=clock)
    scheduler = Scheduler(engine)
    clock.advance(5 * 60)
    [run] = scheduler.take()
    session = scheduler.start(run, {"agent": {"name": "Dana Reyes"}})
    assert session.step == "dispatch_flash"
    clock.advance(20 * 60)
    scheduler.take()
    assert scheduler.missed == []
    assert all(effect != "supervisor.notify" for effect, _ in store.outbox())
