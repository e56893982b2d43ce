"""Where one ``POST /intervals/batch`` of 500 goes: the app in-process over a filled table.

Fills the intervals table with ``--prefill`` rows (raw executemany, 20 members), then times
``--batches`` pushes of 500 new intervals through the ASGI app (Starlette's TestClient, so no
socket) and, with ``--profile``, prints a cProfile of them (cumulative, top 40).

    .venv/bin/python benchmarks/server_ingest_profile.py --prefill 500000 --profile
    .venv/bin/python benchmarks/server_ingest_profile.py --database-url postgresql+psycopg://...
"""

from __future__ import annotations

import argparse
import cProfile
import json
import pstats
import random
import statistics
import sys
import tempfile
import time
import uuid
import warnings
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import text  # noqa: E402

from server_stub.app import create_app  # noqa: E402
from server_stub.db.migrate import upgrade  # noqa: E402
from server_stub.services.accounts import create_user  # noqa: E402
from server_stub.settings import FAST_TEST_HASHING, Settings  # noqa: E402

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient

API = "/api/v1"
PASSWORD = "bench-password"


def uuid7_at(ts: int, rng: random.Random) -> str:
    """A UUIDv7 (RFC 9562) for the instant ``ts``, as the desktop makes when an interval starts."""
    ms = ts * 1000 + rng.randrange(1000)
    value = (ms << 80) | (0x7 << 76) | (rng.getrandbits(12) << 64) | (0b10 << 62)
    return str(uuid.UUID(int=value | rng.getrandbits(62)))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--prefill", type=int, default=500_000)
    ap.add_argument("--batches", type=int, default=20)
    ap.add_argument("--users", type=int, default=20)
    ap.add_argument("--profile", action="store_true")
    ap.add_argument("--uuid4", action="store_true", help="random ids instead of UUIDv7")
    ap.add_argument("--database-url")
    args = ap.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="tracker-ingest-profile-"))
    url = args.database_url or f"sqlite:///{workdir / 'server.sqlite3'}"
    settings = Settings(database_url=url, data_dir=workdir, password_hashing=FAST_TEST_HASHING)
    app = create_app(settings)
    db = app.state.tracker.db
    if not db.is_sqlite:
        with db.engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
    upgrade(db.engine)
    state = app.state.tracker
    client = TestClient(app)
    create_user(
        db, state.passwords, email="admin@b", name="A", role="admin", password=PASSWORD, now=0
    )

    def token(email: str) -> dict:
        r = client.post(
            API + "/auth/token", json={"email": email, "password": PASSWORD, "device_name": "b"}
        )
        return {"Authorization": f"Bearer {r.json()['token']}"}

    admin = token("admin@b")
    p = client.post(API + "/projects", json={"name": "P"}, headers=admin).json()["id"]
    tasks = [
        client.post(f"{API}/projects/{p}/tasks", json={"title": f"T{i}"}, headers=admin).json()[
            "id"
        ]
        for i in range(50)
    ]
    members = []
    for u in range(args.users):
        uid = create_user(
            db, state.passwords, email=f"m{u}@b", name="M", role="member", password=PASSWORD, now=0
        )["id"]
        client.put(f"{API}/projects/{p}/members/{uid}", json={}, headers=admin)
        members.append((uid, token(f"m{u}@b")))
    rng = random.Random(1)

    def new_id(ts: int) -> str:
        if args.uuid4:
            return str(uuid.UUID(int=rng.getrandbits(128), version=4))
        return uuid7_at(ts, rng)

    t0 = 1_600_000_000
    cursors = [t0] * args.users
    rows = []
    for i in range(args.prefill):
        u = i % args.users
        s = cursors[u]
        cursors[u] = s + 2000
        rows.append(
            {"id": new_id(s), "user_id": members[u][0], "task_id": rng.choice(tasks),
             "s": s, "e": s + 1800, "seq": 0}
        )  # fmt: skip
    with db.engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO intervals (id, user_id, device_name, task_id, started_at, ended_at, "
                "tz, note, source, revision, deleted, seq, created_at, updated_at) VALUES "
                "(:id, :user_id, 'x', :task_id, :s, :e, 'UTC', '', 'timer', 1, false, :seq, 0, 0)"
            ),
            rows,
        )
        conn.execute(text("UPDATE counters SET value = 1800 WHERE name = 'max_span'"))
    if not db.is_sqlite:
        with db.engine.connect() as conn:
            conn.execution_options(isolation_level="AUTOCOMMIT").execute(text("ANALYZE"))
    else:
        with db.engine.begin() as conn:
            conn.execute(text("ANALYZE"))
    print(f"prefilled {args.prefill:,} rows", flush=True)
    # As the served app does once it is built (server_stub/asgi.py): without it the old
    # generations' collections, walking every module's objects, would dominate the figures.
    from server_stub.asgi import _tune_gc

    _tune_gc()

    def batch(u: int) -> bytes:
        out = []
        for _ in range(500):
            s = cursors[u]
            cursors[u] = s + 2000
            out.append(
                {"id": new_id(s), "task_id": rng.choice(tasks),
                 "started_at": datetime.fromtimestamp(s, UTC).isoformat(),
                 "ended_at": datetime.fromtimestamp(s + 1800, UTC).isoformat(),
                 "note": "", "source": "timer", "revision": 1, "base_revision": 0,
                 "tz": "Europe/Berlin"}
            )  # fmt: skip
        return json.dumps({"intervals": out}).encode()

    bodies = [(i % args.users, batch(i % args.users)) for i in range(args.batches)]
    # The route's own work, called directly in this thread (TestClient runs the app in another
    # thread, which cProfile would not see): JSON + pydantic, the batch, the response.
    from fastapi.security import HTTPAuthorizationCredentials

    from server_stub.api.deps import current_actor
    from server_stub.api.intervals import push_batch
    from server_stub.api.models import IntervalBatchIn

    def call(u: int, body: bytes) -> None:
        creds = HTTPAuthorizationCredentials(
            scheme="Bearer", credentials=members[u][1]["Authorization"][7:]
        )
        actor = current_actor(None, state, creds)  # type: ignore[arg-type]
        r = push_batch(IntervalBatchIn.model_validate_json(body), actor, state, None)
        assert r.status_code == 200 and len(json.loads(r.body)["accepted"]) == 500

    bodies = [(i % args.users, batch(i % args.users)) for i in range(args.batches * 2)]
    http_times, direct_times = [], []
    for u, body in bodies[: args.batches]:
        h = {**members[u][1], "Content-Type": "application/json"}
        t = time.perf_counter()
        r = client.post(API + "/intervals/batch", content=body, headers=h)
        http_times.append(time.perf_counter() - t)
        assert r.status_code == 200 and len(r.json()["accepted"]) == 500, r.text[:300]
    prof = cProfile.Profile() if args.profile else None
    for u, body in bodies[args.batches :]:
        t = time.perf_counter()
        if prof:
            prof.enable()
        call(u, body)
        if prof:
            prof.disable()
        direct_times.append(time.perf_counter() - t)
    for name, times in (("ASGI in-process", http_times), ("route called directly", direct_times)):
        med = statistics.median(times)
        mean = statistics.fmean(times)
        print(
            f"{name}: median {med * 1000:.1f} ms, mean {mean * 1000:.1f} ms per 500 "
            f"= {500 / mean:,.0f} intervals/s (mean)"
        )
    if prof:
        pstats.Stats(prof).sort_stats("cumulative").print_stats(45)
        pstats.Stats(prof).sort_stats("tottime").print_stats(30)


if __name__ == "__main__":
    main()
