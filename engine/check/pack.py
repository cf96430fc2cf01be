"""Checks across a pack: its manifest, rules, end-of-call catalog, lifecycles, worklists
and environments."""

from __future__ import annotations

import re
import zoneinfo
from collections.abc import Mapping
from datetime import date, time
from typing import Any

from callguide.answers import known_region
from callguide.check.base import Checker
from callguide.check.broken import NOTHING_BROKEN, Broken
from callguide.check.hints import suggest
from callguide.effects import known_effects
from callguide.load.yaml_source import Document
from callguide.model import Action, Catalog, Lifecycle, Pack, Rule, Schedule, Worklist
from callguide.problems import Problem, did_you_mean


def manifest_problems(document: Document) -> list[Problem]:
    """What the manifest's schema cannot say: real dates and times, a known time zone and
    country. The engine builds its clock and calendar from these, so they must hold."""
    data = document.data
    problems: list[Problem] = []

    def bad(path: tuple[str | int, ...], message: str) -> None:
        problems.append(Problem(document.pos(path), "error", "bad-value", message))

    zone = data.get("timezone")
    if isinstance(zone, str) and not _known_zone(zone):
        hint = did_you_mean(zone, zoneinfo.available_timezones())
        bad(("timezone",), f"`{zone}` is not a time zone; write one such as `Africa/Nairobi`{hint}")
    calendar = data.get("calendar") or {}
    hours = calendar.get("hours")
    if isinstance(hours, str):
        opens, _, closes = hours.partition("-")
        if not (_valid_time(opens) and _valid_time(closes)) or opens >= closes:
            bad(("calendar", "hours"), f"`{hours}` is not opening hours: write `08:00-20:00` (from 00:00 to 24:00)")
    for index, day in enumerate(calendar.get("holidays") or ()):
        try:
            date.fromisoformat(str(day))
        except ValueError:
            bad(("calendar", "holidays", index), f"`{day}` is not a date (YYYY-MM-DD)")
    region = (data.get("phone") or {}).get("region")
    if isinstance(region, str) and not known_region(region):
        bad(("phone", "region"), f"`{region}` is not a country code phone numbers are known for (e.g. `KE`, `RU`)")
    return problems


def _known_zone(name: str) -> bool:
    try:
        zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError, OSError):
        return False
    return True


def _valid_time(text: str) -> bool:
    if text == "24:00":
        return True
    try:
        time.fromisoformat(text)
    except ValueError:
        return False
    return True


