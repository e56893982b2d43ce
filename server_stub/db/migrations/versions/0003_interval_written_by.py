"""intervals.written_by: the sync run that stored a row exactly as sent

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25 20:45:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("intervals") as batch:
        batch.add_column(sa.Column("written_by", sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("intervals") as batch:
        batch.drop_column("written_by")
