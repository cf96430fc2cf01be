"""The supervisor's report as the page shows it: the call records the service keeps, picked by
the filters and added up by `callguide.service.reports`, with the labels the page needs."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from callguide.problems import UsageError
from callguide.service import reports
from callguide.service.auth import Identity
from callguide.service.console.catalog import call_end
from callguide.service.problems import ApiProblem
from fastapi import Request

RECORDS_LIMIT = 100_000  # every record the filters can pick from
SHOWN = 200  # records listed on the page (the CSV has them all)


def service_of(request: Request) -> Any:
    return request.app.state


def packs_of(request: Request) -> Any:
    return service_of(request).packs


def supervisor(identity: Identity) -> Identity:
    """The caller, who must be a supervisor (the figures cover every agent's calls)."""
    if not identity.supervisor:
        raise ApiProblem(403, "forbidden", "the figures are for supervisors")
    return identity


def _filters(query: Mapping[str, str]) -> tuple[reports.Filters, str]:
    values = {name: value for name, value in query.items() if name != "funnel"}
    try:
        return reports.Filters.from_query(values), query.get("funnel", "")
    except UsageError as error:
        raise ApiProblem(422, "invalid-request", str(error)) from None


def _records(request: Request, identity: Identity, filters: reports.Filters) -> list[dict[str, Any]]:
    calls = service_of(request).calls
    found = calls.records(identity, filters.pack or None, None, RECORDS_LIMIT)
    picked = filters.apply(found)
    return sorted(picked, key=lambda record: str(record.get("started") or ""), reverse=True)


def report(request: Request, identity: Identity, query: Mapping[str, str]) -> dict[str, Any]:
    filters, funnel_flow = _filters(query)
    records = _records(request, identity, filters)
    everything = _records(request, identity, reports.Filters(pack=filters.pack))
    loaded = packs_of(request).get(filters.pack) if filters.pack else None
    compiled = loaded.engine.compiled if loaded is not None else None
    summary = reports.summary(records)
    flow = funnel_flow or filters.flow or (summary.flows[0] if summary.flows else "")
    order: list[str] = []
    if compiled is not None and flow in compiled.flows:
        order = [step for step in compiled.flows[flow].steps if "~" not in step]
    rejections = reports.rejections(records)
    return {
        "filters": filters.as_query(),
        "summary": {
            "calls": summary.calls,
            "reasons": summary.reasons,
            "closed": summary.closed,
            "closed_share": summary.closed_share,
            "rules_per_flow": summary.rules_per_flow,
            "rules_per_agent": summary.rules_per_agent,
            "handling": summary.handling,
        },
        "funnel": {
            "flow": flow,
            "steps": [
                {"step": step.step, "reached": step.reached, "ended_here": step.ended_here}
                for step in reports.funnel(records, flow, order)
            ],
        },
        "rejections": rejections,
        "rejection_reasons": reports.rejection_reasons(rejections),
        "repeat_contacts": reports.repeat_contacts(records),
        "records": [_row(record, compiled) for record in records[:SHOWN]],
        "options": _options(everything, compiled, loaded),
    }


def _title(compiled: Any, flow: str) -> str:
    if compiled is not None and flow in compiled.flows:
        return str(compiled.flows[flow].flow.title or flow)
    return flow


def _row(record: Mapping[str, Any], compiled: Any) -> dict[str, Any]:
    rules: dict[str, int] = {}
    for event in record.get("events") or []:
        rules[str(event.get("rule"))] = rules.get(str(event.get("rule")), 0) + 1
    return {
        "call_id": record.get("call_id"),
        "started": str(record.get("started") or ""),
        "agent": reports.agent_of(record),
        "flow": record.get("flow"),
        "flow_title": _title(compiled, str(record.get("flow") or "")),
        "reason": record.get("reason"),
        "reason_label": record.get("reason_label"),
        "close": bool(record.get("close")),
        "rules": ", ".join(f"{rule} × {count}" for rule, count in sorted(rules.items())),
        "duration_seconds": record.get("duration_seconds"),
    }


def _options(records: list[dict[str, Any]], compiled: Any, loaded: Any) -> dict[str, Any]:
    """What the filters offer: the pack's flows, reasons and rules, and the agents seen."""
    agents = sorted({reports.agent_of(record) for record in records} - {""})
    flows = sorted({str(record.get("flow")) for record in records if record.get("flow")})
    labels = {str(r.get("reason")): str(r.get("reason_label") or r.get("reason")) for r in records if r.get("reason")}
    rules: list[dict[str, str]] = []
    if loaded is not None:
        pack = loaded.engine.pack
        described = call_end(loaded.engine, pack.language)
        for reason in described["reasons"] if described else []:
            labels.setdefault(reason["key"], reason["label"])
        rules = [{"name": name, "label": str(name)} for name in pack.rules]
    return {
        "agents": agents,
        "flows": [{"name": flow, "title": _title(compiled, flow)} for flow in flows],
        "reasons": [{"key": key, "label": label} for key, label in sorted(labels.items(), key=lambda item: item[1])],
        "rules": rules,
    }


def csv_export(request: Request, identity: Identity, query: Mapping[str, str]) -> str:
    filters, _ = _filters(query)
    return reports.to_csv(_records(request, identity, filters))
