"""collaboration: project chat, files, share links, task assignees, the e-mail outbox

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01 19:45:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

ID = sa.String(length=36)


def _fk(table: str, column: str, target: str, ondelete: str | None = None):
    return sa.ForeignKeyConstraint(
        [column], [f"{target}.id"], name=op.f(f"fk_{table}_{column}_{target}"), ondelete=ondelete
    )


def upgrade() -> None:
    with op.batch_alter_table("tasks") as batch:
        batch.add_column(sa.Column("assignee_id", ID, nullable=True))
        batch.create_index("ix_tasks_assignee_id", ["assignee_id"], unique=False)

    op.create_table(
        "messages",
        sa.Column("id", ID, nullable=False),
        sa.Column("project_id", ID, nullable=False),
        sa.Column("user_id", ID, nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        _fk("messages", "project_id", "projects", "CASCADE"),
        _fk("messages", "user_id", "users"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_messages")),
    )
    op.create_index("ix_messages_project_seq", "messages", ["project_id", "seq"])

    op.create_table(
        "project_files",
        sa.Column("id", ID, nullable=False),
        sa.Column("project_id", ID, nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("content_type", sa.String(length=100), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("storage_key", sa.String(length=200), nullable=False),
        sa.Column("uploaded_by", ID, nullable=False),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.Column("deleted_at", sa.BigInteger(), nullable=True),
        _fk("project_files", "project_id", "projects", "CASCADE"),
        _fk("project_files", "uploaded_by", "users"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_project_files")),
    )
    op.create_index("ix_project_files_project_id", "project_files", ["project_id"])
    op.create_index("ix_project_files_sha256", "project_files", ["sha256"])

    op.create_table(
        "share_links",
        sa.Column("id", ID, nullable=False),
        sa.Column("project_id", ID, nullable=False),
        sa.Column("secret_hash", sa.String(length=64), nullable=False),
        sa.Column("password_hash", sa.Text(), nullable=True),
        sa.Column("grants", sa.Text(), server_default="{}", nullable=False),
        sa.Column("expires_at", sa.BigInteger(), nullable=True),
        sa.Column("revoked_at", sa.BigInteger(), nullable=True),
        sa.Column("created_by", ID, nullable=False),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.Column("access_count", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("last_access_at", sa.BigInteger(), nullable=True),
        _fk("share_links", "project_id", "projects", "CASCADE"),
        _fk("share_links", "created_by", "users"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_share_links")),
        sa.UniqueConstraint("secret_hash", name=op.f("uq_share_links_secret_hash")),
    )
    op.create_index("ix_share_links_project_id", "share_links", ["project_id"])

    op.create_table(
        "notices",
        sa.Column("id", ID, nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("user_id", ID, nullable=True),
        sa.Column("to_email", sa.String(length=320), nullable=False),
        sa.Column("project_id", ID, nullable=True),
        sa.Column("subject", sa.String(length=300), nullable=False),
        sa.Column("text_body", sa.Text(), nullable=False),
        sa.Column("html_body", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=8), nullable=False),
        sa.Column("attempts", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("message_id", sa.String(length=300), nullable=True),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.Column("updated_at", sa.BigInteger(), nullable=False),
        sa.Column("sent_at", sa.BigInteger(), nullable=True),
        sa.CheckConstraint(
            "kind IN ('assignment', 'digest', 'summary')", name=op.f("ck_notices_kind")
        ),
        sa.CheckConstraint(
            "status IN ('pending', 'sending', 'sent', 'failed')", name=op.f("ck_notices_status")
        ),
        _fk("notices", "user_id", "users", "SET NULL"),
        _fk("notices", "project_id", "projects", "SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notices")),
        sa.UniqueConstraint("key", name=op.f("uq_notices_key")),
    )
    op.create_index("ix_notices_status", "notices", ["status"])

    op.create_table(
        "chat_pending",
        sa.Column("user_id", ID, nullable=False),
        sa.Column("message_id", ID, nullable=False),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        _fk("chat_pending", "user_id", "users", "CASCADE"),
        _fk("chat_pending", "message_id", "messages", "CASCADE"),
        sa.PrimaryKeyConstraint("user_id", "message_id", name=op.f("pk_chat_pending")),
    )
    op.create_table(
        "chat_digests",
        sa.Column("user_id", ID, nullable=False),
        sa.Column("last_sent_at", sa.BigInteger(), nullable=False),
        _fk("chat_digests", "user_id", "users", "CASCADE"),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_chat_digests")),
    )
    op.create_table(
        "sent_summaries",
        sa.Column("project_id", ID, nullable=False),
        sa.Column("iso_week", sa.String(length=8), nullable=False),
        sa.Column("recipients", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        _fk("sent_summaries", "project_id", "projects", "CASCADE"),
        sa.PrimaryKeyConstraint("project_id", "iso_week", name=op.f("pk_sent_summaries")),
    )


def downgrade() -> None:
    for table in (
        "sent_summaries", "chat_digests", "chat_pending", "notices", "share_links",
        "project_files", "messages",
    ):  # fmt: skip
        op.drop_table(table)
    with op.batch_alter_table("tasks") as batch:
        batch.drop_index("ix_tasks_assignee_id")
        batch.drop_column("assignee_id")
