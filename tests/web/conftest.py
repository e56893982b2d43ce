"""Browser tests: a real server on loopback and Debian's Chromium driven by Playwright.

One server per module (uvicorn in a thread over a migrated SQLite file, seeded through the
API), one browser per session (pytest-playwright's ``browser``), a fresh context per test. Never
``playwright install``: the browser is ``/usr/bin/chromium`` (scripts/ensure-system.sh).
"""

from __future__ import annotations

import dataclasses
import os
import shutil
import socket
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

sys.path.insert(0, str(Path(__file__).parent.parent / "server"))  # srvutil, webutil

from srvutil import API, PASSWORD, iv, reset_database

from server_stub.app import create_app
from server_stub.db.migrate import upgrade
from server_stub.db.session import make_engine
from server_stub.services.accounts import create_user
from server_stub.settings import FAST_TEST_HASHING, Settings

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts" / "web"
DOCS = ROOT / "docs" / "web"


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    if not Path(CHROMIUM).exists():
        pytest.fail("Chromium is missing: run scripts/ensure-system.sh (never playwright install)")
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_ARGS}


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    return {**browser_context_args, "viewport": {"width": 1280, "height": 900}}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Person:
    id: str
    email: str
    name: str
    role: str
    token: str


@dataclass
class Site:
    """The live server and what the seed made on it."""

    url: str
    app: object
    people: dict[str, Person]
    projects: dict[str, dict]
    tasks: dict[str, dict]

    def api(self, who: str) -> httpx.Client:
        return httpx.Client(
            base_url=self.url + API,
            headers={"Authorization": f"Bearer {self.people[who].token}"},
            timeout=30,
        )


def _serve(app, port: int):
    import uvicorn

    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the test server did not start")
        time.sleep(0.05)
    return server, thread


PEOPLE = {  # key: (role, name)
    "admin": ("admin", "Ada Admin"),
    "manager": ("manager", "Mia Manager"),
    "dev": ("member", "Dana Developer"),
    "designer": ("member", "Sam Designer"),
    "client": ("viewer", "Carla Client"),
}


def _seed(site_url: str, app, clock_now: int) -> Site:
    state = app.state.tracker
    people = {}
    for key, (role, name) in PEOPLE.items():
        email = f"{key}@example.com"
        u = create_user(
            state.db,
            state.passwords,
            email=email,
            name=name,
            role=role,
            password=PASSWORD,
            now=clock_now,
        )
        r = httpx.post(
            site_url + API + "/auth/token",
            json={"email": email, "password": PASSWORD, "device_name": "seed"},
        )
        assert r.status_code == 201, r.text
        people[key] = Person(u["id"], email, name, role, r.json()["token"])
    site = Site(site_url, app, people, {}, {})
    with site.api("admin") as m:
        c = m.post(
            "/clients",
            json={
                "name": "Northwind Ltd",
                "currency": "EUR",
                "contact_email": "billing@northwind.example",
            },
        )
        assert c.status_code == 201, c.text
        cid = c.json()["id"]
        for key, name, shots in (
            ("web", "Northwind website", True),
            ("app", "Mobile app", False),
            ("secret", "Internal tooling", False),
        ):
            body = {"name": name, "screenshots": shots}
            if key != "secret":
                body |= {"client_id": cid, "bill_rate": {"amount": "95.00", "currency": "EUR"}}
            r = m.post("/projects", json=body)
            assert r.status_code == 201, r.text
            site.projects[key] = r.json()
        for pkey, who in (("web", "dev"), ("web", "designer"), ("app", "dev"), ("secret", "dev")):
            r = m.put(
                f"/projects/{site.projects[pkey]['id']}/members/{people[who].id}",
                json={"kind": "member", "pay_rate": {"amount": "41.50", "currency": "EUR"}},
            )
            assert r.status_code == 200, r.text
        grants = {
            "show_members": True,
            "show_entries": True,
            "show_screenshots": True,
            "show_notes": True,
        }
        for pkey in ("web", "app"):
            r = m.put(
                f"/projects/{site.projects[pkey]['id']}/members/{people['client'].id}",
                json={"kind": "viewer", "grants": grants if pkey == "web" else {}},
            )
            assert r.status_code == 200, r.text
        for pkey, title, status in (
            ("web", "Home page", "done"),
            ("web", "Checkout", "in_progress"),
            ("web", "Search", "open"),
            ("app", "Login screen", "open"),
            ("secret", "Build scripts", "open"),
        ):
            r = m.post(
                f"/projects/{site.projects[pkey]['id']}/tasks",
                json={"title": title, "status": status},
            )
            assert r.status_code in (200, 201), r.text
            site.tasks[title] = r.json()
    # A week of work (the server's clock is Wed 2026-11-25 12:00 UTC), and one running timer.
    plan = {
        "dev": [
            ("Checkout", 23, 8, 12),
            ("Login screen", 23, 13, 17),
            ("Checkout", 24, 9, 13),
            ("Build scripts", 24, 14, 16),
            ("Search", 25, 8, 10),
        ],
        "designer": [("Home page", 23, 9, 12), ("Home page", 24, 10, 15), ("Search", 25, 9, 11)],
    }
    for who, rows in plan.items():
        items = [
            iv(
                site.tasks[t]["id"],
                f"2026-11-{d}T{a:02d}:00:00Z",
                f"2026-11-{d}T{b:02d}:00:00Z",
                note=f"{t} work",
            )
            for t, d, a, b in rows
        ]
        with site.api(who) as c:
            r = c.post("/intervals/batch", json={"intervals": items})
            assert r.status_code == 200 and not r.json()["rejected"], r.text
    with site.api("dev") as c:
        running = iv(site.tasks["Checkout"]["id"], "2026-11-25T11:20:00Z", None)
        assert c.post("/intervals/batch", json={"intervals": [running]}).status_code == 200
    return site


class _Clock:
    def __init__(self, now: int) -> None:
        self.now = now

    def __call__(self) -> float:
        return float(self.now)


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Iterator[Site]:
    data = tmp_path_factory.mktemp("web-site")
    settings = dataclasses.replace(
        Settings(database_url=f"sqlite:///{data / 'server.sqlite3'}", data_dir=data),
        password_hashing=FAST_TEST_HASHING,
    )
    engine = make_engine(settings)
    upgrade(engine)
    reset_database(engine)
    engine.dispose()
    clock = _Clock(1795608000)  # 2026-11-25 12:00 UTC
    app = create_app(settings, clock=clock)
    port = _free_port()
    server, thread = _serve(app, port)
    try:
        yield _seed(f"http://127.0.0.1:{port}", app, clock.now)
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        app.state.tracker.db.dispose()


def sign_in(page, site: Site, who: str) -> None:
    """Sign in by keyboard, as a person would: type, tab, type, Enter (a fresh session)."""
    page.context.clear_cookies()
    page.goto(site.url + "/login")
    page.get_by_label("E-mail").fill(site.people[who].email)
    page.keyboard.press("Tab")
    page.keyboard.type(PASSWORD)
    with page.expect_navigation():
        page.keyboard.press("Enter")


def shot(page, name: str) -> Path:
    """A full-page screenshot into test-artifacts/web/ (and docs/web/ with TRACKER_DOCS_SHOTS=1)."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    assert path.stat().st_size > 5000
    if os.environ.get("TRACKER_DOCS_SHOTS") == "1":
        DOCS.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, DOCS / path.name)
    return path
