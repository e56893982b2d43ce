"""Opening the database and its two kinds of transaction.

SQLite: WAL, foreign keys, a long busy timeout; the driver's implicit transactions are off and
SQLAlchemy's ``begin`` emits ``BEGIN`` itself, ``BEGIN IMMEDIATE`` for write transactions, so
two writers never both read and then collide on upgrade (SQLite has no ``SELECT … FOR UPDATE``).

PostgreSQL: every writing transaction first locks the ``seq`` counter row (``FOR UPDATE``). That
serialises writers, so ``seq`` order is commit order (server-spec §6.8: a plain sequence would
let a lower number commit after a higher one and a reader would skip it forever), and checks
such as overlaps and the one running interval per user read a settled state.

SQLite checkpoints: while the app runs (its lifespan), a background thread copies the WAL back
into the database (:class:`Checkpointer`) and the app's connections do not checkpoint on commit.
A commit that crossed SQLite's 1,000-page mark otherwise copied the WAL and waited for
``fsync`` inside a request: in a loop of 500-row commits on this project's machine, half the time.
"""

from __future__ import annotations

import contextlib
import logging
import sqlite3
import threading
from collections.abc import Iterator
from dataclasses import dataclass

from sqlalchemy import Connection, Engine, bindparam, create_engine, event, select, update
from sqlalchemy.engine import make_url

from ..settings import Settings
from .tables import counters

SQLITE_BUSY_TIMEOUT_S = 60
# Per connection: reads through a memory map (with SQLite's default, a batch re-read its index
# pages from the file with a system call each) and a page cache of 16 MiB for the pages it
# writes (the default is 2 MiB). The map is the file's pages, shared with the OS page cache: it
# shows in the process's resident size, not as memory of its own.
SQLITE_CACHE_KIB = 16 * 1024
SQLITE_MMAP_BYTES = 256 * 1024 * 1024

RESTART_WAIT_MS = 250

log = logging.getLogger(__name__)


def make_engine(settings: Settings) -> Engine:
    url = make_url(settings.database_url)
    if url.get_backend_name() == "sqlite":
        engine = create_engine(
            url,
            echo=settings.echo_sql,
            connect_args={"timeout": SQLITE_BUSY_TIMEOUT_S, "check_same_thread": False},
            pool_size=settings.pool_size,
            max_overflow=20,
        )
        _sqlite_events(engine)
        return engine
    return create_engine(
        url,
        echo=settings.echo_sql,
        pool_size=settings.pool_size,
        max_overflow=10,
        pool_pre_ping=True,
        # No server-side prepared statements: a generic plan made while a table was small
        # (seq scan) would be kept after it grew.
        connect_args={"prepare_threshold": None},
    )


def _sqlite_events(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, _record) -> None:  # pragma: no cover - trivial
        dbapi_conn.isolation_level = None  # we emit BEGIN ourselves
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode = WAL")
        cur.execute("PRAGMA synchronous = NORMAL")
        cur.execute("PRAGMA foreign_keys = ON")
        cur.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_S * 1000}")
        cur.execute(f"PRAGMA cache_size = -{SQLITE_CACHE_KIB}")
        cur.execute(f"PRAGMA mmap_size = {SQLITE_MMAP_BYTES}")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        mode = conn.get_execution_options().get("sqlite_begin", "DEFERRED")
        conn.exec_driver_sql(f"BEGIN {mode}")


# Built once: a write transaction is opened per batch push.
_LOCK_SEQ = select(counters.c.value).where(counters.c.name == "seq").with_for_update()
_SET_SEQ = update(counters).where(counters.c.name == "seq").values(value=bindparam("seq"))


@dataclass
class WriteTx:
    """An open write transaction and the change numbers it hands out."""

    conn: Connection
    seq: int
    _start: int = 0

    def next_seq(self) -> int:
        self.seq += 1
        return self.seq


