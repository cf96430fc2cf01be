"""The engine's modules import one way: no cycle between them, counting the imports made
inside a function or behind `TYPE_CHECKING` (such an import may save start-up time, never
hide a cycle); the runtime's modules import everything at the top."""

from __future__ import annotations

import ast
from graphlib import CycleError, TopologicalSorter
from pathlib import Path

import callguide

ENGINE = Path(callguide.__file__).parent


def _module(path: Path) -> str:
    parts = path.relative_to(ENGINE).with_suffix("").parts
    return ".".join(("callguide", *parts)).removesuffix(".__init__")


def _imports() -> tuple[dict[str, set[str]], list[str]]:
    modules = {_module(path): path for path in ENGINE.rglob("*.py")}
    graph: dict[str, set[str]] = {name: set() for name in modules}
    hidden: list[str] = []
    for name, path in modules.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        top_level = {id(node) for node in tree.body if isinstance(node, (ast.Import, ast.ImportFrom))}
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("callguide"):
                targets = [f"{node.module}.{alias.name}" for alias in node.names]
                found = {t if t in modules else node.module for t in targets}
            elif isinstance(node, ast.Import):
                found = {alias.name for alias in node.names if alias.name.startswith("callguide")}
            else:
                continue
            if not found:
                continue
            if id(node) not in top_level:
                hidden.append(f"{name} imports {', '.join(sorted(found))} inside a function or a block")
            if name != "callguide":  # the package's face re-exports everything
                graph[name] |= {target for target in found if target != "callguide"}
    return graph, hidden


def test_no_import_cycle_between_the_engine_modules() -> None:
    graph, _ = _imports()
    try:
        order = list(TopologicalSorter(graph).static_order())
    except CycleError as cycle:
        raise AssertionError(f"import cycle: {' -> '.join(cycle.args[1])}") from None
    assert order.index("callguide.session") > order.index("callguide.interpreter") > order.index("callguide.perform")


RUNTIME = (
    "context",
    "engine",
    "interpreter",
    "perform",
    "phases",
    "record",
    "rules",
    "session",
    "snapshot",
    "view",
    "wrapup",
)


def test_the_runtime_hides_no_import() -> None:
    _, hidden = _imports()
    assert [line for line in hidden if line.split()[0].removeprefix("callguide.") in RUNTIME] == []


def test_the_compiler_does_not_import_the_checker() -> None:
    """Data flows one way: files -> model -> checked model -> compiled machines. The compiler
    reads a checked model; what it shares with the checker lives below both."""
    graph, _ = _imports()
    compiler = {"callguide.compile", "callguide.entities", "callguide.texts", "callguide.expr", "callguide.machines"}
    for module in compiler & set(graph):
        assert [t for t in graph[module] if t.startswith("callguide.check")] == [], module


def test_only_loading_and_checking_read_the_loader() -> None:
    """The loader parses YAML into the model; the runtime asks it for nothing (a duration
    parser, say, lives with the clock). The checker, the scenario runner and the sample store
    read files, so they may use it."""
    graph, _ = _imports()
    readers = ("callguide.load", "callguide.check", "callguide.testing", "callguide.host")
    for module, targets in graph.items():
        if module.startswith(readers):
            continue
        assert [t for t in targets if t.startswith("callguide.load")] == [], module


def test_the_text_layer_is_split_by_job() -> None:
    """The sandbox knows nothing of the engine; the analysts' filters sit on it; the checker
    reads texts through the static analysis and never compiles them to run."""
    graph, _ = _imports()
    assert {t for t in graph["callguide.sandbox"] if t.startswith("callguide")} == set()
    assert graph["callguide.analysis"] == {"callguide.sandbox"}
    checker = [name for name in graph if name.startswith("callguide.check")]
    assert [name for name in checker if graph[name] & {"callguide.expr", "callguide.texts", "callguide.compile"}] == []
