"""The isolation every hostile test relies on: a child that allocates without end, computes
for ever, sleeps for ever or dies of a segmentation fault is stopped and reported, and the
test that ran it fails with a clear message instead of taking CI down."""

from __future__ import annotations

from .isolation import run_snippet


def test_memory_past_the_limit_is_a_memory_error() -> None:
    outcome = run_snippet("report('start'); blob = bytearray(2 << 30)")
    assert not outcome.ok and outcome.returncode == 1
    assert "MemoryError" in outcome.stderr
    assert [report["input"] for report in outcome.reports] == ["start"]


def test_cpu_past_the_limit_kills_the_child() -> None:
    outcome = run_snippet("while True: pass", cpu=1)
    assert not outcome.ok and outcome.signal_name in ("SIGXCPU", "SIGKILL")
    assert "killed by SIG" in outcome.describe()


def test_a_sleeping_child_times_out() -> None:
    outcome = run_snippet("import time; time.sleep(60)", wall=1)
    assert outcome.timed_out and not outcome.ok
    assert "timed out" in outcome.describe()


def test_a_segmentation_fault_is_reported_with_its_traceback() -> None:
    outcome = run_snippet("import ctypes; report('before'); ctypes.string_at(0)")
    assert outcome.signal_name == "SIGSEGV"
    assert "Fatal Python error" in outcome.stderr  # faulthandler's traceback
    assert "last: before" in outcome.describe()
