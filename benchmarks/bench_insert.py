"""Bulk insert of 1M intervals: ``Store.bulk_insert_intervals`` vs raw sqlite3 ``executemany``.

Requirement: the store's bulk path reaches ≥ 50 % of the rows/s of raw ``executemany`` of a plain
INSERT in one transaction.

Both databases are created with ``tracker.store.open_store`` (same schema, indexes and pragmas:
WAL, synchronous=FULL, foreign_keys=ON), receive the same catalog and the same pre-generated rows
(sorted by start, UUIDv7 ids), and each is written into a fresh data dir; the order of the two
alternates between repetitions. Then the same rows are applied a second time to each database
(as a repeated sync pull would): through ``Store.bulk_insert_intervals`` (every id exists, so
every row is an UPDATE) and, as its floor, raw ``executemany`` of ``UPDATE ... WHERE id = ?`` in
one transaction. That second figure is reported, with no target.

    .venv/bin/python benchmarks/bench_insert.py           # 1M rows, 2 repetitions
    .venv/bin/python benchmarks/bench_insert.py --quick   # 100k rows
"""

from __future__ import annotations

import argparse
import shutil
import time
from pathlib import Path

import _common as c

from tracker.store import Store, open_store
from tracker.store.repo import BULK_COLUMNS

TARGET = 0.5
COLS = ", ".join(BULK_COLUMNS)
PLAIN_SQL = f"INSERT INTO intervals ({COLS}) VALUES ({', '.join('?' * len(BULK_COLUMNS))})"
UPDATE_SQL = (
    "UPDATE intervals SET "
    + ", ".join(f"{x} = ?" for x in BULK_COLUMNS if x != "id")
    + " WHERE id = ?"
)


def via_store(store: Store, rows: list[tuple]) -> int:
    return store.bulk_insert_intervals(rows)


def raw_insert(store: Store, rows: list[tuple]) -> int:
    conn = store.conn  # open_store's connection: identical pragmas; no wrapper used
    conn.execute("BEGIN")
    n = conn.executemany(PLAIN_SQL, rows).rowcount
    conn.execute("COMMIT")
    return n


def raw_update(store: Store, rows: list[tuple]) -> int:
    conn = store.conn
    conn.execute("BEGIN")
    n = conn.executemany(UPDATE_SQL, ([*r[1:], r[0]] for r in rows)).rowcount
    conn.execute("COMMIT")
    return n


def contents_ok(store: Store, expected: list[tuple], span: bool) -> bool:
    """The table holds exactly ``expected`` (sorted by id); with ``span``, meta's
    max_span_seconds also covers the longest entry (the store's bookkeeping; raw has none)."""
    got = store.conn.execute(f"SELECT {COLS} FROM intervals ORDER BY id").fetchall()
    if got != expected:
        return False
    if not span:
        return True
    longest = max(r[3] - r[2] for r in expected if r[3] is not None and not r[10])
    row = store.conn.execute("SELECT value FROM meta WHERE key = 'max_span_seconds'").fetchone()
    return row[0] >= longest


def one(
    root: Path, name: str, first, again, cat: c.Catalog, rows: list[tuple], check: list | None
) -> tuple[float, float, bool | None]:
    """(seconds to insert ``rows`` into a fresh database, seconds to apply them again, check)."""
    d = root / name
    store = open_store(d)
    c.insert_catalog(store, cat)
    times = []
    for fn in (first, again):
        t0 = time.perf_counter()
        n = fn(store, rows)
        times.append(time.perf_counter() - t0)
        count = store.conn.execute("SELECT COUNT(*) FROM intervals").fetchone()[0]
        if count != len(rows) or n != len(rows):
            raise SystemExit(f"{name}: {count} rows (rowcount {n}), expected {len(rows)}")
    ok = contents_ok(store, check, span=first is via_store) if check is not None else None
    store.close()
    shutil.rmtree(d)
    return times[0], times[1], ok


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=1_000_000, help="intervals (default 1M)")
    ap.add_argument("--quick", action="store_true", help="10x fewer rows")
    ap.add_argument("--repeat", type=int, default=2, help="repetitions (default 2)")
    args = ap.parse_args()
    n = args.rows // 10 if args.quick else args.rows

    c.header(f"bench_insert: Store.bulk_insert_intervals vs raw executemany, {n:,} rows")
    cat = c.make_catalog()
    t0 = time.perf_counter()
    rows = c.make_intervals(n, cat)
    by_id = sorted(rows)
    print(f"rows generated in {time.perf_counter() - t0:.1f} s (not timed below)\n")
    variants = {"store": (via_store, via_store), "raw": (raw_insert, raw_update)}
    times: dict[str, tuple[list[float], list[float]]] = {k: ([], []) for k in variants}
    checks: dict[str, bool] = {}
    with c.TempDir("tracker-bench-insert-") as root:
        for rep in range(args.repeat):
            for name in variants if rep % 2 == 0 else reversed(variants):
                check = by_id if rep == 0 else None  # compare every row once per variant
                t_new, t_again, ok = one(root, f"{rep}-{name}", *variants[name], cat, rows, check)
                times[name][0].append(t_new)
                times[name][1].append(t_again)
                if ok is not None:
                    checks[name] = ok
                print(f"  rep {rep + 1}: {name}: new {n / t_new:,.0f} rows/s, "
                      f"again {n / t_again:,.0f} rows/s", flush=True)  # fmt: skip

    def row(label: str, ts: list[float], ref: list[float], target: bool) -> list[str]:
        med, ratio = c.median(ts), c.median(ref) / c.median(ts)
        per_run = " / ".join(f"{n / t / 1000:,.0f}k" for t in ts)
        verdict = ("PASS" if ratio >= TARGET else "FAIL") if target else "(no target)"
        return [label, f"{med:.2f}", f"{n / med:,.0f}", per_run, f"{ratio:.0%}", verdict]

    raw_new, raw_again = times["raw"]
    out = [
        row("raw: executemany plain INSERT, 1 txn", raw_new, raw_new, False),
        row("store: bulk_insert_intervals, new rows", times["store"][0], raw_new, True),
        row("raw: executemany UPDATE by id, 1 txn", raw_again, raw_again, False),
        row("store: bulk_insert_intervals, existing rows", times["store"][1], raw_again, False),
    ]
    out[0][-1] = out[2][-1] = "(baseline)"
    print(f"\n## {n:,} rows, median of {args.repeat} (fresh database each); target store ≥ "
          f"{TARGET:.0%} of raw\n")  # fmt: skip
    print(c.table(["variant", "s", "rows/s", "per run", "of baseline", "verdict"], out))
    labels = {
        "store": "store: table = the input rows (every column, by id); max_span ≥ longest entry",
        "raw": "raw: table = the input rows (every column, by id)",
    }
    print("\n## Cross-checks (after both passes, first repetition)\n")
    print(c.table(["check", "result"],
                  [[labels[k], "PASS" if v else "FAIL"] for k, v in checks.items()]))  # fmt: skip


if __name__ == "__main__":
    main()
