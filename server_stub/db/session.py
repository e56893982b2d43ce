"""Opening the database and its two kinds of transaction.

SQLite: WAL, foreign keys, a long busy timeout; the driver's implicit transactions are off and
SQLAlchemy's ``begin`` emits ``BEGIN`` itself, ``BEGIN IMMEDIATE`` for write transactions, so
two writers never both read and then collide on upgrade (SQLite has no ``SELECT … FOR UPDATE``).

PostgreSQL: every writing transaction first locks the ``seq`` counter row (``FOR UPDATE``). That
serialises writers, so ``seq`` order is commit order (server-spec §6.8: a plain sequence would
let a lower number commit after a higher one and a reader would skip it forever), and checks
such as overlaps and the one running interval per user read a settled state.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass

from sqlalchemy import Connection, Engine, bindparam, create_engine, event, select, update
from sqlalchemy.engine import make_url

from ..settings import Settings
from .tables import counters

SQLITE_BUSY_TIMEOUT_S = 60


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


class Database:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.is_sqlite = engine.dialect.name == "sqlite"

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

    @contextlib.contextmanager
    def small_write(self) -> Iterator[Connection]:
        """A write that hands out no change numbers (token bookkeeping, idempotency records)."""
        with self.engine.connect() as conn:
            if self.is_sqlite:
                conn.execution_options(sqlite_begin="IMMEDIATE")
            with conn.begin():
                yield conn

    def dispose(self) -> None:
        self.engine.dispose()
