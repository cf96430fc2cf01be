"""`callguide serve` in a child process, in a process group of its own: for the service's
tests (two instances on one database, kill -9) and its load benchmark."""

from __future__ import annotations

import hashlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import yaml

SECRET = "child-process-secret-0123456789abcdef"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@dataclass
class Server:
    """`callguide serve` in a process group of its own (so that kill -9 reaches its workers)."""

    db: str
    workers: int
    folder: Path  # the config and the server's log go here
    packs: Path
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None
    agents: int = 64  # users agent0..agentN-1 with keys key-0..key-N-1, and `boss` (supervisor, key-boss)

    def config(self) -> Path:
        path = self.folder / "service.yaml"
        users = [
            {"name": f"agent{n}", "role": "agent", "key_sha256": hashlib.sha256(f"key-{n}".encode()).hexdigest()}
            for n in range(self.agents)
        ]
        users.append({"name": "boss", "role": "supervisor", "key_sha256": hashlib.sha256(b"key-boss").hexdigest()})
        path.write_text(yaml.safe_dump({"secret": SECRET, "users": users}), encoding="utf-8")
        return path

    def start(self) -> None:
        command = [
            sys.executable, "-m", "callguide.cli.main", "serve", str(self.packs), "--db", self.db,
            "--config", str(self.config()), "--port", str(self.port), "--workers", str(self.workers),
            "--reload-seconds", "0", "--log-level", "warning",
        ]  # fmt: skip
        log = (self.folder / "server.log").open("ab")
        self.process = subprocess.Popen(command, stdout=log, stderr=log, start_new_session=True, cwd=self.folder)
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the server stopped: {(self.folder / 'server.log').read_text()[-2000:]}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1) as connection:
                    connection.sendall(b"GET /ready HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
                    if b" 200 " in connection.recv(100):
                        return
            except OSError:
                pass
            time.sleep(0.2)
        raise RuntimeError("the server did not get ready in 120 s")

    def kill(self) -> None:
        """SIGKILL to the server's whole process group: no shutdown, no flush."""
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=40)
            except subprocess.TimeoutExpired:
                self.kill()


@contextmanager
def running(server: Server) -> Iterator[Server]:
    server.start()
    try:
        yield server
    finally:
        server.stop()
