"""Runs template payloads in a child process, through two layers, and reports each.

1. As a flow file: `check_pack` must refuse it with a problem at its place, or the engine
   must refuse it at run time with `RenderError` / `FlowRuntimeError`, or render something
   harmless.
2. Straight into the sandbox (`CompiledText` / `CompiledCondition`), with no checker in
   front: the sandbox alone must hold, with `RenderError` or a harmless result.

Shell commands, `import`s of what a payload names, and anything in the output that looks
like Python internals (`payloads.LEAKS`) make the verdict a crash.
"""

from __future__ import annotations

import builtins
import importlib
import os
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterable
from datetime import UTC, date, datetime
from pathlib import Path
from types import MappingProxyType
from typing import Any

import callguide.check.run  # noqa: F401  (the checker's stages load on the first check: before imports are watched)
from callguide import Engine, FlowError, FlowRuntimeError, FrozenClock, RenderError
from callguide.check import check_pack
from callguide.expr import CompiledCondition, CompiledText
from callguide.filters import make_environment
from callguide.problems import Pos

from .packs import CONTEXT, condition_flow, say_flow, write_pack
from .payloads import LEAKS, Payload

Report = Callable[..., None]
# What a payload (or a flow's dotted name) would import to escape; nothing may import them
# while flows are checked, compiled and run.
FORBIDDEN_IMPORTS = frozenset(
    {"os", "posix", "nt", "subprocess", "pty", "socket", "shutil", "ctypes", "builtins", "pickle", "marshal",
     "code", "codeop", "runpy", "webbrowser", "eval", "exec", "system"}
)  # fmt: skip
SHELL: list[str] = []  # every attempt to run a command, whoever made it


def forbid_shell() -> None:
    """Any way to start a process now records the attempt and fails."""

    def refuse(name: str) -> Callable[..., Any]:
        def call(*args: Any, **kwargs: Any) -> Any:
            SHELL.append(f"{name}{args!r}")
            raise PermissionError(f"{name} is not allowed in the hostile tests")

        return call

    for name in ("system", "popen", "execv", "execve", "execvp", "spawnv", "spawnve", "posix_spawn", "fork"):
        if hasattr(os, name):
            setattr(os, name, refuse(f"os.{name}"))
    subprocess.Popen.__init__ = refuse("subprocess.Popen")  # type: ignore[method-assign]


def leaked(text: Any) -> list[str]:
    shown = str(text)
    return [marker for marker in LEAKS if marker in shown]


def run_payloads(payloads: Iterable[Payload], report: Report) -> None:
    forbid_shell()
    imports_before = set(_imported)
    root = Path(tempfile.mkdtemp()) / "pack"
    env = make_environment()
    now = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
    direct_context = {
        **env.globals,
        **CONTEXT,
        "now": now,
        "today": date(2026, 1, 5),
        "pack": {"name": "hostile"},
        "env": MappingProxyType({"queues": {"desk": "DESK"}}),
    }
    for payload in payloads:
        started = time.process_time()
        shell_before = len(SHELL)
        layers: dict[str, Any] = {}
        try:
            layers["flow"] = _through_a_flow(payload, root)
            layers["sandbox"] = _straight_into_the_sandbox(payload, env, direct_context)
        except BaseException as crash:  # the point of the probe: report it, do not die
            layers["crash"] = f"{type(crash).__name__}: {crash}"[:500]
        seconds = time.process_time() - started
        shown = [output for status, output in layers.values() if status == "rendered"] if "crash" not in layers else []
        problems = [*leaked(shown), *SHELL[shell_before:]]
        if "crash" in layers or problems or "crash" in (layers["flow"][0], layers["sandbox"][0]):
            verdict = "crash"
        elif layers["flow"][0] == "refused":
            verdict = "refused"
        else:
            verdict = "accepted"
        report(payload.name, verdict=verdict, cpu_seconds=seconds, kind=payload.kind, layers=layers, leaks=problems)
    new_imports = sorted(set(_imported) - imports_before)
    named = sorted(name for name in new_imports if name.split(".")[0] in FORBIDDEN_IMPORTS)
    report("(imports)", verdict="accepted" if not named else "crash", imported=new_imports, forbidden=named)


def _through_a_flow(payload: Payload, root: Path) -> tuple[str, Any]:
    flow = say_flow(payload.source) if payload.kind == "text" else condition_flow(payload.source)
    write_pack(root, {"main.yaml": flow})
    result = check_pack(root)
    if result.errors:
        return "refused", [str(problem) for problem in result.errors]
    try:
        engine = Engine.load(root, clock=FrozenClock())
        session = engine.start("main", dict(CONTEXT))
        view = session.view
    except (RenderError, FlowRuntimeError) as refused:
        return "refused", [str(refused)]
    except FlowError as problems:
        return "crash", [f"the checker passed it but the engine did not load it: {problems}"]
    return "rendered", view.say if payload.kind == "text" else session.state.path


def _straight_into_the_sandbox(payload: Payload, env: Any, context: dict[str, Any]) -> tuple[str, Any]:
    where = Pos("direct.yaml", 7, 9)
    try:
        if payload.kind == "text":
            return "rendered", CompiledText(env, payload.source, where).render(dict(context))
        return "rendered", repr(CompiledCondition(env, payload.source, where).value(dict(context)))[:300]
    except RenderError as refused:
        if not str(refused).startswith("direct.yaml:7:9: "):
            return "crash", f"a RenderError without its place: {refused}"
        return "refused", str(refused)


# --- which modules get imported while payloads run ---------------------------------------------

_imported: list[str] = []
_real_import = builtins.__import__


def _recording_import(name: str, *args: Any, **kwargs: Any) -> Any:
    if name not in _seen:
        _seen.add(name)
        _imported.append(name)
    return _real_import(name, *args, **kwargs)


_seen: set[str] = set()


def _recording_import_module(name: str, package: str | None = None) -> Any:
    if name not in _seen:
        _seen.add(name)
        _imported.append(name)
    return _real_import_module(name, package)


_real_import_module = importlib.import_module


def watch_imports() -> None:
    """From now on, record the name of every module asked for (the first time), by an
    `import` statement, `__import__` (what `transitions` uses for a dotted callback name)
    or `importlib.import_module`."""
    builtins.__import__ = _recording_import
    importlib.import_module = _recording_import_module
