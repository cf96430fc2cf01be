"""Problems found in flow files, and every error the engine raises.

A `Problem` is one finding of the loader or the checker, always with a place an analyst can
open (`file:line:col`). `FlowError` carries every problem of a load at once, so that nobody
fixes one mistake per run. Every error the engine raises on purpose is defined here, under
one base class (`CallguideError`), so that a host catches them all with one `except`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from callguide.i18n import _

Severity = Literal["error", "warning"]


@dataclass(frozen=True, slots=True, order=True)
class Pos:
    """A place in a source file; line and column count from 1."""

    file: str
    line: int = 1
    col: int = 1

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.col}"


@dataclass(frozen=True, slots=True)
class Problem:
    pos: Pos
    severity: Severity
    code: str
    message: str

    def __str__(self) -> str:
        return f"{self.pos}: {self.severity} {self.code}: {self.message}"

    def as_json(self) -> dict[str, object]:
        return {
            "file": self.pos.file,
            "line": self.pos.line,
            "col": self.pos.col,
            "severity": self.severity,
            "code": self.code,
            "message": self.message,
        }


def sort_problems(problems: Iterable[Problem]) -> list[Problem]:
    unique = dict.fromkeys(problems)
    return sorted(unique, key=lambda p: (p.pos, p.code, p.message))


class CallguideError(Exception):
    """Base of every error the engine raises on purpose."""


class FlowError(CallguideError):
    """A pack could not be loaded: carries every problem found, sorted by place."""

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems = tuple(sort_problems(problems))
        errors = [p for p in self.problems if p.severity == "error"]
        summary = f"{len(errors)} error(s) in the flow files"
        super().__init__(summary + "".join(f"\n  {p}" for p in errors[:50]))

    @property
    def errors(self) -> tuple[Problem, ...]:
        return tuple(p for p in self.problems if p.severity == "error")


def closest(word: str, candidates: Iterable[str]) -> str | None:
    """The candidate `word` was probably meant to be: close in spelling, or the same but for case."""
    import difflib

    names = sorted(set(candidates))
    close = difflib.get_close_matches(word, names, n=1, cutoff=0.6)
    if close:
        return close[0]
    lowered = {n.lower(): n for n in names}
    return lowered.get(word.lower())


def did_you_mean(word: str, candidates: Iterable[str]) -> str:
    """` - did you mean `x`?` when a close candidate exists, else an empty string."""
    found = closest(word, candidates)
    return _(" - did you mean `{found}`?").format(found=found) if found else ""


class InputError(CallguideError):
    """An answer, event or action the session cannot accept; the session is unchanged.

    `message` is written for the agent; `step` says where the session stood.
    """

    def __init__(self, message: str, step: str | None = None) -> None:
        super().__init__(_worded(message, step))
        self.message = message
        self.step = step

    def at_step(self, step: str) -> InputError:
        """This error, naming the step it was refused at (answer types do not know it): named
        in place, as `InputError(message, step)` says it, without making another error."""
        self.step = step
        self.args = (_worded(self.message, step),)
        return self


def _worded(message: str, step: str | None) -> str:
    return message if step is None else f"{step}: {message}"


class SessionBusy(InputError):
    """Another thread is applying an answer to this session; try again."""


class SnapshotError(CallguideError):
    """A snapshot that cannot be resumed: forged, truncated, edited, or of a changed flow."""


class RenderError(CallguideError):
    """A text or condition failed at run time; says where in the flow files."""

    def __init__(self, pos: Pos, message: str) -> None:
        super().__init__(f"{pos}: {message}")
        self.pos = pos
        self.detail = message


class FlowRuntimeError(CallguideError):
    """The flow itself cannot go on (a text that does not render, a loop that asks nothing);
    the move is undone."""


class EffectFailed(CallguideError):
    """Raised by a handler (or given to `Session.fail`) when an effect could not be done;
    the engine's own refusals of an effect (a lifecycle guard) are this too."""


class ScenarioError(CallguideError):
    """A scenario file that cannot run at all (not YAML, wrong shape, no pack)."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("\n".join(str(problem) for problem in problems))
        self.problems = problems


class YamlProblem(CallguideError):
    """A YAML file that cannot be read at all (syntax, limits): one problem, with its place."""

    def __init__(self, problem: Problem) -> None:
        super().__init__(str(problem))
        self.problem = problem


class StoreError(CallguideError):
    """Sample data that cannot be read."""


class UnknownSample(StoreError):
    """An id given for a call's input (`customer: NB-001`) that is not in the pack's sample data;
    `name` is the input (`customer`)."""

    def __init__(self, name: str, message: str) -> None:
        super().__init__(message)
        self.name = name
        self.message = message


class UsageError(CallguideError, ValueError):
    """The host program called the engine wrongly (an environment the pack does not have,
    a clock moved backwards)."""
