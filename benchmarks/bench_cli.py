"""`tracker status` and `tracker start` as whole processes on a database of 100k intervals.

Requirement: median ≤ 200 ms each. Also checks that the command line imports no PySide6,
requests, mss or pynput.

    .venv/bin/python benchmarks/bench_cli.py            # 100k intervals, 20 runs per case
    .venv/bin/python benchmarks/bench_cli.py --quick    # 10k intervals
    .venv/bin/python benchmarks/bench_cli.py --all-local  # every project local (worst case
                                                          # for the pending-sync count)
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

import _common as c

VENV_BIN = Path(sys.executable).parent
TRACKER = VENV_BIN / "tracker"
PYTHON = VENV_BIN / "python"
HEAVY = ("PySide6", "requests", "mss", "pynput")
LIMIT_MS = 200.0
TARGETED = ("status, idle", "start", "status, timer")  # the cases the target applies to

_PROBE = """
import runpy, sys
sys.argv = ["tracker", *sys.argv[1:]]
try:
    runpy.run_module("tracker", run_name="__main__", alter_sys=True)
except SystemExit as exc:
    code = exc.code
else:
    code = 0
heavy = sorted({m.split(".")[0] for m in sys.modules} & HEAVY)
sys.stderr.write(f"PROBE exit={code} modules={len(sys.modules)} "
                 f"sqlite_utils={'sqlite_utils' in sys.modules} heavy={','.join(heavy) or '-'}\\n")
