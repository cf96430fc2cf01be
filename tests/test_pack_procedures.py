"""The bundled packs held to their procedures across calls (what one scenario cannot show)."""

from __future__ import annotations

from pathlib import Path

from callguide.clock import FrozenClock
from callguide.host import local_engine

FLOWS = Path(__file__).resolve().parent.parent / "flows"


def test_acm_a_new_decline_reason_reaches_the_telephone_rejection_report() -> None:
    engine, store = local_engine(FLOWS / "acm", clock=FrozenClock("2026-11-23 10:00+00:00"))
    task = store.get("tasks", "T001")
    customer = store.get("customers", "C001")
    call = engine.start("customer_declined", {"agent": {"name": "Karen"}, "task": task, "customer": customer})
    for answer in ("new", "Bought an electric car", "yes", None, None):
        call.answer(answer)
    assert call.outcome == "refused"
    report = engine.start("rejection_report", {"agent": {"name": "Supervisor"}})
    shown = report.view.say or ""
    assert "Telephone rejection report: 4 declined." in shown
    assert "Bought an electric car: 1" in shown
    assert "2026-11-23 - C001 (AB12 CDE, MOT): Bought an electric car - Karen" in shown


def test_helpdesk_every_flow_takes_the_golden_rule() -> None:
    engine, _ = local_engine(FLOWS / "helpdesk")
    for name, flow in engine.pack.flows.items():
        allowed = set(engine.pack.rules) if flow.rules is None else set(flow.rules)
        assert allowed & {"not_covered", "not_covered_no_caller"}, name
