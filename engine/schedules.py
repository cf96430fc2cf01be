"""Timed work: a pack's schedules, started by the engine's clock.

A schedule (`pack.yaml`, `schedules:`) falls due every `every` from midnight in the pack's
time zone (`30m`: at :00 and :30), only within the pack's calendar unless it runs
`always`. A `Scheduler` watches the clock for a host: `take()` gives the runs that fell due
since it last looked, `start()` opens a run's flow, and a run nobody started before it is
`late` is missed: the scheduler asks the host for the schedule's `missed` effect (e.g.
notify the supervisor). Everything reads the injected clock, so a frozen clock drives it in
tests and scenarios exactly as the system clock does in production.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from callguide.effects import EffectRequest
from callguide.filters import BusinessCalendar
from callguide.problems import EffectFailed, InputError
from callguide.texts import Texts, render_value

if TYPE_CHECKING:
    from callguide.engine import Engine
    from callguide.model import Pack, Schedule
    from callguide.session import Session

MAX_RUNS = 10_000  # runs looked at in one go: a clock moved on by years is not worked through


@dataclass(frozen=True, slots=True)
class Run:
    """One time a schedule falls due."""

    schedule: str
    title: str
    flow: str
    due: datetime  # in the pack's time zone

    @property
    def label(self) -> str:
        return f"{self.schedule} {self.due:%H:%M}"


def due_times(pack: Pack, schedule: Schedule, after: datetime, until: datetime) -> list[datetime]:
    """The times `schedule` falls due in (after, until], in the pack's time zone."""
    zone = ZoneInfo(pack.timezone)
    start, end = after.astimezone(zone), until.astimezone(zone)
    calendar = BusinessCalendar(pack.calendar)
    step = timedelta(seconds=schedule.every)
    midnight = start.replace(hour=0, minute=0, second=0, microsecond=0)
    moment = midnight + step * (int((start - midnight) / step) + 1)
    found: list[datetime] = []
    for _ in range(MAX_RUNS):
        if moment > end:
            break
        if schedule.during == "always" or calendar.is_open(moment):
            found.append(moment)
        moment += step
        if moment.date() != (moment - step).date():  # every day counts again from midnight
            moment = moment.replace(hour=0, minute=0, second=0, microsecond=0)
    return found


class Scheduler:
    """The schedules of an engine's pack, on the engine's clock."""

    def __init__(self, engine: Engine, since: datetime | None = None) -> None:
        self.engine = engine
        self.checked = since or engine.clock.now()
        self.waiting: list[Run] = []  # due, not started, not yet missed
        self.missed: list[Run] = []
        self._args = {
            name: Texts(engine.compiled.env, engine.pack.language).value(schedule.missed_args)
            for name, schedule in engine.pack.schedules.items()
        }

    def next_run(self, name: str, within: timedelta = timedelta(days=14)) -> Run | None:
        """The schedule's first run after the last look at the clock."""
        runs = self._runs(name, self.checked, self.checked + within)
        return runs[0] if runs else None

    def take(self) -> list[Run]:
        """The runs that fell due since the last look; runs left waiting too long are missed
        (and the host asked for the schedule's `missed` effect)."""
        now = self.engine.clock.now()
        fresh = sorted(
            (run for name in self.engine.pack.schedules for run in self._runs(name, self.checked, now)),
            key=lambda run: run.due,
        )
        self.checked = now
        self.waiting.extend(fresh)
        for run in list(self.waiting):
            if self._too_late(run, now):
                self.waiting.remove(run)
                self.missed.append(run)
                self._report_missed(run)
        return fresh

    def start(self, run: Run, context: dict[str, Any] | None = None, **options: Any) -> Session:
        """Open a run's flow (it is no longer waiting)."""
        if run in self.waiting:
            self.waiting.remove(run)
        elif run in self.missed:
            raise InputError(f"{run.title or run.schedule} of {run.due:%H:%M} was missed")
        return self.engine.start(run.flow, context, **options)

    def _runs(self, name: str, after: datetime, until: datetime) -> list[Run]:
        schedule = self.engine.pack.schedules[name]
        title = schedule.title or name
        return [Run(name, title, schedule.flow, due) for due in due_times(self.engine.pack, schedule, after, until)]

    def _too_late(self, run: Run, now: datetime) -> bool:
        schedule = self.engine.pack.schedules[run.schedule]
        late = schedule.late if schedule.late is not None else schedule.every
        return now >= run.due + timedelta(seconds=late)

    def _report_missed(self, run: Run) -> None:
        schedule = self.engine.pack.schedules[run.schedule]
        if schedule.missed_effect is None:
            return
        context = {
            "env": self.engine.pack.environments.get(self.engine.environment, {}),
            "schedule": {"name": run.schedule, "title": run.title},
            "due": f"{run.due:%H:%M}",
        }
        args = render_value(self._args[run.schedule], context, self.engine.pack.language)
        key = f"schedule:{run.schedule}:{run.due.isoformat()}"
        handler = self.engine.handler(schedule.missed_effect)
        if handler is None:
            return
        try:
            handler(EffectRequest(0, schedule.missed_effect, args, f"schedule:{run.schedule}", key))
        except EffectFailed:
            return  # the run stays listed as missed; the host sees it there
