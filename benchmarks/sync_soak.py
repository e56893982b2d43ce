"""Sync soak: 3 devices of one user for ``--minutes`` through a proxy breaking 30 % of requests.

A real ``tracker-server serve`` (SQLite, or ``--database-url``) behind tests/sync/faultproxy.py
(dropped requests and responses, 500/502/503, stalls past the client's timeout). Each round,
every device adds entries on its own time lane and edits, moves (another task), splits and
deletes some of its own, then syncs through the proxy; the devices pull each other's work.
When the time is up the faults stop and a few clean rounds must converge: the server and every
device hold exactly the union of the devices' live entries — 0 lost, 0 duplicated, every
deletion applied, nothing left unpushed. Baseline in the same run: the same work synced with
the proxy off for a few rounds first (requests per sync without faults).

    .venv/bin/python benchmarks/sync_soak.py                 # 30 minutes
    .venv/bin/python benchmarks/sync_soak.py --minutes 3 --rate 0.3
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "tests"), str(ROOT / "tests" / "sync")]

from faultproxy import FaultProxy  # noqa: E402
from syncutil import Device, ServerProc, local_entries, make_team, server_live, sign_in  # noqa: E402

from tracker.clock import FixedClock  # noqa: E402
from tracker.service import Tracker  # noqa: E402
from tracker.sync.errors import SyncError  # noqa: E402
from tracker.sync.transport import Backoff  # noqa: E402

BERLIN = ZoneInfo("Europe/Berlin")
T0 = datetime(2020, 1, 6, 7, 0, tzinfo=UTC)  # room for ~3,400 rounds before the fixed clock
FAST = {"connect_timeout": 1.0, "read_timeout": 1.5,
        "backoff": Backoff(base=0.02, cap=0.3, attempts=4, budget=2.0),
        "engine_kw": {"batch_size": 50, "page_size": 200}}  # fmt: skip
CLEAN = {**FAST, "connect_timeout": 10.0, "read_timeout": 60.0}


class Lane:
    """One device's own entries: a time lane no other device uses (one user, no overlaps)."""

    def __init__(self, device: Device, k: int, tasks: list[str], rng: random.Random) -> None:
        self.d, self.k, self.tasks, self.rng = device, k, tasks, rng
        self.slot = 0
        self.mine: set[str] = set()
        self.ops = {"add": 0, "edit": 0, "move": 0, "split": 0, "delete": 0}

    def work(self, adds: int) -> None:
        s = self.d.store()
        try:
            svc = Tracker(s, FixedClock(datetime(2026, 11, 25, 12, tzinfo=UTC)), BERLIN)
            for _ in range(adds):
                start = T0 + timedelta(hours=3 * self.slot + self.k)
                self.slot += 1
                e = svc.add(self.rng.choice(self.tasks), start=start,
                            end=start + timedelta(minutes=50))  # fmt: skip
                self.mine.add(e.id)
                self.ops["add"] += 1
            live = sorted(set(local_entries(s)) & self.mine)
            for iid in self.rng.sample(live, min(len(live), 4)):
                op = self.rng.choice(("edit", "move", "split", "delete"))
                e = svc.entry(iid)
                if op == "edit":
                    if (e.ended_at - e.started_at) < timedelta(minutes=6):
                        continue  # edited and split down to a few minutes: leave it
                    shorter = e.ended_at - timedelta(minutes=self.rng.randrange(1, 5))
                    svc.edit(iid, note=f"n{self.rng.randrange(10**6)}", end=shorter)
                elif op == "move":
                    svc.edit(
                        iid, task_ref=self.rng.choice([t for t in self.tasks if t != e.task_id])
                    )
                elif op == "split":
                    if (e.ended_at - e.started_at) < timedelta(minutes=10):
                        continue
                    _, second = svc.split(iid, e.started_at + (e.ended_at - e.started_at) / 2)
                    self.mine.add(second.id)
                else:
                    svc.delete(iid)
                self.ops[op] += 1
        finally:
            s.close()

    def expected(self) -> dict[str, tuple]:
        s = self.d.store()
        try:
            return {i: v for i, v in local_entries(s).items() if i in self.mine}
        finally:
            s.close()


