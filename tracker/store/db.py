"""Opening the database: pragmas, named migrations, and the write transaction.

Every write runs in ``BEGIN IMMEDIATE``: the write lock is taken up front, so a process that read
first never fails to upgrade its lock ("database is locked") when another process wrote in
between; waiting for the lock is bounded by ``busy_timeout``.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

if TYPE_CHECKING:
    from sqlite_utils import Database

from ..errors import StoreError

DB_FILENAME = "tracker.sqlite3"
BUSY_TIMEOUT_MS = 30_000

MIGRATION_SET = "tracker"


class _Named(NamedTuple):
    name: str
    fn: Any


class MigrationRegistry:
    """Our named migrations, applied by sqlite-utils' ``Migrations``.

    sqlite-utils costs ~45 ms to import (it pulls in click, pluggy and dateutil), so a command
    that finds every migration applied (one query on ``_sqlite_migrations``) never imports it;
    only a new or older file builds the ``Migrations`` set and applies what is pending.
    """

    def __init__(self, name: str) -> None:
        self.name = name
        self._migrations: list[_Named] = []

    def __call__(self, *, name: str) -> Any:
        def register(fn: Any) -> Any:
            if any(m.name == name for m in self._migrations):
                raise ValueError(f"migration {name} registered twice")
            self._migrations.append(_Named(name, fn))
            return fn

        return register

    @property
    def names(self) -> list[str]:
        return [m.name for m in self._migrations]

    def applied_names(self, conn: sqlite3.Connection) -> list[str] | None:
        """Names recorded in the file, in order; None when it has no migrations table yet."""
        exists = conn.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = '_sqlite_migrations'"
        ).fetchone()
        if not exists:
            return None
        rows = conn.execute(
            "SELECT name FROM _sqlite_migrations WHERE migration_set = ? ORDER BY id",
            [self.name],
        ).fetchall()
        return [r[0] for r in rows]

    def applied(self, db: Any) -> list[_Named]:
        conn = db.conn if hasattr(db, "conn") else db
        return [_Named(n, None) for n in (self.applied_names(conn) or [])]

    def sqlite_utils_set(self) -> Any:
        from sqlite_utils.migrations import Migrations

        m = Migrations(self.name)
        for item in self._migrations:
            m(name=item.name)(item.fn)
        return m


migrations = MigrationRegistry(MIGRATION_SET)


@migrations(name="0001_initial")
def _m0001(db: Database) -> None:
    db.executescript(
        """
        CREATE TABLE projects (
            id TEXT PRIMARY KEY,
            name TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
            client TEXT,
            origin TEXT NOT NULL DEFAULT 'local' CHECK (origin IN ('local', 'server')),
            screenshots INTEGER NOT NULL DEFAULT 0 CHECK (screenshots IN (0, 1)),
            blur INTEGER NOT NULL DEFAULT 0 CHECK (blur IN (0, 1)),
            archived INTEGER NOT NULL DEFAULT 0 CHECK (archived IN (0, 1)),
            revision INTEGER NOT NULL DEFAULT 1,
            server_revision INTEGER NOT NULL DEFAULT 0,
            created_at INTEGER NOT NULL,
            updated_at INTEGER NOT NULL
        ) STRICT;
        CREATE INDEX projects_name ON projects (name COLLATE NOCASE);

        CREATE TABLE tasks (
            id TEXT PRIMARY KEY,
            project_id TEXT NOT NULL REFERENCES projects (id),
            title TEXT NOT NULL CHECK (length(title) BETWEEN 1 AND 500),
            status TEXT NOT NULL DEFAULT 'open'
                CHECK (status IN ('open', 'in_progress', 'done')),
            revision INTEGER NOT NULL DEFAULT 1 CHECK (revision >= 1),
            synced_revision INTEGER NOT NULL DEFAULT 0,
            server_revision INTEGER NOT NULL DEFAULT 0,
            created_at INTEGER NOT NULL,
            updated_at INTEGER NOT NULL
        ) STRICT;
        CREATE INDEX tasks_project ON tasks (project_id, title COLLATE NOCASE);
        CREATE INDEX tasks_title ON tasks (title COLLATE NOCASE);
        CREATE INDEX tasks_unpushed ON tasks (id) WHERE revision > synced_revision;

        -- Instants are UTC epoch seconds. ended_at NULL = the running timer.
        -- revision: bumped by every local change; synced_revision: the revision the server last
        -- confirmed (0 = never); server_revision: the server's revision the next push starts from.
        CREATE TABLE intervals (
            id TEXT PRIMARY KEY,
            task_id TEXT NOT NULL REFERENCES tasks (id),
            started_at INTEGER NOT NULL,
            ended_at INTEGER CHECK (ended_at IS NULL OR ended_at > started_at),
            tz TEXT NOT NULL,
            note TEXT NOT NULL DEFAULT '',
            source TEXT NOT NULL CHECK (source IN ('timer', 'manual')),
            revision INTEGER NOT NULL DEFAULT 1 CHECK (revision >= 1),
            synced_revision INTEGER NOT NULL DEFAULT 0,
            server_revision INTEGER NOT NULL DEFAULT 0,
            deleted INTEGER NOT NULL DEFAULT 0 CHECK (deleted IN (0, 1)),
            heartbeat_at INTEGER,
            sync_status TEXT CHECK (sync_status IN ('conflict', 'rejected')),
            sync_detail TEXT,
            created_at INTEGER NOT NULL,
            updated_at INTEGER NOT NULL
        ) STRICT;
        -- One running timer, enforced by the database itself.
        CREATE UNIQUE INDEX intervals_one_running ON intervals (deleted)
            WHERE ended_at IS NULL AND deleted = 0;
        -- Range scans, day buckets and the overlap probe (covering).
        CREATE INDEX intervals_span ON intervals (started_at, ended_at, task_id)
            WHERE deleted = 0;
        CREATE INDEX intervals_end ON intervals (ended_at) WHERE deleted = 0;
        -- Totals per task (covering).
        CREATE INDEX intervals_task ON intervals (task_id, started_at, ended_at)
            WHERE deleted = 0;
        -- What still has to be pushed: a query, never a flag.
        CREATE INDEX intervals_unpushed ON intervals (task_id, id)
            WHERE revision > synced_revision;

        CREATE TABLE settings (
            key TEXT PRIMARY KEY,
            value TEXT NOT NULL
        ) STRICT;

        -- Small facts about the data, e.g. the longest entry ever written (an upper bound that
        -- keeps the day-bucket join of the totals short).
        CREATE TABLE meta (
            key TEXT PRIMARY KEY,
            value INTEGER NOT NULL
        ) STRICT;
        INSERT INTO meta (key, value) VALUES ('max_span_seconds', 0);
        """
    )


@migrations(name="0002_sync")
def _m0002(db: Database) -> None:
    db.executescript(
        """
        -- Sync bookkeeping: the pull cursor, the signed-in account (never the token).
        CREATE TABLE sync_state (
            key TEXT PRIMARY KEY,
            value TEXT NOT NULL
        ) STRICT;

        -- The server's copy of an interval at its server_revision, kept only while a synced
        -- entry has local changes: the base of the three-way merge (server-spec 6.8).
        CREATE TABLE sync_base (
            interval_id TEXT PRIMARY KEY,
            task_id TEXT NOT NULL,
            started_at INTEGER NOT NULL,
            ended_at INTEGER,
            note TEXT NOT NULL,
            source TEXT NOT NULL,
            deleted INTEGER NOT NULL
        ) STRICT;

        -- A synced entry's first local change saves what the server had (its base).
        CREATE TRIGGER intervals_keep_sync_base AFTER UPDATE OF revision ON intervals
        WHEN OLD.revision = OLD.synced_revision AND OLD.synced_revision > 0
             AND NEW.revision > NEW.synced_revision
        BEGIN
            INSERT OR REPLACE INTO sync_base
                (interval_id, task_id, started_at, ended_at, note, source, deleted)
            VALUES (OLD.id, OLD.task_id, OLD.started_at, OLD.ended_at, OLD.note, OLD.source,
                    OLD.deleted);
        END;

        -- What sync did that the user should know: merges that kept the server's value,
        -- timers stopped by another device, locked entries.
        CREATE TABLE sync_notices (
            id INTEGER PRIMARY KEY,
            at INTEGER NOT NULL,
            kind TEXT NOT NULL,
            interval_id TEXT,
            message TEXT NOT NULL,
            data TEXT
        ) STRICT;
        CREATE INDEX intervals_sync_problems ON intervals (sync_status)
            WHERE sync_status IS NOT NULL;
        """
    )


@migrations(name="0003_capture")
def _m0003(db: Database) -> None:
    db.executescript(
        """
        -- Activity per 10-minute slot aligned to UTC, one row per (interval, slot): a task
        -- switch inside a slot gives two rows. id is the client's UUIDv7 (POST /activity/batch
        -- is idempotent by it). Counts only: never which keys.
        CREATE TABLE activity_slots (
            id TEXT PRIMARY KEY,
            interval_id TEXT NOT NULL,
            slot_start INTEGER NOT NULL CHECK (slot_start % 600 = 0),
            slot_seconds INTEGER NOT NULL CHECK (slot_seconds BETWEEN 0 AND 600),
            active_seconds INTEGER NOT NULL CHECK (active_seconds BETWEEN 0 AND slot_seconds),
            keyboard_events INTEGER NOT NULL DEFAULT 0 CHECK (keyboard_events >= 0),
            mouse_events INTEGER NOT NULL DEFAULT 0 CHECK (mouse_events >= 0),
            revision INTEGER NOT NULL DEFAULT 1,
            synced_revision INTEGER NOT NULL DEFAULT 0,
            deleted INTEGER NOT NULL DEFAULT 0 CHECK (deleted IN (0, 1)),
            created_at INTEGER NOT NULL,
            updated_at INTEGER NOT NULL,
            UNIQUE (interval_id, slot_start)
        ) STRICT;
        CREATE INDEX activity_slots_time ON activity_slots (slot_start);
        CREATE INDEX activity_slots_unpushed ON activity_slots (id)
            WHERE revision > synced_revision;

        -- One row per screenshot (one per monitor). Files live under <data dir>/screenshots/;
        -- path and thumb are relative to the data dir. uploaded_at is set by sync; a delete
        -- after upload keeps a tombstone (deleted = 1, files gone) until the server has it.
        CREATE TABLE screenshots (
            id TEXT PRIMARY KEY,
            interval_id TEXT NOT NULL,
            taken_at INTEGER NOT NULL,
            monitor INTEGER NOT NULL DEFAULT 0,
            width INTEGER NOT NULL,
            height INTEGER NOT NULL,
            bytes INTEGER NOT NULL,
            sha256 TEXT NOT NULL CHECK (length(sha256) = 64),
            blurred INTEGER NOT NULL DEFAULT 0 CHECK (blurred IN (0, 1)),
            path TEXT NOT NULL,
            thumb TEXT NOT NULL,
            uploaded INTEGER NOT NULL DEFAULT 0 CHECK (uploaded IN (0, 1)),
            uploaded_at INTEGER,
            revision INTEGER NOT NULL DEFAULT 1,
            synced_revision INTEGER NOT NULL DEFAULT 0,
            deleted INTEGER NOT NULL DEFAULT 0 CHECK (deleted IN (0, 1)),
            created_at INTEGER NOT NULL,
            updated_at INTEGER NOT NULL
        ) STRICT;
        CREATE INDEX screenshots_time ON screenshots (taken_at) WHERE deleted = 0;
        CREATE INDEX screenshots_unpushed ON screenshots (taken_at)
            WHERE revision > synced_revision;
        """
    )


@migrations(name="0004_capture_sync")
def _m0004(db: Database) -> None:
    db.executescript(
        """
        -- Sync of capture rows: a slot the server rejected ('rejected', detail = its code), a
        -- screenshot kept on this machine ('local_only': the server's project does not take
        -- screenshots) or refused ('rejected'). NULL: nothing to report.
        ALTER TABLE activity_slots ADD COLUMN sync_status TEXT;
        ALTER TABLE activity_slots ADD COLUMN sync_detail TEXT;
        ALTER TABLE screenshots ADD COLUMN sync_status TEXT;
        ALTER TABLE screenshots ADD COLUMN sync_detail TEXT;
        CREATE INDEX screenshots_tombstones ON screenshots (id) WHERE deleted = 1;
        """
    )


@migrations(name="0005_capture_trash")
def _m0005(db: Database) -> None:
    db.executescript(
        """
        -- What deleting an entry took from activity_slots / screenshots, kept so that
        -- `tracker restore` (the app's Undo) can bring it back: one row per slot or shot, its
        -- columns as JSON (row). The live tables behave as before (tombstones for sync);
        -- the images wait under <data dir>/trash/<path>. server_gone: the server deleted this
        -- screenshot id (a restore uploads it under a new id). Purged 24 h after deleted_at.
        CREATE TABLE capture_trash (
            kind TEXT NOT NULL CHECK (kind IN ('slot', 'shot')),
            id TEXT NOT NULL,
            interval_id TEXT NOT NULL,
            deleted_at INTEGER NOT NULL,
            row TEXT NOT NULL CHECK (json_valid(row)),
            server_gone INTEGER NOT NULL DEFAULT 0 CHECK (server_gone IN (0, 1)),
            PRIMARY KEY (kind, id)
        ) STRICT;
        CREATE INDEX capture_trash_entry ON capture_trash (interval_id);
        CREATE INDEX capture_trash_age ON capture_trash (deleted_at);
        """
    )


@migrations(name="0006_day_records")
def _m0006(db: Database) -> None:
    db.executescript(
        """
        -- What `tracker day` accounts a day from, beside the entries (tracker/store/daylog.py).
        -- One row per run of the app: from its start to its last heartbeat.
        CREATE TABLE app_sessions (
            id TEXT PRIMARY KEY,
            started_at INTEGER NOT NULL,
            alive_at INTEGER NOT NULL CHECK (alive_at >= started_at)
        ) STRICT;
        CREATE INDEX app_sessions_alive ON app_sessions (alive_at);

        -- Each away period the user answered, and the answer (the Away dialog's choices).
        CREATE TABLE away_periods (
            id INTEGER PRIMARY KEY,
            interval_id TEXT NOT NULL,
            started_at INTEGER NOT NULL,
            ended_at INTEGER NOT NULL CHECK (ended_at > started_at),
            reason TEXT NOT NULL CHECK (reason IN ('idle', 'suspend')),
            answer TEXT NOT NULL
                CHECK (answer IN ('keep', 'discard', 'stop', 'assign', 'separate')),
            answered_at INTEGER NOT NULL
        ) STRICT;
        CREATE INDEX away_periods_end ON away_periods (ended_at);

        -- Each suspend the app saw (a wall-vs-monotonic clock jump, or logind's PrepareForSleep).
        CREATE TABLE sleeps (
            id INTEGER PRIMARY KEY,
            started_at INTEGER NOT NULL,
            ended_at INTEGER NOT NULL CHECK (ended_at > started_at),
            source TEXT NOT NULL CHECK (source IN ('clock', 'logind'))
        ) STRICT;
        CREATE INDEX sleeps_end ON sleeps (ended_at);
        """
    )


def _configure(conn: sqlite3.Connection) -> None:
    conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    conn.execute("PRAGMA foreign_keys = ON")
    conn.execute("PRAGMA synchronous = FULL")
    # Switching to WAL takes an exclusive lock without calling the busy handler: processes
    # opening a brand-new file at once get "database is locked" at once. Retry until the timeout.
    deadline = time.monotonic() + BUSY_TIMEOUT_MS / 1000
    while True:
        try:
            mode = conn.execute("PRAGMA journal_mode").fetchone()[0]
            if mode != "wal":
                mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
            if mode == "wal":
                return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) and "busy" not in str(exc):
                raise
        if time.monotonic() > deadline:
            raise sqlite3.OperationalError("database is locked")
        import random  # only when the file is busy

        time.sleep(0.005 + random.random() * 0.02)


class Db:
    """The open connection. ``utils`` is the sqlite-utils ``Database`` over it, made on demand."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn
        self._utils: Database | None = None

    @property
    def utils(self) -> Database:
        if self._utils is None:
            from sqlite_utils import Database

            self._utils = Database(self.conn, execute_plugins=False)
        return self._utils


_savepoints = 0


@contextlib.contextmanager
def write_transaction(db: Db) -> Iterator[Db]:
    """One ``BEGIN IMMEDIATE`` transaction (a savepoint when nested)."""
    global _savepoints
    conn = db.conn
    if conn.in_transaction:
        _savepoints += 1
        name = f"tracker_sp_{_savepoints}"
        conn.execute(f"SAVEPOINT {name}")
        try:
            yield db
        except BaseException:
            if conn.in_transaction:
                conn.execute(f"ROLLBACK TO SAVEPOINT {name}")
                conn.execute(f"RELEASE SAVEPOINT {name}")
            raise
        else:
            conn.execute(f"RELEASE SAVEPOINT {name}")
        return
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield db
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
    else:
        try:
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise


def open_database(path: Path) -> Db:
    """Open (creating when missing) and migrate the database file at ``path``."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise StoreError(
            f"cannot create the data directory {path.parent}: {exc.strerror or exc}; "
            "choose another with --data-dir or TRACKER_DATA_DIR"
        ) from None
    if not os.access(path.parent, os.W_OK | os.X_OK):
        raise StoreError(
            f"the data directory {path.parent} is not writable: fix its permissions "
            "or choose another with --data-dir or TRACKER_DATA_DIR"
        )
    try:
        conn = sqlite3.connect(str(path), timeout=BUSY_TIMEOUT_MS / 1000)
    except sqlite3.Error as exc:
        raise StoreError(f"cannot open the database {path}: {exc}") from None
    try:
        _configure(conn)
        db = Db(conn)
        applied = migrations.applied_names(conn)
        if applied is None or set(migrations.names) - set(applied):
            with write_transaction(db):
                # Applied by sqlite-utils under the write lock: another process may have just
                # migrated, and Migrations.apply re-reads what is pending.
                migrations.sqlite_utils_set().apply(db.utils)
            applied = migrations.applied_names(conn) or []
        _check_known_schema(applied, path)
    except sqlite3.DatabaseError as exc:
        conn.close()
        raise corrupt_database(path, exc) from None
    except StoreError:
        conn.close()
        raise
    return db


def _check_known_schema(applied: list[str], path: Path) -> None:
    unknown = set(applied) - set(migrations.names)
    if unknown:
        raise StoreError(
            f"the database {path} was written by a newer Tracker ({', '.join(sorted(unknown))}): "
            "upgrade Tracker to open it"
        )


def _writable(path: Path) -> bool:
    """May this process write the database and its folder (False on a read-only mount or an
    immutable file, even for root)?"""
    return all(os.access(p, os.W_OK) for p in (path, path.parent) if p.exists())


def corrupt_database(path: Path, exc: BaseException) -> StoreError:
    text = str(exc)
    if "locked" in text:
        return StoreError(
            f"the database {path} stayed locked by another process for "
            f"{BUSY_TIMEOUT_MS // 1000} s: close other Tracker windows or commands and retry"
        )
    read_only = "readonly" in text or "read-only" in text
    if read_only or ("disk I/O error" in text and not _writable(path)):
        return StoreError(
            f"the database {path} is read-only: fix its permissions or choose another --data-dir "
            "— nothing saved is lost"
        )
    if "disk I/O error" in text:
        return StoreError(
            f"the database {path} could not be written (disk I/O error): check the disk it is "
            "on — nothing saved is lost, and Tracker retries"
        )
    if "disk is full" in text or "No space left" in text:
        return StoreError(
            f"the disk holding {path.parent} is full: free some space — nothing saved is lost, "
            "and Tracker carries on when there is room"
        )
    return StoreError(
        f"the database {path} is damaged or not a Tracker database ({text}): "
        "move it aside (your other files are untouched) and restore a backup, "
        "or start a new one with another --data-dir"
    )
