"""invoices: drafts, lines, interval links, number series, payments, deliveries

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01 19:45:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "invoice_series",
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("format", sa.String(length=64), nullable=False),
        sa.Column("reset", sa.String(length=8), nullable=False),
        sa.Column("period", sa.String(length=8), server_default="", nullable=False),
        sa.Column("next_value", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("kind", name=op.f("pk_invoice_series")),
    )
    op.create_table(
        "invoices",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=8), nullable=False),
        sa.Column("client_id", sa.String(length=36), nullable=True),
        sa.Column("user_id", sa.String(length=36), nullable=True),
        sa.Column("period_from", sa.String(length=10), nullable=False),
        sa.Column("period_to", sa.String(length=10), nullable=False),
        sa.Column("issue_date", sa.String(length=10), nullable=False),
        sa.Column("due_date", sa.String(length=10), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("number", sa.String(length=64), nullable=True),
        sa.Column("series", sa.String(length=16), nullable=True),
        sa.Column("subtotal_minor", sa.BigInteger(), server_default=sa.text("0"), nullable=False),
        sa.Column("tax_minor", sa.BigInteger(), server_default=sa.text("0"), nullable=False),
        sa.Column("total_minor", sa.BigInteger(), server_default=sa.text("0"), nullable=False),
        sa.Column("paid_minor", sa.BigInteger(), server_default=sa.text("0"), nullable=False),
        sa.Column("tax_ppm", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("tax_category", sa.String(length=2), nullable=True),
        sa.Column("exemption_reason", sa.String(length=300), nullable=True),
        sa.Column("fx", sa.Text(), server_default="[]", nullable=False),
        sa.Column("warnings", sa.Text(), server_default="[]", nullable=False),
        sa.Column("credits_invoice_id", sa.String(length=36), nullable=True),
        sa.Column("credit_note_id", sa.String(length=36), nullable=True),
        sa.Column("snapshot", sa.Text(), nullable=True),
        sa.Column("snapshot_sha256", sa.String(length=64), nullable=True),
        sa.Column("revision", sa.Integer(), server_default=sa.text("1"), nullable=False),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("created_by", sa.String(length=36), nullable=True),
        sa.Column("finalized_at", sa.BigInteger(), nullable=True),
        sa.Column("finalized_by", sa.String(length=36), nullable=True),
        sa.Column("voided_at", sa.BigInteger(), nullable=True),
        sa.Column("voided_by", sa.String(length=36), nullable=True),
        sa.Column("void_reason", sa.Text(), nullable=True),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.Column("updated_at", sa.BigInteger(), nullable=False),
        sa.CheckConstraint(
            "kind IN ('invoice', 'credit_note', 'team_invoice')", name=op.f("ck_invoices_kind")
        ),
        sa.CheckConstraint("status IN ('draft', 'final', 'void')", name=op.f("ck_invoices_status")),
        sa.ForeignKeyConstraint(
            ["client_id"], ["clients.id"], name=op.f("fk_invoices_client_id_clients")
        ),
        sa.ForeignKeyConstraint(
            ["created_by"], ["users.id"], name=op.f("fk_invoices_created_by_users")
        ),
        sa.ForeignKeyConstraint(
            ["credit_note_id"], ["invoices.id"], name=op.f("fk_invoices_credit_note_id_invoices")
        ),
        sa.ForeignKeyConstraint(
            ["credits_invoice_id"],
            ["invoices.id"],
            name=op.f("fk_invoices_credits_invoice_id_invoices"),
        ),
        sa.ForeignKeyConstraint(
            ["finalized_by"], ["users.id"], name=op.f("fk_invoices_finalized_by_users")
        ),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_invoices_user_id_users")),
        sa.ForeignKeyConstraint(
            ["voided_by"], ["users.id"], name=op.f("fk_invoices_voided_by_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_invoices")),
    )
    op.create_index("ix_invoices_client_id", "invoices", ["client_id"], unique=False)
    op.create_index("ix_invoices_status_kind", "invoices", ["status", "kind"], unique=False)
    op.create_index("ix_invoices_user_id", "invoices", ["user_id"], unique=False)
    op.create_index("uq_invoices_kind_number", "invoices", ["kind", "number"], unique=True)
    op.create_table(
        "invoice_deliveries",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("invoice_id", sa.String(length=36), nullable=False),
        sa.Column("idempotency_key", sa.String(length=255), nullable=True),
        sa.Column("recipients", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=8), nullable=False),
        sa.Column("message_id", sa.String(length=300), nullable=True),
        sa.Column("smtp_answer", sa.Text(), nullable=True),
        sa.Column("created_by", sa.String(length=36), nullable=True),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.Column("sent_at", sa.BigInteger(), nullable=True),
        sa.CheckConstraint(
            "status IN ('sending', 'sent', 'failed')", name=op.f("ck_invoice_deliveries_status")
        ),
        sa.ForeignKeyConstraint(
            ["created_by"], ["users.id"], name=op.f("fk_invoice_deliveries_created_by_users")
        ),
        sa.ForeignKeyConstraint(
            ["invoice_id"],
            ["invoices.id"],
            name=op.f("fk_invoice_deliveries_invoice_id_invoices"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_invoice_deliveries")),
    )
    op.create_index(
        "uq_invoice_deliveries_invoice_key",
        "invoice_deliveries",
        ["invoice_id", "idempotency_key"],
        unique=True,
    )
    op.create_table(
        "payments",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("invoice_id", sa.String(length=36), nullable=False),
        sa.Column("amount_minor", sa.BigInteger(), nullable=False),
        sa.Column("date", sa.String(length=10), nullable=False),
        sa.Column("method", sa.String(length=64), nullable=True),
        sa.Column("reference", sa.String(length=200), nullable=True),
        sa.Column("idempotency_key", sa.String(length=255), nullable=True),
        sa.Column("created_by", sa.String(length=36), nullable=True),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by"], ["users.id"], name=op.f("fk_payments_created_by_users")
        ),
        sa.ForeignKeyConstraint(
            ["invoice_id"],
            ["invoices.id"],
            name=op.f("fk_payments_invoice_id_invoices"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payments")),
    )
    op.create_index("ix_payments_invoice_id", "payments", ["invoice_id", "date"], unique=False)
    op.create_index(
        "uq_payments_invoice_key", "payments", ["invoice_id", "idempotency_key"], unique=True
    )
    op.create_table(
        "invoice_lines",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("invoice_id", sa.String(length=36), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("project_id", sa.String(length=36), nullable=True),
        sa.Column("task_id", sa.String(length=36), nullable=True),
        sa.Column("user_id", sa.String(length=36), nullable=True),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("seconds", sa.BigInteger(), nullable=True),
        sa.Column("quantity_seconds", sa.BigInteger(), nullable=True),
        sa.Column("quantity_milli", sa.BigInteger(), nullable=True),
        sa.Column("unit_price_minor", sa.BigInteger(), nullable=False),
        sa.Column("amount_minor", sa.BigInteger(), nullable=False),
        sa.Column("tax_ppm", sa.Integer(), nullable=False),
        sa.Column("source_currency", sa.String(length=3), nullable=True),
        sa.Column("source_unit_price_minor", sa.BigInteger(), nullable=True),
        sa.CheckConstraint("kind IN ('time', 'manual')", name=op.f("ck_invoice_lines_kind")),
        sa.ForeignKeyConstraint(
            ["invoice_id"],
            ["invoices.id"],
            name=op.f("fk_invoice_lines_invoice_id_invoices"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["project_id"], ["projects.id"], name=op.f("fk_invoice_lines_project_id_projects")
        ),
        sa.ForeignKeyConstraint(
            ["task_id"], ["tasks.id"], name=op.f("fk_invoice_lines_task_id_tasks")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_invoice_lines_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_invoice_lines")),
    )
    op.create_index(
        "ix_invoice_lines_invoice_id", "invoice_lines", ["invoice_id", "position"], unique=False
    )
    op.create_index("ix_invoice_lines_project_id", "invoice_lines", ["project_id"], unique=False)
    op.create_table(
        "invoice_intervals",
        sa.Column("line_id", sa.String(length=36), nullable=False),
        sa.Column("invoice_id", sa.String(length=36), nullable=False),
        sa.Column("interval_id", sa.String(length=36), nullable=False),
        sa.Column("ledger", sa.String(length=4), nullable=False),
        sa.Column("interval_revision", sa.Integer(), nullable=False),
        sa.Column("billed_seconds", sa.BigInteger(), nullable=False),
        sa.Column("allocated_amount_minor", sa.BigInteger(), nullable=False),
        sa.Column("state", sa.String(length=8), nullable=False),
        sa.CheckConstraint("ledger IN ('bill', 'pay')", name=op.f("ck_invoice_intervals_ledger")),
        sa.CheckConstraint(
            "state IN ('draft', 'final', 'released')", name=op.f("ck_invoice_intervals_state")
        ),
        sa.ForeignKeyConstraint(
            ["interval_id"],
            ["intervals.id"],
            name=op.f("fk_invoice_intervals_interval_id_intervals"),
        ),
        sa.ForeignKeyConstraint(
            ["invoice_id"],
            ["invoices.id"],
            name=op.f("fk_invoice_intervals_invoice_id_invoices"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["line_id"],
            ["invoice_lines.id"],
            name=op.f("fk_invoice_intervals_line_id_invoice_lines"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("line_id", "interval_id", name=op.f("pk_invoice_intervals")),
    )
    op.create_index(
        "ix_invoice_intervals_interval_id", "invoice_intervals", ["interval_id"], unique=False
    )
    op.create_index(
        "ix_invoice_intervals_invoice_id",
        "invoice_intervals",
        ["invoice_id", "interval_id"],
        unique=False,
    )
    op.create_index(
        "uq_invoice_intervals_billed_once",
        "invoice_intervals",
        ["interval_id"],
        unique=True,
        sqlite_where=sa.text("state = 'final' AND ledger = 'bill'"),
        postgresql_where=sa.text("state = 'final' AND ledger = 'bill'"),
    )
    op.create_index(
        "uq_invoice_intervals_paid_once",
        "invoice_intervals",
        ["interval_id"],
        unique=True,
        sqlite_where=sa.text("state = 'final' AND ledger = 'pay'"),
        postgresql_where=sa.text("state = 'final' AND ledger = 'pay'"),
    )


def downgrade() -> None:
    op.drop_index(
        "uq_invoice_intervals_paid_once",
        table_name="invoice_intervals",
        sqlite_where=sa.text("state = 'final' AND ledger = 'pay'"),
        postgresql_where=sa.text("state = 'final' AND ledger = 'pay'"),
    )
    op.drop_index(
        "uq_invoice_intervals_billed_once",
        table_name="invoice_intervals",
        sqlite_where=sa.text("state = 'final' AND ledger = 'bill'"),
        postgresql_where=sa.text("state = 'final' AND ledger = 'bill'"),
    )
    op.drop_index("ix_invoice_intervals_invoice_id", table_name="invoice_intervals")
    op.drop_index("ix_invoice_intervals_interval_id", table_name="invoice_intervals")
    op.drop_table("invoice_intervals")
    op.drop_index("ix_invoice_lines_project_id", table_name="invoice_lines")
    op.drop_index("ix_invoice_lines_invoice_id", table_name="invoice_lines")
    op.drop_table("invoice_lines")
    op.drop_index("uq_payments_invoice_key", table_name="payments")
    op.drop_index("ix_payments_invoice_id", table_name="payments")
    op.drop_table("payments")
    op.drop_index("uq_invoice_deliveries_invoice_key", table_name="invoice_deliveries")
    op.drop_table("invoice_deliveries")
    op.drop_index("uq_invoices_kind_number", table_name="invoices")
    op.drop_index("ix_invoices_user_id", table_name="invoices")
    op.drop_index("ix_invoices_status_kind", table_name="invoices")
    op.drop_index("ix_invoices_client_id", table_name="invoices")
    op.drop_table("invoices")
    op.drop_table("invoice_series")
