"""`tracker sync` as a whole process against a real `tracker-server serve` (SQLite) on loopback.

* push: N offline entries (default 10k, target median ≤ 1 s) to a fresh server — a new server
  (init, admin, member, project, task) for every run, the profile rebuilt too;
* the same once with 100k (reported, no target);
* no-op: a sync with nothing changed (target median ≤ 150 ms).

The `tracker` package is byte-compiled first (``compileall``), as an installed copy is: a
checkout run with PYTHONDONTWRITEBYTECODE=1 would otherwise compile every edited module from
source in every process (~30 ms) and measure that instead of the sync.

    .venv/bin/python benchmarks/sync_bench.py [--rows 10000] [--runs 5] [--big 100000] [--quick]
        [--postgres]   (the server on PostgreSQL at 127.0.0.1:5432, a fresh database per server)
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from contextlib import contextmanager
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests" / "sync"))

from syncutil import Device, ServerProc, fill_entries, make_team, server_live, sign_in

T0 = 1_700_000_000
PG_ADMIN = os.environ.get(
    "TRACKER_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
POSTGRES = False  # --postgres


def _fill(d: Device, task_id: str, n: int) -> None:
    fill_entries(d, [task_id], n, T0)


@contextmanager
def _database():
    """None (SQLite in the server's data dir), or a fresh PostgreSQL database's URL."""
    if not POSTGRES:
        yield None
        return
    import psycopg
    from sqlalchemy.engine import make_url

    libpq = PG_ADMIN.replace("postgresql+psycopg://", "postgresql://", 1)
    name = f"tracker_bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(libpq, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield make_url(PG_ADMIN).set(database=name).render_as_string(hide_password=False)
    finally:
        with psycopg.connect(libpq, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _timed_sync(d: Device) -> float:
    t = time.perf_counter()
    p = subprocess.run([sys.executable, "-m", "tracker", "sync"], env=d.env,
                       capture_output=True, text=True)  # fmt: skip
    took = time.perf_counter() - t
    assert p.returncode == 0, p.stderr
    return took


def push_run(root: Path, n: int) -> tuple[float, float]:
    """(seconds of the push sync, seconds of a following no-op sync)."""
    with _database() as url:
        return _push_run(root, n, url)


def _push_run(root: Path, n: int, url: str | None) -> tuple[float, float]:
    server = ServerProc(root, url)
    server.setup()
    server.start()
    try:
        team = make_team(server, tasks=1)
        http = sign_in(server.url, team.email, "bench")
        d = Device(root, "desk", server.url, http.token)
        d.ok("sync")  # projects and tasks (the desktop has them before working offline)
        _fill(d, team.tasks[0]["id"], n)
        took = _timed_sync(d)
        assert len(server_live(http)) == n
        noop = _timed_sync(d)
        return took, noop
    finally:
        server.stop()


def noop_runs(root: Path, runs: int) -> list[float]:
    with _database() as url:
        return _noop_runs(root, runs, url)


def _noop_runs(root: Path, runs: int, url: str | None) -> list[float]:
    server = ServerProc(root, url)
    server.setup()
    server.start()
    try:
        team = make_team(server, tasks=1)
        d = Device(root, "desk", server.url, sign_in(server.url, team.email, "bench").token)
        _fill(d, team.tasks[0]["id"], 0)
        d.ok("sync")
        _fill(d, team.tasks[0]["id"], 1000)
        d.ok("sync")
        for _ in range(2):
            _timed_sync(d)
        return [_timed_sync(d) for _ in range(runs)]
    finally:
        server.stop()


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=10_000)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--big", type=int, default=100_000)
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--postgres", action="store_true", help="the server on PostgreSQL")
    args = ap.parse_args()
    global POSTGRES
    POSTGRES = args.postgres
    print(f"server database: {'PostgreSQL' if POSTGRES else 'SQLite'}")
    if args.quick:
        args.rows, args.runs, args.big = 2_000, 3, 0
    pkg = Path(__file__).resolve().parent.parent / "tracker"
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(pkg)], check=True,
                   stdout=subprocess.DEVNULL)  # fmt: skip
    with tempfile.TemporaryDirectory(prefix="tracker-bench-sync-") as tmp:
        root = Path(tmp)
        pushes = [push_run(root / f"push{i}", args.rows)[0] for i in range(args.runs)]
        med = statistics.median(pushes)
        print(f"push {args.rows:,} offline entries, whole `tracker sync` process, "
              f"{args.runs} fresh servers: median {med * 1000:.0f} ms, min "
              f"{min(pushes) * 1000:.0f}, max {max(pushes) * 1000:.0f}  "
              f"[{'PASS' if med <= 1.0 else 'FAIL'} ≤ 1 s]")  # fmt: skip
        if args.big:
            took, _ = push_run(root / "big", args.big)
            print(f"push {args.big:,} offline entries: {took:.2f} s ({args.big / took:,.0f}/s)")
        noops = noop_runs(root / "noop", 10 if not args.quick else 5)
        med = statistics.median(noops)
        print(f"no-op `tracker sync` (1,000 entries synced), {len(noops)} runs: median "
              f"{med * 1000:.0f} ms, min {min(noops) * 1000:.0f}, max {max(noops) * 1000:.0f}  "
              f"[{'PASS' if med <= 0.15 else 'FAIL'} ≤ 150 ms]")  # fmt: skip
        base = [0.0] * 5
        for i in range(5):
            t = time.perf_counter()
            subprocess.run([sys.executable, "-c", "pass"], check=True)
            base[i] = time.perf_counter() - t
        print(f"(python -c pass: median {statistics.median(base) * 1000:.0f} ms)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
