"""the daily roll-up: day_totals and day_amounts, kept by triggers on intervals

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02 09:00:00

Creates the calendar of the workspace's zone, the two roll-up tables and the triggers, and
backfills the roll-up from the intervals already stored (server_stub/db/rollup.py).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from server_stub.db import rollup

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

ID = sa.String(length=36)


def upgrade() -> None:
    op.create_table(
        "rollup_state",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("zone", sa.String(length=64), nullable=False),
        sa.Column("first_day", sa.Integer(), nullable=False),
        sa.Column("last_day", sa.Integer(), nullable=False),
        sa.Column("lo", sa.BigInteger(), nullable=False),
        sa.Column("hi", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rollup_state")),
    )
    op.create_table(
        "rollup_calendar",
        sa.Column("day", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("month", sa.Integer(), nullable=False),
        sa.Column("lo", sa.BigInteger(), nullable=False),
        sa.Column("hi", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("day", name=op.f("pk_rollup_calendar")),
    )
    op.create_index("ix_rollup_calendar_lo", "rollup_calendar", ["lo"])
    for level in ("day", "month"):
        _tables(level)
    conn = op.get_bind()
    zone = conn.execute(sa.text("SELECT timezone FROM workspace WHERE id = 1")).scalar()
    rollup.rebuild(conn, zone or "UTC")
    rollup.install_triggers(conn, pausable=False)  # 0013 makes them pausable


def downgrade() -> None:
    conn = op.get_bind()
    rollup.drop_triggers(conn)
    for level in ("month", "day"):
        op.drop_table(f"{level}_amounts")
        op.drop_table(f"{level}_totals")
    op.drop_index("ix_rollup_calendar_lo", table_name="rollup_calendar")
    op.drop_table("rollup_calendar")
    op.drop_table("rollup_state")


def _tables(level: str) -> None:
    op.create_table(
        f"{level}_totals",
        sa.Column(level, sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("user_id", ID, nullable=False),
        sa.Column("task_id", ID, nullable=False),
        sa.Column("seconds", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint(level, "user_id", "task_id", name=op.f(f"pk_{level}_totals")),
        sqlite_with_rowid=False,
    )
    op.create_table(
        f"{level}_amounts",
        sa.Column(level, sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("user_id", ID, nullable=False),
        sa.Column("task_id", ID, nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("est_minor", sa.BigInteger(), nullable=False),
        sa.Column("est_n", sa.Integer(), nullable=False),
        sa.Column("inv_minor", sa.BigInteger(), nullable=False),
        sa.Column("inv_n", sa.Integer(), nullable=False),
        sa.Column("best_minor", sa.BigInteger(), nullable=False),
        sa.Column("best_n", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint(
            level, "user_id", "task_id", "currency", name=op.f(f"pk_{level}_amounts")
        ),
        sqlite_with_rowid=False,
    )
