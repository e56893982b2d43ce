"""Totals by task, project, day, week and task×day over 1M intervals: the store's API vs
hand-written sqlite3 GROUP BY queries on the same file, in the same run (median of 5).

Requirement: each of the store's totals ≤ 1.5× its hand-written GROUP BY.

    .venv/bin/python benchmarks/bench_totals.py           # 1M intervals
    .venv/bin/python benchmarks/bench_totals.py --quick   # 100k intervals
    .venv/bin/python benchmarks/bench_totals.py --plans   # also EXPLAIN QUERY PLAN

Timed: ``Store.totals(by)`` for task, project, day and week, and ``Store.totals_task_day`` for
task×day, each end to end (bounds, span, buckets, queries, row objects).

The hand-written queries are the floor, not equivalents: they use one fixed UTC offset (no DST),
attribute each entry to the day it starts on, and neither clip to a range nor count a running
entry. The store splits entries at local midnights (zoneinfo) and clips them, so its figures are
expected above the floor. Without a range and without a running timer, clipping is the identity,
so the cross-checks demand: per task and per project exactly the floor's seconds; per day, week
and task×day the same grand total; task×day summed per task = ``Store.totals(TASK)`` and summed
per day = ``Store.totals(DAY)``. Over a few date ranges (with and without a running timer) the
store's rows must equal the pure functions of ``tracker.totals`` applied to
``Store.list_intervals``.
"""

from __future__ import annotations

import argparse
import re
import sqlite3
import time
from collections import defaultdict
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import _common as c

from tracker.store import Store
from tracker.totals import GroupBy, range_bounds, split_by_day, totals

TARGET = 1.5

# Europe/Berlin standard-time offset: the hand-written queries ignore DST.
OFF = 3600
BASELINES = {
    "task": "SELECT task_id, SUM(ended_at - started_at) FROM intervals WHERE deleted = 0 "
    "GROUP BY task_id",
    "project": "SELECT t.project_id, SUM(i.ended_at - i.started_at) FROM intervals i "
    "JOIN tasks t ON t.id = i.task_id WHERE i.deleted = 0 GROUP BY t.project_id",
    "day": f"SELECT (started_at + {OFF}) / 86400 AS d, SUM(ended_at - started_at) "
    "FROM intervals WHERE deleted = 0 GROUP BY d",
    # 1970-01-01 was a Thursday: +3 days puts week boundaries on Mondays.
    "week": f"SELECT (started_at + {OFF} + 3 * 86400) / 604800 AS w, SUM(ended_at - started_at) "
    "FROM intervals WHERE deleted = 0 GROUP BY w",
    "task×day": f"SELECT task_id, (started_at + {OFF}) / 86400 AS d, "
    "SUM(ended_at - started_at) FROM intervals WHERE deleted = 0 GROUP BY task_id, d",
}


def ref_task_day(
    store: Store, tz: ZoneInfo, now: datetime, from_day: date | None, to_day: date | None
) -> list[tuple[str, str, int]]:
    """``Store.totals_task_day`` computed in Python from ``Store.list_intervals``."""
    lo, hi = range_bounds(from_day, to_day, tz)
    entries = store.list_intervals(
        datetime.fromtimestamp(lo, UTC) if lo is not None else None,
        datetime.fromtimestamp(hi, UTC) if hi is not None else None,
        now,
    )
    now_s = int(now.timestamp())
    sums: dict[tuple[str, str], int] = defaultdict(int)
    for e in entries:
        start = int(e.started_at.timestamp())
        end = int(e.ended_at.timestamp()) if e.ended_at else max(now_s, start)
        if lo is not None:
            start = max(start, lo)
        if hi is not None:
            end = min(end, hi)
        for d, secs in split_by_day(start, end, tz):
            sums[(d.isoformat(), e.task_id)] += secs
    return [(d, t, s) for (d, t), s in sorted(sums.items()) if s > 0]


def ref_totals(
    store: Store, by: GroupBy, tz: ZoneInfo, now: datetime, f: date | None, t: date | None
):
    """``Store.totals`` computed by ``tracker.totals.totals`` from ``Store.list_intervals``."""
    lo, hi = range_bounds(f, t, tz)
    entries = store.list_intervals(
        datetime.fromtimestamp(lo, UTC) if lo is not None else None,
        datetime.fromtimestamp(hi, UTC) if hi is not None else None,
        now,
    )
    return totals(entries, by, tz, now, f, t)


