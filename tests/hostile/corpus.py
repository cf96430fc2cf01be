"""Counts over the whole hostile corpus, for the closing note pytest prints."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REFUSED = "refused"  # the engine said no, with its own error and a clear message
ACCEPTED = "accepted"  # the input was harmless and handled (e.g. a valid answer, a benign text)
CRASH = "crash"  # anything else: another exception, a dead or hung child, an escape


@dataclass(slots=True)
class Corpus:
    rows: list[dict[str, Any]] = field(default_factory=list)

    def add(self, attack: str, reports: list[dict[str, Any]]) -> None:
        for report in reports:
            self.rows.append({"attack": attack, **report})

    def summary(self) -> dict[str, Any]:
        refused = [row for row in self.rows if row.get("verdict") == REFUSED]
        # CPU seconds of one input (a whole pack's check reports `pack_cpu_seconds` instead)
        timed = [row for row in refused if isinstance(row.get("cpu_seconds"), (int, float))]
        slowest = max(timed, key=lambda row: float(row["cpu_seconds"]), default=None)
        return {
            "inputs": sum(_count(row) for row in self.rows),
            "refused": sum(_count(row) for row in refused),
            "accepted": sum(_count(row) for row in self.rows if row.get("verdict") == ACCEPTED),
            "crashes": sum(_count(row) for row in self.rows if row.get("verdict") == CRASH),
            "slowest_refusal": None
            if slowest is None
            else {"attack": slowest["attack"], "input": slowest["input"], "cpu_seconds": slowest["cpu_seconds"]},
            "by_attack": {
                attack: sum(_count(row) for row in self.rows if row["attack"] == attack)
                for attack in sorted({row["attack"] for row in self.rows})
            },
        }

    def write(self) -> None:
        """With HOSTILE_REPORT=path, the summary and every row go to a JSON file too."""
        target = os.environ.get("HOSTILE_REPORT")
        if target:
            Path(target).write_text(json.dumps({"summary": self.summary(), "rows": self.rows}, indent=1, default=str))


def _count(row: dict[str, Any]) -> int:
    """A row stands for one input, or for `count` of them (a fuzzer's or a property's runs)."""
    return int(row.get("count", 1))


CORPUS = Corpus()
