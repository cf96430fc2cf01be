"""One exception family: every error the engine raises on purpose is defined in
`callguide.problems`, under `CallguideError`, so that a host catches them all at once."""

from __future__ import annotations

import ast
import inspect
from pathlib import Path

import callguide
import pytest
from callguide import CallguideError, Engine, FrozenClock
from callguide.problems import UsageError

ENGINE = Path(callguide.__file__).parent


def test_the_public_errors_are_one_family_from_one_module() -> None:
    errors = [value for value in vars(callguide).values() if inspect.isclass(value) and issubclass(value, Exception)]
    assert {error.__name__ for error in errors} >= {
        "CallguideError",
        "FlowError",
        "InputError",
        "SessionBusy",
        "SnapshotError",
        "RenderError",
        "EffectFailed",
        "FlowRuntimeError",
    }
    assert all(issubclass(error, CallguideError) and error.__module__ == "callguide.problems" for error in errors)


def test_no_module_of_the_engine_defines_an_error_of_its_own() -> None:
    elsewhere = []
    for path in sorted(ENGINE.rglob("*.py")):
        if path.name == "problems.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ClassDef) and any(
                isinstance(base, ast.Name) and base.id.endswith(("Error", "Exception", "Failed", "Problem"))
                for base in node.bases
            ):
                elsewhere.append(f"{path.relative_to(ENGINE)}: {node.name}")
    assert elsewhere == []


def test_a_host_mistake_is_an_engine_error_too() -> None:
    engine = Engine.load(Path(__file__).parent / "packs" / "demo")
    with pytest.raises(UsageError, match="pack `demo` has no environment `staging`"):
        Engine(engine.compiled, environment="staging")
    with pytest.raises(CallguideError, match="a clock only moves forward"):
        FrozenClock("2026-11-23 10:00").advance(-1)
