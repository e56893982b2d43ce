"""Sync test fixtures: one real `tracker-server serve` on loopback per database kind (SQLite and
PostgreSQL) for the session; every test that uses ``server`` runs against both. Each test makes
its own member, project and tasks on it, so tests never see each other's data.

PostgreSQL: 127.0.0.1:5432, user ``postgres``, trust auth (override with TRACKER_TEST_PG_URL, the
URL of a database to connect to for creating others). A fresh database is created for the session
and dropped afterwards. In CI (``CI=true``) an unreachable PostgreSQL fails the run; locally it
skips those tests.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from syncutil import Device, ServerProc, Team, make_team, sign_in

PG_ADMIN_URL = os.environ.get(
    "TRACKER_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


def _libpq(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://", 1)


def _pg_problem() -> str | None:
    import psycopg

    try:
        with psycopg.connect(_libpq(PG_ADMIN_URL), connect_timeout=3):
            return None
    except psycopg.Error as exc:
        return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__


@pytest.fixture(scope="session")
def sync_postgres_url() -> Iterator[str]:
    """A fresh PostgreSQL database for this session, dropped at the end."""
    import psycopg
    from sqlalchemy.engine import make_url

    problem = _pg_problem()
    if problem is not None:
        message = f"PostgreSQL at {PG_ADMIN_URL} unreachable: {problem}"
        if IN_CI:
            pytest.fail(message + " (required in CI)")
        pytest.skip(message)
    name = f"tracker_sync_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(_libpq(PG_ADMIN_URL), autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    url = make_url(PG_ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    try:
        yield url
    finally:
        with psycopg.connect(_libpq(PG_ADMIN_URL), autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(
    scope="session",
    params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)],
)
def server(request: pytest.FixtureRequest, tmp_path_factory) -> Iterator[ServerProc]:
    url = None if request.param == "sqlite" else request.getfixturevalue("sync_postgres_url")
    s = ServerProc(tmp_path_factory.mktemp(f"sync-server-{request.param}"), url)
    s.setup()
    s.start()
    yield s
    s.stop()


@pytest.fixture
def team(server: ServerProc) -> Team:
    return make_team(server)


@pytest.fixture
def device(server: ServerProc, team: Team, tmp_path: Path):
    """``device("laptop")``: a profile of the team's member with a token of its own."""

    def make(name: str) -> Device:
        http = sign_in(server.url, team.email, name)
        return Device(tmp_path, name, server.url, http.token)

    return make
