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
    # The seller on invoices (contract §4b), and how invoices are numbered and rounded.
    Column("legal_name", String(300)),
    Column("address", Text),
    Column("postcode", String(32)),
    Column("city", String(200)),
    Column("country", String(2)),  # ISO 3166-1 alpha-2
    Column("tax_id", String(64)),
    Column("email", String(320)),
    Column("iban", String(34)),
    Column("bic", String(11)),
    Column("invoice_number_format", String(100), nullable=False,
           server_default="INV-{YYYY}-{seq:4}"),
    Column("credit_note_number_format", String(100), nullable=False,
           server_default="CN-{YYYY}-{seq:4}"),
    Column("team_invoice_number_format", String(100), nullable=False,
           server_default="PAY-{YYYY}-{seq:4}"),
    Column("number_reset", String(8), nullable=False, server_default="never"),
    Column("void_issues_credit_note", Boolean, nullable=False, server_default=true()),
    Column("default_tax_ppm", Integer, nullable=False, server_default=text("0")),
    Column("payment_terms_days", Integer, nullable=False, server_default=text("14")),
    Column("locale", String(35), nullable=False, server_default="en_US"),  # Babel locale id
    CheckConstraint("rounding IN ('half_up', 'half_even')", name="rounding"),
    CheckConstraint("number_reset IN ('never', 'yearly')", name="number_reset"),
)  # fmt: skip

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
    Column("postcode", String(32)),
    Column("city", String(200)),
    Column("country", String(2)),  # ISO 3166-1 alpha-2; an e-invoice needs it
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
    Column("budget_seconds", BigInteger),  # optional budget: time and/or money
    Column("budget_minor", BigInteger),  # in the project's currency
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
    # Who the task is assigned to (a member of the project), checked by the API. No foreign key:
    # adding one on SQLite means rebuilding ``tasks``, which intervals reference.
    Column("assignee_id", ID),
    CheckConstraint("status IN ('open', 'in_progress', 'done')", name="status"),
    Index("ix_tasks_project_id", "project_id"),
    Index("ix_tasks_seq", "seq"),
    Index("ix_tasks_assignee_id", "assignee_id"),
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
    Column("invoiced_currency", String(3)),  # the invoice's currency (set at finalize)
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
    # The rows an invoice (or team invoice) locks, for voiding it: only locked rows are indexed.
    Index(
        "ix_intervals_locked_by_invoice_id",
        "locked_by_invoice_id",
        sqlite_where=text("locked_by_invoice_id IS NOT NULL"),
        postgresql_where=text("locked_by_invoice_id IS NOT NULL"),
    ),
    Index(
        "ix_intervals_locked_by_team_invoice_id",
        "locked_by_team_invoice_id",
        sqlite_where=text("locked_by_team_invoice_id IS NOT NULL"),
        postgresql_where=text("locked_by_team_invoice_id IS NOT NULL"),
    ),
    # One running interval per user: a database fact, not only code.
    Index(
        "uq_intervals_one_running",
        "user_id",
        unique=True,
        sqlite_where=text("ended_at IS NULL AND deleted = 0"),
        postgresql_where=text("ended_at IS NULL AND NOT deleted"),
    ),
)

# The daily roll-up (db/rollup.py): kept by triggers on ``intervals``, in the same transaction.
# ``day`` is a local date of ``rollup_state.zone`` as days since 1970-01-01.
rollup_state = Table(
    "rollup_state",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("zone", String(64), nullable=False),
    Column("first_day", Integer, nullable=False),
    Column("last_day", Integer, nullable=False),
    Column("lo", BigInteger, nullable=False),  # the calendar's first instant
    Column("hi", BigInteger, nullable=False),  # and its end (exclusive)
)

# Holds a row only inside a batch push's transaction, while it inserts rows whose roll-up it adds
# itself (db/rollup.py ``paused``): SQLite's insert trigger stands aside while it is there.
rollup_pause = Table(
    "rollup_pause",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
)

rollup_calendar = Table(
    "rollup_calendar",
    metadata,
    Column("day", Integer, primary_key=True, autoincrement=False),
    Column("month", Integer, nullable=False),  # year * 12 + month - 1
    Column("lo", BigInteger, nullable=False),  # the local day's UTC span [lo, hi)
    Column("hi", BigInteger, nullable=False),
    Index("ix_rollup_calendar_lo", "lo"),
)

