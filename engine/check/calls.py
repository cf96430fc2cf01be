"""Checks of the calls between flows: sub-flows that call each other in a circle.

A call comes back only when the called flow ends; flows that call each other in a circle
never all end, and the engine stops the call when sub-flows nest too deep. The circle is
found here, before a caller is left hanging.
"""

from __future__ import annotations

from collections.abc import Iterator

from callguide.check.base import Checker
from callguide.model import AskStep, CallStep, Step
from callguide.problems import Pos


def calls(step: Step) -> Iterator[tuple[str, Pos]]:
    """The flows a step calls, each with where the `call:` stands."""
    if isinstance(step, CallStep):
        yield step.call, step.at("call")
    attempts = step.attempts if isinstance(step, AskStep) else None
    for case in (*step.next, *([attempts.then] if attempts else [])):
        if case.call:
            yield case.call, case.at("call")


class CallChecker(Checker):
    def check(self) -> None:
        flows = self.pack.flows
        edges: dict[str, dict[str, Pos]] = {}
        for flow in flows.values():
            found: dict[str, Pos] = {}
            for step in flow.steps.values():
                for callee, pos in calls(step):
                    if callee in flows:
                        found.setdefault(callee, pos)
            edges[flow.name] = found
        for group in _circles(edges):
            self._report(edges, group)

    def _report(self, edges: dict[str, dict[str, Pos]], group: set[str]) -> None:
        first = min(group)
        cycle = _path(edges, group, first)
        shown = " -> ".join(f"`{name}`" for name in (*cycle, first))
        if len(cycle) == 1:
            what = f"flow `{first}` calls itself: each call starts it again inside itself"
        else:
            what = f"sub-flows call each other in a circle, {shown}: each round starts them again inside themselves"
        message = (
            f"{what}, until sub-flows nest too deep and the call stops; break the circle"
            " (`go` to a step of the same flow, or `end`)"
        )
        self.error(edges[first][(*cycle, first)[1]], "call-cycle", message)


def _circles(edges: dict[str, dict[str, Pos]]) -> list[set[str]]:
    """The groups of flows that can call themselves again (Tarjan's strongly connected
    components, iterative, so that a long chain of calls cannot exhaust the stack)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    groups: list[set[str]] = []
    counter = 0
    for root in sorted(edges):
        if root in index:
            continue
        work: list[tuple[str, Iterator[str]]] = [(root, iter(sorted(edges[root])))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            for child in children:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(edges[child]))))
                    break
                if child in on_stack:
                    low[node] = min(low[node], index[child])
            else:
                work.pop()
                if work:
                    parent = work[-1][0]
                    low[parent] = min(low[parent], low[node])
                if low[node] == index[node]:
                    group: set[str] = set()
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        group.add(member)
                        if member == node:
                            break
                    if len(group) > 1 or node in edges[node]:
                        groups.append(group)
    return groups


def _path(edges: dict[str, dict[str, Pos]], group: set[str], first: str) -> list[str]:
    """The shortest circle from `first` back to itself inside `group`, without the return."""
    if first in edges[first]:
        return [first]
    came: dict[str, str] = {}
    todo = [first]
    while todo:
        node = todo.pop(0)
        for child in sorted(edges[node]):
            if child == first:
                path = [node]
                while path[-1] != first:
                    path.append(came[path[-1]])
                return path[::-1]
            if child in group and child not in came:
                came[child] = node
                todo.append(child)
    return [first]
