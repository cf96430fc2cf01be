"""The corpus collector and its closing note: inputs tried, refused cleanly, crashes, slowest refusal."""

from __future__ import annotations

import pytest

from .corpus import CORPUS, Corpus


@pytest.fixture(scope="session")
def corpus() -> Corpus:
    return CORPUS


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if not CORPUS.rows:
        return
    summary = CORPUS.summary()
    slowest = summary["slowest_refusal"]
    slow = f"{slowest['cpu_seconds']:.3f}s CPU ({slowest['attack']}: {slowest['input'][:60]})" if slowest else "none"
    terminalreporter.section("hostile-input corpus")
    terminalreporter.write_line(
        f"inputs tried: {summary['inputs']}, refused cleanly: {summary['refused']},"
        f" handled harmlessly: {summary['accepted']}, crashes: {summary['crashes']}, slowest refusal: {slow}"
    )
    terminalreporter.write_line("by attack: " + ", ".join(f"{k} {v}" for k, v in summary["by_attack"].items()))
    CORPUS.write()
