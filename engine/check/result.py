"""What checking a pack gives: its model (when it could be built) and every problem."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from callguide.load.files import PackSource
from callguide.model import Pack
from callguide.problems import Problem


@dataclass(slots=True)
class CheckResult:
    """The outcome of checking one pack (or one stray file)."""

    path: Path
    pack: Pack | None
    problems: list[Problem] = field(default_factory=list)
    source: PackSource | None = None

    @property
    def errors(self) -> list[Problem]:
        return [problem for problem in self.problems if problem.severity == "error"]
