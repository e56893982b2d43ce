"""A throwaway PostgreSQL database for a test session (shared by the server and sync suites).

PostgreSQL: 127.0.0.1:5432, user ``postgres``, trust auth (override with TRACKER_TEST_PG_URL, the
URL of a database to connect to for creating others). In CI (``CI=true``) an unreachable
PostgreSQL fails the run; locally it skips the tests that need it.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

PG_ADMIN_URL = os.environ.get(
    "TRACKER_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


def libpq(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://", 1)


def pg_problem() -> str | None:
    """Why PostgreSQL can't be reached, or None."""
    import psycopg

    try:
        with psycopg.connect(libpq(PG_ADMIN_URL), connect_timeout=3):
            return None
    except psycopg.Error as exc:
        return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__


@contextmanager
def throwaway_database(prefix: str) -> Iterator[str]:
    """A fresh database's SQLAlchemy URL, dropped afterwards (skip or fail when unreachable)."""
    import psycopg
    from sqlalchemy.engine import make_url

    problem = pg_problem()
    if problem is not None:
        message = f"PostgreSQL at {PG_ADMIN_URL} unreachable: {problem}"
        if IN_CI:
            pytest.fail(message + " (required in CI)")
        pytest.skip(message)
    name = f"{prefix}_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(libpq(PG_ADMIN_URL), autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    url = make_url(PG_ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    try:
        yield url
    finally:
        with psycopg.connect(libpq(PG_ADMIN_URL), autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
