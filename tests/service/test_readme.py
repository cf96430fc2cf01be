"""The README's HTTP example, run as it is with curl against a live `callguide serve`."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from callguide.service.process import Server, running

from .helpers import FLOWS

README = FLOWS.parent / "README.md"


def example() -> str:
    found = re.search(r"<!-- service-example -->\n```sh\n(.*?)\n```", README.read_text(encoding="utf-8"), re.DOTALL)
    assert found, "README.md has no service example"
    return found.group(1)


def outputs(text: str) -> list[Any]:
    """The JSON values curl printed one after another (without newlines between them)."""
    decoder, values, at = json.JSONDecoder(), [], 0
    while at < len(text):
        if text[at].isspace():
            at += 1
            continue
        value, at = decoder.raw_decode(text, at)
        values.append(value)
    return values


@pytest.mark.skipif(shutil.which("curl") is None, reason="curl is not installed")
def test_the_readme_example_runs_against_a_live_server(tmp_path: Path) -> None:
    server = Server(f"sqlite:///{tmp_path / 'calls.db'}", 1, tmp_path, FLOWS / "helpdesk", agents=1)
    with running(server):
        environment = {**os.environ, "CALLGUIDE_URL": f"http://127.0.0.1:{server.port}", "KEY": "key-0"}
        ran = subprocess.run(
            ["bash", "-euo", "pipefail", "-c", example()], env=environment, capture_output=True, text=True, timeout=120
        )
    assert ran.returncode == 0, ran.stderr
    me, answered, hung_up, wrapped, record, stale = outputs(ran.stdout)
    assert me["name"] == "agent0"
    assert (answered["version"], answered["view"]["step"]) == (2, "has_account")
    assert hung_up["view"]["step"] == "@reason" and wrapped["ended"]
    assert (record["reason"], record["outcome"], record["path"]) == (
        "wrong_number",
        "resolved",
        ["incoming:greeting", "incoming:has_account"],
    )
    assert stale == 409
