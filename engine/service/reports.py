"""What the calls add up to: the supervisor's figures, worked out from saved call records.

Pure functions over the call records the service keeps (the shape `callguide.record`
makes): nothing here reads a database or a clock, so the same figures come out of the
console, a CSV export and a test. `Filters` picks the records; `summary` adds them up;
`rejections` and `repeat_contacts` are the two reports the ACM and Beeline procedures name.
"""

from __future__ import annotations

import csv
import io
import statistics
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, fields
from datetime import date
from typing import Any, TypeVar

from callguide.problems import UsageError

Record = Mapping[str, Any]
R = TypeVar("R", bound=Record)


@dataclass(frozen=True, slots=True)
class Filters:
    """Which call records a report counts; a field left empty does not filter."""

    date_from: date | None = None  # the call started on or after this day
    date_to: date | None = None  # ... and on or before this one
    agent: str = ""
    flow: str = ""
    pack: str = ""
    reason: str = ""
    closed: bool | None = None
    rule: str = ""  # a rule event the call had (`insult`...); `any` for a call with any rule event

    @classmethod
    def from_query(cls, query: Mapping[str, str]) -> Filters:
        """Filters from a page's query string; an unknown or bad value is a `UsageError`
        that says what is wrong."""
        known = {field.name for field in fields(cls)}
        unknown = sorted(set(query) - known)
        if unknown:
            raise UsageError(f"unknown filter {', '.join(unknown)} (filters: {', '.join(sorted(known))})")
        closed = (query.get("closed") or "").strip().lower()
        if closed not in ("", "yes", "no", "true", "false"):
            raise UsageError(f"closed is yes or no, not `{closed}`")
        return cls(
            date_from=_day(query.get("date_from", ""), "date_from"),
            date_to=_day(query.get("date_to", ""), "date_to"),
            agent=query.get("agent", "").strip(),
            flow=query.get("flow", "").strip(),
            pack=query.get("pack", "").strip(),
            reason=query.get("reason", "").strip(),
            closed=None if not closed else closed in ("yes", "true"),
            rule=query.get("rule", "").strip(),
        )

    def as_query(self) -> dict[str, str]:
        """The filters as a query string's values (the empty ones left out)."""
        out: dict[str, str] = {}
        for field in fields(self):
            value = getattr(self, field.name)
            if value is None or value == "":
                continue
            out[field.name] = ("yes" if value else "no") if isinstance(value, bool) else str(value)
        return out

    def keep(self, record: Record) -> bool:
        day = started_day(record)
        if self.date_from is not None and (day is None or day < self.date_from):
            return False
        if self.date_to is not None and (day is None or day > self.date_to):
            return False
        if self.agent and agent_of(record) != self.agent:
            return False
        if self.flow and record.get("flow") != self.flow:
            return False
        if self.pack and record.get("pack") != self.pack:
            return False
        if self.reason and record.get("reason") != self.reason:
            return False
        if self.closed is not None and bool(record.get("close")) != self.closed:
            return False
        if self.rule:
            rules = {event.get("rule") for event in record.get("events") or []}
            return bool(rules) if self.rule == "any" else self.rule in rules
        return True

    def apply(self, records: Iterable[R]) -> list[R]:
        return [record for record in records if self.keep(record)]


def _day(text: str, name: str) -> date | None:
    text = text.strip()
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise UsageError(f"{name} is a date like 2026-03-31, not `{text}`") from None


def started_day(record: Record) -> date | None:
    started = str(record.get("started") or "")
    try:
        return date.fromisoformat(started[:10])
    except ValueError:
        return None


def agent_of(record: Record) -> str:
    agent = record.get("agent")
    if isinstance(agent, Mapping):
        return str(agent.get("name") or agent.get("id") or "")
    return str(agent or "")


def steps_of(record: Record, flow: str) -> list[str]:
    """The steps of `flow` a call went through, in order, each once (the path holds `flow:step`)."""
    seen: list[str] = []
    for entry in record.get("path") or []:
        name, _, step = str(entry).partition(":")
        if name == flow and step and step not in seen:
            seen.append(step)
    return seen


# --- the figures ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class FunnelStep:
    step: str
    reached: int  # calls that got to this step
    ended_here: int  # calls whose last step in this flow it was (where calls drop off)


@dataclass(frozen=True, slots=True)
class Summary:
    calls: int
    reasons: list[tuple[str, int]]  # end-of-call reason -> calls, most first
    closed: int  # requests closed on the call
    closed_share: float | None  # closed / calls, None without calls
    rules_per_flow: dict[str, dict[str, int]]  # flow -> rule -> events
    rules_per_agent: dict[str, dict[str, int]]  # agent -> rule -> events
    handling: dict[str, dict[str, float]]  # agent (and "" for all) -> count, mean, median, total seconds
    flows: list[str]  # the flows the calls began in, for the funnel's choice


