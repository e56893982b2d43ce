"""`tracker login` keeps the account's role from the sign-in's answer (the tray offers admins and
managers the web dashboard by it); `tracker logout` forgets it."""

from __future__ import annotations

from syncutil import PASSWORD, Team

from tracker.store import open_store
from tracker.sync import auth, session


class MemoryKeyring:
    def __init__(self) -> None:
        self.saved: dict[tuple[str, str], str] = {}

    def set_password(self, service: str, account: str, secret: str) -> None:
        self.saved[(service, account)] = secret

    def get_password(self, service: str, account: str) -> str | None:
        return self.saved.get((service, account))

    def delete_password(self, service: str, account: str) -> None:
        self.saved.pop((service, account), None)


def test_login_keeps_the_role_and_logout_forgets_it(server, team: Team, tmp_path, monkeypatch):
    monkeypatch.setattr(auth, "_backend", lambda: MemoryKeyring())
    store = open_store(tmp_path / "data")
    try:
        who = session.login(store, server.url, team.email, PASSWORD)
        assert who.role == "member"
        assert store.get_setting("server.role") == "member"
        session.logout(store)
        assert store.get_setting("server.role") is None
        assert store.get_setting("server.url") is None
    finally:
        store.close()
