"""Sync test fixtures: one real `tracker-server serve` on loopback per database kind (SQLite and
PostgreSQL) for the session; every test that uses ``server`` runs against both. Each test makes
its own member, project and tasks on it, so tests never see each other's data.

PostgreSQL: a fresh database per test session (tests/pgtest.py says where and how).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from pgtest import throwaway_database
from syncutil import Device, ServerProc, Team, make_team, sign_in


@pytest.fixture(scope="session")
def sync_postgres_url() -> Iterator[str]:
    """A fresh PostgreSQL database for this session, dropped at the end."""
    with throwaway_database("tracker_sync") as url:
        yield url


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
