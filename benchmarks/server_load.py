"""Load: ``tracker-server serve --workers 4`` on PostgreSQL, 50 concurrent clients on loopback.

Each client is its own member with its own token (a thread with a keep-alive ``requests``
session) and loops: push a batch of ``--batch`` new intervals on its own timeline, then read
its totals (``GET /totals?group_by=project,day`` over the year). Figures: p50 / p95 / p99 / max
latency of each call, throughput, and errors (any answer but 2xx, or a failed connection: the
target is 0). Baseline in the same run: one client alone doing the same calls (the unloaded
latency). The per-token rate limit stays at its default (it must not touch such clients).

    .venv/bin/python benchmarks/server_load.py                      # 60 s, a throwaway database
    .venv/bin/python benchmarks/server_load.py --seconds 20 --clients 50
    .venv/bin/python benchmarks/server_load.py --database-url postgresql+psycopg://postgres@127.0.0.1/load
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from datetime import UTC, datetime, timedelta
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "tests"), str(ROOT / "tests" / "sync")]

from pgtest import throwaway_database  # noqa: E402
from syncutil import API, PASSWORD, ServerProc, sign_in  # noqa: E402


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    values = sorted(values)
    return values[min(len(values) - 1, round(q / 100 * (len(values) - 1)))]


class Client:
    """One member: pushes batches on its own timeline, reads its totals; records latencies."""

    def __init__(self, base: str, token: str, task_id: str, batch: int, lane: int) -> None:
        self.s = requests.Session()
        self.s.headers["Authorization"] = f"Bearer {token}"
        self.base, self.task_id, self.batch = base + API, task_id, batch
        self.at = datetime(2026, 1, 1, tzinfo=UTC) + timedelta(minutes=lane)
        self.lat: dict[str, list[float]] = {"push": [], "totals": []}
        self.errors: list[str] = []
        self.intervals = 0

    def _call(self, op: str, method: str, path: str, **kw) -> None:
        t = time.perf_counter()
        try:
            r = self.s.request(method, self.base + path, timeout=60, **kw)
            ok = 200 <= r.status_code < 300
            why = f"{op} {r.status_code} {r.text[:100]}"
        except requests.RequestException as exc:
            ok, why = False, f"{op} {type(exc).__name__}"
        self.lat[op].append(time.perf_counter() - t)
        if not ok:
            self.errors.append(why)

    def round(self) -> None:
        import uuid

        items = []
        for _ in range(self.batch):
            end = self.at + timedelta(minutes=25)
            items.append({"id": str(uuid.uuid4()), "task_id": self.task_id,
                          "started_at": self.at.isoformat(), "ended_at": end.isoformat(),
                          "note": "", "source": "timer", "revision": 1, "base_revision": 0,
                          "tz": "Europe/Berlin"})  # fmt: skip
            self.at = end + timedelta(minutes=5)
        self._call("push", "POST", "/intervals/batch", json={"intervals": items})
        self.intervals += self.batch
        self._call("totals", "GET", "/totals", params={"from": "2026-01-01", "to": "2026-12-31",
                   "group_by": "project,day", "tz": "Europe/Berlin"})  # fmt: skip


def setup(server: ServerProc, clients: int) -> tuple[list[str], str]:
    admin = sign_in(server.url, "admin@example.com", "load")
    project = admin.call("POST", "/projects", {"name": "Load"})
    task = admin.call("POST", f"/projects/{project['id']}/tasks", {"title": "Work"})

    def member(i: int) -> str:
        email = f"load{i}-{int(time.time())}@example.com"
        u = admin.call("POST", "/users", {"email": email, "name": f"Load {i}", "role": "member",
                                          "password": PASSWORD})  # fmt: skip
        admin.call("PUT", f"/projects/{project['id']}/members/{u['id']}", {})
        return sign_in(server.url, email, "load").token

    with ThreadPoolExecutor(4) as pool:
        tokens = list(pool.map(member, range(clients + 1)))
    return tokens, task["id"]


def run(args: argparse.Namespace, url: str) -> int:
    root = Path(tempfile.mkdtemp(prefix="tracker-load-"))
    server = ServerProc(root, url)
    server.setup()
    try:
        server.start("--workers", str(args.workers), timeout=300)
        tokens, task_id = setup(server, args.clients)
        alone = Client(server.url, tokens[-1], task_id, args.batch, lane=10_000)
        for _ in range(args.baseline_rounds):
            alone.round()
        pool = [Client(server.url, t, task_id, args.batch, lane=i)
                for i, t in enumerate(tokens[:-1])]  # fmt: skip
        deadline = time.monotonic() + args.seconds

        def loop(c: Client) -> None:
            while time.monotonic() < deadline:
                c.round()

        threads = [threading.Thread(target=loop, args=(c,)) for c in pool]
        t0 = time.perf_counter()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        wall = time.perf_counter() - t0
    finally:
        server.stop()
    print(f"# {args.clients} clients x {args.seconds} s, {args.workers} workers, "
          f"{server.kind}, batches of {args.batch}; baseline: 1 client alone "
          f"x {args.baseline_rounds} rounds")  # fmt: skip
    print(f"{'call':<18}{'n':>7}{'p50 ms':>10}{'p95 ms':>10}{'p99 ms':>10}{'max ms':>10}")
    rows = [("push (alone)", alone.lat["push"]), ("totals (alone)", alone.lat["totals"])]
    for op in ("push", "totals"):
        rows.append((f"{op} (loaded)", [x for c in pool for x in c.lat[op]]))
    for name, lat in rows:
        ms = [x * 1000 for x in lat]
        print(f"{name:<18}{len(ms):>7}{pct(ms, 50):>10.1f}{pct(ms, 95):>10.1f}"
              f"{pct(ms, 99):>10.1f}{max(ms, default=float('nan')):>10.1f}")  # fmt: skip
    calls = sum(len(c.lat["push"]) + len(c.lat["totals"]) for c in pool)
    errors = [e for c in [*pool, alone] for e in c.errors]
    ivs = sum(c.intervals for c in pool)
    print(
        f"throughput: {calls / wall:.0f} calls/s, {ivs / wall:.0f} intervals/s over "
        f"{wall:.1f} s; mean push {statistics.mean(pool[0].lat['push']) * 1000:.0f} ms"
    )
    print(f"errors: {len(errors)}" + (f" (first: {errors[0]})" if errors else ""))
    return 1 if errors else 0


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--database-url", help="an empty PostgreSQL database (default: a throwaway)")
    p.add_argument("--workers", type=int, default=4)
    p.add_argument("--clients", type=int, default=50)
    p.add_argument("--seconds", type=float, default=60)
    p.add_argument("--batch", type=int, default=100)
    p.add_argument("--baseline-rounds", type=int, default=20)
    args = p.parse_args()
    with ExitStack() as stack:
        url = args.database_url or stack.enter_context(throwaway_database("tracker_load"))
        return run(args, url)


if __name__ == "__main__":
    sys.exit(main())