""".replace("HEAVY", repr(set(HEAVY)))


def run_once(cmd: list[str], env: dict[str, str]) -> tuple[float, float, int, str]:
    """(wall s, user+sys CPU s, exit code, stdout) of one whole process."""
    cpu0, _ = c.children_rusage()
    t0 = time.perf_counter()
    p = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)
    wall = time.perf_counter() - t0
    cpu1, _ = c.children_rusage()
    if p.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed ({p.returncode}): {p.stderr.strip()}")
    return wall, cpu1 - cpu0, p.returncode, p.stdout


def measure(
    name: str,
    make_cmd,
    env: dict[str, str],
    runs: int,
    warmup: int = 2,
    new_second: bool = False,
) -> list[object]:
    """One table row, the median as a float. ``new_second``: start each run in a later
    wall-clock second than the end of the previous one (so each `start` stops the other timer
    rather than discarding it)."""
    walls, cpus = [], []
    last_end = 0.0
    for k in range(warmup + runs):
        while new_second and int(time.time()) <= int(last_end):
            time.sleep(0.01)
        wall, cpu, _, _ = run_once(make_cmd(k), env)
        last_end = time.time()
        if k >= warmup:
            walls.append(wall)
            cpus.append(cpu)
    ms = [w * 1000 for w in walls]
    return [
        name,
        c.median(ms),
        f"{c.pct(ms, 0.9):.0f}",
        f"{min(ms):.0f}",
        f"{max(ms):.0f}",
        f"{c.median(cpus) * 1000:.0f}",
    ]


def probe(args: list[str], env: dict[str, str]) -> str:
    p = subprocess.run(
        [str(PYTHON), "-c", _PROBE, *args], env=env, capture_output=True, text=True, check=False
    )
    line = [x for x in p.stderr.splitlines() if x.startswith("PROBE")]
    return line[-1] if line else f"probe failed: {p.stderr.strip()[-300:]}"


def import_profile(args: list[str], env: dict[str, str], top: int = 8) -> list[list[object]]:
    """The top-level imports with the largest cumulative time (`python -X importtime`)."""
    p = subprocess.run(
        [str(PYTHON), "-X", "importtime", "-m", "tracker", *args],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    rows = []
    for line in p.stderr.splitlines():
        if not line.startswith("import time:") or "|" not in line or "cumulative" in line:
            continue
        _, cum_us, raw = line.split(":", 1)[1].split("|")
        if raw.startswith(" ") and not raw.startswith("  "):  # nested imports are indented
            rows.append((int(cum_us), raw.strip()))
    rows.sort(reverse=True)
    total = sum(u for u, _ in rows)
    out: list[list[object]] = [[n, f"{u / 1000:.1f}"] for u, n in rows[:top]]
    out.append(["(all top-level imports)", f"{total / 1000:.1f}"])
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=100_000, help="intervals (default 100k)")
    ap.add_argument("--quick", action="store_true", help="10x fewer rows")
    ap.add_argument("--runs", type=int, default=20, help="timed runs per case (default 20)")
    ap.add_argument("--all-local", action="store_true", help="no server projects")
    ap.add_argument("--keep", action="store_true", help="keep the temp data dir")
    args = ap.parse_args()
    rows = args.rows // 10 if args.quick else args.rows
    if not TRACKER.exists():
        raise SystemExit(f"{TRACKER} not found: run `make run` or `pip install -e .` first")

    c.header(f"bench_cli: whole-process `tracker status` / `tracker start`, {rows:,} intervals")
    with c.TempDir("tracker-bench-cli-", args.keep) as d:
        # One person's timeline: one lane, non-overlapping, ending a day ago.
        store, cat, took = c.build_db(
            d,
            rows,
            span_days=rows * 40 / 1440,
            lanes=1,
            server_projects=0 if args.all_local else c.N_SERVER_PROJECTS,
        )
        pending = store.count_unpushed()
        unpushed_idx = store.conn.execute(
            "SELECT COUNT(*) FROM intervals WHERE revision > synced_revision"
        ).fetchone()[0]
        store.close()
        print(
            f"database: {rows:,} intervals ({took:.1f} s bulk insert), "
            f"{len(cat.projects)} projects ({'all local' if args.all_local else '40 server'}), "
            f"{len(cat.tasks)} tasks; {unpushed_idx:,} rows in intervals_unpushed, "
            f"{pending} pending sync; {(d / 'tracker.sqlite3').stat().st_size / 2**20:.0f} MiB"
        )
        env = {k: v for k, v in os.environ.items() if not k.startswith("TRACKER_")}
        env["TZ"] = c.ZONE
        env_no_tz = {k: v for k, v in env.items() if k != "TZ"}
        dd = ["--data-dir", str(d)]
        tasks = [c.Catalog.label(cat, 0), c.Catalog.label(cat, 1)]

        print("\n## Imports (no heavy packages allowed)\n")
        for cmd in (["status"], ["start", tasks[0]], ["stop"]):
            line = probe([*dd, *cmd], env)
            ok = "heavy=-" in line and "exit=0" in line
            print(f"- `tracker {' '.join(cmd[:1])}`: {line} -> {'OK' if ok else 'FAIL'}")
        print("\n`python -X importtime -m tracker status` (cumulative ms, top-level, one run):\n")
        print(c.table(["module", "ms"], import_profile([*dd, "status"], env)))

        def start_cmd(k: int) -> list[str]:
            return [str(TRACKER), *dd, "start", tasks[k % 2]]

        results = []
        n = args.runs
        results.append(measure("python -c pass (floor)", lambda k: [str(PYTHON), "-c", "pass"],
                               env, n))  # fmt: skip
        results.append(measure("tracker --version", lambda k: [str(TRACKER), "--version"], env, n))
        results.append(measure("status, idle", lambda k: [str(TRACKER), *dd, "status"], env, n))
        time.sleep(1 - time.time() % 1)  # a fresh second: the probe's entries are older
        t_mark = int(time.time())
        results.append(measure("start (stops the other task)", start_cmd, env, n, new_second=True))
        results.append(
            measure("status, timer running", lambda k: [str(TRACKER), *dd, "status"], env, n)
        )
        results.append(
            measure("status, TZ unset (tzlocal)", lambda k: [str(TRACKER), *dd, "status"],
                    env_no_tz, n)
        )  # fmt: skip
        results.append(
            measure("status --json", lambda k: [str(TRACKER), *dd, "status", "--json"], env, n)
        )
        check = c.open_store(d)
        made = check.conn.execute(
            "SELECT COUNT(*), SUM(ended_at IS NULL) FROM intervals WHERE tz = ? AND source = "
            "'timer' AND created_at >= ?",
            [c.ZONE, t_mark],
        ).fetchone()
        check.close()
        print(f"\n`start` runs wrote {made[0]} entries ({made[1]} running): "
              f"{n + 2} expected if none was discarded")  # fmt: skip

        print(f"\n## Whole-process timings ({n} runs each after 2 warm-ups; ms); target: "
              f"status and start median ≤ {LIMIT_MS:.0f} ms\n")  # fmt: skip
        floor = float(results[0][1])  # type: ignore[arg-type]
        table = []
        for r in results:
            med = float(r[1])  # type: ignore[arg-type]
            verdict = ""
            if str(r[0]).startswith(TARGETED):
                verdict = "PASS" if med <= LIMIT_MS else "FAIL"
            table.append([r[0], f"{med:.0f}", *r[2:], f"{med / floor:.2f}", verdict])
        heads = ["case", "median", "p90", "min", "max", "CPU median", "÷ python floor",
                 f"≤{LIMIT_MS:.0f} ms"]  # fmt: skip
        print(c.table(heads, table))


if __name__ == "__main__":
    main()
