"""`tracker login` after too many wrong passwords: the server's 429 `too_many_attempts` is a final
answer, said in one line at once (not retried for 15 minutes, not called "unreachable")."""

from __future__ import annotations

import time

import pytest
import requests
from syncutil import PASSWORD, Team

from tracker.store import open_store
from tracker.sync import auth, session
from tracker.sync.errors import SyncError


class MemoryKeyring:
    def __init__(self) -> None:
        self.saved: dict[tuple[str, str], str] = {}

    def set_password(self, service: str, account: str, secret: str) -> None:
        self.saved[(service, account)] = secret


def test_a_blocked_sign_in_is_one_clear_line(server, team: Team, tmp_path, monkeypatch):
    ring = MemoryKeyring()
    monkeypatch.setattr(auth, "_backend", lambda: ring)
    wrong = {"email": team.email, "password": "wrong", "device_name": "x"}
    for _ in range(10):
        r = requests.post(f"{server.url}/api/v1/auth/token", json=wrong, timeout=10)
        assert r.status_code == 401
    store = open_store(tmp_path / "data")
    try:
        t0 = time.monotonic()
        with pytest.raises(SyncError) as exc:
            session.login(store, server.url, team.email, PASSWORD)
        assert time.monotonic() - t0 < 5  # no waiting out the Retry-After
        msg = str(exc.value)
        assert msg == (
            "too many failed sign-ins: try again in 15 minutes: check the password, then run "
            "`tracker login` again"
        )
        assert "\n" not in msg
        assert ring.saved == {}  # no token kept
    finally:
        store.close()
