"""The database half of a backup: a consistent copy taken while the server writes, and its
restore into an empty database.

SQLite: the online backup API (``sqlite3.Connection.backup`` in one step) copies a snapshot
while writers go on in the WAL. PostgreSQL: a ``REPEATABLE READ`` transaction exports its
snapshot, ``pg_dump -Fc --snapshot`` dumps exactly that state, and the same transaction reads
which stored files the dump references; ``pg_restore --single-transaction`` restores it, all or
nothing. Credentials go to the PostgreSQL tools in their environment, never on a command line.
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import URL, make_url

from ..db.tables import metadata


class BackupError(Exception):
    """A backup or restore that cannot go ahead; the message is one line for the operator."""


@dataclass(frozen=True, slots=True)
class Snapshot:
    """What a database copy holds: its revision, rows per table, and the blob keys it uses."""

    revision: str | None
    counts: dict[str, int]
    keys: list[str]


def is_sqlite(database_url: str) -> bool:
    return make_url(database_url).get_backend_name() == "sqlite"


def sqlite_file(database_url: str) -> Path:
    name = make_url(database_url).database
    if not name or name == ":memory:":
        raise BackupError("an in-memory SQLite database cannot be backed up or restored")
    return Path(name)


def _counts_and_keys(cur, blob_columns: list[tuple[str, str, str]]) -> tuple[dict, list[str]]:
    counts = {}
    for name in sorted(metadata.tables):
        cur.execute(f'SELECT count(*) FROM "{name}"')
        counts[name] = int(cur.fetchone()[0])
    keys: set[str] = set()
    for table, column, where in blob_columns:
        if table in metadata.tables:
            cur.execute(f'SELECT DISTINCT "{column}" FROM "{table}" WHERE ({where}) '
                        f'AND "{column}" IS NOT NULL')  # fmt: skip
            keys.update(str(k) for (k,) in cur.fetchall())
    return counts, sorted(keys)


def _revision(cur) -> str | None:
    try:
        cur.execute("SELECT version_num FROM alembic_version")
    except (sqlite3.Error, Exception):  # no table: not a Tracker database
        return None
    row = cur.fetchone()
    return row[0] if row else None


# -- SQLite ---------------------------------------------------------------------------------


def snapshot_sqlite(
    database_url: str, dst: Path, blob_columns: list[tuple[str, str, str]]
) -> Snapshot:
    src_path = sqlite_file(database_url)
    if not src_path.is_file():
        raise BackupError(f"no SQLite database at {src_path}")
    src = sqlite3.connect(src_path, timeout=60)
    out = sqlite3.connect(dst)
    try:
        src.execute("PRAGMA busy_timeout = 60000")
        src.backup(out)  # one step: one read transaction, so one consistent state
        out.execute("PRAGMA journal_mode = DELETE")  # a single self-contained file
        return _inspect_sqlite(out, blob_columns)
    finally:
        out.close()
        src.close()


def _inspect_sqlite(conn: sqlite3.Connection, blob_columns) -> Snapshot:
    cur = conn.cursor()
    ok = cur.execute("PRAGMA integrity_check").fetchone()[0]
    if ok != "ok":
        raise BackupError(f"the SQLite copy fails its integrity check: {ok}")
    revision = _revision(cur)
    counts, keys = _counts_and_keys(cur, blob_columns)
    return Snapshot(revision, counts, keys)


def inspect_sqlite_file(path: Path, blob_columns) -> Snapshot:
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    except sqlite3.Error as exc:
        raise BackupError(f"the database in the backup cannot be opened: {exc}") from None
    try:
        return _inspect_sqlite(conn, blob_columns)
    except sqlite3.Error as exc:
        raise BackupError(f"the database in the backup is damaged: {exc}") from None
    finally:
        conn.close()


def sqlite_is_empty(database_url: str) -> bool:
    path = sqlite_file(database_url)
    side = [Path(f"{path}{s}") for s in ("-wal", "-shm", "-journal")]
    return (not path.exists() or path.stat().st_size == 0) and not any(p.exists() for p in side)


# -- PostgreSQL -----------------------------------------------------------------------------


def _pg_env(url: URL) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
    for var, value in (("PGHOST", url.host), ("PGPORT", url.port), ("PGUSER", url.username),
                       ("PGPASSWORD", url.password), ("PGDATABASE", url.database)):  # fmt: skip
        if value is not None:
            env[var] = str(value)
    for key, var in (("host", "PGHOST"), ("port", "PGPORT"), ("sslmode", "PGSSLMODE")):
        if key in url.query:
            env[var] = str(url.query[key])
    return env


def _pg_conninfo(url: URL) -> dict[str, str]:
    env = _pg_env(url)
    names = {"PGHOST": "host", "PGPORT": "port", "PGUSER": "user", "PGPASSWORD": "password",
             "PGDATABASE": "dbname", "PGSSLMODE": "sslmode"}  # fmt: skip
    return {names[k]: v for k, v in env.items() if k in names}


@contextmanager
def _pg(database_url: str) -> Iterator:
    import psycopg

    url = make_url(database_url)
    try:
        conn = psycopg.connect(**_pg_conninfo(url), autocommit=True, connect_timeout=10)
    except psycopg.Error as exc:
        raise BackupError(f"cannot connect to PostgreSQL: {_first_line(exc)}") from None
    try:
        yield conn
    finally:
        conn.close()


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def _run(tool: str, args: list[str], url: URL) -> None:
    try:
        p = subprocess.run([tool, *args], env=_pg_env(url), capture_output=True, text=True)
    except FileNotFoundError:
        raise BackupError(
            f"{tool} is not installed (Debian: apt install postgresql-client)"
        ) from None
    if p.returncode != 0:
        raise BackupError(f"{tool} failed: {_first_line(RuntimeError(p.stderr or p.stdout))}")


def snapshot_postgres(database_url: str, dst: Path, blob_columns) -> Snapshot:
    url = make_url(database_url)
    with _pg(database_url) as conn:
        conn.execute("BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        cur = conn.cursor()
        snapshot = cur.execute("SELECT pg_export_snapshot()").fetchone()[0]
        _run("pg_dump", ["-Fc", "--no-owner", "--no-privileges", f"--snapshot={snapshot}",
                         "-f", str(dst), url.database or ""], url)  # fmt: skip
        revision = _revision(cur)
        counts, keys = _counts_and_keys(cur, blob_columns)
        conn.execute("COMMIT")
    return Snapshot(revision, counts, keys)


def postgres_is_empty(database_url: str) -> bool:
    with _pg(database_url) as conn:
        n = conn.execute(
            "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname NOT IN ('pg_catalog', 'information_schema') "
            "AND n.nspname NOT LIKE 'pg_toast%' AND c.relkind IN ('r', 'v', 'm', 'S', 'p')"
        ).fetchone()[0]
    return n == 0


def check_pg_dump(path: Path) -> None:
    """The dump is one pg_restore can read (its table of contents lists)."""
    _run("pg_restore", ["--list", str(path)], make_url("postgresql://"))


def restore_postgres(database_url: str, dump: Path) -> None:
    """All or nothing: one transaction, stopping at the first error."""
    url = make_url(database_url)
    _run("pg_restore", ["--no-owner", "--no-privileges", "--exit-on-error", "--single-transaction",
                        "-d", url.database or "", str(dump)], url)  # fmt: skip
