"""Helpers of the service tests. The service under test: an app on a fresh database (SQLite, and PostgreSQL when one is
given), with three users: two agents and a supervisor.

PostgreSQL tests need CALLGUIDE_TEST_POSTGRES (a DSN of a database they may wipe; CI's
`.ci/setup.d/postgres.sh` starts one). Without it they are skipped, saying why; with
CALLGUIDE_REQUIRE_POSTGRES=1 (CI) a missing database fails them instead.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Any

import pytest
from callguide.service.app import Settings, create_app
from callguide.service.auth import AuthConfig, Identity, User
from fastapi.testclient import TestClient

FLOWS = Path(__file__).resolve().parents[2] / "flows"
SECRET = b"tests-only-secret-0123456789abcdef"
KEYS = {"amina": "amina-key-0001", "bo": "bo-key-0002", "sam": "sam-key-0003"}
USERS = (
    User(Identity("amina", "agent", "Amina"), hashlib.sha256(KEYS["amina"].encode()).hexdigest()),
    User(Identity("bo", "agent", "Bo"), hashlib.sha256(KEYS["bo"].encode()).hexdigest()),
    User(
        Identity("sam", "supervisor", "Sam", ("manual_outgoing",)),
        hashlib.sha256(KEYS["sam"].encode()).hexdigest(),
    ),
)
AUTH = AuthConfig.of(SECRET, USERS)


def postgres_dsn() -> str:
    """The test PostgreSQL's DSN, or a skip (a failure where it is required) saying why."""
    dsn = os.environ.get("CALLGUIDE_TEST_POSTGRES", "")
    if dsn:
        return dsn
    reason = "no PostgreSQL for the tests: set CALLGUIDE_TEST_POSTGRES (CI starts one in .ci/setup.d/postgres.sh)"
    if os.environ.get("CALLGUIDE_REQUIRE_POSTGRES") == "1":
        pytest.fail(reason)
    pytest.skip(reason)


def wipe_postgres(dsn: str) -> None:
    import psycopg

    with psycopg.connect(dsn, autocommit=True) as connection:
        connection.execute("drop schema if exists public cascade")
        connection.execute("create schema public")


def make_client(url: str, packs: Path = FLOWS, **options: Any) -> TestClient:
    return TestClient(
        create_app(Settings(packs, url, AUTH, reload_seconds=options.pop("reload_seconds", 0), **options))
    )


def as_user(name: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {KEYS[name]}"}


AMINA, BO, SAM = as_user("amina"), as_user("bo"), as_user("sam")


def start(client: TestClient, who: dict[str, str], **body: Any) -> dict[str, Any]:
    response = client.post("/v1/sessions", json=body, headers=who)
    assert response.status_code == 201, response.text
    started: dict[str, Any] = response.json()
    return started


def move(
    client: TestClient, who: dict[str, str], session: dict[str, Any], action: str = "answer", **body: Any
) -> dict[str, Any]:
    """A move that must be accepted; returns the session after it."""
    response = client.post(
        f"/v1/sessions/{session['id']}/{action}", json={"version": session["version"], **body}, headers=who
    )
    assert response.status_code == 200, response.text
    moved: dict[str, Any] = response.json()
    return moved
