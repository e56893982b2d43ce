"""The desktop app's start-up, memory and idle cost (issue 5's performance targets).

1. Start to first event-loop turn, with 100k entries in the store, against a bare PySide6 tray
   app (QApplication + QSystemTrayIcon + QMenu) measured in the same run: target ≤ 2×. Wall time
   from spawning the process to the line each prints from a ``QTimer.singleShot(0)``; median of
   ``--runs``.
2. Peak RSS of the app over a few seconds (the first overview of 100k entries loaded): ≤ 120 MB.
3. CPU while a timer runs and the window is hidden (tray icon only), over ``--idle`` seconds
   (60 by default): ≤ 0.3 % of one core. Needs a tray, so it runs under Xvfb + trayer when they
   are installed; otherwise it reports the offscreen case (no tray: the window stays visible).

    .venv/bin/python benchmarks/ui_startup.py [--rows 100000] [--runs 5] [--idle 60] [--quick]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path
from zoneinfo import ZoneInfo

from _common import TempDir, build_db

from tracker.clock import SystemClock
from tracker.service import Tracker

MARK = "event loop running"
BARE = """
import sys
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QMenu, QSystemTrayIcon
from PySide6.QtGui import QIcon, QPixmap
app = QApplication(sys.argv)
menu = QMenu()
menu.addAction("Quit").triggered.connect(app.quit)
pix = QPixmap(22, 22)
pix.fill()
tray = QSystemTrayIcon(QIcon(pix))
tray.setContextMenu(menu)
tray.show()
QTimer.singleShot(0, lambda: print("event loop running", flush=True))
QTimer.singleShot(int(sys.argv[1]), app.quit)
sys.exit(app.exec())
"""


def spawn(cmd: list[str], env: dict[str, str]) -> tuple[float, int, str]:
    """(seconds to the marker line, peak RSS in KiB, output) of one run."""
    t0 = time.perf_counter()
    p = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    first = None
    out = []
    assert p.stdout is not None
    for line in p.stdout:
        out.append(line)
        if first is None and MARK in line:
            first = time.perf_counter() - t0
    _, status, usage = os.wait4(p.pid, 0)
    p.returncode = os.waitstatus_to_exitcode(status)
    if first is None or p.returncode != 0:
        raise SystemExit(f"{cmd} failed ({p.returncode}):\n{''.join(out)}")
    return first, usage.ru_maxrss, "".join(out)


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class Display:
    """Xvfb + trayer (a real tray, the app's normal case) when installed, else offscreen."""

    def __init__(self, env: dict[str, str]) -> None:
        self.env = dict(env)
        self.procs: list[subprocess.Popen] = []
        self.where = "offscreen, no tray: the window shows"

    def __enter__(self) -> Display:
        if shutil.which("Xvfb") and shutil.which("trayer"):
            display = ":93"
            self.procs.append(subprocess.Popen(
                ["Xvfb", display, "-screen", "0", "1280x800x24", "-nolisten", "tcp"],
                stderr=subprocess.DEVNULL))  # fmt: skip
            time.sleep(0.5)
            self.env.update(DISPLAY=display, QT_QPA_PLATFORM="xcb",
                            DBUS_SESSION_BUS_ADDRESS="disabled:")  # fmt: skip
            tray = ["trayer", "--edge", "top", "--align", "right"]
            self.procs.append(subprocess.Popen(tray, env=self.env, stderr=subprocess.DEVNULL))
            time.sleep(1.0)
            self.where = "Xvfb + trayer: tray icon, window hidden"
        return self

    def __exit__(self, *exc: object) -> None:
        for p in reversed(self.procs):
            p.terminate()
            p.wait(5)


def idle_cpu(data: Path, env: dict[str, str], seconds: float) -> float:
    """Percent of one core used by the app over ``seconds`` with a running timer."""
    env = {**env, "TRACKER_APP_EXIT_AFTER_MS": str(int((seconds + 10) * 1000))}
    app = subprocess.Popen([sys.executable, "-m", "tracker", "--data-dir", str(data)], env=env,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    try:
        time.sleep(5)  # start-up and the first overview
        c0, t0 = cpu_seconds(app.pid), time.monotonic()
        time.sleep(seconds)
        c1, t1 = cpu_seconds(app.pid), time.monotonic()
    finally:
        app.terminate()
        app.wait(10)
    return 100 * (c1 - c0) / (t1 - t0)


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=100_000)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--idle", type=float, default=60.0)
    ap.add_argument("--quick", action="store_true", help="fewer runs, 10 s idle")
    args = ap.parse_args()
    if args.quick:
        args.runs, args.idle = 3, 10.0
    with TempDir("tracker-ui-bench-") as root:
        data = root / "data"
        store, _cat, _ = build_db(data, args.rows)
        Tracker(store, SystemClock(), ZoneInfo("Europe/Berlin")).start(store.list_tasks()[0].id)
        store.close()
        base = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "TZ": "Europe/Berlin",
                "TRACKER_LOG_DIR": str(root / "logs"), "XDG_RUNTIME_DIR": str(root)}  # fmt: skip
        base.pop("DISPLAY", None)
        bare_cmd = [sys.executable, "-c", BARE, "0"]
        app_cmd = [sys.executable, "-m", "tracker", "--data-dir", str(data)]
        bare, app, rss = [], [], []
        with Display(base) as screen:
            env = screen.env
            spawn(app_cmd, {**env, "TRACKER_APP_EXIT_AFTER_MS": "0"})  # warm the page cache
            for _ in range(args.runs):
                bare.append(spawn(bare_cmd, env)[0])
                app.append(spawn(app_cmd, {**env, "TRACKER_APP_EXIT_AFTER_MS": "0"})[0])
            for _ in range(2):  # peak RSS over 3 s: the 100k-entry overview is loaded by then
                rss.append(spawn(app_cmd, {**env, "TRACKER_APP_EXIT_AFTER_MS": "3000"})[1])
            bare_rss = spawn([sys.executable, "-c", BARE, "3000"], env)[1]
            cpu = idle_cpu(data, env, args.idle)
            where = screen.where

    b, a = statistics.median(bare), statistics.median(app)
    print(f"UI start-up with {args.rows:,} entries (median of {args.runs}; {where})")
    print(f"  bare PySide6 tray app   {b * 1000:7.0f} ms to the first event-loop turn")
    print(f"  tracker app             {a * 1000:7.0f} ms   ratio {a / b:.2f}×   (target ≤ 2×)")
    print(f"  peak RSS                {max(rss) / 1024:7.1f} MB   (bare app {bare_rss / 1024:.1f}"
          " MB; target ≤ 120 MB)")  # fmt: skip
    print(f"  idle CPU, timer running {cpu:7.3f} %    over {args.idle:.0f} s (target ≤ 0.3 %)")
    ok = a / b <= 2 and max(rss) / 1024 <= 120 and cpu <= 0.3
    print("  all targets met" if ok else "  TARGET MISSED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
