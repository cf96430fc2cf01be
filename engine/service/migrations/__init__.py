"""The service's schema, versioned with Alembic: `migrate(url)` brings a database to the newest."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from callguide.service.db import sqlalchemy_url, sqlite_path
from sqlalchemy import create_engine

HERE = Path(__file__).parent


def config(url: str) -> Config:
    settings = Config()
    settings.set_main_option("script_location", str(HERE))
    settings.set_main_option("sqlalchemy.url", sqlalchemy_url(url).replace("%", "%%"))
    return settings


def migrate(url: str) -> None:
    """Upgrade the database to the newest schema (a new database gets all of it)."""
    if url.startswith("sqlite:"):
        path = sqlite_path(url.split("?", 1)[0])
        if path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
    command.upgrade(config(url), "head")


def current(url: str) -> tuple[str | None, str | None]:
    """(the database's schema revision, the newest one this code knows)."""
    head = ScriptDirectory.from_config(config(url)).get_current_head()
    engine = create_engine(sqlalchemy_url(url.split("?", 1)[0]))
    try:
        with engine.connect() as connection:
            return MigrationContext.configure(connection).get_current_revision(), head
    finally:
        engine.dispose()
