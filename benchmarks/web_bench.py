"""The web pages over a large database: server time of ``/dashboard`` (a week) and
``/portal/projects/{id}`` (a month), 20 concurrent browser sessions on loopback, page sizes.

Fills a fresh server database with ``--intervals`` rows (raw executemany; ``--members`` members
over ``--days`` days on 20 projects), then:

* server time: the pages through the ASGI app in-process (Starlette's TestClient, no socket),
  median of ``--repeat``, beside the same run's ``GET /api/v1/totals`` of the same range and a
  hand-written ``GROUP BY`` of it (the floor: what the page's one totals query costs raw);
* load: ``tracker-server serve`` on a loopback port, 20 threads each signed in by the form with
  its own cookie jar, each fetching the dashboard, a member page, ``/me``-less pages in turn;
  p50/p95 and errors, beside the same load on ``/healthz``;
* size: the bytes of each page without images (target ≤ 100 KB).

    .venv/bin/python benchmarks/web_bench.py                    # 1M intervals (several minutes)
    .venv/bin/python benchmarks/web_bench.py --quick            # 100k
"""

from __future__ import annotations

import argparse
import concurrent.futures as cf
import os
import random
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402
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
NOW = 1_795_608_000  # Wed 2026-11-25 12:00 UTC: "this week" is 23-29 Nov
TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')
BIN = Path(sys.executable).parent / "tracker-server"


def ms(values: list[float]) -> str:
    return f"{statistics.median(values) * 1000:.1f}"


def pct(values: list[float], q: float) -> float:
    s = sorted(values)
    return s[min(len(s) - 1, int(q * len(s)))]


CPU: dict[int, list[float]] = {}  # id(the wall list) -> the process's CPU seconds per call


def timed(fn, repeat: int) -> list[float]:
    """Wall seconds per call; the process's CPU seconds (server and client, in-process) go to
    ``CPU``: on a shared machine the steadier figure."""
    fn()  # warm-up
    out, cpu = [], []
    for _ in range(repeat):
        c, t = time.process_time(), time.perf_counter()
        fn()
        out.append(time.perf_counter() - t)
        cpu.append(time.process_time() - c)
    CPU[id(out)] = cpu
    return out


def login(client, email: str) -> None:
    form = client.get("/login")
    token = TOKEN.search(form.text).group(1)
    r = client.post(
        "/login",
        data={"csrf_token": token, "email": email, "password": PASSWORD},
        headers={"Origin": str(client.base_url).rstrip("/")},
    )
    assert r.status_code in (200, 303), r.status_code


def fill(app, n: int, members: int, days: int) -> dict:
    """Users, 20 projects of 5 tasks, memberships, a granted viewer; ``n`` intervals."""
    db, state = app.state.tracker.db, app.state.tracker
    client = TestClient(app)

    def user(email, role, name):
        return create_user(
            db, state.passwords, email=email, name=name, role=role, password=PASSWORD, now=0
        )["id"]

    user("admin@b", "admin", "Admin")
    r = client.post(
        API + "/auth/token", json={"email": "admin@b", "password": PASSWORD, "device_name": "b"}
    )
    h = {"Authorization": f"Bearer {r.json()['token']}"}
    cid = client.post(API + "/clients", json={"name": "Client", "currency": "EUR"}, headers=h)
    cid = cid.json()["id"]
    projects, tasks = [], []
    for p in range(20):
        pid = client.post(
            API + "/projects", json={"name": f"Project {p}", "client_id": cid}, headers=h
        ).json()["id"]
        projects.append(pid)
        for t in range(5):
            tasks.append(
                (
                    pid,
                    client.post(
                        f"{API}/projects/{pid}/tasks", json={"title": f"Task {p}.{t}"}, headers=h
                    ).json()["id"],
                )
            )
    uids = [user(f"m{u}@b", "member", f"Member {u}") for u in range(members)]
    user("manager@b", "manager", "Manager")
    viewer = user("viewer@b", "viewer", "Viewer")
    for u in uids:
        for pid in projects:
            r = client.put(f"{API}/projects/{pid}/members/{u}", json={}, headers=h)
            assert r.status_code == 200, r.text
    grants = {"show_members": True, "show_entries": True}
    r = client.put(
        f"{API}/projects/{projects[0]}/members/{viewer}",
        json={"kind": "viewer", "grants": grants},
        headers=h,
    )
    assert r.status_code == 200, r.text  # else the portal page measured is a 404
    rng = random.Random(1)
    span = days * 86400
    per = n // members
    step = span // max(per, 1)
    length = min(3600, int(step * 0.8))
    t0 = NOW - span
    sql = text(
        "INSERT INTO intervals (id, user_id, device_name, task_id, started_at, ended_at, tz, "
        "note, source, revision, deleted, seq, created_at, updated_at) VALUES (:id, :u, 'x', "
        ":t, :s, :e, 'UTC', 'work', 'timer', 1, false, 0, 0, 0)"
    )
    rows = []
    with db.engine.begin() as conn:
        for k in range(per):
            for ui, u in enumerate(uids):
                s = t0 + k * step + ui * 7
                rows.append(
                    {
                        "id": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
                        "u": u,
                        "t": tasks[rng.randrange(len(tasks))][1],
                        "s": s,
                        "e": s + length,
                    }
                )
                if len(rows) == 50_000:
                    conn.execute(sql, rows)
                    rows = []
        if rows:
            conn.execute(sql, rows)
        conn.execute(text("UPDATE counters SET value = :v WHERE name = 'max_span'"), {"v": length})
    with db.engine.connect() as conn:
        if db.is_sqlite:
            conn.execute(text("ANALYZE"))
            conn.commit()
        else:
            conn.execution_options(isolation_level="AUTOCOMMIT").execute(text("ANALYZE"))
    return {"projects": projects, "members": uids, "per": per * members}


