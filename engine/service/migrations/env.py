"""Alembic's entry point: runs the migrations on the database named in the config."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine, text

url = context.config.get_main_option("sqlalchemy.url") or ""
engine = create_engine(url.split("?", 1)[0])
with engine.connect() as connection:
    if connection.dialect.name == "postgresql":
        # several instances starting at once: one migrates, the others wait and find it done
        connection.execute(text("select pg_advisory_xact_lock(7213061)"))
    context.configure(connection=connection, render_as_batch=connection.dialect.name == "sqlite")
    with context.begin_transaction():
        context.run_migrations()
    connection.commit()
engine.dispose()
