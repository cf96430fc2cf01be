"""The supervisor's figures over real call records: the bundled packs' scenarios, run."""

from __future__ import annotations

import csv
import io
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from callguide.problems import UsageError
from callguide.service import reports
from callguide.testing import run_scenario

FLOWS = Path(__file__).resolve().parents[2] / "flows"
SCENARIOS = (
    "acm/tests/declined_configured_reason.yaml",
    "acm/tests/declined_new_reason.yaml",
    "beeline/tests/repeat_open_overdue_comment.yaml",
    "beeline/tests/repeat_open_in_time_insists.yaml",
    "beeline/tests/rule_insult.yaml",
    "beeline/tests/rule_off_topic.yaml",
    "bboxx/tests/incoming_client_by_name_payment_query.yaml",
)


@cache
def records() -> tuple[dict[str, Any], ...]:
    out = []
    for name in SCENARIOS:
        result = run_scenario(FLOWS / name)
        assert result.passed and result.record is not None, name
        out.append(result.record)
    return tuple(out)


def moved(record: dict[str, Any], day: str, agent: str) -> dict[str, Any]:
    """A record as if the call was taken on another day by another agent."""
    return {**record, "started": f"{day}T10:00:00+00:00", "agent": {"name": agent}}


def test_end_reasons_are_counted_most_first_and_the_closed_share_is_of_all_calls() -> None:
    calls = records()
    figures = reports.summary(calls)
    assert figures.calls == len(SCENARIOS)
    assert sum(count for _, count in figures.reasons) == len(SCENARIOS)
    assert dict(figures.reasons)["declined"] == 2
    closed = [record for record in calls if record["close"]]
    assert figures.closed == len(closed)
    assert figures.closed_share == pytest.approx(len(closed) / len(SCENARIOS))


def test_rule_events_are_counted_per_flow_and_per_agent() -> None:
    figures = reports.summary(records())
    assert figures.rules_per_flow["incoming"]["insult"] == 2
    assert figures.rules_per_agent["Мария"]["insult"] == 2
    assert "process_calls" not in figures.rules_per_flow  # ACM calls had no rule events


def test_the_funnel_shows_where_calls_of_a_flow_stopped() -> None:
    steps = {step.step: step for step in reports.funnel(records(), "incoming")}
    # both Beeline incoming calls passed the greeting; the insult call left incoming at `reason`
    assert steps["greeting"].reached >= 2
    assert steps["reason"].ended_here >= 1
    assert steps["greeting"].ended_here == 0


def test_the_funnel_follows_the_flows_own_step_order() -> None:
    order = ["greeting", "is_subscriber", "reason"]
    assert [step.step for step in reports.funnel(records(), "incoming", order)][:3] == order


def test_filters_pick_by_agent_flow_reason_closed_rule_and_date() -> None:
    calls = [*records(), moved(records()[0], "2026-12-01", "Tom")]
    assert len(reports.Filters(agent="Tom").apply(calls)) == 1
    assert {r["flow"] for r in reports.Filters(flow="repeat_contact").apply(calls)} == {"repeat_contact"}
    assert all(r["reason"] == "declined" for r in reports.Filters(reason="declined").apply(calls))
    assert all(not r["close"] for r in reports.Filters(closed=False).apply(calls))
    assert {r["call_id"] for r in reports.Filters(rule="insult").apply(calls)} == {records()[4]["call_id"]}
    assert len(reports.Filters(rule="any").apply(calls)) == 2
    assert reports.Filters(date_from=date(2026, 12, 1)).apply(calls) == [calls[-1]]
    assert calls[-1] not in reports.Filters(date_to=date(2026, 11, 30)).apply(calls)


def test_filters_from_a_query_string_and_back() -> None:
    query = {"date_from": "2026-11-01", "closed": "no", "agent": " Мария ", "rule": ""}
    filters = reports.Filters.from_query(query)
    assert filters == reports.Filters(date_from=date(2026, 11, 1), closed=False, agent="Мария")
    assert filters.as_query() == {"date_from": "2026-11-01", "agent": "Мария", "closed": "no"}


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"date_from": "yesterday"}, "date_from is a date like 2026-03-31, not `yesterday`"),
        ({"closed": "maybe"}, "closed is yes or no, not `maybe`"),
        ({"agnet": "Tom"}, "unknown filter agnet"),
    ],
)
def test_a_bad_filter_says_what_is_wrong(query: dict[str, str], message: str) -> None:
    with pytest.raises(UsageError, match=message):
        reports.Filters.from_query(query)


def test_handling_time_per_agent_and_overall() -> None:
    calls = [
        {**moved(records()[0], "2026-11-23", "Ann"), "duration_seconds": 60.0},
        {**moved(records()[0], "2026-11-23", "Ann"), "duration_seconds": 120.0},
        {**moved(records()[0], "2026-11-23", "Bob"), "duration_seconds": 300.0},
    ]
    handling = reports.summary(calls).handling
    assert handling["Ann"] == {"count": 2, "mean": 90.0, "median": 90.0, "total": 180.0}
    assert handling[""]["total"] == 480.0


def test_the_acm_rejection_report_lists_each_declined_contact_with_its_reason() -> None:
    rows = reports.rejections(records())
    assert len(rows) == 2
    assert rows[0] | {"call_id": None} == {
        "date": "2026-11-23",
        "agent": "Karen",
        "reason": "Vehicle sold",
        "customer": "C001",
        "vehicle": "AB12 CDE",
        "follow_up": "MOT",
        "call_id": None,
    }
    assert sum(count for _, count in reports.rejection_reasons(rows)) == 2


def test_beeline_repeat_contacts_are_grouped_by_case() -> None:
    calls = [*records(), moved(records()[2], "2026-11-24", "Пётр")]
    rows = reports.repeat_contacts(calls)
    top = rows[0]
    assert top["case"] == "1-48102"
    assert top["contacts"] == 2
    assert top["agents"] == ["Мария", "Пётр"]
    assert top["last"].startswith("2026-11-24")


def test_csv_export_has_a_line_per_call_and_defuses_formulas() -> None:
    calls = [*records()[:2], {**records()[0], "description": "=HYPERLINK(1)"}]
    rows = list(csv.reader(io.StringIO(reports.to_csv(calls))))
    assert rows[0] == list(reports.CSV_COLUMNS)
    assert len(rows) == 4
    assert rows[1][rows[0].index("reason")] == "declined"
    assert rows[3][rows[0].index("description")] == "'=HYPERLINK(1)"
    insult = list(csv.reader(io.StringIO(reports.to_csv([records()[4]]))))[1]
    assert insult[reports.CSV_COLUMNS.index("rule_events")] == "insult×2"
