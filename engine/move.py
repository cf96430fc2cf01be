"""What the parts of the interpreter share: the move they work in, and the host it runs for.

The interpreter's `Turn` is one move on a copy of the call's state. The parts that do one
job each for it (performing effects, rules, the wrap-up) see it through `Move`, and see
the engine through `Host`, so that every import runs one way: the parts never import the
interpreter, the session or the engine.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any, Protocol

from callguide.clock import Clock
from callguide.compile import CompiledFlow, CompiledPack, CompiledStep
from callguide.context import Contexts
from callguide.snapshot import Snapshots
from callguide.state import State
from callguide.texts import LocalText


class Host(Protocol):
    """What a move and its session read of the engine: the compiled pack, the clock, the
    render context, the snapshots and the host's effect handlers."""

    compiled: CompiledPack
    clock: Clock
    contexts: Contexts
    snapshots: Snapshots

    def handler(self, effect: str) -> Callable[[Any], Any] | None: ...


class Move(Protocol):
    """One move of a call, as the interpreter's parts use it."""

    host: Host
    compiled: CompiledPack
    state: State
    now: datetime
    asked: int  # effects asked for in this move: the last part of their keys
    performed: tuple[dict[str, Any], ...]  # what the host did in this move

    def context(self) -> dict[str, Any]: ...

    def recount(self) -> None: ...

    def store(self, name: str, value: Any, *, own: bool = False) -> None: ...

    def flow(self) -> CompiledFlow: ...

    def step(self) -> CompiledStep: ...

    def to(self, trigger: str) -> None: ...

    def advance(self, trigger: str) -> None: ...

    def enter(self, step_id: str) -> None: ...

    def preset(self, reason: str | None, close: bool | None, description: LocalText | None) -> None: ...

    def end_call(self, outcome: str, reason: str | None) -> None: ...


def blank(raw: Any) -> bool:
    """No answer: nothing, or only spaces."""
    return raw is None or (isinstance(raw, str) and not raw.strip())
