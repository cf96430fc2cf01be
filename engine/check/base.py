"""What every checker of a pack's meaning shares: the pack, where problems go, what is broken."""

from __future__ import annotations

from callguide.check.broken import NOTHING_BROKEN, Broken
from callguide.model import Pack
from callguide.problems import Pos, Problem


class Checker:
    def __init__(self, pack: Pack, problems: list[Problem], broken: Broken = NOTHING_BROKEN) -> None:
        self.pack = pack
        self.problems = problems
        self.broken = broken

    def error(self, pos: Pos, code: str, message: str) -> None:
        self.problems.append(Problem(pos, "error", code, message))

    def warning(self, pos: Pos, code: str, message: str) -> None:
        self.problems.append(Problem(pos, "warning", code, message))
