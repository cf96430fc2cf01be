"""Run a hostile input in a child process that cannot take CI down with it.

The child gets an address-space limit (`RLIMIT_AS`), a CPU-time limit (`RLIMIT_CPU`), no
core files, and a generous wall-clock timeout; whatever the input does (a segmentation fault, a
MemoryError, an endless loop), the parent sees an `Outcome` and the test fails with it.

A probe reports one JSON object per line on stdout (`report(...)`, flushed at once), so
when a child dies the parent still knows which inputs were handled and which one killed it.
"""

from __future__ import annotations

import json
import os
import resource
import signal
import subprocess
import sys
import textwrap
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
TESTS = HERE.parent
REPO = TESTS.parent
MEMORY_LIMIT = 1 << 30  # bytes of address space
CPU_LIMIT = 20  # seconds of CPU time: what bounds a child that computes without end
# Seconds of wall-clock time, only for a child that sleeps or waits instead of computing: far
# above any CPU limit, so that a busy machine (CI runs on two shared cores) never trips it.
WALL_LIMIT = 600.0
MARK = "@@hostile "  # prefix of a report line, so stray prints cannot be mistaken for one


@dataclass(frozen=True, slots=True)
class Outcome:
    """How a child process ended, and what it reported on the way."""

    returncode: int | None
    seconds: float
    timed_out: bool
    stdout: str
    stderr: str
    reports: list[dict[str, Any]] = field(default_factory=list)

    @property
    def signal_name(self) -> str | None:
        if self.returncode is not None and self.returncode < 0:
            return signal.Signals(-self.returncode).name
        return None

    @property
    def ok(self) -> bool:
        """The child finished by itself, with exit status 0."""
        return self.returncode == 0 and not self.timed_out

    def describe(self) -> str:
        """Everything needed to understand a failure, for an assertion message."""
        how = (
            "timed out"
            if self.timed_out
            else f"killed by {self.signal_name}"
            if self.signal_name
            else f"exit status {self.returncode}"
        )
        last = self.reports[-1]["input"] if self.reports else "none"
        return (
            f"child process {how} after {self.seconds:.2f}s; {len(self.reports)} input(s) reported"
            f" (last: {last})\n--- stderr (tail) ---\n{self.stderr[-3000:]}\n--- stdout (tail) ---\n{self.stdout[-1500:]}"
        )


def _limit(memory: int, cpu: int) -> None:
    """Runs in the child between fork and exec."""
    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 1))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


PRELUDE = """\
import json as _json, sys as _sys, time as _time
_sys.path[:0] = [{tests!r}]
def report(input, **fields):
    print({mark!r} + _json.dumps({{"input": str(input), **fields}}, default=str), flush=True)
"""


def run_snippet(
    code: str,
    *,
    memory: int = MEMORY_LIMIT,
    cpu: int = CPU_LIMIT,
    wall: float = WALL_LIMIT,
    cwd: Path | None = None,
) -> Outcome:
    """Run `code` (dedented) in a fresh Python with the limits; `report(input, **fields)` is
    predefined in it, and `hostile.*` modules import."""
    source = PRELUDE.format(tests=str(TESTS), mark=MARK) + textwrap.dedent(code)
    env = {**os.environ, "PYTHONHASHSEED": "0", "PYTHONDONTWRITEBYTECODE": "1"}
    started = time.perf_counter()
    child = subprocess.Popen(
        [sys.executable, "-X", "faulthandler", "-c", source],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=str(cwd or REPO),
        env=env,
        preexec_fn=lambda: _limit(memory, cpu),
        start_new_session=True,
    )
    timed_out = False
    try:
        stdout, stderr = child.communicate(timeout=wall)
    except subprocess.TimeoutExpired:
        timed_out = True
        os.killpg(child.pid, signal.SIGKILL)
        stdout, stderr = child.communicate()
    seconds = time.perf_counter() - started
    reports = [json.loads(line[len(MARK) :]) for line in stdout.splitlines() if line.startswith(MARK)]
    return Outcome(child.returncode, seconds, timed_out, stdout, stderr, reports)