class PackChecker(Checker):
    def __init__(self, pack: Pack, problems: list[Problem], broken: Broken = NOTHING_BROKEN) -> None:
        super().__init__(pack, problems, broken)
        self.effects = known_effects(pack)

    def check(self) -> None:
        pack = self.pack
        catalog = pack.call_end_catalog
        if catalog is None and not self.broken.has("catalog", pack.call_end):
            self.error(
                pack.pos,
                "unknown-catalog",
                f"the pack wraps calls up with `{pack.call_end}`, but no catalog has that name{did_you_mean(pack.call_end, pack.catalogs)}",
            )
        for item in pack.forbidden:
            try:
                re.compile(item.pattern)
            except re.error as err:
                self.error(
                    item.pos,
                    "bad-pattern",
                    f"the forbidden pattern is not a valid regular expression: {err}",
                )
        for found in pack.catalogs.values():
            self.catalog(found)
        for rule in pack.rules.values():
            self.rule(rule)
        for lifecycle in pack.lifecycles.values():
            self.lifecycle(lifecycle)
        for worklist in pack.worklists.values():
            self.worklist(worklist)
        for schedule in pack.schedules.values():
            self.schedule(schedule)
        self.environments()

    def catalog(self, catalog: Catalog) -> None:
        for reason in catalog.reasons.values():
            if reason.queue and reason.queue not in catalog.queues:
                self.error(
                    reason.pos,
                    "unknown-queue",
                    f"reason `{reason.key}` sends open requests to `{reason.queue}`, which is not a queue of the catalog{suggest(reason.queue, catalog.queues, 'queues of the catalog')}",
                )
            if not reason.close and not reason.queue:
                self.error(
                    reason.pos,
                    "reason-without-queue",
                    f"reason `{reason.key}` leaves the request open but names no `queue` for it",
                )
            elif reason.close and not reason.locked and not catalog.queues:
                self.error(
                    reason.pos,
                    "reason-without-queue",
                    f"the agent may untick 'close' on `{reason.key}`, but the catalog has no `queues` for an open request",
                )
        self.queues_in_environments(catalog)

    def queues_in_environments(self, catalog: Catalog) -> None:
        for name, values in self.pack.environments.items():
            queues = values.get("queues")
            if not isinstance(queues, Mapping):
                continue
            for queue in catalog.queues:
                if queue not in queues:
                    self.error(
                        catalog.pos,
                        "unknown-environment-key",
                        f"queue `{queue}` has no name in environment `{name}` (add it under `queues:`)",
                    )

    def rule(self, rule: Rule) -> None:
        if rule.warnings and not rule.phrases:
            self.warning(
                rule.pos,
                "rule-warning",
                f"rule `{rule.name}` warns {rule.warnings} time(s) but gives no `warning` phrase to read",
            )
        if len(rule.phrases) > max(rule.warnings, 1):
            self.warning(
                rule.pos,
                "rule-warning",
                f"rule `{rule.name}` has {len(rule.phrases)} warning phrases but warns only {rule.warnings} time(s)",
            )
        for index, action in enumerate(rule.then):
            self.action(rule, action, last=index == len(rule.then) - 1)

    def action(self, rule: Rule, action: Action, last: bool) -> None:
        pack = self.pack
        if action.kind == "switch" and action.flow not in pack.flows and not self.broken.has("flow", action.flow):
            self.error(
                action.pos,
                "unknown-flow",
                f"rule `{rule.name}` switches to `{action.flow}`, which is not a flow of the pack{did_you_mean(action.flow or '', pack.flows)}",
            )
        if action.kind == "end" and action.outcome not in pack.outcome_names:
            self.error(
                action.pos,
                "unknown-outcome",
                f"`{action.outcome}` is not an outcome{did_you_mean(action.outcome or '', pack.outcome_names)}",
            )
        catalog = pack.call_end_catalog
        if action.reason and catalog and action.reason not in catalog.reasons:
            self.error(
                action.pos,
                "unknown-reason",
                f"`{action.reason}` is not a reason of the `{pack.call_end}` catalog{suggest(action.reason, catalog.reasons, 'its reasons')}",
            )
        if action.kind == "do":
            effect = action.effect or ""
            if effect not in self.effects and not self.broken.effect(effect):
                self.error(
                    action.pos,
                    "unknown-effect",
                    f"rule `{rule.name}` does `{effect}`, which is not an effect of the pack{suggest(effect, self.effects, 'effects')}",
                )
            elif effect in self.effects:
                for arg in self.effects[effect]:
                    if arg not in action.args:
                        self.error(
                            action.pos,
                            "missing-argument",
                            f"`{effect}` needs `{arg}` in `with:` (rule `{rule.name}`)",
                        )
        if action.kind in ("end", "switch", "transfer") and not last:
            self.error(
                action.pos,
                "rule-action",
                f"`{action.kind}` must be the last action of rule `{rule.name}`: nothing runs after it",
            )

    def lifecycle(self, lifecycle: Lifecycle) -> None:
        states = lifecycle.states
        if lifecycle.initial not in states:
            self.error(
                lifecycle.pos,
                "unknown-state",
                f"the initial state `{lifecycle.initial}` is not a state of `{lifecycle.name}`{did_you_mean(lifecycle.initial, states)}",
            )
        for transition in lifecycle.transitions.values():
            for state in (*transition.sources, transition.target):
                if state != "any" and state not in states:
                    self.error(
                        transition.pos,
                        "unknown-state",
                        f"transition `{transition.name}` names `{state}`, which is not a state of `{lifecycle.name}`{did_you_mean(state, states)}",
                    )
            if transition.target == "any":
                self.error(
                    transition.pos,
                    "unknown-state",
                    f"transition `{transition.name}` must lead `to` one state, not `any`",
                )
            if transition.guard and not transition.message:
                self.warning(
                    transition.pos,
                    "missing-message",
                    f"transition `{transition.name}` has a guard but no `message` for the agent when it refuses",
                )

    def schedule(self, schedule: Schedule) -> None:
        pack = self.pack
        if schedule.flow not in pack.flows and not self.broken.has("flow", schedule.flow):
            self.error(
                schedule.pos,
                "unknown-flow",
                f"schedule `{schedule.name}` starts `{schedule.flow}`, which is not a flow of the pack{did_you_mean(schedule.flow, pack.flows)}",
            )
        elif schedule.flow in pack.flows and pack.flows[schedule.flow].inputs:  # (a broken flow is reported already)
            needs = ", ".join(pack.flows[schedule.flow].inputs)
            self.error(
                schedule.pos,
                "bad-value",
                f"schedule `{schedule.name}` starts `{schedule.flow}` by itself, but that flow needs {needs}: a timed flow takes no input",
            )
        if schedule.every < 60:
            self.error(
                schedule.pos,
                "bad-value",
                f"schedule `{schedule.name}` runs every {schedule.every:g}s: at least every minute (`1m`)",
            )
        if schedule.missed_effect and schedule.missed_effect not in self.effects:
            self.error(
                schedule.pos,
                "unknown-effect",
                f"schedule `{schedule.name}` asks for `{schedule.missed_effect}` when missed, which is not an effect of the pack{did_you_mean(schedule.missed_effect, self.effects)}",
            )

    def worklist(self, worklist: Worklist) -> None:
        pack = self.pack
        if worklist.flow not in pack.flows and not self.broken.has("flow", worklist.flow):
            self.error(
                worklist.pos,
                "unknown-flow",
                f"worklist `{worklist.name}` runs `{worklist.flow}`, which is not a flow of the pack{did_you_mean(worklist.flow, pack.flows)}",
            )
        for outcome in worklist.outcomes:
            if outcome not in pack.outcome_names:
                self.error(
                    worklist.pos,
                    "unknown-outcome",
                    f"worklist `{worklist.name}` maps `{outcome}`, which is not an outcome{did_you_mean(outcome, pack.outcome_names)}",
                )
        if "postpone" in worklist.outcomes.values() and not worklist.postpone_choices:
            self.error(
                worklist.pos,
                "missing-key",
                f"worklist `{worklist.name}` postpones tasks but gives no `postpone: choices`",
            )

    def environments(self) -> None:
        environments = self.pack.environments
        if len(environments) < 2:
            return
        keyed = {name: set(_paths(values)) for name, values in environments.items()}
        every = set().union(*keyed.values())
        for name, paths in keyed.items():
            for missing in sorted(every - paths):
                self.error(
                    self.pack.pos,
                    "environment-mismatch",
                    f"environment `{name}` does not define `{'.'.join(missing)}`, which another environment does",
                )


def _paths(values: Mapping[str, Any], prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    found = []
    for key, value in values.items():
        path = (*prefix, key)
        found.extend(_paths(value, path) if isinstance(value, Mapping) else [path])
    return found
