"""The companion server under load: HTTP ingest, ``/totals`` against raw SQL, peak RSS.

1. Ingest through HTTP: ``tracker-server serve`` (uvicorn, one worker) on a loopback port,
   SQLite (or ``--database-url``), batches of 500 intervals from a keep-alive
   ``requests.Session``, round-robin over ``--users`` members (each a non-overlapping timeline,
   like a team's history). Ids are UUIDv7 stamped at each interval's start, as the desktop makes
   them (``--uuid4`` for random ids). Figure: intervals/s. Baseline in the same run: raw
   ``sqlite3`` ``executemany`` of the same rows (the server's own table, made by the same
   migrations) into a fresh file, (a) one transaction per 500 rows, as the server commits, and
   (b) everything in one transaction. Target: server ≥ 0.25 × raw.
2. ``GET /totals?group_by=task`` and ``group_by=task,day`` (tz Europe/Berlin) over all the data
   against a hand-written SQL ``GROUP BY`` on the same database (median of ``--repeat``).
   Target: ≤ 1.5× the raw query. The task×day reference groups by the start's day at a fixed
   UTC+1 offset (``(started_at + 3600) / 86400``), cheaper than the real local-day split (DST,
   intervals across midnight counted on both days). Raw queries run with the database's
   defaults. On PostgreSQL the benchmark runs ``ANALYZE intervals`` after the ingest, as
   autovacuum would soon after such a load.
3. Peak RSS (VmHWM) of the server process after the ingest and the totals.

    .venv/bin/python benchmarks/server_ingest.py                  # 1M intervals, SQLite
    .venv/bin/python benchmarks/server_ingest.py --quick          # 100k
    .venv/bin/python benchmarks/server_ingest.py --database-url postgresql+psycopg://postgres@127.0.0.1/bench
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent / "tracker-server"
BATCH = 500
SEED = 20261125
PASSWORD = "bench-password"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _cli(*args: str, env: dict) -> str:
    r = subprocess.run([str(BIN), *args], env=env, capture_output=True, text=True, check=False)
    if r.returncode != 0:
        sys.exit(f"tracker-server {args[0]} failed: {r.stderr.strip()}")
    return r.stdout


def uuid7_at(ts: int, rng: random.Random) -> str:
    """A UUIDv7 (RFC 9562) for the instant ``ts``, as the desktop makes when an interval starts."""
    ms = ts * 1000 + rng.randrange(1000)
    value = (ms << 80) | (0x7 << 76) | (rng.getrandbits(12) << 64) | (0b10 << 62)
    return str(uuid.UUID(int=value | rng.getrandbits(62)))


def make_rows(n: int, users: int, task_ids: list[str], v4: bool = False) -> list[list[dict]]:
    """Per user, a time-ordered list of finished intervals (5-55 min, gaps ≥ 60 s)."""
    rng = random.Random(SEED)
    per_user = [[] for _ in range(users)]
    start0 = int(time.time()) - 3 * 365 * 86400
    cursors = [start0 + rng.randrange(3600) for _ in range(users)]
    for i in range(n):
        u = i % users
        dur = rng.randrange(300, 3300)
        s = cursors[u]
        cursors[u] = s + dur + 60 + int(rng.expovariate(1 / 900))
        per_user[u].append(
            {
                "id": str(uuid.UUID(int=rng.getrandbits(128), version=4))
                if v4
                else uuid7_at(s, rng),
                "task_id": task_ids[min(int(rng.paretovariate(1.2)) - 1, len(task_ids) - 1)],
                "started_at": s,
                "ended_at": s + dur,
                "note": "standup" if rng.random() < 0.1 else "",
                "source": "manual" if rng.random() < 0.1 else "timer",
            }
        )
    return per_user


def wire(item: dict) -> dict:
    from datetime import UTC, datetime

    return {
        **item,
        "started_at": datetime.fromtimestamp(item["started_at"], UTC).isoformat(),
        "ended_at": datetime.fromtimestamp(item["ended_at"], UTC).isoformat(),
        "revision": 1,
        "base_revision": 0,
        "tz": "Europe/Berlin",
    }


def rss_peak_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return -1


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of process ``pid`` so far (Linux ``/proc``)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def raw_sqlite(
    rows: list[tuple], batch: int | None, workdir: Path, table_only: bool = False
) -> float:
    """Rows/s of raw executemany into a fresh copy of the server's schema. ``table_only``: the
    roll-up's insert trigger paused (the server's push adds its rows itself; this leaves them
    out, the floor of the table's own insert work) and the server's pragmas (16 MiB cache,
    memory-mapped reads, checkpoints left to another thread)."""
    from sqlalchemy import create_engine

    sys.path.insert(0, str(ROOT))
    from server_stub.db.migrate import upgrade

    path = workdir / f"raw-{batch}-{table_only}.sqlite3"
    engine = create_engine(f"sqlite:///{path}")
    upgrade(engine)
    engine.dispose()
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = NORMAL")
    conn.execute("PRAGMA foreign_keys = ON")
    if table_only:
        conn.execute("PRAGMA cache_size = -16384")
        conn.execute("PRAGMA mmap_size = 268435456")
        conn.execute("PRAGMA wal_autocheckpoint = 0")
    # the referenced rows exist, as on the server
    for k, uid in enumerate(sorted({r[1] for r in rows})):
        conn.execute(
            "INSERT INTO users (id, email, name, role, created_at) VALUES (?, ?, 'r', 'member', 0)",
            [uid, f"r{k}@x"],
        )
    pid = str(uuid.uuid4())
    conn.execute(
        "INSERT INTO projects (id, name, seq, created_at, updated_at) VALUES (?, 'p', 1, 0, 0)",
        [pid],
    )
    for t in {r[3] for r in rows}:
        conn.execute(
            "INSERT INTO tasks (id, project_id, title, status, seq, created_at, updated_at) "
            "VALUES (?, ?, 't', 'open', 1, 0, 0)",
            [t, pid],
        )
    sql = (
        "INSERT INTO intervals (id, user_id, device_name, task_id, started_at, ended_at, tz, "
        "note, source, revision, deleted, seq, created_at, updated_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
    )
    t0 = time.perf_counter()
    step = batch or len(rows)
    for i in range(0, len(rows), step):
        conn.execute("BEGIN IMMEDIATE")
        if table_only:
            conn.execute("INSERT INTO rollup_pause (id) VALUES (1)")
        conn.executemany(sql, rows[i : i + step])
        if table_only:
            conn.execute("DELETE FROM rollup_pause")
        conn.execute("COMMIT")
    elapsed = time.perf_counter() - t0
    conn.close()
    return len(rows) / elapsed


def raw_pg(rows: list[tuple], url: str) -> float:
    """Rows/s of one ``INSERT … SELECT FROM unnest(arrays)`` per 500 rows (the server's
    statement) into a fresh database with the server's schema, roll-up trigger paused: the
    floor of PostgreSQL's own insert work, foreign keys and indexes included."""
    from sqlalchemy import create_engine, make_url, text

    sys.path.insert(0, str(ROOT))
    from server_stub.db.migrate import upgrade

    base = make_url(url)
    name = f"{base.database}_raw"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    engine = create_engine(base.set(database=name))
    upgrade(engine)
    with engine.begin() as conn:
        for k, uid in enumerate(sorted({r[1] for r in rows})):
            conn.execute(
                text("INSERT INTO users (id, email, name, role, created_at) "
                     "VALUES (:i, :e, 'r', 'member', 0)"),
                {"i": uid, "e": f"r{k}@x"},
            )  # fmt: skip
        pid = str(uuid.uuid4())
        conn.execute(
            text("INSERT INTO projects (id, name, seq, created_at, updated_at) "
                 "VALUES (:p, 'p', 1, 0, 0)"), {"p": pid},
        )  # fmt: skip
        for t in {r[3] for r in rows}:
            conn.execute(
                text("INSERT INTO tasks (id, project_id, title, status, seq, created_at, "
                     "updated_at) VALUES (:t, :p, 't', 'open', 1, 0, 0)"), {"t": t, "p": pid},
            )  # fmt: skip
    types = ("text", "text", "text", "text", "bigint", "bigint", "text", "text", "text",
             "integer", "boolean", "bigint", "bigint", "bigint")  # fmt: skip
    sql = (
        "INSERT INTO intervals (id, user_id, device_name, task_id, started_at, ended_at, tz, "
        "note, source, revision, deleted, seq, created_at, updated_at) SELECT * FROM unnest("
        + ", ".join(f"%b::{t}[]" for t in types)
        + ")"
    )
    raw_conn = engine.raw_connection()
    cur = raw_conn.cursor()
    t0 = time.perf_counter()
    for i in range(0, len(rows), BATCH):
        chunk = [(*r[:10], bool(r[10]), *r[11:]) for r in rows[i : i + BATCH]]
        cur.execute("SELECT set_config('tracker.rollup_paused', 'on', true)")
        cur.execute(sql, [list(c) for c in zip(*chunk, strict=True)])
        raw_conn.commit()
    elapsed = time.perf_counter() - t0
    raw_conn.close()
    engine.dispose()
    return len(rows) / elapsed


