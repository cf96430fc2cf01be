"""What checking a pack gives: its model (when it could be built) and every problem."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from callguide.model import Pack
from callguide.problems import Problem

if TYPE_CHECKING:  # reading files imports the YAML parsers: a cached load never needs them
    from callguide.load.files import PackSource


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
