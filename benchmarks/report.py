"""The report: comparisons between rows, the Markdown table and the JSON file."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from benchmarks.harness import Row, Settings, at_least, at_most, first

GROUPS = {
    "load": "Loading packs",
    "session": "One session",
    "kinds": "Every answer kind over the bundled scenarios, in raw triggers (shared 12-state machine)",
    "scale": "Many live sessions",
    "peers": "Peers, same call, same run",
    "compare": "Engine against peers",
}


def comparison_rows(rows: Sequence[Row]) -> list[Row]:
    """The targets that compare two measurements of the same run."""

    def median(key: str) -> float | None:
        row = first(rows, key)
        return row.value if row is not None else None

    def ratio(top: str, bottom: str) -> float | None:
        a, b = median(top), median(bottom)
        return None if a is None or b is None or b == 0 else a / b

    found: list[Row] = []
    value = ratio("session.answer", "peers.transitions.one")
    found.append(
        Row(
            "compare.answer_vs_transitions",
            "compare",
            "one engine answer / one raw `transitions` trigger of the same transition",
            value,
            "x",
            "<= 2x",
            at_most(value, 2.0),
            note="the engine also validates, stores and renders; the trigger only moves",
        )
    )
    for peer, title, limit in (("sismic", "sismic", 2.5), ("python-statemachine", "python-statemachine", 5.0)):
        value = ratio(f"peers.{peer}.call", "session.whole_call")
        found.append(
            Row(
                f"compare.call_vs_{peer}",
                "compare",
                f"the whole call, refusals and wrap-up included: {title} / engine (times faster)",
                value,
                "x",
                f">= {limit:g}x",
                at_least(value, limit),
                note="the peer refuses by a guard and renders nothing",
            )
        )
    for peer, title in (("transitions", "raw transitions"), ("dict", "dict table (the floor)")):
        value = ratio("session.whole_call", f"peers.{peer}.call")
        found.append(
            Row(
                f"compare.call_over_{peer}",
                "compare",
                f"same call: engine / {title} (times slower)",
                value,
                "x",
                note="the price of validating, rendering and recording",
            )
        )
    return found


def human(value: float | None, unit: str) -> str:
    if value is None:
        return "n/a"
    if unit == "s":
        for scale, suffix in ((1.0, "s"), (1e-3, "ms"), (1e-6, "µs")):
            if value >= scale:
                return f"{value / scale:.3g} {suffix}" if value / scale < 100 else f"{value / scale:.0f} {suffix}"
        return f"{value * 1e9:.0f} ns"
    if unit == "B":
        return f"{value:,.0f} B" if value < 10_240 else f"{value / 1024:,.1f} KB"
    if unit == "x":
        return f"{value:.2f}x" if value < 10 else f"{value:.1f}x"
    return f"{value:,.0f}"


def spread(row: Row) -> str:
    stats = row.stats
    if stats is None or row.unit != "s":
        return ""
    return f"{human(stats.q1, 's')} – {human(stats.q3, 's')} (best {human(stats.minimum, 's')})"


def verdict(row: Row) -> str:
    if row.met is None:
        return "—" if row.target == "" else "n/a"
    return "met" if row.met else "**missed**"


def markdown(rows: Sequence[Row], facts: dict[str, Any], settings: Settings) -> str:
    libraries = ", ".join(f"{name} {version or '-'}" for name, version in facts["libraries"].items())
    code = facts["code"]
    revision = f"{(code.get('commit') or 'unknown')[:10]}{' + local changes' if code.get('dirty') else ''}"
    lines = [
        f"# callguide benchmarks ({'quick' if settings.quick else 'full'} run)",
        "",
        f"- machine: {facts['cpu']}, {facts['cores']} cores ({facts['usable_cores']} usable), "
        f"{(facts['memory_bytes'] or 0) / 2**30:.0f} GiB, {facts['os']}",
        f"- Python: {facts['python']}; libraries: {libraries}",
        f"- code: {revision}; measured {facts['when']}; load average before the run "
        f"{' / '.join(f'{n:.2f}' for n in facts.get('load_average') or ())}",
        f"- method: median of {settings.repeat} batches after a warm-up (loads: {settings.load_repeat} runs), "
        "GC on; spread = first to third quartile, and the best batch; the session and peer timings are "
        "interleaved round by round, so their ratios share the machine's drift",
        "",
        "| Measure | Median | Spread (IQR, best) | Target | Met |",
        "|---|---:|---:|---|:---:|",
    ]
    for group, heading in GROUPS.items():
        members = [row for row in rows if row.group == group]
        if not members:
            continue
        lines.append(f"| **{heading}** | | | | |")
        for row in members:
            title = row.title + (f" <br>*{row.note}*" if row.note else "")
            lines.append(
                f"| {title} | {human(row.value, row.unit)} | {spread(row)} | {row.target or '—'} | {verdict(row)} |"
            )
    targets = [row for row in rows if row.target]
    met = [row for row in targets if row.met]
    lines += ["", f"**Targets met: {len(met)} of {len(targets)}.**"]
    missed = [row for row in targets if row.met is False]
    if missed:
        lines.append(
            "Missed: " + "; ".join(f"{row.title} ({human(row.value, row.unit)}, {row.target})" for row in missed)
        )
    loads = first(rows, "load.bundled.in_process")
    if loads is not None and loads.details.get("packs"):
        lines += ["", "| Pack | Flows | Steps | Read + check | Compile |", "|---|---:|---:|---:|---:|"]
        for name, part in loads.details["packs"].items():
            lines.append(
                f"| {name} | {part['flows']} | {part['steps']} | {human(part['read_and_check_s'], 's')} "
                f"| {human(part['compile_s'], 's')} |"
            )
    return "\n".join(lines) + "\n"


def write(rows: Sequence[Row], facts: dict[str, Any], settings: Settings, folder: Path) -> tuple[Path, Path]:
    folder.mkdir(parents=True, exist_ok=True)
    targets = [row for row in rows if row.target]
    data = {
        "format": "callguide.bench/1",
        "mode": "quick" if settings.quick else "full",
        "settings": {
            "repeat": settings.repeat,
            "min_batch_seconds": settings.min_batch_seconds,
            "load_repeat": settings.load_repeat,
            "live_sessions": settings.live_sessions,
        },
        "machine": facts,
        "summary": {"targets": len(targets), "met": sum(1 for row in targets if row.met)},
        "results": [row.as_json() for row in rows],
    }
    json_path = folder / "latest.json"
    md_path = folder / "latest.md"
    json_path.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    md_path.write_text(markdown(rows, facts, settings), encoding="utf-8")
    return json_path, md_path
