"""The first schema: sessions, their effects and idempotency keys, call records, entities.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "sessions",
        sa.Column("id", sa.Text, primary_key=True),
        sa.Column("pack", sa.Text, nullable=False),
        sa.Column("pack_version", sa.Text, nullable=False),
        sa.Column("flow", sa.Text, nullable=False),
        sa.Column("owner", sa.Text, nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("ended", sa.Boolean, nullable=False),
        sa.Column("outcome", sa.Text),
        sa.Column("started", sa.Text, nullable=False),
        sa.Column("updated", sa.Text, nullable=False),
        sa.Column("snapshot", sa.Text, nullable=False),
        sa.Column("view_json", sa.Text, nullable=False),
    )
    op.create_index("sessions_owner", "sessions", ["owner", "ended"])
    op.create_index("sessions_live", "sessions", ["ended", "updated"])
    op.create_table(
        "session_effects",
        sa.Column("session_id", sa.Text, primary_key=True),
        sa.Column("effect_key", sa.Text, primary_key=True),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("ok", sa.Boolean, nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
    )
    op.create_table(
        "idempotency",
        sa.Column("session_id", sa.Text, primary_key=True),
        sa.Column("idem_key", sa.Text, primary_key=True),
        sa.Column("fingerprint", sa.Text, nullable=False),
        sa.Column("status", sa.Integer, nullable=False),
        sa.Column("body", sa.Text, nullable=False),
    )
    op.create_table(
        "calls",
        sa.Column("call_id", sa.Text, primary_key=True),
        sa.Column("session_id", sa.Text, nullable=False, unique=True),
        sa.Column("pack", sa.Text, nullable=False),
        sa.Column("owner", sa.Text, nullable=False),
        sa.Column("ended", sa.Text, nullable=False),
        sa.Column("record", sa.Text, nullable=False),
    )
    op.create_index("calls_ended", "calls", ["ended"])
    op.create_table(
        "entities",
        sa.Column("pack", sa.Text, primary_key=True),
        sa.Column("kind", sa.Text, primary_key=True),
        sa.Column("id", sa.Text, primary_key=True),
        sa.Column("data", sa.Text, nullable=False),
    )
    op.create_table(
        "counters",
        sa.Column("pack", sa.Text, primary_key=True),
        sa.Column("kind", sa.Text, primary_key=True),
        sa.Column("value", sa.Integer, nullable=False),
    )
    op.create_table(
        "outbox",
        sa.Column("seq", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("pack", sa.Text, nullable=False),
        sa.Column("effect", sa.Text, nullable=False),
        sa.Column("args", sa.Text, nullable=False),
    )
    op.create_table(
        "pack_versions",
        sa.Column("pack", sa.Text, primary_key=True),
        sa.Column("version", sa.Text, primary_key=True),
        sa.Column("files", sa.Text, nullable=False),
        sa.Column("created", sa.Text, nullable=False),
    )
    op.create_table(
        "packs_seeded",
        sa.Column("pack", sa.Text, primary_key=True),
        sa.Column("seeded", sa.Text, nullable=False),
    )


def downgrade() -> None:
    for table in ("packs_seeded", "pack_versions", "outbox", "counters", "entities", "calls", "idempotency"):
        op.drop_table(table)
    op.drop_table("session_effects")
    op.drop_index("sessions_live", "sessions")
    op.drop_index("sessions_owner", "sessions")
    op.drop_table("sessions")
