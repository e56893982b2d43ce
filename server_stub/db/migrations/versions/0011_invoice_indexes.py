"""intervals: partial indexes on the invoice locks (voiding an invoice scanned every interval)

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-07 03:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

# Only locked rows are indexed (a few per cent of the table): ``lock = :invoice`` implies
# ``lock IS NOT NULL``, which both SQLite and PostgreSQL prove, so the void's
# ``UPDATE intervals … WHERE locked_by_invoice_id = ?`` finds its rows through the index.
LOCKS = (
    ("ix_intervals_locked_by_invoice_id", "locked_by_invoice_id"),
    ("ix_intervals_locked_by_team_invoice_id", "locked_by_team_invoice_id"),
)


def upgrade() -> None:
    for name, column in LOCKS:
        op.create_index(
            name,
            "intervals",
            [column],
            sqlite_where=sa.text(f"{column} IS NOT NULL"),
            postgresql_where=sa.text(f"{column} IS NOT NULL"),
        )


def downgrade() -> None:
    for name, _column in reversed(LOCKS):
        op.drop_index(name, table_name="intervals")
