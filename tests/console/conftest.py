"""A live `callguide serve` app (every bundled pack, SQLite in a temporary folder) on a free
port, for the browser to talk to; and the users who sign in to it."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from browser import chromium

if TYPE_CHECKING:
    from callguide.service.packs import Packs
    from playwright.sync_api import Browser

FLOWS = Path(__file__).resolve().parents[2] / "flows"


@dataclass(frozen=True)
class Server:
    url: str
    agents: dict[str, tuple[str, str]]  # pack -> (user name, key) of an agent working in it
    supervisor: tuple[str, str]
    packs: Packs  # the service's loaded packs: a test may take an SMS provider out of service


AGENTS = {"bboxx": "wanjiku", "acm": "karen", "beeline": "maria", "helpdesk": "dana", "loyalty": "daria"}
DISPLAY = {"wanjiku": "Wanjiku", "karen": "Karen", "maria": "Мария", "dana": "Dana Reyes", "daria": "Daria"}


@pytest.fixture(scope="package")
def browser() -> Iterator[Browser]:
    """Chromium for the console's tests, closed when they are done: the other folders' browser
    tests start their own (two Playwrights at once in one thread cannot run)."""
    with chromium() as launched:
        yield launched


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    uvicorn = pytest.importorskip("uvicorn")
    from callguide.service.app import Settings, create_app
    from callguide.service.auth import AuthConfig, Identity, User, hash_key
    from callguide.service.migrations import migrate

    users = [
        User(Identity(name, "agent", DISPLAY[name], ("manual_outgoing",)), hash_key(f"key-{name}"))
        for name in AGENTS.values()
    ]
    users.append(User(Identity("sam", "supervisor", "Sam"), hash_key("key-sam")))
    folder = tmp_path_factory.mktemp("serve")
    database = f"sqlite:///{folder / 'calls.db'}"
    migrate(database)
    settings = Settings(
        packs=FLOWS,
        db=database,
        auth=AuthConfig.of(b"console tests: a secret of thirty-two bytes", tuple(users)),
        reload_seconds=0,
    )
    app = create_app(settings)
    listening = socket.socket()
    listening.bind(("127.0.0.1", 0))  # a free port, picked by the system, held from here on
    port = listening.getsockname()[1]
    config = uvicorn.Config(app, log_level="warning", lifespan="on")
    running = uvicorn.Server(config)
    thread = threading.Thread(target=running.run, kwargs={"sockets": [listening]}, daemon=True)
    thread.start()
    while not running.started:
        if not thread.is_alive():
            pytest.fail("the service did not start")
        time.sleep(0.05)
    try:
        yield Server(
            f"http://127.0.0.1:{port}",
            {pack: (name, f"key-{name}") for pack, name in AGENTS.items()},
            ("sam", "key-sam"),
            app.state.packs,
        )
    finally:
        running.should_exit = True
        thread.join(timeout=10)
        listening.close()