def serve(url: str, workdir: Path):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {**os.environ, "TRACKER_DATABASE_URL": url, "TRACKER_SERVER_DATA_DIR": str(workdir)}
    proc = subprocess.Popen(
        [str(BIN), "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}"
    for _ in range(200):
        try:
            if httpx.get(base + "/healthz").status_code == 200:
                return proc, base
        except httpx.HTTPError:
            time.sleep(0.1)
    proc.kill()
    raise SystemExit("the server did not start: " + proc.stderr.read().decode()[-2000:])


def load(base: str, paths: list[str], sessions: int, per_session: int, sign_in: bool):
    def one(i: int):
        lat, errors = [], 0
        with httpx.Client(base_url=base, timeout=60) as c:
            if sign_in:
                login(c, "manager@b")
            for k in range(per_session):
                t = time.perf_counter()
                r = c.get(paths[(i + k) % len(paths)])
                lat.append(time.perf_counter() - t)
                errors += r.status_code != 200
        return lat, errors

    t = time.perf_counter()
    with cf.ThreadPoolExecutor(sessions) as pool:
        results = list(pool.map(one, range(sessions)))
    wall = time.perf_counter() - t
    lat = [x for r in results for x in r[0]]
    return lat, sum(r[1] for r in results), wall


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--intervals", type=int, default=1_000_000)
    ap.add_argument("--quick", action="store_true", help="100k intervals")
    ap.add_argument("--members", type=int, default=50)
    ap.add_argument("--days", type=int, default=3 * 365)
    ap.add_argument("--repeat", type=int, default=7)
    ap.add_argument("--sessions", type=int, default=20)
    ap.add_argument("--per-session", type=int, default=10)
    ap.add_argument("--database-url")
    args = ap.parse_args()
    n = 100_000 if args.quick else args.intervals
    workdir = Path(tempfile.mkdtemp(prefix="tracker-web-bench-"))
    url = args.database_url or f"sqlite:///{workdir / 'server.sqlite3'}"
    # No rate limit in-process: the fill's 1,100 API calls outran its burst on a quiet machine
    # (429s left members out and the viewer without its grant, so the portal page was a 404).
    settings = Settings(
        database_url=url, data_dir=workdir, password_hashing=FAST_TEST_HASHING, rate_limits=()
    )
    app = create_app(settings, clock=lambda: float(NOW))
    if not app.state.tracker.db.is_sqlite:
        with app.state.tracker.db.engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
    upgrade(app.state.tracker.db.engine)
    t = time.perf_counter()
    made = fill(app, n, args.members, args.days)
    print(
        f"filled {made['per']:,} intervals, {args.members} members, {args.days} days, "
        f"20 projects in {time.perf_counter() - t:.0f} s "
        f"({'SQLite' if settings.is_sqlite else 'PostgreSQL'})"
    )

    manager, viewer = TestClient(app), TestClient(app)
    login(manager, "manager@b")
    login(viewer, "viewer@b")
    pid = made["projects"][0]
    week = {"from": "2026-11-23", "to": "2026-11-29"}
    month = {"from": "2026-11-01", "to": "2026-11-30"}
    lt, gt = ("MIN", "MAX") if settings.is_sqlite else ("LEAST", "GREATEST")
    raw_sql = text(
        f"SELECT t.project_id, i.user_id, (i.started_at / 86400) AS d, "
        f"SUM({lt}(i.ended_at, :hi) - {gt}(i.started_at, :lo)) "
        "FROM intervals i JOIN tasks t ON t.id = i.task_id "
        "WHERE NOT i.deleted AND i.started_at >= :lo - 3600 AND i.started_at < :hi AND "
        "i.ended_at > :lo AND (:pid = '' OR t.project_id = :pid) GROUP BY 1, 2, 3"
    )

    def raw(lo: int, hi: int, project: str = ""):
        with app.state.tracker.db.engine.connect() as conn:
            return conn.execute(raw_sql, {"lo": lo, "hi": hi, "pid": project}).all()

    rows = []
    dash = timed(lambda: manager.get("/dashboard"), args.repeat)
    dash_api = timed(
        lambda: manager.get(API + "/totals", params={**week, "group_by": "project,user,day"}),
        args.repeat,
    )
    dash_raw = timed(
        lambda: raw(NOW - 2 * 86400 - 12 * 3600, NOW + 4 * 86400 + 12 * 3600), args.repeat
    )
    rows.append(("/dashboard (this week)", dash, dash_api, dash_raw, 300))
    portal = timed(lambda: viewer.get(f"/portal/projects/{pid}"), args.repeat)
    portal_api = timed(
        lambda: viewer.get(
            API + "/totals", params={**month, "project_id": pid, "group_by": "project,user,day"}
        ),
        args.repeat,
    )
    portal_raw = timed(
        lambda: raw(NOW - 24 * 86400 - 12 * 3600, NOW + 5 * 86400 + 12 * 3600, pid), args.repeat
    )
    rows.append(("/portal/projects/{id} (this month)", portal, portal_api, portal_raw, 200))
    print(
        f"\nserver time, in-process, median of {args.repeat} (ms); API = GET /api/v1/totals "
        "of the same range (cookie session), raw = hand-written GROUP BY"
    )
    print("| page | page ms | API ms | raw SQL ms | target ms | | CPU ms: page | API | raw |")
    print("|---|---|---|---|---|---|---|---|---|")
    for name, p, a, r, target in rows:
        verdict = "PASS" if float(ms(p)) <= target else "FAIL"
        cpu = " | ".join(ms(CPU[id(x)]) for x in (p, a, r))
        print(f"| {name} | {ms(p)} | {ms(a)} | {ms(r)} | ≤ {target} | {verdict} | {cpu} |")
    print(f"load average: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")

    print("\npage sizes (bytes, no images; target ≤ 100 KB)")
    for name, path, c in (
        ("/dashboard", "/dashboard", manager),
        ("/dashboard/members/{id}", f"/dashboard/members/{made['members'][0]}", manager),
        ("/portal/projects/{id}", f"/portal/projects/{pid}", viewer),
    ):
        size = len(c.get(path).content)
        print(f"| {name} | {size:,} | {'PASS' if size <= 100_000 else 'FAIL'} |")
    app.state.tracker.db.dispose()

    proc, base = serve(url, workdir)
    try:
        paths = [
            "/dashboard",
            f"/dashboard/members/{made['members'][1]}",
            "/dashboard?from=2026-11-16&to=2026-11-22",
        ]
        lat0, err0, wall0 = load(base, ["/healthz"], args.sessions, args.per_session, False)
        lat, err, wall = load(base, paths, args.sessions, args.per_session, True)
    finally:
        proc.terminate()
        proc.wait(timeout=20)
    print(
        f"\n{args.sessions} concurrent sessions × {args.per_session} pages over loopback "
        "(tracker-server serve, one worker; the real clock: 'this week' is today's)"
    )
    print("| load | requests | p50 ms | p95 ms | errors | req/s |")
    print("|---|---|---|---|---|---|")
    for name, la, er, wa in (
        ("/healthz (baseline)", lat0, err0, wall0),
        ("pages, signed in", lat, err, wall),
    ):
        print(
            f"| {name} | {len(la)} | {pct(la, 0.5) * 1000:.0f} | {pct(la, 0.95) * 1000:.0f} | "
            f"{er} | {len(la) / wa:.0f} |"
        )


if __name__ == "__main__":
    main()
