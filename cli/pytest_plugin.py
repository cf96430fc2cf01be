"""pytest collects scenario files: `pytest flows/` runs every pack's scenario tests."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from callguide.testing import Failure, find_scenarios, run_scenario


def pytest_collect_file(parent: pytest.Collector, file_path: Path) -> pytest.Collector | None:
    if file_path.suffix in (".yaml", ".yml") and "tests" in file_path.parts and find_scenarios([file_path]):
        return ScenarioFile.from_parent(parent, path=file_path)
    return None


class ScenarioFile(pytest.File):
    def collect(self) -> Iterator[pytest.Item]:
        yield ScenarioItem.from_parent(self, name=self.path.stem)


class ScenarioFailed(Exception):
    def __init__(self, failures: list[Failure], transcript: list[str]) -> None:
        super().__init__("\n".join(map(str, failures)))
        self.failures = failures
        self.transcript = transcript


class ScenarioItem(pytest.Item):
    def runtest(self) -> None:
        result = run_scenario(self.path)
        if result.failures:
            raise ScenarioFailed(result.failures, result.transcript)

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> str:
        error = excinfo.value
        if isinstance(error, ScenarioFailed):
            lines = [str(failure) for failure in error.failures]
            return "\n".join([*lines, "", "transcript:", *(f"  {line}" for line in error.transcript)])
        return str(error)

    def reportinfo(self) -> tuple[Path, int, str]:
        return self.path, 0, f"scenario {self.path.name}"