class _Session(requests.Session):
    """A keep-alive ``requests`` session with a base URL."""

    def __init__(self, base: str) -> None:
        super().__init__()
        self.base = base

    def request(self, method, url, *args, **kwargs):  # type: ignore[override]
        kwargs.setdefault("timeout", 120)
        return super().request(method, self.base + url, *args, **kwargs)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--quick", action="store_true", help="100k rows")
    ap.add_argument("--users", type=int, default=20)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--database-url", help="default: SQLite in a temporary data dir")
    ap.add_argument("--keep", action="store_true")
    ap.add_argument("--uuid4", action="store_true", help="random ids instead of UUIDv7")
    ap.add_argument(
        "--clients", type=int, default=1,
        help="concurrent pushers (each its own keep-alive connection and members)",
    )  # fmt: skip
    args = ap.parse_args()
    n = 100_000 if args.quick else args.rows
    workdir = Path(tempfile.mkdtemp(prefix="tracker-server-bench-"))
    env = {**os.environ, "TRACKER_SERVER_DATA_DIR": str(workdir)}
    if args.database_url:
        env["TRACKER_DATABASE_URL"] = args.database_url
    else:
        env.pop("TRACKER_DATABASE_URL", None)
    server = None
    try:
        _cli("init", env=env)
        _cli(
            "create-user",
            "--email",
            "admin@bench",
            "--name",
            "Admin",
            "--role",
            "admin",
            "--password",
            PASSWORD,
            env=env,
        )
        port = _free_port()
        server = subprocess.Popen(
            [str(BIN), "serve", "--port", str(port), "--workers", "1", "--log-level", "warning"],
            env=env,
        )
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 30
        while True:
            try:
                if requests.get(base + "/healthz", timeout=1).status_code == 200:
                    break
            except requests.ConnectionError:
                time.sleep(0.1)
            if time.monotonic() > deadline:
                sys.exit("the server did not start")
        http = _Session(base + "/api/v1")
        tok = http.post(
            "/auth/token",
            json={"email": "admin@bench", "password": PASSWORD, "device_name": "bench"},
        ).json()["token"]
        admin = {"Authorization": f"Bearer {tok}"}
        p = http.post("/projects", json={"name": "Bench"}, headers=admin).json()
        task_ids = [
            http.post(f"/projects/{p['id']}/tasks", json={"title": f"T{i}"}, headers=admin).json()[
                "id"
            ]
            for i in range(50)
        ]
        members = []
        for u in range(args.users):
            body = {"email": f"m{u}@bench", "name": f"M{u}", "role": "member", "password": PASSWORD}
            uid = http.post("/users", json=body, headers=admin).json()["id"]
            http.put(f"/projects/{p['id']}/members/{uid}", json={}, headers=admin)
            t = http.post(
                "/auth/token",
                json={"email": body["email"], "password": PASSWORD, "device_name": "bench"},
            ).json()["token"]
            members.append((uid, {"Authorization": f"Bearer {t}"}))
        print(f"generating {n:,} intervals for {args.users} members ...", flush=True)
        per_user = make_rows(n, args.users, task_ids, args.uuid4)
        batches = []
        for u, rows in enumerate(per_user):
            for i in range(0, len(rows), BATCH):
                body = json.dumps({"intervals": [wire(r) for r in rows[i : i + BATCH]]})
                batches.append((u, body.encode()))
        # round-robin over members, in time order per member
        order = sorted(
            range(len(batches)), key=lambda k: (k % max(1, len(batches) // args.users), k)
        )
        print(
            f"pushing {len(batches):,} batches of {BATCH} over {args.clients} keep-alive "
            "connection(s) ...",
            flush=True,
        )
        # each client pushes the batches of its own members, in the same round-robin order
        lanes = [
            [k for k in order if batches[k][0] % args.clients == c] for c in range(args.clients)
        ]
        counts = [0] * args.clients
        failures: list[str] = []

        def push_lane(c: int) -> None:
            session = http if c == 0 else _Session(base + "/api/v1")
            for k in lanes[c]:
                u, body = batches[k]
                r = session.post(
                    "/intervals/batch",
                    data=body,
                    headers={**members[u][1], "Content-Type": "application/json"},
                )
                if r.status_code != 200:
                    failures.append(f"{r.status_code} {r.text[:200]}")
                    return
                out = r.json()
                counts[c] += len(out["accepted"])
                if out["rejected"] or out["conflicts"]:
                    failures.append(f"unexpected: {out['rejected'][:2]} {out['conflicts'][:2]}")
                    return

        t0 = time.perf_counter()
        cpu0, server_cpu0 = time.process_time(), cpu_seconds(server.pid)
        threads = [threading.Thread(target=push_lane, args=(c,)) for c in range(args.clients)]
        for th in threads:
            th.start()
        for th in threads:
            th.join()
        if failures:
            sys.exit(failures[0])
        accepted = sum(counts)
        ingest_s = time.perf_counter() - t0
        client_cpu = time.process_time() - cpu0
        server_cpu = cpu_seconds(server.pid) - server_cpu0
        server_rate = accepted / ingest_s
        print(f"  server: {accepted:,} intervals in {ingest_s:.1f} s = {server_rate:,.0f} /s")
        per = 1000 / len(order)
        print(
            f"  per batch: {ingest_s * per:.1f} ms wall, server CPU {server_cpu * per:.1f} ms, "
            f"client CPU {client_cpu * per:.1f} ms"
        )
        if args.database_url:
            # What autovacuum's auto-analyze does soon after a bulk load in production: without
            # it the planner still sees the table as nearly empty and picks index plans.
            from sqlalchemy import create_engine, text

            eng = create_engine(args.database_url, isolation_level="AUTOCOMMIT")
            with eng.connect() as conn:
                conn.execute(text("ANALYZE intervals"))
            eng.dispose()

        def timed(path: str, params: dict) -> tuple[float, dict]:
            times, body = [], {}
            for _ in range(args.repeat):
                t = time.perf_counter()
                r = http.get(path, params=params, headers=admin)
                times.append(time.perf_counter() - t)
                r.raise_for_status()
                body = r.json()
            return statistics.median(times), body

        totals = {}
        for name, group in (("task", "task"), ("task x day", "task,day")):
            secs, body = timed("/totals", {"group_by": group, "tz": "Europe/Berlin"})
            totals[name] = (secs, len(body["rows"]), body["total_seconds"])
        rss = rss_peak_kib(server.pid)
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=30)

    # raw SQL on the same database, with the server stopped
    from sqlalchemy import create_engine, text

    url = args.database_url or f"sqlite:///{workdir / 'tracker-server.sqlite3'}"
    engine = create_engine(url)
    raw_sql = {
        "task": "SELECT task_id, SUM(ended_at - started_at) FROM intervals "
        "WHERE NOT deleted GROUP BY task_id",
        "task x day": "SELECT task_id, (started_at + 3600) / 86400 AS d, "
        "SUM(ended_at - started_at) "
        "FROM intervals WHERE NOT deleted GROUP BY task_id, d",
    }
    raw = {}
    with engine.connect() as conn:
        for name, sql in raw_sql.items():
            times = []
            for _ in range(args.repeat):
                t = time.perf_counter()
                rows = conn.execute(text(sql)).all()
                times.append(time.perf_counter() - t)
            raw[name] = (statistics.median(times), len(rows))
    engine.dispose()

    flat = []
    for uid_idx, rows in enumerate(per_user):
        uid = members[uid_idx][0]
        for r in rows:
            flat.append(
                (
                    r["id"],
                    uid,
                    "bench",
                    r["task_id"],
                    r["started_at"],
                    r["ended_at"],
                    "Europe/Berlin",
                    r["note"],
                    r["source"],
                    1,
                    0,
                    0,
                    0,
                    0,
                )
            )
    flat.sort(key=lambda x: x[4])
    raw_batched = raw_sqlite(flat, BATCH, workdir)
    raw_one = raw_sqlite(flat, None, workdir)
    raw_table = raw_sqlite(flat, BATCH, workdir, table_only=True)
    raw_pg_rate = raw_pg(flat, args.database_url) if args.database_url else None

    db = "PostgreSQL" if args.database_url else "SQLite"
    print()
    print(f"## Server ingest and totals ({db}, {n:,} intervals, {args.users} members)")
    print()
    print("| measure | figure | baseline | ratio | target |")
    print("|---|---|---|---|---|")
    print(
        f"| HTTP ingest (1 worker, {args.clients} client(s), batches of {BATCH}) "
        f"| {server_rate:,.0f} intervals/s "
        f"| raw executemany, 500/txn: {raw_batched:,.0f} rows/s | {server_rate / raw_batched:.2f} "
        "| ≥ 0.25 |"
    )
    print(
        f"| (same) | | raw executemany, 1 txn: {raw_one:,.0f} rows/s "
        f"| {server_rate / raw_one:.2f} | ≥ 0.25 |"
    )
    print(
        f"| (same) | | raw SQLite executemany, 500/txn, table only (roll-up paused, server's "
        f"pragmas): {raw_table:,.0f} rows/s | {server_rate / raw_table:.2f} | |"
    )
    if raw_pg_rate is not None:
        print(
            f"| (same) | | raw PostgreSQL unnest INSERT, 500/txn, table only: "
            f"{raw_pg_rate:,.0f} rows/s | {server_rate / raw_pg_rate:.2f} | |"
        )
    for name in ("task", "task x day"):
        secs, nrows, _total = totals[name]
        rsecs, rrows = raw[name]
        print(
            f"| GET /totals by {name} ({nrows:,} rows) | {secs * 1000:,.0f} ms "
            f"| raw GROUP BY ({rrows:,} rows): {rsecs * 1000:,.0f} ms | {secs / rsecs:.2f}× "
            "| ≤ 1.5× |"
        )
    print(f"| server peak RSS after ingest + totals | {rss / 1024:,.0f} MiB | | | |")
    if not args.keep:
        shutil.rmtree(workdir, ignore_errors=True)
    else:
        print(f"\nkept {workdir}")


if __name__ == "__main__":
    main()
