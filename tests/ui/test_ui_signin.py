"""Sign-in from the dialog against a real `tracker-server` on loopback, then a background sync."""

from __future__ import annotations

import sys
from datetime import datetime, timedelta
from pathlib import Path

import keyring
import pytest
from keyring.backend import KeyringBackend
from uiutil import BERLIN

from tracker.ui.executor import Bridge
from tracker.ui.sync import EngineSync

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "sync"))
from syncutil import ADMIN_EMAIL, PASSWORD, ServerProc, free_port


class MemoryKeyring(KeyringBackend):
    """A keyring that lives in this process only (the test never touches the user's)."""

    priority = 1

    def __init__(self) -> None:
        super().__init__()
        self.items: dict[tuple[str, str], str] = {}

    def set_password(self, service, username, password):
        self.items[service, username] = password

    def get_password(self, service, username):
        return self.items.get((service, username))

    def delete_password(self, service, username):
        self.items.pop((service, username), None)


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    s = ServerProc(tmp_path_factory.mktemp("ui-server"))
    s.setup()
    s.start()
    yield s
    s.stop()


@pytest.fixture
def memory_keyring(monkeypatch):
    monkeypatch.delenv("TRACKER_TOKEN", raising=False)
    previous = keyring.get_keyring()
    kr = MemoryKeyring()
    keyring.set_keyring(kr)
    yield kr
    keyring.set_keyring(previous)


@pytest.fixture
def synced_app(harness, svc, memory_keyring, qtbot):
    bridge = Bridge()
    sync = EngineSync(svc.store.path.parent, BERLIN, bridge, interval_seconds=3600)
    harness.sync = sync
    app = harness.make(sync=sync)
    yield app
    sync.stop()


def _dialog(app, harness):
    app.sign_in()
    d = harness.opened[-1]
    assert d.windowTitle() == "Sign in"
    return d


def test_wrong_password_is_said_inline(synced_app, harness, server):
    d = _dialog(synced_app, harness)
    d.url.setText(server.url)
    d.email.setText(ADMIN_EMAIL)
    d.password.setText("not it")
    d.submit()
    assert d.error.text().startswith("Wrong e-mail or password")
    assert d.isVisible() and d.sign_in_button.isEnabled()


def test_unreachable_server_is_said_inline(synced_app, harness):
    d = _dialog(synced_app, harness)
    d.url.setText(f"http://127.0.0.1:{free_port()}")
    d.email.setText(ADMIN_EMAIL)
    d.password.setText(PASSWORD)
    d.submit()
    assert d.error.text() and "Traceback" not in d.error.text()
    assert synced_app.controller.sync_state() == "Not signed in"


def test_sign_in_then_background_sync(synced_app, harness, server, memory_keyring, svc, qtbot):
    app = synced_app
    assert app.controller.sync_state() == "Not signed in"
    app.tray.menu.aboutToShow.emit()
    assert app.tray.action("Not signed in · Sign in…") is not None

    d = _dialog(app, harness)
    d.url.setText(server.url)
    d.email.setText(ADMIN_EMAIL)
    d.password.setText(PASSWORD)
    d.submit()
    assert d.result() == d.DialogCode.Accepted, d.error.text()
    assert svc.config_get("server.url") == server.url
    assert list(memory_keyring.items.values())  # the token went to the keyring
    assert app.controller.sync_state() == "Not synced yet"

    with qtbot.waitSignal(app.controller.sync_changed, timeout=20000) as got:
        app.controller.start_sync()  # the engine's own thread; the result comes as a signal
    assert got.args == ["Synced"]
    # The engine stamps the sync with the real time; the test's fixed clock lies hours before it.
    # Half a minute after the stamp is still "just now".
    stamp = datetime.fromisoformat(app.controller.overview.last_sync)
    svc.clock.set(stamp + timedelta(seconds=30))
    assert app.controller.sync_state() == "Synced just now"
    app.tray.menu.aboutToShow.emit()
    assert app.tray.action("Synced just now") is not None
