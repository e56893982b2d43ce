"""The local store: pragmas, named migrations, constraints, and failure modes."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tracker.errors import StoreError
from tracker.model import Interval, Project, Source, Task
from tracker.store import open_store
from tracker.store.db import DB_FILENAME, migrations

NOW = datetime(2026, 11, 25, 12, tzinfo=UTC)


def seed(store):
    with store.transaction():
        store.insert_project(Project("p1", "P"), NOW)
        store.insert_task(Task("t1", "p1", "T"), NOW)


def test_pragmas_and_migrations(store):
    conn = store.conn
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    applied = [r[0] for r in conn.execute("SELECT name FROM _sqlite_migrations")]
    assert applied == [m.name for m in migrations._migrations]  # in order, each once
    assert applied[0] == "0001_initial"
    strict = {
        r[0]
        for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
        if "STRICT" in (conn.execute(
            "SELECT sql FROM sqlite_master WHERE name = ?", [r[0]]).fetchone()[0] or "")
    }  # fmt: skip
    assert {"projects", "tasks", "intervals", "settings", "meta"} <= strict


def test_reopening_applies_nothing_twice(tmp_path):
    open_store(tmp_path).close()
    s = open_store(tmp_path)
    count = s.conn.execute("SELECT COUNT(*) FROM _sqlite_migrations").fetchone()[0]
    assert count == len(migrations._migrations)
    s.close()


def test_strict_tables_refuse_wrong_types(store):
    seed(store)
    with pytest.raises(sqlite3.IntegrityError), store.transaction():
        store.conn.execute(
            "INSERT INTO intervals (id, task_id, started_at, tz, source, created_at, updated_at) "
            "VALUES ('x', 't1', 'nine o''clock', 'UTC', 'timer', 0, 0)"
        )


def test_foreign_keys_and_checks(store):
    seed(store)
    e = Interval("e1", "missing-task", NOW, None, "", Source.TIMER)
    with pytest.raises(sqlite3.IntegrityError), store.transaction():
        store.insert_interval(e, "UTC", NOW)
    bad = Interval("e2", "t1", NOW, NOW, "", Source.TIMER)  # end == start
    with pytest.raises(sqlite3.IntegrityError), store.transaction():
        store.insert_interval(bad, "UTC", NOW)


def test_the_database_allows_one_running_timer(store):
    seed(store)
    with store.transaction():
        store.insert_interval(Interval("e1", "t1", NOW, None, "", Source.TIMER), "UTC", NOW)
    with pytest.raises(sqlite3.IntegrityError), store.transaction():
        store.insert_interval(Interval("e2", "t1", NOW, None, "", Source.TIMER), "UTC", NOW)


def test_a_failed_transaction_leaves_nothing(store):
    seed(store)
    with pytest.raises(RuntimeError), store.transaction():
        store.insert_interval(Interval("e1", "t1", NOW, None, "", Source.TIMER), "UTC", NOW)
        raise RuntimeError("crash between two statements")
    assert store.running() is None


def test_a_corrupt_file_is_reported(tmp_path):
    (tmp_path / DB_FILENAME).write_bytes(b"this is not a database" * 100)
    with pytest.raises(StoreError, match="damaged or not a Tracker database"):
        open_store(tmp_path)
    assert (tmp_path / DB_FILENAME).read_bytes().startswith(b"this is not")


def test_a_newer_schema_is_refused(tmp_path):
    s = open_store(tmp_path)
    with s.transaction():
        s.conn.execute(
            "INSERT INTO _sqlite_migrations (migration_set, name, applied_at) "
            "VALUES ('tracker', '9999_future', 'x')"
        )
    s.close()
    with pytest.raises(StoreError, match="newer Tracker"):
        open_store(tmp_path)


def test_an_unwritable_directory_is_reported():
    # /proc refuses new directories even to root.
    with pytest.raises(StoreError, match="cannot create the data directory"):
        open_store(Path("/proc/tracker-test/data"))


def test_a_data_dir_that_is_a_file_is_reported(tmp_path):
    f = tmp_path / "file"
    f.write_text("x")
    with pytest.raises(StoreError, match="cannot create the data directory"):
        open_store(f / "data")


def test_bulk_path_upserts_by_id(store):
    seed(store)
    t = int(NOW.timestamp())
    rows = [(f"e{i}", "t1", t - 7200 + i * 60, t - 7200 + i * 60 + 30, "UTC", "", "manual",
             1, 1, 1, 0, t, t) for i in range(100)]  # fmt: skip
    store.bulk_insert_intervals(rows)
    store.bulk_insert_intervals(rows[:10])  # replayed: no duplicates
    assert store.conn.execute("SELECT COUNT(*) FROM intervals").fetchone()[0] == 100
    assert store.count_unpushed() == 0
