"""Helpers of the sync tests: a real `tracker-server serve` on loopback, an admin's API client, and
devices (a data dir each) driven through the real `tracker` command or the engine in-process."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import requests

BIN = Path(sys.executable).parent
API = "/api/v1"
ADMIN_EMAIL = "admin@example.com"
PASSWORD = "correct horse battery"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class ServerProc:
    """`tracker-server init`, `create-user` (an admin) and `serve` as real processes."""

    def __init__(self, root: Path, database_url: str | None = None) -> None:
        self.root = root
        self.data_dir = root / "server-data"
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.database_url = database_url or f"sqlite:///{self.data_dir / 'server.sqlite3'}"
        self.env = {**os.environ, "TRACKER_DATABASE_URL": self.database_url,
                    "TRACKER_SERVER_DATA_DIR": str(self.data_dir)}  # fmt: skip
        self.env.pop("TRACKER_PASSWORD", None)
        self.port = 0
        self.proc: subprocess.Popen | None = None

    def cli(self, *args: str) -> subprocess.CompletedProcess:
        r = subprocess.run([str(BIN / "tracker-server"), *args], env=self.env,
                           capture_output=True, text=True, timeout=120)  # fmt: skip
        assert r.returncode == 0, r.stderr
        return r

    def setup(self) -> None:
        self.cli("init")
        self.cli("create-user", "--email", ADMIN_EMAIL, "--name", "Admin", "--role", "admin",
                 "--password", PASSWORD)  # fmt: skip

    def start(self, *serve_args: str, timeout: float = 30) -> None:
        """``serve`` on loopback (``serve_args``: e.g. ``--workers 4``); waits until it answers."""
        self.port = self.port or free_port()
        self.log = open(self.root / "server.log", "ab")  # noqa: SIM115
        self.proc = subprocess.Popen(
            [str(BIN / "tracker-server"), "serve", "--host", "127.0.0.1", "--port",
             str(self.port), "--log-level", "warning", *serve_args],
            env=self.env, stdout=self.log, stderr=subprocess.STDOUT,
        )  # fmt: skip
        deadline = time.monotonic() + timeout
        while True:
            try:
                if requests.get(self.url + "/healthz", timeout=1).status_code == 200:
                    return
            except requests.RequestException:
                pass
            assert self.proc.poll() is None, (self.root / "server.log").read_text()
            if time.monotonic() >= deadline:
                self.stop()
                raise AssertionError(f"server did not start within {timeout} s")
            time.sleep(0.1)

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
            self.proc = None
            self.log.close()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def kind(self) -> str:
        return "sqlite" if self.database_url.startswith("sqlite") else "postgresql"

    def sql(self, statement: str, **params: Any) -> Any:
        """Run one SQL statement on the server's database (SQLite or PostgreSQL) directly."""
        from sqlalchemy import create_engine, text

        engine = create_engine(self.database_url)
        try:
            with engine.begin() as conn:
                r = conn.execute(text(statement), params)
                return r.fetchall() if r.returns_rows else None
        finally:
            engine.dispose()


class Http:
    def __init__(self, base: str, token: str) -> None:
        self.base = base + API
        self.s = requests.Session()
        self.s.headers["Authorization"] = f"Bearer {token}"
        self.token = token

    def call(self, method: str, path: str, body: Any = None, ok=(200, 201, 204), **kw) -> Any:
        r = self.s.request(method, self.base + path, json=body, timeout=30, **kw)
        assert r.status_code in ok, f"{method} {path} -> {r.status_code} {r.text}"
        return r.json() if r.content else None


def sign_in(base: str, email: str, device: str = "test") -> Http:
    body = {"email": email, "password": PASSWORD, "device_name": device}
    r = requests.post(base + API + "/auth/token", json=body, timeout=30)
    assert r.status_code == 201, r.text
    return Http(base, r.json()["token"])


@dataclass
class Team:
    """An admin, one member with two tasks on one project."""

    admin: Http
    email: str
    user_id: str
    project: dict
    tasks: list[dict]


def make_team(server: ServerProc, tasks: int = 2) -> Team:
    admin = sign_in(server.url, ADMIN_EMAIL, "admin")
    email = f"m-{uuid.uuid4().hex[:10]}@example.com"
    user = admin.call("POST", "/users", {"email": email, "name": "Member", "role": "member",
                                         "password": PASSWORD})  # fmt: skip
    project = admin.call("POST", "/projects", {"name": f"Client work {uuid.uuid4().hex[:6]}"})
    admin.call("PUT", f"/projects/{project['id']}/members/{user['id']}", {})
    ts = [
        admin.call("POST", f"/projects/{project['id']}/tasks", {"title": f"Task {i}"})
        for i in range(tasks)
    ]
    return Team(admin, email, user["id"], project, ts)


