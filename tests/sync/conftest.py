"""Sync test fixtures: one real `tracker-server serve` (SQLite) on loopback for the session; each
test makes its own member, project and tasks on it, so tests never see each other's data."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from syncutil import Device, ServerProc, Team, make_team, sign_in


@pytest.fixture(scope="session")
def server(tmp_path_factory) -> Iterator[ServerProc]:
    s = ServerProc(tmp_path_factory.mktemp("sync-server"))
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