day_totals = Table(
    "day_totals",
    metadata,
    Column("day", Integer, primary_key=True, autoincrement=False),
    Column("user_id", ID, primary_key=True),
    Column("task_id", ID, primary_key=True),
    Column("seconds", BigInteger, nullable=False),
    sqlite_with_rowid=False,
)

day_amounts = Table(
    "day_amounts",
    metadata,
    Column("day", Integer, primary_key=True, autoincrement=False),
    Column("user_id", ID, primary_key=True),
    Column("task_id", ID, primary_key=True),
    Column("currency", String(3), primary_key=True),  # "" for none
    Column("est_minor", BigInteger, nullable=False),
    Column("est_n", Integer, nullable=False),
    Column("inv_minor", BigInteger, nullable=False),
    Column("inv_n", Integer, nullable=False),
    Column("best_minor", BigInteger, nullable=False),
    Column("best_n", Integer, nullable=False),
    sqlite_with_rowid=False,
)

month_totals = Table(
    "month_totals",
    metadata,
    Column("month", Integer, primary_key=True, autoincrement=False),
    Column("user_id", ID, primary_key=True),
    Column("task_id", ID, primary_key=True),
    Column("seconds", BigInteger, nullable=False),
    sqlite_with_rowid=False,
)

month_amounts = Table(
    "month_amounts",
    metadata,
    Column("month", Integer, primary_key=True, autoincrement=False),
    Column("user_id", ID, primary_key=True),
    Column("task_id", ID, primary_key=True),
    Column("currency", String(3), primary_key=True),  # "" for none
    Column("est_minor", BigInteger, nullable=False),
    Column("est_n", Integer, nullable=False),
    Column("inv_minor", BigInteger, nullable=False),
    Column("inv_n", Integer, nullable=False),
    Column("best_minor", BigInteger, nullable=False),
    Column("best_n", Integer, nullable=False),
    sqlite_with_rowid=False,
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

# One-time sign-in links (``POST /api/v1/auth/web-link``): the desktop app, signed in with its
# token, opens the web pages without the password. The secret (128+ random bits) is in the URL
# only; the table keeps its SHA-256. A link is good for 60 seconds and once (``used_at``);
# ``next`` is the same-site path the browser goes to after signing in (None: the landing page).
sign_in_links = Table(
    "sign_in_links",
    metadata,
    Column("id", ID, primary_key=True),
    Column("secret_hash", String(64), nullable=False, unique=True),
    Column("user_id", ID, ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("next", String(500)),
    Column("created_at", BigInteger, nullable=False),
    Column("expires_at", BigInteger, nullable=False),
    Column("used_at", BigInteger),
    Index("ix_sign_in_links_user_id", "user_id"),
    Index("ix_sign_in_links_expires_at", "expires_at"),
)

# -- collaboration (server-spec §6.15): chat, files, share links, e-mail notices --------------

messages = Table(
    "messages",
    metadata,
    Column("id", ID, primary_key=True),
    Column("project_id", ID, ForeignKey("projects.id", ondelete="CASCADE"), nullable=False),
    Column("user_id", ID, ForeignKey("users.id"), nullable=False),
    Column("body", Text, nullable=False),
    Column("seq", BigInteger, nullable=False),  # commit order: the page order of the chat
    Column("created_at", BigInteger, nullable=False),
    Index("ix_messages_project_seq", "project_id", "seq"),
)

project_files = Table(
    "project_files",
    metadata,
    Column("id", ID, primary_key=True),
    Column("project_id", ID, ForeignKey("projects.id", ondelete="CASCADE"), nullable=False),
    Column("name", String(255), nullable=False),  # as uploaded (sanitised on download)
    Column("size", BigInteger, nullable=False),
    Column("content_type", String(100), nullable=False),  # from the bytes, not the name
    Column("sha256", String(64), nullable=False),  # also the storage address
    Column("storage_key", String(200), nullable=False),  # path under the data dir
    Column("uploaded_by", ID, ForeignKey("users.id"), nullable=False),
    Column("created_at", BigInteger, nullable=False),
    Column("deleted_at", BigInteger),
    Index("ix_project_files_project_id", "project_id"),
    Index("ix_project_files_sha256", "sha256"),
)

share_links = Table(
    "share_links",
    metadata,
    Column("id", ID, primary_key=True),
    Column("project_id", ID, ForeignKey("projects.id", ondelete="CASCADE"), nullable=False),
    Column("secret_hash", String(64), nullable=False, unique=True),  # sha256 hex of the secret
    Column("password_hash", Text),  # argon2, when the link has a password
    Column("grants", Text, nullable=False, server_default="{}"),  # JSON, as viewer grants
    Column("expires_at", BigInteger),
    Column("revoked_at", BigInteger),
    Column("created_by", ID, ForeignKey("users.id"), nullable=False),
    Column("created_at", BigInteger, nullable=False),
    Column("access_count", Integer, nullable=False, server_default=text("0")),
    Column("last_access_at", BigInteger),
    Index("ix_share_links_project_id", "project_id"),
)

# The e-mail outbox: every notice is rendered once into a row, then sent; ``key`` makes each
# notice happen once (a failed send is retried from the same row, never sent twice).
notices = Table(
    "notices",
    metadata,
    Column("id", ID, primary_key=True),
    Column("key", String(200), nullable=False, unique=True),
    Column("kind", String(16), nullable=False),
    Column("user_id", ID, ForeignKey("users.id", ondelete="SET NULL")),
    Column("to_email", String(320), nullable=False),
    Column("project_id", ID, ForeignKey("projects.id", ondelete="SET NULL")),
    Column("subject", String(300), nullable=False),
    Column("text_body", Text, nullable=False),
    Column("html_body", Text, nullable=False),
    Column("status", String(8), nullable=False),
    Column("attempts", Integer, nullable=False, server_default=text("0")),
    Column("last_error", Text),  # the SMTP server's answer of the last failed attempt
    Column("message_id", String(300)),
    Column("created_at", BigInteger, nullable=False),
    Column("updated_at", BigInteger, nullable=False),
    Column("sent_at", BigInteger),
    CheckConstraint("kind IN ('assignment', 'digest', 'summary')", name="kind"),
    CheckConstraint("status IN ('pending', 'sending', 'sent', 'failed')", name="status"),
    Index("ix_notices_status", "status"),
)

# Chat messages someone has not been e-mailed about yet, and when they last got a digest: the
# 15-minute rule lives here, so several server processes send one digest between them.
chat_pending = Table(
    "chat_pending",
    metadata,
    Column("user_id", ID, ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("message_id", ID, ForeignKey("messages.id", ondelete="CASCADE"), nullable=False),
    Column("created_at", BigInteger, nullable=False),
    PrimaryKeyConstraint("user_id", "message_id"),
)

chat_digests = Table(
    "chat_digests",
    metadata,
    Column("user_id", ID, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Column("last_sent_at", BigInteger, nullable=False),
)

# The weekly progress summary of a project, claimed once per ISO week (``2026-W48``).
sent_summaries = Table(
    "sent_summaries",
    metadata,
    Column("project_id", ID, ForeignKey("projects.id", ondelete="CASCADE"), nullable=False),
    Column("iso_week", String(8), nullable=False),
    Column("recipients", Integer, nullable=False),
    Column("created_at", BigInteger, nullable=False),
    PrimaryKeyConstraint("project_id", "iso_week"),
)

contacts = Table(
    "contacts",
    metadata,
    Column("id", ID, primary_key=True),
    Column("client_id", ID, ForeignKey("clients.id", ondelete="CASCADE"), nullable=False),
    Column("name", String(200), nullable=False),
    Column("email", String(320), nullable=False),
    Column("billing", Boolean, nullable=False, server_default=false()),  # receives invoices
    Column("created_at", BigInteger, nullable=False),
    Index("ix_contacts_client_id", "client_id"),
)

project_contacts = Table(
    "project_contacts",
    metadata,
    Column("project_id", ID, ForeignKey("projects.id", ondelete="CASCADE"), nullable=False),
    Column("contact_id", ID, ForeignKey("contacts.id", ondelete="CASCADE"), nullable=False),
    Column("created_at", BigInteger, nullable=False),
    PrimaryKeyConstraint("project_id", "contact_id"),
    Index("ix_project_contacts_contact_id", "contact_id"),
)

# Every rate a holder had, with the period it held (server-spec §6.3). ``holder_id`` is the
# project, client or user id, or "<project id>/<user id>" for a member on a project. A NULL
# amount is a period without a rate. Periods of one holder and kind never overlap: a change
# ends the current period where the new one starts; a period wholly replaced by a back-dated
# change is kept, emptied (``effective_to = effective_from``), for the record.
RATE_HOLDERS = ("project_member", "project", "client", "user")
rate_history = Table(
    "rate_history",
    metadata,
    Column("id", ID, primary_key=True),
    Column("holder", String(16), nullable=False),
    Column("holder_id", String(80), nullable=False),
    Column("kind", String(4), nullable=False),
    Column("amount_minor", BigInteger),  # per hour; NULL: no rate in this period
    Column("currency", String(3)),
    Column("effective_from", BigInteger, nullable=False),  # epoch seconds; 0 = always
    Column("effective_to", BigInteger),  # exclusive; NULL = open
    Column("changed_by", ID),
    Column("changed_at", BigInteger, nullable=False),
    CheckConstraint("holder IN ('project_member', 'project', 'client', 'user')", name="holder"),
    CheckConstraint("kind IN ('bill', 'pay')", name="kind"),
    CheckConstraint("effective_to IS NULL OR effective_to >= effective_from", name="period"),
    Index("ix_rate_history_holder", "holder", "holder_id", "kind", "effective_from"),
)

# Exchange rates as set by an admin; every row is kept (history), the newest per pair is current.
exchange_rates = Table(
    "exchange_rates",
    metadata,
    Column("id", ID, primary_key=True),
    Column("from_currency", String(3), nullable=False),
    Column("to_currency", String(3), nullable=False),
    Column("rate", String(40), nullable=False),  # an exact decimal string
    Column("set_at", BigInteger, nullable=False),
    Column("set_by", ID),
    Index("ix_exchange_rates_pair", "from_currency", "to_currency", "set_at"),
)

# Who did what (contract §4b'): written by services/audit.py in the transaction of the action.
# ``before``/``after`` are small JSON objects of the changed fields (never a secret; a large value
# is stored as its SHA-256). ``actor_id`` is null for the server's operator (the CLI) and for a
# failed sign-in with an unknown e-mail. No foreign keys: the trail outlives what it names.
audit_events = Table(
    "audit_events",
    metadata,
    Column(
        "id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    ),
    Column("at", BigInteger, nullable=False),
    Column("actor_id", ID),
    Column("action", String(64), nullable=False),
    Column("entity", String(32), nullable=False),
    Column("entity_id", String(64)),
    Column("before", Text),
    Column("after", Text),
    Index("ix_audit_events_at", "at"),
)

# -- invoices (server-spec §6.2, §6.5-§6.7) --------------------------------------------------
# One table for client invoices, credit notes and team invoices (payouts to a member): a
# client invoice has ``client_id``, a team invoice ``user_id``. Dates are ISO ``YYYY-MM-DD``
# strings, local to the workspace zone. JSON columns are canonical text.
INVOICE_KINDS = ("invoice", "credit_note", "team_invoice")

invoices = Table(
    "invoices",
    metadata,
    Column("id", ID, primary_key=True),
    Column("kind", String(16), nullable=False),
    Column("status", String(8), nullable=False),
    Column("client_id", ID, ForeignKey("clients.id")),
    Column("user_id", ID, ForeignKey("users.id")),  # the payee of a team invoice
    Column("period_from", String(10), nullable=False),
    Column("period_to", String(10), nullable=False),
    Column("issue_date", String(10), nullable=False),
    Column("due_date", String(10), nullable=False),
    Column("currency", String(3), nullable=False),
    Column("number", String(64)),  # NULL until final
    Column("series", String(16)),  # the invoice_series row the number came from
    Column("subtotal_minor", BigInteger, nullable=False, server_default=text("0")),
    Column("tax_minor", BigInteger, nullable=False, server_default=text("0")),
    Column("total_minor", BigInteger, nullable=False, server_default=text("0")),
    Column("paid_minor", BigInteger, nullable=False, server_default=text("0")),
    Column("tax_ppm", Integer, nullable=False, server_default=text("0")),  # the default rate
    Column("tax_category", String(2)),  # NULL: chosen from the rate and the parties
    Column("exemption_reason", String(300)),
    Column("fx", Text, nullable=False, server_default="[]"),
    Column("warnings", Text, nullable=False, server_default="[]"),
    Column("credits_invoice_id", ID, ForeignKey("invoices.id")),
    Column("credit_note_id", ID, ForeignKey("invoices.id")),
    Column("snapshot", Text),
    Column("snapshot_sha256", String(64)),
    Column("revision", Integer, nullable=False, server_default=text("1")),
    Column("notes", Text),
    Column("created_by", ID, ForeignKey("users.id")),
    Column("finalized_at", BigInteger),
    Column("finalized_by", ID, ForeignKey("users.id")),
    Column("voided_at", BigInteger),
    Column("voided_by", ID, ForeignKey("users.id")),
    Column("void_reason", Text),
    Column("created_at", BigInteger, nullable=False),
    Column("updated_at", BigInteger, nullable=False),
    CheckConstraint("kind IN ('invoice', 'credit_note', 'team_invoice')", name="kind"),
    CheckConstraint("status IN ('draft', 'final', 'void')", name="status"),
    Index("uq_invoices_kind_number", "kind", "number", unique=True),
    Index("ix_invoices_client_id", "client_id"),
    Index("ix_invoices_user_id", "user_id"),
    Index("ix_invoices_status_kind", "status", "kind"),
)

invoice_lines = Table(
    "invoice_lines",
    metadata,
    Column("id", ID, primary_key=True),
    Column("invoice_id", ID, ForeignKey("invoices.id", ondelete="CASCADE"), nullable=False),
    Column("position", Integer, nullable=False),
    Column("kind", String(8), nullable=False),  # time | manual
    Column("project_id", ID, ForeignKey("projects.id")),
    Column("task_id", ID, ForeignKey("tasks.id")),
    Column("user_id", ID, ForeignKey("users.id")),
    Column("description", Text, nullable=False),
    Column("seconds", BigInteger),  # raw tracked seconds behind a time line
    Column("quantity_seconds", BigInteger),  # time lines: billed, on the 36-second grid
    Column("quantity_milli", BigInteger),  # manual lines: units x 1000
    Column("unit_price_minor", BigInteger, nullable=False),
    Column("amount_minor", BigInteger, nullable=False),
    Column("tax_ppm", Integer, nullable=False),
    Column("source_currency", String(3)),  # the rate's currency when converted
    Column("source_unit_price_minor", BigInteger),
    CheckConstraint("kind IN ('time', 'manual')", name="kind"),
    Index("ix_invoice_lines_invoice_id", "invoice_id", "position"),
    Index("ix_invoice_lines_project_id", "project_id"),
)

# Which interval is on which line. ``ledger`` separates billing (client invoices) from pay
# (team invoices): an interval may be billed once *and* paid once, never either twice.
invoice_intervals = Table(
    "invoice_intervals",
    metadata,
    Column("line_id", ID, ForeignKey("invoice_lines.id", ondelete="CASCADE"), nullable=False),
    Column("invoice_id", ID, ForeignKey("invoices.id", ondelete="CASCADE"), nullable=False),
    Column("interval_id", ID, ForeignKey("intervals.id"), nullable=False),
    Column("ledger", String(4), nullable=False),  # bill | pay
    Column("interval_revision", Integer, nullable=False),
    Column("billed_seconds", BigInteger, nullable=False),
    Column("allocated_amount_minor", BigInteger, nullable=False),
    Column("state", String(8), nullable=False),  # draft | final | released
    PrimaryKeyConstraint("line_id", "interval_id"),
    CheckConstraint("ledger IN ('bill', 'pay')", name="ledger"),
    CheckConstraint("state IN ('draft', 'final', 'released')", name="state"),
    Index("ix_invoice_intervals_invoice_id", "invoice_id", "interval_id"),
    Index("ix_invoice_intervals_interval_id", "interval_id"),
    # Never billed twice, never paid twice: database facts, not only code.
    Index(
        "uq_invoice_intervals_billed_once",
        "interval_id",
        unique=True,
        sqlite_where=text("state = 'final' AND ledger = 'bill'"),
        postgresql_where=text("state = 'final' AND ledger = 'bill'"),
    ),
    Index(
        "uq_invoice_intervals_paid_once",
        "interval_id",
        unique=True,
        sqlite_where=text("state = 'final' AND ledger = 'pay'"),
        postgresql_where=text("state = 'final' AND ledger = 'pay'"),
    ),
)

# The number counters, one row per kind, taken inside the finalize transaction (gap-free).
invoice_series = Table(
    "invoice_series",
    metadata,
    Column("kind", String(16), primary_key=True),
    Column("format", String(64), nullable=False),
    Column("reset", String(8), nullable=False),  # never | yearly
    Column("period", String(8), nullable=False, server_default=""),  # the year counted in
    Column("next_value", BigInteger, nullable=False),
)

payments = Table(
    "payments",
    metadata,
    Column("id", ID, primary_key=True),
    Column("invoice_id", ID, ForeignKey("invoices.id", ondelete="CASCADE"), nullable=False),
    Column("amount_minor", BigInteger, nullable=False),
    Column("date", String(10), nullable=False),
    Column("method", String(64)),
    Column("reference", String(200)),
    Column("idempotency_key", String(255)),
    Column("created_by", ID, ForeignKey("users.id")),
    Column("created_at", BigInteger, nullable=False),
    Index("ix_payments_invoice_id", "invoice_id", "date"),
    Index("uq_payments_invoice_key", "invoice_id", "idempotency_key", unique=True),
)

invoice_deliveries = Table(
    "invoice_deliveries",
    metadata,
    Column("id", ID, primary_key=True),
    Column("invoice_id", ID, ForeignKey("invoices.id", ondelete="CASCADE"), nullable=False),
    Column("idempotency_key", String(255)),
    Column("recipients", Text, nullable=False),  # JSON list of e-mail addresses
    Column("status", String(8), nullable=False),
    Column("message_id", String(300)),
    Column("smtp_answer", Text),
    Column("created_by", ID, ForeignKey("users.id")),
    Column("created_at", BigInteger, nullable=False),
    Column("sent_at", BigInteger),
    CheckConstraint("status IN ('sending', 'sent', 'failed')", name="status"),
    Index("uq_invoice_deliveries_invoice_key", "invoice_id", "idempotency_key", unique=True),
)

# Tables a fresh database gets rows in, in an order safe for deletion (children first).
ALL_TABLES_CHILD_FIRST = (
    sign_in_links,
    web_sessions,
    invoice_deliveries,
    payments,
    invoice_intervals,
    invoice_lines,
    invoices,
    invoice_series,
    sent_summaries,
    chat_digests,
    chat_pending,
    notices,
    share_links,
    project_files,
    messages,
    exchange_rates,
    rate_history,
    project_contacts,
    contacts,
    audit_events,
    sign_in_failures,
    idempotency_records,
    screenshots,
    activity_slots,
    intervals,
    day_totals,  # after intervals: deleting those takes their time out of these
    day_amounts,
    month_totals,
    month_amounts,
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
    "INVOICE_KINDS",
    "RATE_HOLDERS",
    "ROLES",
    "activity_slots",
    "api_tokens",
    "audit_events",
    "chat_digests",
    "chat_pending",
    "clients",
    "contacts",
    "counters",
    "day_amounts",
    "day_totals",
    "exchange_rates",
    "idempotency_records",
    "intervals",
    "invoice_deliveries",
    "invoice_intervals",
    "invoice_lines",
    "invoice_series",
    "invoices",
    "messages",
    "metadata",
    "month_amounts",
    "month_totals",
    "notices",
    "payments",
    "project_contacts",
    "project_files",
    "project_members",
    "projects",
    "rate_history",
    "rollup_calendar",
    "rollup_state",
    "screenshots",
    "sent_summaries",
    "share_links",
    "sign_in_failures",
    "sign_in_links",
    "tasks",
    "users",
    "web_sessions",
    "workspace",
]
