"""`tracker import` of a 100,000-row Toggl Track CSV and `tracker day`, as whole processes.

Requirements: the import ≤ 5 s; `tracker day` ≤ 150 ms (median). Baselines measured in the same
run: reading the same file with the csv module alone (the floor of any import), `python -c
pass`, and `tracker status` on the same database.

    .venv/bin/python benchmarks/bench_import_day.py            # 100k rows, 15 runs of day
    .venv/bin/python benchmarks/bench_import_day.py --quick    # 10k rows
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import os
import random
import resource
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import _common as c

VENV_BIN = Path(sys.executable).parent
TRACKER = VENV_BIN / "tracker"
IMPORT_LIMIT_S = 5.0
DAY_LIMIT_MS = 150.0
TZ = "Europe/Berlin"
HEADER = ["User", "Email", "Client", "Project", "Task", "Description", "Billable",
          "Start date", "Start time", "End date", "End time", "Duration", "Tags",
          "Amount (EUR)"]  # fmt: skip


def toggl_csv(rows: int, seed: int = 7) -> tuple[bytes, str]:
    """A Toggl Track detailed report: one user's working days, back to back, 30 projects and
    200 tasks, descriptions with commas and quotes. Returns the file and its last day."""
    rng = random.Random(seed)
    tz = ZoneInfo(TZ)
    projects = [(f"Client {i % 7}", f"Project {i:02d}") for i in range(30)]
    tasks = [f"Task {i:03d}" for i in range(200)]
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(HEADER)
    t = datetime(2003, 1, 6, 8, 0, tzinfo=tz)  # 100k rows end in 2024: none in the future
    for i in range(rows):
        if t.hour >= 18:
            t = (t + timedelta(days=1)).replace(hour=8, minute=0, second=0)
        if t.weekday() >= 5:
            t = (t + timedelta(days=7 - t.weekday())).replace(hour=8, minute=0, second=0)
        n = rng.randint(5, 55) * 60 + rng.randint(0, 59)
        end = t + timedelta(seconds=n)
        client, project = projects[rng.randrange(len(projects))]
        task = tasks[rng.randrange(len(tasks))] if rng.random() < 0.7 else ""
        desc = f'Item {i % 997}, "part" {i % 13}'
        w.writerow(["Ana Lima", "ana@example.com", client, project, task, desc, "Yes",
                    f"{t:%Y-%m-%d}", f"{t:%H:%M:%S}", f"{end:%Y-%m-%d}", f"{end:%H:%M:%S}",
                    f"{n // 3600:02d}:{n % 3600 // 60:02d}:{n % 60:02d}", "", "10.00"])  # fmt: skip
        t = end + timedelta(seconds=rng.randint(0, 600))
    return b"\xef\xbb\xbf" + buf.getvalue().encode(), f"{t:%Y-%m-%d}"


def _child_cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


#: CPU seconds (user + system) of the last process :func:`run` ran: on the shared 2-core
#: machine wall time follows the load, CPU time much less.
last_cpu = 0.0


def run(cmd: list[str], env: dict[str, str]) -> tuple[float, str]:
    global last_cpu
    c0, t0 = _child_cpu(), time.perf_counter()
    p = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)
    wall = time.perf_counter() - t0
    last_cpu = _child_cpu() - c0
    if p.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed ({p.returncode}): {p.stderr.strip()}")
    return wall, p.stdout


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=100_000)
    ap.add_argument("--runs", type=int, default=15)
    ap.add_argument("--quick", action="store_true")
    args = ap.parse_args()
    rows = 10_000 if args.quick else args.rows
    c.header(f"tracker import ({rows:,} Toggl rows) and tracker day")
    print("load average at the start: " + " ".join(f"{x:.2f}" for x in os.getloadavg()))
    env = {**os.environ, "TZ": TZ}
    with c.TempDir("tracker-bench-import-") as tmp:
        data, last_day = toggl_csv(rows)
        path = tmp / "toggl.csv"
        path.write_bytes(data)
        print(f"file: {len(data) / 1e6:.1f} MB, last day {last_day}\n")

        # floor: the csv module reading the file, in this process
        def read_only() -> int:
            return sum(1 for _ in csv.reader(io.StringIO(data.decode("utf-8-sig"))))

        floor = c.median(c.time_it(read_only, 3))
        dd = ["--data-dir", str(tmp / "data")]
        first, out = run([str(TRACKER), *dd, "--json", "import", "--format", "toggl", str(path)],
                         env)  # fmt: skip
        first_cpu = last_cpu
        added = json.loads(out)["added"]
        again, out2 = run([str(TRACKER), *dd, "--json", "import", "--format", "toggl", str(path)],
                          env)  # fmt: skip
        again_cpu = last_cpu
        second = json.loads(out2)
        assert added == rows, f"imported {added} of {rows}"
        assert second["added"] == 0 and second["already_imported"] == rows, second
        print(c.table(
            ["case", "s", "CPU s", "of the csv floor", f"≤ {IMPORT_LIMIT_S:.0f} s"],
            [["csv module reads the file (floor)", f"{floor:.2f}", "", "1.0", ""],
             ["`tracker import`, new data dir", f"{first:.2f}", f"{first_cpu:.2f}",
              f"{first / floor:.1f}", "PASS" if first <= IMPORT_LIMIT_S else "FAIL"],
             ["`tracker import` again (adds nothing)", f"{again:.2f}", f"{again_cpu:.2f}",
              f"{again / floor:.1f}", "PASS" if again <= IMPORT_LIMIT_S else "FAIL"]],
        ))  # fmt: skip
        print()

        def timed(cmd: list[str]) -> tuple[list[float], list[float]]:
            run(cmd, env)  # warm-up
            run(cmd, env)
            wall, cpu = [], []
            for _ in range(args.runs):
                wall.append(run(cmd, env)[0] * 1000)
                cpu.append(last_cpu * 1000)
            return wall, cpu

        cases = [
            ("`python -c pass` (floor)", [sys.executable, "-c", "pass"]),
            ("`tracker status`", [str(TRACKER), *dd, "status"]),
            ("`tracker day` (last imported day)", [str(TRACKER), *dd, "day", "--date", last_day]),
            ("`tracker day --json`", [str(TRACKER), *dd, "--json", "day", "--date", last_day]),
        ]
        table = []
        floor_ms = 0.0
        for name, cmd in cases:
            ms, cpu = timed(cmd)
            floor_ms = floor_ms or c.median(ms)
            ok = "" if "day" not in name else ("PASS" if c.median(ms) <= DAY_LIMIT_MS else "FAIL")
            table.append([name, f"{c.median(ms):.0f}", f"{c.pct(ms, 0.9):.0f}",
                          f"{c.median(cpu):.0f}", f"{c.median(ms) / floor_ms:.1f}",
                          ok])  # fmt: skip
        print(c.table(["case", "median ms", "p90 ms", "CPU ms", "of the floor",
                       f"≤ {DAY_LIMIT_MS:.0f} ms"], table))  # fmt: skip
        doc = json.loads(run([str(TRACKER), *dd, "--json", "day", "--date", last_day], env)[1])
        parts = sum(doc[k] for k in doc if k.endswith("_seconds") and k != "span_seconds")
        assert parts == doc["span_seconds"], doc
        print(
            f"\nday {last_day}: span {doc['span_seconds']} s = the parts ({len(doc['gaps'])} gaps)"
        )
        print(f"(measured {datetime.now(UTC):%H:%M} UTC; load average at the end: "
              + " ".join(f"{x:.2f}" for x in os.getloadavg()) + ")")  # fmt: skip


if __name__ == "__main__":
    main()
