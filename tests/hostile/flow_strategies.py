"""Hypothesis strategies that generate valid flows, and mutate them into hostile ones.

A generated flow is a chain of steps of every kind (say, ask with each answer type,
branches on conditions, sub-flow calls, effects, ends) that only ever jumps forward, so
that it always ends; its texts and conditions read the flow's inputs. A mutation replaces,
removes or adds a value anywhere in it: wrong types, unknown names, dotted callables,
template payloads (escapes and resource abuse) and YAML-looking text.
"""

from __future__ import annotations

import copy
from typing import Any

import yaml
from hypothesis import strategies as st
from mutation import paths

from .packs import INPUTS
from .payloads import ESCAPES, RESOURCES

TEXTS = [
    "Hello",
    "Hello {{ customer.name }}",
    "{{ x|upper }} and {{ n * 2 }}",
    "{% for item in items %}{{ item }}{% if not loop.last %}, {% endif %}{% endfor %}",
    "{{ customer.phone|mask_phone }}",
    "Today is {{ today|format_date }}",
    "{{ '%05d'|format(n) }} - {{ x|center(9) }}",
]
CONDITIONS = ["x == 'abc'", "n > 3", "items|length > 1", "customer.name == 'Ann'", "true", "x in ['a', 'abc']"]
OUTCOMES = ["resolved", "unresolved", "escalated"]
HOSTILE_VALUES: list[Any] = [
    None, True, 0, -1, 10**18, 2.5, "", "x", [], {}, [None], {"if": "x"}, "os.system", "builtins.eval",
    "__import__", "trigger", "state", "{{ 7*7 }}", "{{", "}}", "{% for %}", "nowhere", "s0", "main",
    "*alias", "&anchor", "!!python/object:os.system", "<<", "- a", "a: b", ".nan", "9" * 30,
    *(payload.source for payload in ESCAPES[::7]), *(payload.source for payload in RESOURCES[::5]),
]  # fmt: skip
KEYS = ["say", "ask", "do", "call", "end", "next", "save", "with", "choice", "yes_no", "number", "text", "if",
        "go", "then", "set", "warn", "default", "optional", "attempts", "reason", "close", "on_failure", "input"]  # fmt: skip


@st.composite
def flows(draw: st.DrawFn) -> dict[str, Any]:
    """A valid flow named `main` (with `sub`, a sub-flow it may call)."""
    count = draw(st.integers(2, 9))
    steps: dict[str, Any] = {}
    for index in range(count):
        later = [f"s{j}" for j in range(index + 1, count)]
        if not later:
            steps[f"s{index}"] = {"end": draw(st.sampled_from(OUTCOMES))}
            continue
        kind = draw(st.sampled_from(["say", "choice", "yes_no", "number", "text", "branch", "call", "do", "end"]))
        step: dict[str, Any] = {}
        if kind == "end":
            step = {"say": draw(st.sampled_from(TEXTS)), "end": draw(st.sampled_from(OUTCOMES))}
            steps[f"s{index}"] = step
            continue
        if kind == "say":
            step["say"] = draw(st.sampled_from(TEXTS))
        elif kind in ("choice", "yes_no", "number", "text"):
            step["ask"] = draw(st.sampled_from(TEXTS))
            step[kind] = {
                "choice": {"a": "Option A", "b": "Option B", "c": draw(st.sampled_from(TEXTS))},
                "yes_no": True,
                "number": {"min": 0, "max": draw(st.integers(1, 500))},
                "text": {"min_length": draw(st.integers(0, 3))},
            }[kind]
            step["save"] = f"v{index}"
        elif kind == "call":
            step["next"] = [{"call": "sub", "then": draw(st.sampled_from(later))}]
            steps[f"s{index}"] = step
            continue
        elif kind == "do":
            step.update(
                {"do": "sms.send", "with": {"to": "{{ customer.phone }}", "text": draw(st.sampled_from(TEXTS))}}
            )
            step["on_failure"] = draw(st.sampled_from(later))
        branches = draw(st.integers(0, 2)) if kind != "branch" else draw(st.integers(1, 3))
        cases = [{"if": draw(st.sampled_from(CONDITIONS)), "go": draw(st.sampled_from(later))} for _ in range(branches)]
        default = draw(st.sampled_from(later))
        step["next"] = [*cases, {"go": default}] if cases else default
        steps[f"s{index}"] = step
    return {"flow": "main", "title": "Generated", "input": list(INPUTS), "start": "s0", "steps": _reached(steps)}


def _reached(steps: dict[str, Any]) -> dict[str, Any]:
    """The steps a path from `s0` leads to: a step no path reaches is an error, not a valid flow."""
    reached, todo = {"s0"}, ["s0"]
    while todo:
        step = steps[todo.pop()]
        branches = step.get("next")
        cases = branches if isinstance(branches, list) else [{"go": branches}] if branches else []
        targets = [step.get("on_failure"), *(case.get("go") or case.get("then") for case in cases)]
        for target in targets:
            if target and target not in reached:
                reached.add(target)
                todo.append(target)
    return {name: step for name, step in steps.items() if name in reached}


SUB_FLOW = {
    "flow": "sub",
    "title": "Sub-flow",
    "start": "ask",
    "steps": {"ask": {"ask": "Which?", "choice": {"one": "One", "two": "Two"}, "save": "which", "next": "done"},
              "done": {"end": "resolved"}},
}  # fmt: skip
RULES = {
    "rules": {
        "inaudible": {"label": "Inaudible", "warnings": 2, "warning": "Again", "then": {"end": "dropped"}},
        "insult": {"label": "Insult", "then": {"switch": "sub"}},
    }
}


def dump(data: Any) -> str:
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=4096)


@st.composite
def mutated_flows(draw: st.DrawFn) -> dict[str, Any]:
    """A generated flow with one to four hostile changes."""
    flow = draw(flows())
    for _ in range(draw(st.integers(1, 4))):
        path = draw(st.sampled_from([path for path in paths(flow) if path]))
        parent: Any = flow
        for part in path[:-1]:
            parent = parent[part]
        action = draw(st.integers(0, 2))
        value = copy.deepcopy(draw(st.sampled_from(HOSTILE_VALUES)))  # never the pool's own list or map
        if action == 0:
            parent[path[-1]] = value
        elif action == 1 and isinstance(parent, dict):
            parent[draw(st.sampled_from(KEYS))] = value
        elif isinstance(parent, dict):
            del parent[path[-1]]
        else:
            parent.pop(path[-1])
    return flow