def sync(lanes: list[Lane], url: str, kw: dict) -> int:
    failed = 0
    for lane in lanes:
        try:
            lane.d.engine_sync(url, **kw)
        except SyncError:
            failed += 1
    return failed


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--minutes", type=float, default=30)
    p.add_argument("--rate", type=float, default=0.3, help="share of requests that meet a fault")
    p.add_argument("--adds", type=int, default=5, help="new entries per device per round")
    p.add_argument("--database-url")
    p.add_argument("--seed", type=int, default=12)
    args = p.parse_args()
    root = Path(tempfile.mkdtemp(prefix="tracker-soak-"))
    server = ServerProc(root / "server", args.database_url)
    server.setup()
    server.start(timeout=300)
    rng = random.Random(args.seed)
    proxy = FaultProxy(server.port, rate=args.rate, stall_seconds=1.8, seed=args.seed).start()
    try:
        team = make_team(server, tasks=4)
        tasks = [t["id"] for t in team.tasks]
        lanes = []
        for k, name in enumerate(("laptop", "desktop", "travel")):
            d = Device(root, name, server.url, sign_in(server.url, team.email, name).token)
            d.engine_sync()
            lanes.append(Lane(d, k, tasks, random.Random(rng.random())))
        # baseline: a few rounds with the proxy faithful
        proxy.enabled = False
        before = proxy.requests
        for lane in lanes:
            lane.work(args.adds)
        sync(lanes, proxy.url, CLEAN)
        baseline_requests = (proxy.requests - before) / len(lanes)
        proxy.enabled = True
        rounds = failed = 0
        deadline = time.monotonic() + args.minutes * 60
        while time.monotonic() < deadline:
            for lane in lanes:
                lane.work(args.adds)
            failed += sync(lanes, proxy.url, FAST)
            rounds += 1
        proxy.enabled = False
        for _ in range(3):
            assert sync(lanes, proxy.url, CLEAN) == 0, "a clean sync failed"
        faults = dict(proxy.faults)
    finally:
        proxy.stop()
        server_ok = server.proc is not None
    try:
        expected: dict[str, tuple] = {}
        for lane in lanes:
            expected.update(lane.expected())
        on_server = server_live(sign_in(server.url, team.email))
        lost = len(set(expected) - set(on_server))
        extra = len(set(on_server) - set(expected))
        differ = sum(1 for i in expected if i in on_server and on_server[i] != expected[i])
        devices_equal = all(local_entries_of(lane.d) == expected for lane in lanes)
        starts = [v[1] for v in on_server.values()]
        unpushed = sum(count_unpushed(lane.d) for lane in lanes)
    finally:
        server.stop()
    ops = {k: sum(lane.ops[k] for lane in lanes) for k in lanes[0].ops}
    print(
        f"# {args.minutes} min at {args.rate:.0%} faults, {rounds} rounds x 3 devices, "
        f"{server.kind} (server up: {server_ok})"
    )
    print(f"operations: {ops}")
    print(f"faults injected: {sum(faults.values())} {faults}; syncs that gave up: {failed}")
    print(f"baseline (no faults): {baseline_requests:.1f} requests per device sync")
    print(
        f"entries: expected {len(expected)}, on server {len(on_server)}; lost {lost}, "
        f"duplicated {extra + len(starts) - len(set(starts))}, differing {differ}; "
        f"devices equal to the server: {devices_equal}; unpushed {unpushed}"
    )
    ok = (
        not (lost or extra or differ or unpushed)
        and devices_equal
        and len(starts) == len(set(starts))
    )
    print("PASS" if ok else "FAIL")
    return 0 if ok else 1


def local_entries_of(d: Device) -> dict[str, tuple]:
    s = d.store()
    try:
        return local_entries(s)
    finally:
        s.close()


def count_unpushed(d: Device) -> int:
    s = d.store()
    try:
        return s.count_unpushed()
    finally:
        s.close()


if __name__ == "__main__":
    sys.exit(main())
