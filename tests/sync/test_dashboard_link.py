"""The tray's "Open the web dashboard" against a real `tracker-server serve` on loopback: the
controller asks the server for a one-time sign-in link through the sync session (on the
executor) and the browser lands on the dashboard signed in, with one press and no password; an
unreachable or older server (404) gives the sign-in page as before. Both databases."""

from __future__ import annotations

import re
import threading
import uuid
from http.server import BaseHTTPRequestHandler, HTTPServer
from zoneinfo import ZoneInfo

import pytest
import requests
from syncutil import PASSWORD, Team, free_port
from test_login_role import MemoryKeyring

from tracker.sync import auth, session
from tracker.sync.errors import Refused, Unreachable
from tracker.ui.controller import Controller
from tracker.ui.executor import InlineExecutor
from tracker.ui.sync import EngineSync

TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


@pytest.fixture
def keyring(monkeypatch) -> MemoryKeyring:
    monkeypatch.delenv("TRACKER_TOKEN", raising=False)
    ring = MemoryKeyring()
    monkeypatch.setattr(auth, "_backend", lambda: ring)
    return ring


def _manager(server, team: Team) -> str:
    email = f"mgr-{uuid.uuid4().hex[:8]}@example.com"
    team.admin.call("POST", "/users", {"email": email, "name": "Manager", "role": "manager",
                                       "password": PASSWORD})  # fmt: skip
    return email


def _controller(svc, qapp, tmp_path) -> tuple[Controller, list[str]]:
    sync = EngineSync(tmp_path / "data", ZoneInfo("Europe/Berlin"), bridge=None)  # type: ignore[arg-type]
    c = Controller(InlineExecutor(svc), svc.clock, sync=sync)
    c.refresh()
    opened: list[str] = []
    return c, opened


def test_the_tray_opens_the_dashboard_signed_in(server, team, svc, qapp, tmp_path, keyring):
    email = _manager(server, team)
    session.login(svc.store, server.url, email, PASSWORD)
    c, opened = _controller(svc, qapp, tmp_path)
    assert c.dashboard_url() == f"{server.url}/login?next=/dashboard"
    c.open_dashboard(opened.append)
    [link] = opened
    assert link.startswith(f"{server.url}/login/link/")
    browser = requests.Session()
    page = browser.get(link, timeout=10)
    assert page.status_code == 200 and "Continue to Tracker" in page.text
    again = browser.get(link, timeout=10)  # a prefetcher's second look uses nothing
    assert again.status_code == 200
    r = browser.post(link, data={"csrf_token": TOKEN.search(again.text).group(1)},
                     headers={"Origin": server.url}, allow_redirects=False, timeout=10)  # fmt: skip
    assert r.status_code == 303 and r.headers["location"] == "/dashboard"
    dash = browser.get(server.url + "/dashboard", allow_redirects=False, timeout=10)
    assert dash.status_code == 200 and "Manager" in dash.text  # signed in, no password typed
    token = TOKEN.search(dash.text).group(1)  # the session's own, for a second press
    used = browser.post(link, data={"csrf_token": token}, headers={"Origin": server.url},
                        allow_redirects=False, timeout=10)  # fmt: skip
    assert used.status_code == 410 and "expired or was used" in used.text  # never twice
    assert requests.get(link, timeout=10).status_code == 410


class _OldServer(BaseHTTPRequestHandler):
    """A server from before sign-in links: 404 problem+json for the new route."""

    def do_POST(self) -> None:
        body = b'{"code": "not_found", "detail": "no such route", "status": 404}'
        self.send_response(404)
        self.send_header("Content-Type", "application/problem+json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args) -> None:
        return None


@pytest.fixture
def old_server():
    httpd = HTTPServer(("127.0.0.1", 0), _OldServer)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()
    thread.join(5)


def _pretend_signed_in(svc, url: str) -> None:
    """As `tracker login` leaves a manager's profile at ``url`` (the token in the keyring)."""
    from tracker.store import sync_state as ss

    with svc.store.transaction():
        svc.store.set_setting("server.url", url)
        svc.store.set_setting("server.role", "manager")
        ss.put(svc.store, "email", "mgr@example.com")
    auth.save_token(url, "mgr@example.com", "trk_whatever")


@pytest.mark.parametrize("kind", ["too_old", "unreachable"])
def test_an_old_or_unreachable_server_gives_the_sign_in_page(
    svc, qapp, tmp_path, keyring, old_server, kind
):
    url = old_server if kind == "too_old" else f"http://127.0.0.1:{free_port()}"
    _pretend_signed_in(svc, url)
    with pytest.raises(Refused if kind == "too_old" else Unreachable) as err:
        session.web_link(svc.store)
    assert kind != "too_old" or err.value.status == 404
    c, opened = _controller(svc, qapp, tmp_path)
    c.open_dashboard(opened.append)
    assert opened == [f"{url}/login?next=/dashboard"]
