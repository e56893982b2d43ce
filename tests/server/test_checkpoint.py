"""SQLite's WAL checkpoints run in a background thread while the app runs (db/session.py
``Checkpointer``), not inside a request's commit: the app's connections have SQLite's automatic
checkpoint off, the thread copies the WAL back after writes, and at shutdown the last
checkpoint runs and connections get SQLite's default back. Real files, the real app, its
lifespan."""

from __future__ import annotations

import dataclasses
import sqlite3
import time
from datetime import UTC, datetime
from pathlib import Path

from srvutil import iv
from starlette.testclient import TestClient

from server_stub.app import create_app
from server_stub.db.migrate import upgrade
from server_stub.db.session import make_engine
from server_stub.services.accounts import create_user
from server_stub.settings import FAST_TEST_HASHING, Settings

API = "/api/v1"


def _wal_frames(path: Path) -> int:
    """Frames in the WAL file by its size (header 32 bytes, each frame 24 + the page)."""
    wal = Path(f"{path}-wal")
    if not wal.exists() or wal.stat().st_size == 0:
        return 0
    with sqlite3.connect(path) as c:
        page = c.execute("PRAGMA page_size").fetchone()[0]
    return (wal.stat().st_size - 32) // (24 + page)


def _settings(tmp_path: Path) -> Settings:
    path = tmp_path / "server.sqlite3"
    settings = dataclasses.replace(
        Settings(database_url=f"sqlite:///{path}", data_dir=tmp_path),
        password_hashing=FAST_TEST_HASHING,
        rate_limits=(),
    )
    engine = make_engine(settings)
    upgrade(engine)
    engine.dispose()
    return settings


def _iso(ts: int) -> str:
    return datetime.fromtimestamp(ts, UTC).isoformat()


def _until(predicate, seconds: float = 20.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return predicate()


def test_the_app_checkpoints_in_the_background_and_not_on_commit(tmp_path):
    settings = _settings(tmp_path)
    path = tmp_path / "server.sqlite3"
    app = create_app(settings)
    db = app.state.tracker.db
    create_user(db, app.state.tracker.passwords, email="a@x", name="A", role="admin",
                password="pw-long-enough", now=0)  # fmt: skip
    assert db.checkpointer is None  # not before the app runs
    with TestClient(app) as client:
        ckpt = db.checkpointer
        assert ckpt is not None
        creds = {"email": "a@x", "password": "pw-long-enough", "device_name": "t"}
        tok = client.post(API + "/auth/token", json=creds).json()["token"]
        h = {"Authorization": f"Bearer {tok}"}
        p = client.post(API + "/projects", json={"name": "P"}, headers=h).json()["id"]
        t = client.post(f"{API}/projects/{p}/tasks", json={"title": "T"}, headers=h).json()["id"]
        # the app's connections do not checkpoint on commit
        with db.engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA wal_autocheckpoint").scalar() == 0
        # ~3,000 pages of writes: past SQLite's 1,000-page mark, which a commit would act on
        runs = ckpt.runs
        base = 1_780_000_000
        for b in range(12):
            starts = [base + (b * 500 + k) * 600 for k in range(500)]
            items = [iv(t, _iso(s), _iso(s + 300)) for s in starts]
            r = client.post(API + "/intervals/batch", json={"intervals": items}, headers=h)
            assert r.status_code == 200 and len(r.json()["accepted"]) == 500, r.text[:300]
        # the thread has copied the WAL back: every frame in the WAL is in the database file
        assert _until(lambda: ckpt.runs > runs)
        with sqlite3.connect(path) as c:
            assert _until(lambda: c.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()[0] == 0)
        assert _wal_frames(path) > 1000  # nothing in the request path restarted it
    # shutdown: the thread has stopped after a last checkpoint; new connections have SQLite's
    # default again
    assert db.checkpointer is None and not ckpt._thread.is_alive()
    with db.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA wal_autocheckpoint").scalar() == 1000
        n = conn.exec_driver_sql("SELECT COUNT(*) FROM intervals").scalar()
    assert n == 6000
    db.dispose()
