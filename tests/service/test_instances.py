"""Real server processes: two instances on one PostgreSQL continue each other's calls, and a
server killed with SIGKILL in the middle of a load run loses no acknowledged answer."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx2
import pytest
from callguide.service.process import Server, running

from .helpers import FLOWS, postgres_dsn, wipe_postgres

ROOT = FLOWS.parent
AGENT = {"Authorization": "Bearer key-0"}


def call(port: int, method: str, path: str, body: Any = None, status: int = 200) -> dict[str, Any]:
    response = httpx2.request(method, f"http://127.0.0.1:{port}{path}", json=body, headers=AGENT, timeout=30)
    assert response.status_code == status, response.text
    found: dict[str, Any] = response.json()
    return found


def test_two_instances_on_one_postgresql_continue_each_others_calls(tmp_path: Path) -> None:
    dsn = postgres_dsn()
    wipe_postgres(dsn)
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    first = Server(dsn, 1, tmp_path / "a", FLOWS / "bboxx", agents=2)
    second = Server(dsn, 1, tmp_path / "b", FLOWS / "bboxx", agents=2)
    with running(first), running(second):
        session = call(first.port, "POST", "/v1/sessions", {"pack": "bboxx", "flow": "incoming"}, 201)
        ports = [second.port, first.port, second.port]
        for port, value in zip(ports, [None, "payment", "yes"], strict=True):
            session = call(
                port, "POST", f"/v1/sessions/{session['id']}/answer", {"version": session["version"], "value": value}
            )
        assert (session["version"], session["view"]["step"]) == (4, "find_client")
        # the first instance's cache holds version 3: it must not answer from it
        stale = call(first.port, "POST", f"/v1/sessions/{session['id']}/answer", {"version": 3, "value": "x"}, 409)
        assert stale["code"] == "stale-version" and stale["session"]["version"] == 4
        found = call(first.port, "POST", f"/v1/sessions/{session['id']}/answer", {"version": 4, "value": "Amina"})
        assert (found["version"], found["view"]["answer"]["phase"]) == (5, "pick")
        assert call(second.port, "GET", f"/v1/sessions/{session['id']}") == found


@pytest.mark.parametrize("db", ["sqlite", "postgresql"])
def test_kill_9_in_the_middle_of_a_load_run_loses_no_acknowledged_answer(db: str) -> None:
    target = db if db == "sqlite" else postgres_dsn()
    command = [sys.executable, "-m", "benchmarks.service_load", "--db", target, "--agents", "4", "--seconds", "600"]
    finished = subprocess.run([*command, "--kill-after", "150"], cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert finished.stdout, finished.stderr
    result = json.loads(finished.stdout.strip().splitlines()[-1])
    assert result["killed_after"] >= 150 and result["sessions_checked"] >= 4
    assert result["lost"] == [] and result["errors"] == {}, result
    assert finished.returncode == 0
