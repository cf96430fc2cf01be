"""What an analyst's editor offers, asked of the YAML language server itself (the one VS Code
and most editors run), over its stdio protocol: in a step, only the keys of that kind of step.

The server comes from npm (`.ci/setup.d/yaml-language-server.sh` installs it and sets
`CALLGUIDE_YAML_LANGUAGE_SERVER`). Without it the test is skipped and says why, unless
`CALLGUIDE_REQUIRE_YAML_LANGUAGE_SERVER` is set (CI sets it): then the skip is a failure.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from callguide.model import Step, keys_of

FLOW_SCHEMA = Path(__file__).resolve().parents[1] / "schemas" / "flow.json"


class LanguageServer:
    """A minimal LSP client: requests in order, the server's own requests answered plainly."""

    def __init__(self, command: list[str]) -> None:
        self.process = subprocess.Popen(
            command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL
        )
        self.ids = 0
        self.documents = 0
        self.request("initialize", {"processId": os.getpid(), "rootUri": None, "capabilities": {}})
        self.notify("initialized", {})

    def notify(self, method: str, params: dict[str, Any]) -> None:
        self._send({"jsonrpc": "2.0", "method": method, "params": params})

    def request(self, method: str, params: dict[str, Any]) -> Any:
        self.ids += 1
        self._send({"jsonrpc": "2.0", "id": self.ids, "method": method, "params": params})
        while True:
            message = self._receive()
            if "method" not in message and message.get("id") == self.ids:
                return message.get("result")
            if "method" in message and "id" in message:  # the server asks: settings, registrations
                items = message.get("params", {}).get("items", [])
                answer = [None] * len(items) if message["method"] == "workspace/configuration" else None
                self._send({"jsonrpc": "2.0", "id": message["id"], "result": answer})

    def completion(self, text: str) -> set[str]:
        """The labels offered where `|` stands in `text` (a flow file of its own)."""
        before, _, after = text.partition("|")
        self.documents += 1
        uri = f"file:///callguide/flow{self.documents}.yaml"
        header = f"# yaml-language-server: $schema={FLOW_SCHEMA.as_uri()}\n"
        document = {"uri": uri, "languageId": "yaml", "version": 1, "text": header + before + after}
        self.notify("textDocument/didOpen", {"textDocument": document})
        lines = (header + before).split("\n")
        position = {"line": len(lines) - 1, "character": len(lines[-1])}
        result = self.request("textDocument/completion", {"textDocument": {"uri": uri}, "position": position})
        items = result["items"] if isinstance(result, dict) else result or []
        return {item["label"] for item in items}

    def close(self) -> None:
        self.process.kill()
        self.process.wait()

    def _send(self, message: dict[str, Any]) -> None:
        assert self.process.stdin is not None
        body = json.dumps(message).encode("utf-8")
        self.process.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
        self.process.stdin.flush()

    def _receive(self) -> dict[str, Any]:
        assert self.process.stdout is not None
        length = 0
        while (line := self.process.stdout.readline()) not in (b"\r\n", b""):
            name, _, value = line.decode("ascii").partition(":")
            if name.lower() == "content-length":
                length = int(value)
        if not length:
            raise AssertionError("the YAML language server stopped answering")
        received: dict[str, Any] = json.loads(self.process.stdout.read(length))
        return received


@pytest.fixture(scope="module")
def server() -> Iterator[LanguageServer]:
    found = os.environ.get("CALLGUIDE_YAML_LANGUAGE_SERVER") or shutil.which("yaml-language-server")
    if not found or not shutil.which("node"):
        reason = "no YAML language server here: source .ci/setup.d/yaml-language-server.sh to install it from npm"
        if os.environ.get("CALLGUIDE_REQUIRE_YAML_LANGUAGE_SERVER"):
            pytest.fail(f"{reason} (CALLGUIDE_REQUIRE_YAML_LANGUAGE_SERVER is set, so this is a failure)")
        pytest.skip(reason)
    running = LanguageServer(["node", found, "--stdio"])
    yield running
    running.close()


STEP = "flow: main\nstart: a\nsteps:\n  a:\n    {line}\n    |\n"
EVERY_STEP = {key.name for key in keys_of(Step)}  # the keys of every kind, declared on `Step`


def test_a_say_step_is_offered_only_the_keys_of_a_say_step(server: LanguageServer) -> None:
    assert server.completion(STEP.format(line="say: Hello")) == EVERY_STEP | {"next"}


def test_an_ask_step_is_offered_its_answer_types_and_settings(server: LanguageServer) -> None:
    offered = server.completion(STEP.format(line="ask: Your name?"))
    assert {"choice", "yes_no", "lookup", "save", "attempts", "optional", "default", "say", "next"} <= offered
    assert offered & {"with", "confirm", "end", "close", "call"} == set()


def test_a_do_step_and_an_end_step_are_offered_their_own_keys(server: LanguageServer) -> None:
    assert server.completion(STEP.format(line="do: sms.send")) == EVERY_STEP | {
        "say", "with", "confirm", "on_failure", "save", "next",
    }  # fmt: skip
    assert server.completion(STEP.format(line="end: resolved")) == EVERY_STEP | {
        "say", "reason", "close", "description",
    }  # fmt: skip
