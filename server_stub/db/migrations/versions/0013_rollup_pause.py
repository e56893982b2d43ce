"""rollup_pause: the batch push adds its new rows to the daily roll-up itself, set-based

The insert trigger of the roll-up (0010) stands aside while the batch push inserts (a row in
``rollup_pause`` on SQLite, a transaction-local setting on PostgreSQL); every other writer keeps
the triggers as they were.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-07 07:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from server_stub.db import rollup

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "rollup_pause",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    conn = op.get_bind()
    rollup.drop_triggers(conn)
    rollup.install_triggers(conn, pausable=True)


def downgrade() -> None:
    conn = op.get_bind()
    rollup.drop_triggers(conn)
    rollup.install_triggers(conn, pausable=False)
    op.drop_table("rollup_pause")
