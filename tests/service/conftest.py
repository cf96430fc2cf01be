"""Fixtures of the service tests: an app on a fresh database, SQLite and PostgreSQL (see helpers)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from callguide.service.migrations import migrate
from fastapi.testclient import TestClient

from .helpers import make_client, postgres_dsn, wipe_postgres


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'calls.db'}"
    else:
        url = postgres_dsn()
        wipe_postgres(url)
    migrate(url)
    return url


@pytest.fixture
def api(db_url: str) -> Iterator[TestClient]:
    with make_client(db_url) as client:
        yield client