def cross_check(store: Store, tz: ZoneInfo, now: datetime, ranges) -> list[str]:
    """Differences between the store and the pure reference over ``ranges`` (empty = none)."""
    bad = []
    for f, t in ranges:
        for by in GroupBy:
            if store.totals(by, tz, now, f, t) != ref_totals(store, by, tz, now, f, t):
                bad.append(f"totals({by}) {f}..{t}")
        if store.totals_task_day(tz, now, f, t) != ref_task_day(store, tz, now, f, t):
            bad.append(f"totals_task_day {f}..{t}")
    return bad


def traced_plans(store: Store, fn) -> list[tuple[str, list[str]]]:
    """EXPLAIN QUERY PLAN of each distinct SELECT (numbers ignored) that ``fn`` runs."""
    seen: list[str] = []
    store.conn.set_trace_callback(seen.append)  # the SQL arrives with its parameters expanded
    try:
        fn()
    finally:
        store.conn.set_trace_callback(None)
    out, shapes = [], set()
    for sql in seen:
        shape = re.sub(r"-?\d+", "N", " ".join(sql.split()))
        if not sql.lstrip().upper().startswith("SELECT") or shape in shapes:
            continue
        shapes.add(shape)
        plan = store.conn.execute("EXPLAIN QUERY PLAN " + sql).fetchall()
        out.append((shape[:100], [p[3] for p in plan]))
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=1_000_000, help="intervals (default 1M)")
    ap.add_argument("--quick", action="store_true", help="10x fewer rows")
    ap.add_argument("--repeat", type=int, default=5, help="timed runs per query (default 5)")
    ap.add_argument("--plans", action="store_true", help="print EXPLAIN QUERY PLAN")
    ap.add_argument("--keep", action="store_true", help="keep the temp data dir")
    args = ap.parse_args()
    rows = args.rows // 10 if args.quick else args.rows
    tz = ZoneInfo(c.ZONE)

    c.header(f"bench_totals: Store totals vs hand-written GROUP BY, {rows:,} intervals")
    with c.TempDir("tracker-bench-totals-", args.keep) as d:
        t0 = time.perf_counter()
        store, cat, took = c.build_db(d, rows)
        n_days = store.conn.execute(
            "SELECT (MAX(ended_at) - MIN(started_at)) / 86400 FROM intervals"
        ).fetchone()[0]
        size = (d / "tracker.sqlite3").stat().st_size / 2**20
        print(
            f"database: {rows:,} intervals over {n_days} days in {c.lanes_for(rows, 3 * 365)} "
            f"lanes, {len(cat.tasks)} tasks / {len(cat.projects)} projects, zone {c.ZONE}; "
            f"{size:.0f} MiB; built in {time.perf_counter() - t0:.1f} s "
            f"(bulk insert {took:.1f} s)\n"
        )
        now = datetime.now(UTC).replace(microsecond=0)
        raw = sqlite3.connect(str(d / "tracker.sqlite3"))  # plain connection, default settings

        def ours(by: GroupBy):
            return lambda: store.totals(by, tz, now)

        cases = [
            ("totals(TASK)", ours(GroupBy.TASK), "task"),
            ("totals(PROJECT)", ours(GroupBy.PROJECT), "project"),
            ("totals(DAY)", ours(GroupBy.DAY), "day"),
            ("totals(WEEK)", ours(GroupBy.WEEK), "week"),
            ("totals_task_day", lambda: store.totals_task_day(tz, now), "task×day"),
        ]
        out, results, floors = [], {}, {}
        for name, mine, key in cases:
            sql = BASELINES[key]

            def floor(sql: str = sql) -> list[tuple]:
                return raw.execute(sql).fetchall()

            # Alternate the two so drift on a noisy machine hits both alike.
            t_mine, t_floor = [], []
            results[key], floors[key] = mine(), floor()  # warm-up, kept for the checks
            for _ in range(args.repeat):
                t_mine += c.time_it(mine, 1, warmup=0)
                t_floor += c.time_it(floor, 1, warmup=0)
            m, f = c.median(t_mine) * 1000, c.median(t_floor) * 1000
            ratio = m / f
            out.append([name, len(results[key]), f"{m:.0f}", key, len(floors[key]), f"{f:.0f}",
                        f"{ratio:.2f}", "PASS" if ratio <= TARGET else "FAIL"])  # fmt: skip
        now_s = int(now.timestamp())
        for name, fn in (
            ("  of which Store._bounds", lambda: store._bounds(tz, now_s, None, None)),
            ("  of which Store._max_span", lambda: store._max_span(now)),
        ):
            ms = c.median(c.time_it(fn, args.repeat)) * 1000
            out.append([name, "", f"{ms:.2f}", "", "", "", "", ""])

        print(f"## Median of {args.repeat} (ms), same file, same run; target ours ≤ {TARGET}×\n")
        heads = ["store", "rows", "ms", "hand-written", "rows", "ms", "ratio", f"≤{TARGET}×"]
        print(c.table(heads, out))

        # -- cross-checks ---------------------------------------------------------------------
        checks: list[tuple[str, bool]] = []

        def by_key(rs) -> dict:
            return {r[0]: r[-1] for r in rs}

        task_rows = {r.key: r.seconds for r in results["task"]}
        same_tasks = task_rows == by_key(floors["task"])
        checks.append(("totals(TASK) = hand-written, per task", same_tasks))
        proj_rows = {r.key: r.seconds for r in results["project"]}
        checks.append(
            ("totals(PROJECT) = hand-written, per project", proj_rows == by_key(floors["project"]))
        )
        for key in ("day", "week"):
            ours_sum = sum(r.seconds for r in results[key])
            checks.append((f"totals({key.upper()}) grand total = hand-written",
                           ours_sum == sum(r[-1] for r in floors[key])))  # fmt: skip
        td = results["task×day"]
        per_task: dict[str, int] = defaultdict(int)
        per_day: dict[str, int] = defaultdict(int)
        for day, task, secs in td:
            per_task[task] += secs
            per_day[day] += secs
        floor_sum = sum(r[-1] for r in floors["task×day"])
        checks.append(("totals_task_day grand total = hand-written",
                       sum(per_task.values()) == floor_sum))  # fmt: skip
        checks.append(("totals_task_day summed per task = totals(TASK)", per_task == task_rows))
        checks.append(("totals_task_day summed per day = totals(DAY)",
                       per_day == {r.key: r.seconds for r in results["day"]}))  # fmt: skip
        checks.append(("totals_task_day in (day, task) order", td == sorted(td)))

        today = now.astimezone(tz).date()
        ranges = [
            (today - timedelta(days=30), today),
            (today - timedelta(days=400), today - timedelta(days=340)),
            (today - timedelta(days=10), None),
            # Around the DST switch of the last complete year (last Sunday of October).
            (date(today.year - 1, 10, 20), date(today.year - 1, 11, 2)),
        ]
        bad = cross_check(store, tz, now, ranges)
        checks.append((f"= tracker.totals reference, {len(ranges)} ranges × 5 calls", not bad))
        # Once more with a running timer (started 10 minutes ago).
        start = now_s - 600
        store.bulk_insert_intervals([(c.uuid7_str(start * 1000, c.random.Random(1)),
                                      cat.tasks[0].id, start, None, c.ZONE, "", "timer",
                                      1, 0, 0, 0, start, start)])  # fmt: skip
        bad_running = cross_check(store, tz, now, ranges[:1] + ranges[2:3])
        checks.append(("... and with a running timer, 2 ranges", not bad_running))
        print("\n## Cross-checks\n")
        print(c.table(["check", "result"], [[n, "PASS" if ok else "FAIL"] for n, ok in checks]))
        for b in bad + bad_running:
            print(f"  differs: {b}")

        if args.plans:
            print("\n## EXPLAIN QUERY PLAN\n")
            for name, mine, _ in cases:
                print(f"### {name}")
                for sql, plan in traced_plans(store, mine):
                    print(f"- `{sql}`")
                    for p in plan:
                        print(f"    {p}")
            for name, sql in BASELINES.items():
                plan = raw.execute("EXPLAIN QUERY PLAN " + sql).fetchall()
                print(f"### hand-written {name}\n    " + "\n    ".join(p[3] for p in plan))
        raw.close()
        store.close()


if __name__ == "__main__":
    main()
