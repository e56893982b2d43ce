"""The tray app killed with SIGKILL at random moments while it tracks, with capture on (Xvfb).

A private 24-bit Xvfb (tests/x11/capture_x11util.py) with trayer as the tray host; a data dir
with a running timer; then ``--kills`` times: start the real app (``tracker``, PySide6 on xcb,
the real capture backends: pynput input counts, MIT-SCREEN-SAVER idle, mss), wait until it has
written its first heartbeat, let it run a random 1 s to ``--max-wait`` s while xdotool types
and moves the pointer, SIGKILL it, and check:

- every SQLite file in the data dir passes ``PRAGMA integrity_check``;
- the timer is still running (the same entry, no end);
- heartbeats lost: ``floor((kill - last stored beat) / interval)`` — target ≤ 1;
- activity slots never decrease (nothing stored is lost).

Baseline in the same run: one graceful stop (SIGTERM) measured the same way.

    .venv/bin/python benchmarks/app_kill.py                   # 100 kills (~1 h on two cores)
    .venv/bin/python benchmarks/app_kill.py --kills 5 --max-wait 40
"""

from __future__ import annotations

import argparse
import math
import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "tests" / "x11")]

from capture_x11util import private_xvfb  # noqa: E402

HEARTBEAT = 30  # the default interval


def tracker(env: dict, *args: str) -> str:
    p = subprocess.run([sys.executable, "-m", "tracker", *args], env=env, capture_output=True,
                       text=True, timeout=120)  # fmt: skip
    if p.returncode != 0:
        sys.exit(f"tracker {' '.join(args)} failed: {p.stderr.strip()}")
    return p.stdout


def state(data: Path) -> dict:
    """Integrity of every SQLite file, the running entry, its last beat, activity slots."""
    out = {"whole": True, "problems": []}
    for f in sorted(data.rglob("*.sqlite3")):
        c = sqlite3.connect(f"file:{f}?mode=ro", uri=True, timeout=30)
        try:
            ok = c.execute("PRAGMA integrity_check").fetchone()[0]
        finally:
            c.close()
        if ok != "ok":
            out["whole"] = False
            out["problems"].append(f"{f.name}: {ok}")
    c = sqlite3.connect(f"file:{data / 'tracker.sqlite3'}?mode=ro", uri=True, timeout=30)
    try:
        running = c.execute(
            "SELECT id, heartbeat_at FROM intervals WHERE ended_at IS NULL AND deleted = 0"
        ).fetchall()
        names = {r[0] for r in c.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        slots = (c.execute("SELECT count(*) FROM activity_slots").fetchone()[0]
                 if "activity_slots" in names else 0)  # fmt: skip
    finally:
        c.close()
    out["running"] = [r[0] for r in running]
    out["beat"] = running[0][1] if running else None
    out["slots"] = slots
    return out


def launch(env: dict, log) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "tracker"], env=env, stdout=log,
                            stderr=subprocess.STDOUT)  # fmt: skip


def wait_for_beat(data: Path, after: float, proc: subprocess.Popen, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and proc.poll() is None:
        beat = state(data)["beat"]
        if beat is not None and beat >= int(after):
            return True
        time.sleep(0.25)
    return False


def jiggle(display: str, rng: random.Random) -> None:
    env = {**os.environ, "DISPLAY": display}
    x, y = rng.randrange(100, 1100), rng.randrange(100, 700)
    subprocess.run(["xdotool", "mousemove", str(x), str(y), "key", "shift"], env=env,
                   timeout=10, check=False)  # fmt: skip


def one_run(env, data, display, rng, max_wait, sig, log) -> dict:
    started = time.time()
    proc = launch(env, log)
    try:
        if not wait_for_beat(data, started, proc, timeout=180):
            return {"ready": False}
        wait = rng.uniform(1, max_wait)
        end = time.monotonic() + wait
        while time.monotonic() < end:
            jiggle(display, rng)
            time.sleep(min(1.0, max(0.0, end - time.monotonic())))
        proc.send_signal(sig)
        killed_at = time.time()
        proc.wait(30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    s = state(data)
    s["ready"] = True
    s["lost"] = math.floor((killed_at - s["beat"]) / HEARTBEAT) if s["beat"] else None
    s["waited"] = wait
    return s


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--kills", type=int, default=100)
    p.add_argument("--max-wait", type=float, default=75, help="seconds the app runs at most")
    p.add_argument("--seed", type=int, default=7)
    args = p.parse_args()
    for tool in ("Xvfb", "xdotool"):
        if shutil.which(tool) is None:
            sys.exit(f"{tool} is missing (scripts/ensure-system.sh installs it)")
    rng = random.Random(args.seed)
    root = Path(tempfile.mkdtemp(prefix="tracker-kill-"))
    data = root / "data"
    with private_xvfb(1280, 800, 24) as display:
        env = {**os.environ, "DISPLAY": display, "QT_QPA_PLATFORM": "xcb",
               "TRACKER_DATA_DIR": str(data), "TRACKER_LOG_DIR": str(root / "logs"),
               "TZ": "Europe/Berlin"}  # fmt: skip
        env.pop("WAYLAND_DISPLAY", None)
        tray = None
        if shutil.which("trayer"):
            tray = subprocess.Popen(
                ["trayer", "--edge", "top", "--align", "right"], env=env,
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            )  # fmt: skip
        tracker(env, "project", "add", "Work")
        tracker(env, "task", "add", "Work", "Build")
        tracker(env, "start", "Work/Build")
        entry = state(data)["running"]
        log = open(root / "app.log", "ab")  # noqa: SIM115
        results = []
        try:
            baseline = one_run(env, data, display, rng, args.max_wait, signal.SIGTERM, log)
            slots = baseline.get("slots", 0)
            for i in range(args.kills):
                r = one_run(env, data, display, rng, args.max_wait, signal.SIGKILL, log)
                r["slots_kept"] = r.get("slots", 0) >= slots
                slots = max(slots, r.get("slots", 0))
                results.append(r)
                print(f"kill {i + 1}: after {r.get('waited', 0):.1f} s; whole {r.get('whole')}, "
                      f"running {r.get('running') == entry}, heartbeats lost {r.get('lost')}, "
                      f"slots {r.get('slots')}", flush=True)  # fmt: skip
        finally:
            log.close()
            if tray:
                tray.terminate()
                tray.wait(5)
    ok = [r for r in results if r["ready"] and r["whole"] and r["running"] == entry
          and r["lost"] is not None and r["lost"] <= 1 and r["slots_kept"]]  # fmt: skip
    lost = [r["lost"] for r in results if r.get("lost") is not None]
    print(
        f"# {len(results)} SIGKILLs at 1-{args.max_wait:.0f} s, heartbeat {HEARTBEAT} s, "
        f"Xvfb {display}"
    )
    print(
        f"baseline (SIGTERM): whole {baseline.get('whole')}, running "
        f"{baseline.get('running') == entry}, heartbeats lost {baseline.get('lost')}"
    )
    print(
        f"SIGKILL: {len(ok)}/{len(results)} runs whole, still running, <= 1 heartbeat lost; "
        f"heartbeats lost max {max(lost, default=None)}, total {sum(lost)}; "
        f"app never ready: {sum(not r['ready'] for r in results)}"
    )
    if len(ok) != len(results):
        print(f"FAIL (app log: {root / 'app.log'})")
        return 1
    shutil.rmtree(root, ignore_errors=True)
    print("PASS")
    return 0


if __name__ == "__main__":
    sys.exit(main())
