"""The step graph of a flow: every way out of every step, worked out once per flow.

The checker (reachability, loops), the variable analysis (what is saved before a step), the
compiler (the machine's transitions), coverage (which branches are real choices) and the
diagrams all read this one graph. A `call` or `end` written as a branch (of `next:` or of
`attempts:`) becomes a step of its own, `step~n0` / `step~a0`, so that every way is a plain
move between states: the machine has a state for it, and coverage and diagrams see it as a
running session does.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from functools import cached_property
from types import MappingProxyType
from weakref import WeakKeyDictionary

from callguide.model import AskStep, CallStep, Case, Condition, DoStep, EndStep, Flow, Step
from msgspec import Struct

ADVANCE = "advance"  # a branch of `next:`, tried in order
FAIL = "fail"  # a failed effect's `on_failure`
GIVE_UP = "give_up"  # `attempts:`, after too many invalid answers


class Way(Struct, frozen=True):
    """One way out of a step, in the order the engine tries them. (A struct: a 5,000-step
    flow makes 7,000 at every load, where a frozen dataclass sets each field through
    `object.__setattr__`.)"""

    source: str
    trigger: str
    dest: str  # the state it moves to: a step, or the branch's own step (`step~n0`)
    case: Case | None  # the branch as written (None: `on_failure`)
    goes_on: str | None  # the step of this flow the call goes on at (a `call` branch: its `then`)
    saved: bool  # whether the source step's `save` holds there (not after a failure or a give-up)

    @property
    def condition(self) -> Condition | None:
        return self.case.condition if self.case else None


class StepGraph:
    """The steps of one flow (written ones and branch steps) and the ways between them."""

    def __init__(self, flow: Flow) -> None:
        self.start = flow.start
        self.steps = flow.steps  # the steps as written
        branches: dict[str, Step] = {}
        ways: dict[str, tuple[Way, ...]] = {}
        for step in flow.steps.values():
            found = [self._way(step, case, ADVANCE, index, branches) for index, case in enumerate(step.next)]
            if isinstance(step, (AskStep, DoStep)) and step.on_failure:
                found.append(Way(step.id, FAIL, step.on_failure, None, step.on_failure, saved=False))
            if isinstance(step, AskStep) and step.attempts:
                found.append(self._way(step, step.attempts.then, GIVE_UP, 0, branches))
            ways[step.id] = tuple(found)
        for branch in branches.values():
            ways[branch.id] = tuple(self._way(branch, case, ADVANCE, 0, branches) for case in branch.next)
        self.branches: Mapping[str, Step] = MappingProxyType(branches)
        self.ways: Mapping[str, tuple[Way, ...]] = MappingProxyType(ways)

    @staticmethod
    def _way(step: Step, case: Case, trigger: str, index: int, branches: dict[str, Step]) -> Way:
        saved = trigger == ADVANCE
        if case.go:
            return Way(step.id, trigger, case.go, case, case.go, saved)
        branch_id = f"{step.id}~{'n' if trigger == ADVANCE else 'a'}{index}"
        if case.call:
            then = (Case(pos=case.pos, go=case.then),) if case.then else ()
            branch: Step = CallStep(
                id=branch_id, pos=case.pos, call=case.call, save=case.save, next=then, places=case.places
            )
        else:
            branch = EndStep(
                id=branch_id,
                pos=case.pos,
                end=case.end or "",
                reason=case.reason,
                close=case.close,
                description=case.description,
                places=case.places,
            )
        branches[branch_id] = branch
        return Way(step.id, trigger, branch_id, case, case.then if case.call else None, saved)

    @property
    def states(self) -> Iterator[Step]:
        """Every state of the flow's machine: the written steps, then the branch steps."""
        yield from self.steps.values()
        yield from self.branches.values()

    def state(self, name: str) -> Step:
        return self.steps.get(name) or self.branches[name]

    def successors(self, step: str) -> Iterator[tuple[str, bool]]:
        """The written steps the call can go on at from `step` (a name may be misspelt: the
        checker reports it), each with whether the step's `save` holds there."""
        for way in self.ways.get(step, ()):
            if way.goes_on:
                yield way.goes_on, way.saved

    def ends_at(self, step: str) -> bool:
        """Whether the flow can end right at this step."""
        if self.state(step).kind == "end":
            return True
        return any(way.dest in self.branches and self.branches[way.dest].kind == "end" for way in self.ways[step])

    @cached_property
    def order(self) -> list[str]:
        """The written steps reached from the start, in reverse post-order (each step before
        the steps it leads to, loops aside): the order a forward data-flow analysis settles in."""
        postorder: list[str] = []
        if self.start not in self.steps:
            return postorder
        seen = {self.start}
        stack = [(self.start, self.successors(self.start))]
        while stack:
            step, targets = stack[-1]
            for target, _ in targets:
                if target in self.steps and target not in seen:
                    seen.add(target)
                    stack.append((target, self.successors(target)))
                    break
            else:
                stack.pop()
                postorder.append(step)
        return postorder[::-1]

    @cached_property
    def incoming(self) -> dict[str, list[tuple[str, bool]]]:
        """Each written step's predecessors among the written steps, with the `saved` flag."""
        found: dict[str, list[tuple[str, bool]]] = {}
        for step in self.steps:
            for target, saved in self.successors(step):
                if target in self.steps:
                    found.setdefault(target, []).append((step, saved))
        return found


_GRAPHS: WeakKeyDictionary[Flow, StepGraph] = WeakKeyDictionary()


def graph_of(flow: Flow) -> StepGraph:
    """The flow's step graph, built the first time any stage asks for it."""
    found = _GRAPHS.get(flow)
    if found is None:
        _GRAPHS[flow] = found = StepGraph(flow)
    return found
