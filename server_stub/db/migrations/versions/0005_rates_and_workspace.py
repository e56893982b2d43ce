"""rates and workspace: the seller's details, client postal data, contacts, rate history,
exchange rates, project budgets

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01 19:45:00

The rate history starts with every rate already set, effective from the beginning of time (the
rates intervals were priced with so far).
"""

from __future__ import annotations

import uuid

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

_FORMATS = (
    ("invoice_number_format", "INV-{YYYY}-{seq:4}"),
    ("credit_note_number_format", "CN-{YYYY}-{seq:4}"),
    ("team_invoice_number_format", "PAY-{YYYY}-{seq:4}"),
)


def upgrade() -> None:
    with op.batch_alter_table("workspace") as batch:
        batch.add_column(sa.Column("legal_name", sa.String(length=300), nullable=True))
        batch.add_column(sa.Column("address", sa.Text(), nullable=True))
        batch.add_column(sa.Column("postcode", sa.String(length=32), nullable=True))
        batch.add_column(sa.Column("city", sa.String(length=200), nullable=True))
        batch.add_column(sa.Column("country", sa.String(length=2), nullable=True))
        batch.add_column(sa.Column("tax_id", sa.String(length=64), nullable=True))
        batch.add_column(sa.Column("email", sa.String(length=320), nullable=True))
        batch.add_column(sa.Column("iban", sa.String(length=34), nullable=True))
        batch.add_column(sa.Column("bic", sa.String(length=11), nullable=True))
        for name, default in _FORMATS:
            batch.add_column(
                sa.Column(name, sa.String(length=100), server_default=default, nullable=False)
            )
        batch.add_column(
            sa.Column("number_reset", sa.String(length=8), server_default="never", nullable=False)
        )
        batch.add_column(
            sa.Column(
                "void_issues_credit_note", sa.Boolean(), server_default=sa.true(), nullable=False
            )
        )
        batch.add_column(
            sa.Column("default_tax_ppm", sa.Integer(), server_default=sa.text("0"), nullable=False)
        )
        batch.add_column(
            sa.Column(
                "payment_terms_days", sa.Integer(), server_default=sa.text("14"), nullable=False
            )
        )
        batch.add_column(
            sa.Column("locale", sa.String(length=35), server_default="en_US", nullable=False)
        )
        batch.create_check_constraint(
            op.f("ck_workspace_rounding"), "rounding IN ('half_up', 'half_even')"
        )
        batch.create_check_constraint(
            op.f("ck_workspace_number_reset"), "number_reset IN ('never', 'yearly')"
        )
    with op.batch_alter_table("clients") as batch:
        batch.add_column(sa.Column("postcode", sa.String(length=32), nullable=True))
        batch.add_column(sa.Column("city", sa.String(length=200), nullable=True))
        batch.add_column(sa.Column("country", sa.String(length=2), nullable=True))
    with op.batch_alter_table("projects") as batch:
        batch.add_column(sa.Column("budget_seconds", sa.BigInteger(), nullable=True))
        batch.add_column(sa.Column("budget_minor", sa.BigInteger(), nullable=True))
    with op.batch_alter_table("intervals") as batch:
        batch.add_column(sa.Column("invoiced_currency", sa.String(length=3), nullable=True))

    op.create_table(
        "contacts",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("client_id", sa.String(length=36), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.Column("billing", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["client_id"], ["clients.id"], name=op.f("fk_contacts_client_id_clients"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_contacts")),
    )  # fmt: skip
    op.create_index("ix_contacts_client_id", "contacts", ["client_id"], unique=False)
    op.create_table(
        "project_contacts",
        sa.Column("project_id", sa.String(length=36), nullable=False),
        sa.Column("contact_id", sa.String(length=36), nullable=False),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["contact_id"], ["contacts.id"], name=op.f("fk_project_contacts_contact_id_contacts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["project_id"], ["projects.id"], name=op.f("fk_project_contacts_project_id_projects"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("project_id", "contact_id", name=op.f("pk_project_contacts")),
    )  # fmt: skip
    op.create_index(
        "ix_project_contacts_contact_id", "project_contacts", ["contact_id"], unique=False
    )
    op.create_table(
        "rate_history",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("holder", sa.String(length=16), nullable=False),
        sa.Column("holder_id", sa.String(length=80), nullable=False),
        sa.Column("kind", sa.String(length=4), nullable=False),
        sa.Column("amount_minor", sa.BigInteger(), nullable=True),
        sa.Column("currency", sa.String(length=3), nullable=True),
        sa.Column("effective_from", sa.BigInteger(), nullable=False),
        sa.Column("effective_to", sa.BigInteger(), nullable=True),
        sa.Column("changed_by", sa.String(length=36), nullable=True),
        sa.Column("changed_at", sa.BigInteger(), nullable=False),
        sa.CheckConstraint(
            "effective_to IS NULL OR effective_to >= effective_from",
            name=op.f("ck_rate_history_period"),
        ),
        sa.CheckConstraint(
            "holder IN ('project_member', 'project', 'client', 'user')",
            name=op.f("ck_rate_history_holder"),
        ),
        sa.CheckConstraint("kind IN ('bill', 'pay')", name=op.f("ck_rate_history_kind")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rate_history")),
    )
    op.create_index(
        "ix_rate_history_holder",
        "rate_history",
        ["holder", "holder_id", "kind", "effective_from"],
        unique=False,
    )
    op.create_table(
        "exchange_rates",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("from_currency", sa.String(length=3), nullable=False),
        sa.Column("to_currency", sa.String(length=3), nullable=False),
        sa.Column("rate", sa.String(length=40), nullable=False),
        sa.Column("set_at", sa.BigInteger(), nullable=False),
        sa.Column("set_by", sa.String(length=36), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_exchange_rates")),
    )
    op.create_index(
        "ix_exchange_rates_pair",
        "exchange_rates",
        ["from_currency", "to_currency", "set_at"],
        unique=False,
    )
    _seed_rate_history()


def _seed_rate_history() -> None:
    """The rates set so far, each effective from the beginning of time."""
    conn = op.get_bind()
    sources = (
        ("project", "bill", "SELECT id, bill_rate_minor, currency, updated_at FROM projects"),
        ("client", "bill", "SELECT id, bill_rate_minor, currency, updated_at FROM clients"),
        ("user", "bill",
         "SELECT id, default_bill_rate_minor, default_bill_currency, created_at FROM users"),
        ("user", "pay", "SELECT id, default_pay_rate_minor, pay_currency, created_at FROM users"),
        ("project_member", "bill",
         "SELECT project_id || '/' || user_id, bill_rate_minor, bill_currency, updated_at "
         "FROM project_members"),
        ("project_member", "pay",
         "SELECT project_id || '/' || user_id, pay_rate_minor, pay_currency, updated_at "
         "FROM project_members"),
    )  # fmt: skip
    rows = []
    for holder, kind, sql in sources:
        for holder_id, amount, currency, at in conn.execute(sa.text(sql)).all():
            if amount is not None:
                rows.append(
                    {
                        "id": str(uuid.uuid4()), "holder": holder, "holder_id": holder_id,
                        "kind": kind, "amount_minor": amount, "currency": currency,
                        "effective_from": 0, "changed_at": at,
                    }
                )  # fmt: skip
    if rows:
        table = sa.table(
            "rate_history", *(sa.column(c) for c in rows[0]),
        )  # fmt: skip
        op.bulk_insert(table, rows)


def downgrade() -> None:
    op.drop_index("ix_exchange_rates_pair", table_name="exchange_rates")
    op.drop_table("exchange_rates")
    op.drop_index("ix_rate_history_holder", table_name="rate_history")
    op.drop_table("rate_history")
    op.drop_index("ix_project_contacts_contact_id", table_name="project_contacts")
    op.drop_table("project_contacts")
    op.drop_index("ix_contacts_client_id", table_name="contacts")
    op.drop_table("contacts")
    with op.batch_alter_table("intervals") as batch:
        batch.drop_column("invoiced_currency")
    with op.batch_alter_table("projects") as batch:
        batch.drop_column("budget_minor")
        batch.drop_column("budget_seconds")
    with op.batch_alter_table("clients") as batch:
        batch.drop_column("country")
        batch.drop_column("city")
        batch.drop_column("postcode")
    with op.batch_alter_table("workspace") as batch:
        batch.drop_constraint(op.f("ck_workspace_number_reset"), type_="check")
        batch.drop_constraint(op.f("ck_workspace_rounding"), type_="check")
        for name in (
            "locale", "payment_terms_days", "default_tax_ppm", "void_issues_credit_note",
            "number_reset", *(n for n, _ in _FORMATS), "bic", "iban", "email", "tax_id",
            "country", "city", "postcode", "address", "legal_name",
        ):  # fmt: skip
            batch.drop_column(name)
