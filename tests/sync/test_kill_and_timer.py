"""SIGKILL in the middle of `tracker sync` (push and pull), and one running timer across devices."""

from __future__ import annotations

import random
import subprocess
import sys
import time
from datetime import datetime, timedelta

import pytest
from syncutil import Device, Team, fill_entries, local_entries, server_live, sign_in

T0 = 1_760_000_000  # 2025-10-09


def _fill(d: Device, task_id: str, n: int, first: int = 0) -> None:
    fill_entries(d, [task_id], n, T0 + first * 3600)


def _kill_during_sync(d: Device, rng: random.Random, times: int, more=None) -> int:
    killed = 0
    for _ in range(times):
        if more is not None:
            more()  # fresh work, so every run has something to be killed in
        p = subprocess.Popen([sys.executable, "-m", "tracker", "sync"], env=d.env,
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
        time.sleep(rng.uniform(0.05, 0.3))  # pipelined syncs of 1,500 entries take ~0.4 s
        if p.poll() is None:
            p.kill()
            killed += 1
        p.wait()
    return killed


@pytest.mark.slow
@pytest.mark.timeout(200)
def test_sigkill_mid_sync_then_converge(device, team: Team, server):
    rng = random.Random(7)
    a, b = device("alpha"), device("bravo")
    a.ok("sync")
    b.ok("sync")
    total = 0

    def more() -> None:
        nonlocal total
        _fill(a, team.tasks[0]["id"], 1500, first=total)
        total += 1500

    killed = _kill_during_sync(a, rng, 6, more)
    assert killed >= 3  # it really died in the middle, more than once
    a.ok("sync")
    killed = _kill_during_sync(b, rng, 6)  # now kill the pulling side
    assert killed >= 1
    b.ok("sync")
    http = sign_in(server.url, team.email)
    on_server = server_live(http)
    assert len(on_server) == total == 9000
    for d in (a, b):
        s = d.store()
        try:
            assert local_entries(s) == on_server
            assert s.count_unpushed() == 0
        finally:
            s.close()
    assert a.ok("status", "--json").json()["pending_sync"] == 0


def test_one_running_timer_across_devices(device, team: Team):
    a, b = device("alpha"), device("bravo")
    a.ok("sync")
    b.ok("sync")
    pname = team.project["name"]
    now = datetime.now().astimezone()
    a_start = (now - timedelta(hours=2)).replace(microsecond=0)
    b_start = (now - timedelta(hours=1)).replace(microsecond=0)
    # Both offline: A started two hours ago, B one hour ago; B syncs first.
    ra = a.ok("start", f"{pname}/Task 0", "--at", a_start.isoformat(), "--json").json()
    rb = b.ok("start", f"{pname}/Task 1", "--at", b_start.isoformat(), "--json").json()
    b.ok("sync")
    r = a.ok("sync")
    assert "your timer was stopped at" in r.out
    st = a.ok("status", "--json").json()
    assert st["running"] and st["id"] == rb["id"]  # the newer timer runs here now
    mine = {e["id"]: e for e in a.ok("log", "--json").json()}[ra["id"]]
    assert datetime.fromisoformat(mine["ended_at"]) == b_start
    assert mine["sync_state"] == "synced"
    b.ok("sync")
    assert local_entries(a.store()) == local_entries(b.store())
    # Stopping on A stops the same timer everywhere.
    a.ok("stop")
    a.ok("sync")
    b.ok("sync")
    assert b.ok("status", "--json").json()["running"] is False