def server_intervals(http: Http) -> dict[str, dict]:
    """Every interval of the caller as the server holds it (tombstones included), by id."""
    out: dict[str, dict] = {}
    cursor = None
    while True:
        params: dict[str, Any] = {"limit": 1000}
        if cursor:
            params["cursor"] = cursor
        page = http.call("GET", "/changes", params=params)
        for it in page["items"]:
            if it["type"] == "interval":
                out[it["id"]] = it["data"]
        cursor = page["next_cursor"]
        if not page.get("has_more"):
            return out


@dataclass
class Result:
    code: int
    out: str
    err: str

    def json(self) -> Any:
        return json.loads(self.out)


class Device:
    """One desktop profile (a data dir) signed in with its own token."""

    def __init__(self, root: Path, name: str, server_url: str, token: str) -> None:
        self.data_dir = root / name
        self.name = name
        self.env = {**os.environ, "TRACKER_DATA_DIR": str(self.data_dir), "TZ": "Europe/Berlin",
                    "TRACKER_LOG_DIR": str(root / f"{name}-logs"), "TRACKER_TOKEN": token,
                    "TRACKER_SERVER": server_url}  # fmt: skip
        self.token = token
        self.server_url = server_url

    def run(self, *args: str, timeout: float = 120, env: dict | None = None) -> Result:
        p = subprocess.run([sys.executable, "-m", "tracker", *args], capture_output=True,
                           text=True, env=env or self.env, timeout=timeout)  # fmt: skip
        assert "Traceback" not in p.stderr, p.stderr
        return Result(p.returncode, p.stdout, p.stderr)

    def ok(self, *args: str) -> Result:
        r = self.run(*args)
        assert r.code == 0, f"{args}: {r.code} {r.out} {r.err}"
        return r

    def store(self):
        from tracker.store import open_store

        return open_store(self.data_dir)

    def engine_sync(self, base_url: str | None = None, engine_kw: dict | None = None,
                    **transport_kw):  # fmt: skip
        """One sync in-process (through ``base_url``, e.g. a proxy)."""
        from zoneinfo import ZoneInfo

        from tracker.sync.engine import SyncEngine
        from tracker.sync.transport import HttpTransport

        store = self.store()
        t = HttpTransport(base_url or self.server_url, self.token, **transport_kw)
        try:
            return SyncEngine(store, t, device_name=self.name, tz=ZoneInfo("Europe/Berlin"),
                              **(engine_kw or {})).sync()  # fmt: skip
        finally:
            t.close()
            store.close()


def local_entries(store) -> dict[str, tuple]:
    """Live entries: id -> (task_id, started_at, ended_at, note)."""
    rows = store.conn.execute(
        "SELECT id, task_id, started_at, ended_at, note FROM intervals WHERE deleted = 0"
    ).fetchall()
    return {r[0]: tuple(r[1:]) for r in rows}


def server_live(http: Http) -> dict[str, tuple]:
    from tracker.sync.wire import parse_time

    return {
        i: (d["task_id"], parse_time(d["started_at"]), parse_time(d["ended_at"]), d["note"])
        for i, d in server_intervals(http).items()
        if not d["deleted"]
    }


def fill_entries(d: Device, tasks: list[str], n: int, start: int, *, every: int = 3600,
                 length: int = 1800) -> list[str]:  # fmt: skip
    """``n`` finished offline entries straight into ``d``'s store (the store's bulk path): one
    every ``every`` seconds from ``start``, ``length`` seconds long, cycling through ``tasks``;
    ids unique across tests on a shared server. Returns the ids in time order."""
    from tracker.store.repo import BULK_COLUMNS

    base = uuid.uuid4().int & ~0xFFFFFFFF
    rows = []
    for i in range(n):
        at = start + i * every
        rows.append((str(uuid.UUID(int=base | i)), tasks[i % len(tasks)], at, at + length,
                     "Europe/Berlin", "", "manual", 1, 0, 0, 0, start, start))  # fmt: skip
    assert not rows or len(BULK_COLUMNS) == len(rows[0])
    s = d.store()
    try:
        s.bulk_insert_intervals(rows)
    finally:
        s.close()
    return [r[0] for r in rows]