def summary(records: Sequence[Record]) -> Summary:
    reasons = Counter(str(record.get("reason") or "-") for record in records)
    closed = sum(1 for record in records if record.get("close"))
    per_flow: dict[str, Counter[str]] = {}
    per_agent: dict[str, Counter[str]] = {}
    durations: dict[str, list[float]] = {"": []}
    for record in records:
        flow, agent = str(record.get("flow") or ""), agent_of(record)
        for event in record.get("events") or []:
            rule = str(event.get("rule"))
            per_flow.setdefault(flow, Counter())[rule] += 1
            per_agent.setdefault(agent, Counter())[rule] += 1
        seconds = record.get("duration_seconds")
        if isinstance(seconds, int | float):
            durations[""].append(float(seconds))
            durations.setdefault(agent, []).append(float(seconds))
    return Summary(
        calls=len(records),
        reasons=sorted(reasons.items(), key=lambda item: (-item[1], item[0])),
        closed=closed,
        closed_share=closed / len(records) if records else None,
        rules_per_flow={flow: dict(sorted(counts.items())) for flow, counts in sorted(per_flow.items())},
        rules_per_agent={agent: dict(sorted(counts.items())) for agent, counts in sorted(per_agent.items())},
        handling={agent: _times(values) for agent, values in sorted(durations.items()) if values},
        flows=sorted({str(record.get("flow")) for record in records if record.get("flow")}),
    )


def _times(values: list[float]) -> dict[str, float]:
    return {
        "count": len(values),
        "mean": round(statistics.fmean(values), 1),
        "median": round(statistics.median(values), 1),
        "total": round(sum(values), 1),
    }


def funnel(records: Sequence[Record], flow: str, order: Sequence[str] = ()) -> list[FunnelStep]:
    """Per step of `flow`: how many calls reached it and how many ended there. Steps come in
    `order` (the flow's own order) when given, else in the order calls first reached them."""
    reached: Counter[str] = Counter()
    ended: Counter[str] = Counter()
    first_seen: list[str] = []
    for record in records:
        steps = steps_of(record, flow)
        for step in steps:
            reached[step] += 1
            if step not in first_seen:
                first_seen.append(step)
        if steps:
            ended[steps[-1]] += 1
    known = [step for step in order if step in reached] + [step for step in first_seen if step not in order]
    return [FunnelStep(step, reached[step], ended[step]) for step in known]


# --- the two named reports --------------------------------------------------------------------


def rejections(records: Sequence[Record]) -> list[dict[str, Any]]:
    """ACM's telephone rejection report: every `report.submit` of a `telephone_rejection`
    that the host confirmed, one row per declined contact."""
    rows = []
    for record in records:
        for effect in record.get("effects") or []:
            args = effect.get("args") or {}
            if (
                effect.get("name") == "report.submit"
                and args.get("report") == "telephone_rejection"
                and effect.get("ok")
            ):
                rows.append(
                    {
                        "date": args.get("date") or str(record.get("started", ""))[:10],
                        "agent": args.get("agent") or agent_of(record),
                        "reason": args.get("reason_label") or args.get("reason") or "",
                        "customer": args.get("customer") or "",
                        "vehicle": args.get("vehicle") or "",
                        "follow_up": args.get("follow_up") or "",
                        "call_id": record.get("call_id"),
                    }
                )
    return rows


def rejection_reasons(rows: Sequence[Mapping[str, Any]]) -> list[tuple[str, int]]:
    counts = Counter(str(row["reason"]) for row in rows)
    return sorted(counts.items(), key=lambda item: (-item[1], item[0]))


REPEAT_FLOW = "repeat_contact"


def repeat_contacts(records: Sequence[Record], flow: str = REPEAT_FLOW) -> list[dict[str, Any]]:
    """Beeline's repeat contacts: calls that came back about a case already made (they went
    through the `repeat_contact` flow), grouped by case, most contacts first."""
    by_case: dict[str, dict[str, Any]] = {}
    for record in records:
        if not steps_of(record, flow):
            continue
        case = (record.get("answers") or {}).get("case")
        case = case if isinstance(case, Mapping) else {}
        key = str(case.get("id") or "-")
        row = by_case.setdefault(
            key,
            {
                "case": key,
                "subject": case.get("subject") or "",
                "category": case.get("category") or "",
                "status": case.get("status") or "",
                "contacts": 0,
                "agents": [],
                "last": "",
            },
        )
        row["contacts"] += 1
        agent = agent_of(record)
        if agent and agent not in row["agents"]:
            row["agents"].append(agent)
        row["last"] = max(row["last"], str(record.get("started") or ""))
        row["status"] = case.get("status") or row["status"]
    return sorted(by_case.values(), key=lambda row: (-row["contacts"], row["case"]))


# --- export ------------------------------------------------------------------------------------

CSV_COLUMNS = (
    "call_id",
    "pack",
    "flow",
    "agent",
    "started",
    "ended",
    "duration_seconds",
    "outcome",
    "reason",
    "reason_label",
    "close",
    "queue",
    "rule_events",
    "last_step",
    "description",
)


def to_csv(records: Iterable[Record]) -> str:
    """One line per call, the columns a spreadsheet needs (rule events as `rule×count`)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for record in records:
        rules = Counter(str(event.get("rule")) for event in record.get("events") or [])
        path = record.get("path") or []
        writer.writerow(
            [
                record.get("call_id"),
                record.get("pack"),
                record.get("flow"),
                agent_of(record),
                record.get("started"),
                record.get("ended"),
                record.get("duration_seconds"),
                record.get("outcome"),
                record.get("reason"),
                record.get("reason_label"),
                "yes" if record.get("close") else "no",
                record.get("queue") or "",
                " ".join(f"{rule}×{count}" for rule, count in sorted(rules.items())),
                path[-1] if path else "",
                _safe_cell(str(record.get("description") or "")),
            ]
        )
    return out.getvalue()


def _safe_cell(text: str) -> str:
    """A cell a spreadsheet will not run as a formula (CSV injection): a leading = + - @ is quoted."""
    return f"'{text}" if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text