class Checkpointer:
    """Copies an SQLite database's WAL back into the file in a thread of its own.

    Woken after each write commit, it runs at most every ``every`` seconds: a ``PASSIVE``
    checkpoint, which never blocks the app's readers or writers. Under writes that never pause
    the WAL would never start over (a writer restarts it only once every frame is copied), so
    once it holds more than ``restart_pages`` pages the checkpoint is a ``RESTART``: it waits for
    the writer of the moment, copies the rest, and the next writer starts the WAL afresh.
    """

    def __init__(self, path: str, every: float = 0.5, restart_pages: int = 16_384) -> None:
        self.path = path
        self.every = every
        self.restart_pages = restart_pages
        self.wake = threading.Event()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="sqlite-checkpoint", daemon=True)
        self.runs = 0

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self.wake.set()
        self._thread.join(timeout=SQLITE_BUSY_TIMEOUT_S)

    def _run(self) -> None:
        conn = sqlite3.connect(
            self.path, timeout=SQLITE_BUSY_TIMEOUT_S, isolation_level=None,
            check_same_thread=False,
        )  # fmt: skip
        try:
            while not self._stop.is_set():
                self.wake.wait()
                if self._stop.wait(self.every):
                    break
                self.wake.clear()
                self.checkpoint(conn)
            self.checkpoint(conn)
        finally:
            conn.close()

    def checkpoint(self, conn: sqlite3.Connection) -> None:
        try:
            _busy, pages, _copied = conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
            if pages > self.restart_pages:
                # waits for the writer of the moment and holds new ones back meanwhile: a short
                # wait only (a long report reading an old snapshot makes it give up, for now)
                conn.execute(f"PRAGMA busy_timeout = {RESTART_WAIT_MS}")
                try:
                    conn.execute("PRAGMA wal_checkpoint(RESTART)").fetchone()
                finally:
                    conn.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_S * 1000}")
            self.runs += 1
        except sqlite3.Error as exc:  # the next commit wakes it again
            log.warning("WAL checkpoint failed: %s", exc)


class Database:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.is_sqlite = engine.dialect.name == "sqlite"
        self.checkpointer: Checkpointer | None = None

    def start_checkpointer(self) -> None:
        """SQLite on a file: checkpoints from now on in the background, none on commit."""
        path = self.engine.url.database
        if not self.is_sqlite or not path or path == ":memory:" or self.checkpointer is not None:
            return

        def autocheckpoint_off(dbapi_conn, record, _proxy) -> None:
            if not record.info.get("autocheckpoint_off"):
                dbapi_conn.execute("PRAGMA wal_autocheckpoint = 0")
                record.info["autocheckpoint_off"] = True

        self._autocheckpoint_off = autocheckpoint_off
        event.listen(self.engine, "checkout", autocheckpoint_off)
        self.checkpointer = Checkpointer(path)
        self.checkpointer.start()

    def stop_checkpointer(self) -> None:
        """The last checkpoint, and connections that checkpoint on commit again."""
        if self.checkpointer is None:
            return
        event.remove(self.engine, "checkout", self._autocheckpoint_off)
        self.checkpointer.stop()
        self.checkpointer = None
        self.engine.dispose()  # pooled connections had it off; new ones have SQLite's default

    @contextlib.contextmanager
    def read(self) -> Iterator[Connection]:
        """A consistent read of several statements."""
        with self.engine.connect() as conn, conn.begin():
            yield conn

    @contextlib.contextmanager
    def write(self) -> Iterator[WriteTx]:
        """A write transaction holding the change counter; commits on success."""
        with self.engine.connect() as conn:
            if self.is_sqlite:
                conn.execution_options(sqlite_begin="IMMEDIATE")
            with conn.begin():
                value = conn.execute(_LOCK_SEQ).scalar_one()
                tx = WriteTx(conn, value, value)
                yield tx
                if tx.seq != tx._start:
                    conn.execute(_SET_SEQ, {"seq": tx.seq})
        if self.checkpointer is not None:
            self.checkpointer.wake.set()

    @contextlib.contextmanager
    def small_write(self) -> Iterator[Connection]:
        """A write that hands out no change numbers (token bookkeeping, idempotency records)."""
        with self.engine.connect() as conn:
            if self.is_sqlite:
                conn.execution_options(sqlite_begin="IMMEDIATE")
            with conn.begin():
                yield conn
        if self.checkpointer is not None:
            self.checkpointer.wake.set()

    def dispose(self) -> None:
        self.engine.dispose()
