"""The server schema (server-spec §6.2, the parts this server uses so far), SQLAlchemy Core.

Instants are integer epoch seconds (UTC); money and rates are integer minor units beside an
ISO 4217 code, never REAL/NUMERIC. Every row the desktop pulls carries ``seq``, the
per-workspace change number taken from the ``counters`` row inside the writing transaction.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    false,
    text,
    true,
)

NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
metadata = MetaData(naming_convention=NAMING)

ID = String(36)
ROLES = ("admin", "manager", "member", "viewer")

counters = Table(
    "counters",
    metadata,
    Column("name", String(32), primary_key=True),
    Column("value", BigInteger, nullable=False),
)

workspace = Table(
    "workspace",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(200), nullable=False),
    Column("base_currency", String(3), nullable=False),
    Column("timezone", String(64), nullable=False),
    Column("week_start", Integer, nullable=False, server_default=text("1")),
    Column("rounding", String(16), nullable=False, server_default="half_up"),
    Column("lock_before", BigInteger),  # epoch seconds; intervals starting before are locked
)

users = Table(
    "users",
    metadata,
    Column("id", ID, primary_key=True),
    Column("email", String(320), nullable=False, unique=True),  # stored lower-cased
    Column("name", String(200), nullable=False),
    Column("role", String(16), nullable=False),
    Column("password_hash", Text),
    Column("default_bill_rate_minor", BigInteger),
    Column("default_bill_currency", String(3)),
    Column("default_pay_rate_minor", BigInteger),
    Column("pay_currency", String(3)),
    Column("created_at", BigInteger, nullable=False),
    Column("archived_at", BigInteger),
    CheckConstraint("role IN ('admin', 'manager', 'member', 'viewer')", name="role"),
)

api_tokens = Table(
    "api_tokens",
    metadata,
    Column("id", ID, primary_key=True),
    Column("user_id", ID, ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("device_name", String(200), nullable=False),
    Column("prefix", String(16), nullable=False),
    Column("secret_hash", String(64), nullable=False, unique=True),  # sha256 hex of the token
    Column("created_at", BigInteger, nullable=False),
    Column("last_used_at", BigInteger),
    Column("expires_at", BigInteger),
    Column("revoked_at", BigInteger),
    Index("ix_api_tokens_user_device", "user_id", "device_name"),
)

clients = Table(
    "clients",
    metadata,
    Column("id", ID, primary_key=True),
    Column("name", String(200), nullable=False),
    Column("legal_name", String(300)),
    Column("tax_id", String(64)),
    Column("address", Text),
    Column("currency", String(3), nullable=False),
    Column("contact_email", String(320)),
    Column("bill_rate_minor", BigInteger),
    Column("payment_terms_days", Integer),
    Column("notes", Text),
    Column("created_at", BigInteger, nullable=False),
    Column("updated_at", BigInteger, nullable=False),
)

projects = Table(
    "projects",
    metadata,
    Column("id", ID, primary_key=True),
    Column("name", String(200), nullable=False),
    Column("client_id", ID, ForeignKey("clients.id")),
    Column("bill_rate_minor", BigInteger),
    Column("currency", String(3)),
    Column("screenshots", Boolean, nullable=False, server_default=false()),
    Column("screenshot_blur", Boolean, nullable=False, server_default=false()),
    Column("archived", Boolean, nullable=False, server_default=false()),
    Column("billable", Boolean, nullable=False, server_default=true()),
    Column("revision", Integer, nullable=False, server_default=text("1")),
    Column("seq", BigInteger, nullable=False),
    Column("created_at", BigInteger, nullable=False),
    Column("updated_at", BigInteger, nullable=False),
    Index("ix_projects_seq", "seq"),
)

project_members = Table(
    "project_members",
    metadata,
    Column("project_id", ID, ForeignKey("projects.id", ondelete="CASCADE"), nullable=False),
    Column("user_id", ID, ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("kind", String(8), nullable=False),
    Column("bill_rate_minor", BigInteger),
    Column("bill_currency", String(3)),
    Column("pay_rate_minor", BigInteger),
    Column("pay_currency", String(3)),
    Column("grants", Text, nullable=False, server_default="{}"),  # JSON object of flags
    Column("seq", BigInteger, nullable=False),
    Column("created_at", BigInteger, nullable=False),
    Column("updated_at", BigInteger, nullable=False),
    PrimaryKeyConstraint("project_id", "user_id"),
    CheckConstraint("kind IN ('member', 'viewer')", name="kind"),
    Index("ix_project_members_user_id", "user_id"),
    Index("ix_project_members_seq", "seq"),
)

tasks = Table(
    "tasks",
    metadata,
    Column("id", ID, primary_key=True),
    Column("project_id", ID, ForeignKey("projects.id", ondelete="CASCADE"), nullable=False),
    Column("title", String(500), nullable=False),
    Column("status", String(16), nullable=False),
    Column("revision", Integer, nullable=False, server_default=text("1")),
    Column("created_by", ID, ForeignKey("users.id")),
    Column("seq", BigInteger, nullable=False),
    Column("created_at", BigInteger, nullable=False),
    Column("updated_at", BigInteger, nullable=False),
    CheckConstraint("status IN ('open', 'in_progress', 'done')", name="status"),
    Index("ix_tasks_project_id", "project_id"),
    Index("ix_tasks_seq", "seq"),
)

intervals = Table(
    "intervals",
    metadata,
    Column("id", ID, primary_key=True),
    Column("user_id", ID, ForeignKey("users.id"), nullable=False),
    Column("device_name", String(200)),
    Column("task_id", ID, ForeignKey("tasks.id"), nullable=False),
    Column("started_at", BigInteger, nullable=False),
    Column("ended_at", BigInteger),  # NULL while running
    Column("tz", String(64), nullable=False),
    Column("note", Text, nullable=False, server_default=""),
    Column("source", String(8), nullable=False),
    Column("revision", Integer, nullable=False),
    Column("deleted", Boolean, nullable=False, server_default=false()),
    Column("deleted_at", BigInteger),
    Column("seq", BigInteger, nullable=False),
    # Derived billing fields (server-spec §6.3/6.4), resolved when the interval is accepted.
    Column("billable", Boolean, nullable=False, server_default=true()),
    Column("bill_rate_minor", BigInteger),
    Column("bill_currency", String(3)),
    Column("bill_rate_origin", String(16), nullable=False, server_default="none"),
    Column("pay_rate_minor", BigInteger),
    Column("pay_currency", String(3)),
    Column("estimated_amount_minor", BigInteger),
    Column("invoiced_amount_minor", BigInteger),
    Column("locked_by_invoice_id", ID),
    Column("locked_by_team_invoice_id", ID),
    Column("created_at", BigInteger, nullable=False),
    Column("updated_at", BigInteger, nullable=False),
    # The sync run (a client-chosen id, ``Tracker-Writer`` header) whose push stored this row
    # exactly as sent; NULL when the server changed it. ``GET /changes?skip_writer=`` leaves
    # such rows out: the device that sent them already holds them.
    Column("written_by", String(64)),
    CheckConstraint("ended_at IS NULL OR ended_at > started_at", name="end_after_start"),
    CheckConstraint("ended_at IS NULL OR ended_at - started_at <= 3596400", name="max_999h"),
    CheckConstraint("source IN ('timer', 'manual')", name="source"),
    Index("ix_intervals_user_started", "user_id", "started_at"),
    Index("ix_intervals_started_at", "started_at"),
    Index("ix_intervals_task_started", "task_id", "started_at"),
    Index("ix_intervals_user_seq", "user_id", "seq"),
    # One running interval per user: a database fact, not only code.
    Index(
        "uq_intervals_one_running",
        "user_id",
        unique=True,
        sqlite_where=text("ended_at IS NULL AND deleted = 0"),
        postgresql_where=text("ended_at IS NULL AND NOT deleted"),
    ),
)

activity_slots = Table(
    "activity_slots",
    metadata,
    Column("id", ID, primary_key=True),  # the slot's client UUID: retries are upserts
    Column("user_id", ID, ForeignKey("users.id"), nullable=False),
    Column("device_name", String(200)),
    Column("interval_id", ID, ForeignKey("intervals.id"), nullable=False),
    Column("slot_start", BigInteger, nullable=False),  # aligned to 10 minutes UTC
    Column("slot_seconds", Integer, nullable=False),  # the tracked part of the slot
    Column("active_seconds", Integer, nullable=False),  # seconds with any input
    Column("keyboard_events", BigInteger, nullable=False),
    Column("mouse_events", BigInteger, nullable=False),
    Column("seq", BigInteger, nullable=False),
    Column("created_at", BigInteger, nullable=False),
    Column("updated_at", BigInteger, nullable=False),
    CheckConstraint("slot_seconds > 0 AND slot_seconds <= 600", name="slot_seconds"),
    CheckConstraint(
        "active_seconds >= 0 AND active_seconds <= slot_seconds", name="active_seconds"
    ),
    CheckConstraint("slot_start % 600 = 0", name="slot_aligned"),
    Index("ix_activity_slots_user_slot", "user_id", "slot_start"),
    Index("ix_activity_slots_interval_id", "interval_id"),
    Index("ix_activity_slots_seq", "seq"),
)

screenshots = Table(
    "screenshots",
    metadata,
    Column("id", ID, primary_key=True),  # client UUID
    Column("user_id", ID, ForeignKey("users.id"), nullable=False),
    Column("device_name", String(200)),
    Column("interval_id", ID, ForeignKey("intervals.id"), nullable=False),
    Column("taken_at", BigInteger, nullable=False),
    Column("sha256", String(64), nullable=False),  # of the bytes; also the storage address
    Column("bytes", Integer, nullable=False),
    Column("width", Integer, nullable=False),
    Column("height", Integer, nullable=False),
    Column("media_type", String(32), nullable=False),
    Column("blurred", Boolean, nullable=False, server_default=false()),
    Column("storage_key", String(200), nullable=False),  # path under the data dir
    Column("deleted_at", BigInteger),
    Column("seq", BigInteger, nullable=False),
    Column("created_at", BigInteger, nullable=False),
    Column("updated_at", BigInteger, nullable=False),
    Index("ix_screenshots_user_taken", "user_id", "taken_at"),
    Index("ix_screenshots_interval_id", "interval_id"),
    Index("ix_screenshots_sha256", "sha256"),
    Index("ix_screenshots_seq", "seq"),
)

idempotency_records = Table(
    "idempotency_records",
    metadata,
    Column("token_id", ID, nullable=False),
    Column("key", String(255), nullable=False),
    Column("request_hash", String(64), nullable=False),
    Column("state", String(12), nullable=False),  # in_flight | done
    Column("response_status", Integer),
    Column("response_body", Text),
    Column("created_at", BigInteger, nullable=False),
    PrimaryKeyConstraint("token_id", "key"),
    Index("ix_idempotency_records_created_at", "created_at"),
)

# Failed sign-ins per (e-mail, client address), to slow down password guessing. The key is a
# SHA-256 of both, so no address is stored; a good sign-in removes the row.
sign_in_failures = Table(
    "sign_in_failures",
    metadata,
    Column("key", String(64), primary_key=True),
    Column("failures", Integer, nullable=False),
    Column("first_at", BigInteger, nullable=False),  # start of the counting window
    Column("blocked_until", BigInteger),
)

# Browser sessions of the web pages (server-spec §6.15): the cookie carries a random id, only its
# SHA-256 is stored. ``csrf_secret`` is the per-session secret the forms' masked tokens carry.
# A session ends 12 h after ``last_seen_at`` or at ``expires_at`` (30 days after sign-in), and is
# deleted on sign-out and when the user's password changes. A share-link session has no user.
web_sessions = Table(
    "web_sessions",
    metadata,
    Column("id", ID, primary_key=True),
    Column("secret_hash", String(64), nullable=False, unique=True),
    Column("user_id", ID, ForeignKey("users.id", ondelete="CASCADE")),
    Column("share_link_id", ID),
    Column("csrf_secret", String(64), nullable=False),
    Column("created_at", BigInteger, nullable=False),
    Column("last_seen_at", BigInteger, nullable=False),
    Column("expires_at", BigInteger, nullable=False),
    Index("ix_web_sessions_user_id", "user_id"),
    Index("ix_web_sessions_expires_at", "expires_at"),
)

# Tables a fresh database gets rows in, in an order safe for deletion (children first).
ALL_TABLES_CHILD_FIRST = (
    web_sessions,
    sign_in_failures,
    idempotency_records,
    screenshots,
    activity_slots,
    intervals,
    tasks,
    project_members,
    projects,
    clients,
    api_tokens,
    users,
    workspace,
    counters,
)

__all__ = [
    "ALL_TABLES_CHILD_FIRST",
    "ROLES",
    "activity_slots",
    "api_tokens",
    "clients",
    "counters",
    "idempotency_records",
    "intervals",
    "metadata",
    "project_members",
    "projects",
    "screenshots",
    "sign_in_failures",
    "tasks",
    "users",
    "web_sessions",
    "workspace",
]
