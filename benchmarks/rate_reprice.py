"""Re-pricing after a back-dated rate change: ``services.rates.change`` against a hand-written
``UPDATE`` over the same intervals.

A project with ``--rows`` priced intervals (default 100k, 20 members, 1 % locked by an invoice,
1 % priced by hand) gets a new bill rate effective from the beginning of time. Timed, each in
its own write transaction that is then rolled back, so every run starts from the same rows:

- server: ``rates.change`` — records the period, loads the candidates, resolves each one again
  through the whole rate chain (member → project → client → user), lists those whose price
  moved with the delta per currency, and writes them per new rate (ids in chunks of 500, the
  estimate computed in SQL);
- baseline: one ``UPDATE intervals SET bill_rate_minor = …, estimated_amount_minor =
  (2·rate·seconds + 3600) / 7200 WHERE <same candidates>`` — what a hand-written re-price of a
  single-holder change would do (it knows no chain).

Cross-check: both leave the same sum of estimates and re-price the same number of rows.
Median of ``--repeat`` runs, alternated.

    .venv/bin/python benchmarks/rate_reprice.py                 # SQLite, 100k
    .venv/bin/python benchmarks/rate_reprice.py --database-url postgresql+psycopg://postgres@127.0.0.1/bench
"""

from __future__ import annotations

import argparse
import random
import shutil
import statistics
import tempfile
import time
import uuid
from pathlib import Path

from sqlalchemy import insert, text

from server_stub.db.migrate import upgrade
from server_stub.db.session import Database, make_engine
from server_stub.db.tables import (
    projects,
    rate_history,
    tasks,
    users,
)  # fmt: skip
from server_stub.services import rates
from server_stub.settings import Settings

SEED = 20261201
OLD, NEW = 10_000, 12_000  # minor units per hour


def build(db: Database, n: int, members: int) -> str:
    rnd = random.Random(SEED)
    pid, tid = str(uuid.uuid4()), str(uuid.uuid4())
    uids = [str(uuid.uuid4()) for _ in range(members)]
    with db.engine.begin() as conn:
        conn.execute(insert(users), [
            {"id": u, "email": f"u{i}@bench.example", "name": f"U{i}", "role": "member",
             "created_at": 0} for i, u in enumerate(uids)
        ])  # fmt: skip
        conn.execute(
            insert(projects).values(
                id=pid,
                name="P",
                bill_rate_minor=OLD,
                currency="EUR",
                seq=1,
                created_at=0,
                updated_at=0,
            )
        )
        conn.execute(insert(tasks).values(id=tid, project_id=pid, title="T", status="open",
                                          seq=2, created_at=0, updated_at=0))  # fmt: skip
        conn.execute(insert(rate_history).values(
            id=str(uuid.uuid4()), holder="project", holder_id=pid, kind="bill", amount_minor=OLD,
            currency="EUR", effective_from=0, changed_at=0,
        ))  # fmt: skip
        rows = []
        clock = {u: 1_700_000_000 for u in uids}
        for i in range(n):
            u = uids[i % members]
            start = clock[u]
            secs = rnd.randint(300, 3300)
            clock[u] = start + secs + 60
            origin, rate = "project", OLD
            locked = None
            if i % 100 == 1:
                origin, rate = "manual", 5000
            elif i % 100 == 2:
                locked = "inv-1"
            rows.append((
                str(uuid.uuid4()), u, tid, start, start + secs, "UTC", "", "timer", 1, False, i,
                True, rate, "EUR", origin, (2 * rate * secs + 3600) // 7200, locked, 0, 0,
            ))  # fmt: skip
        mark = "?" if db.is_sqlite else "%s"
        conn.exec_driver_sql(
            "INSERT INTO intervals (id, user_id, task_id, started_at, ended_at, tz, note, source, "
            "revision, deleted, seq, billable, bill_rate_minor, bill_currency, bill_rate_origin, "
            "estimated_amount_minor, locked_by_invoice_id, created_at, updated_at) "
            f"VALUES ({', '.join([mark] * 19)})",
            rows,
        )
        if not db.is_sqlite:
            conn.exec_driver_sql("ANALYZE intervals")
    return pid


def _sum(conn) -> tuple[int, int]:
    r = conn.execute(
        text("SELECT SUM(estimated_amount_minor), "
             f"SUM(CASE WHEN bill_rate_minor = {NEW} THEN 1 ELSE 0 END) FROM intervals")
    ).one()  # fmt: skip
    return int(r[0]), int(r[1])


def server(db: Database, pid: str) -> tuple[float, tuple[int, int], int]:
    with db.engine.connect() as conn:
        if db.is_sqlite:
            conn.execution_options(sqlite_begin="IMMEDIATE")
        tx = conn.begin()
        t0 = time.perf_counter()
        out = rates.change(
            conn, holder="project", holder_id=pid, kind="bill", amount_minor=NEW,
            currency="EUR", effective_from=0, now=1_800_000_000, actor_id=None,
        )  # fmt: skip
        elapsed = time.perf_counter() - t0
        check = _sum(conn)
        tx.rollback()
    return elapsed, check, len(out.ids)


def baseline(db: Database, pid: str) -> tuple[float, tuple[int, int], int]:
    with db.engine.connect() as conn:
        if db.is_sqlite:
            conn.execution_options(sqlite_begin="IMMEDIATE")
        tx = conn.begin()
        t0 = time.perf_counter()
        res = conn.execute(
            text(
                f"UPDATE intervals SET bill_rate_minor = {NEW}, "
                f"estimated_amount_minor = (2 * {NEW} * (ended_at - started_at) + 3600) / 7200, "
                "updated_at = :now WHERE task_id IN (SELECT id FROM tasks WHERE project_id = :p) "
                "AND NOT deleted AND locked_by_invoice_id IS NULL "
                "AND bill_rate_origin <> 'manual' AND started_at >= 0"
            ),
            {"p": pid, "now": 1_800_000_000},
        )
        elapsed = time.perf_counter() - t0
        check = _sum(conn)
        tx.rollback()
    return elapsed, check, res.rowcount


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--rows", type=int, default=100_000)
    ap.add_argument("--members", type=int, default=20)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--database-url", help="an empty PostgreSQL database (default: SQLite)")
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="tracker-bench-"))
    url = args.database_url or f"sqlite:///{tmp / 'bench.sqlite3'}"
    db = Database(make_engine(Settings(database_url=url, data_dir=tmp)))
    try:
        upgrade(db.engine)
        t0 = time.perf_counter()
        pid = build(db, args.rows, args.members)
        print(f"{db.engine.dialect.name}: {args.rows:,} intervals built in "
              f"{time.perf_counter() - t0:.1f} s")  # fmt: skip
        times: dict[str, list[float]] = {"server": [], "baseline": []}
        results = {}
        for _ in range(args.repeat):
            for name, fn in (("server", server), ("baseline", baseline)):
                elapsed, check, count = fn(db, pid)
                times[name].append(elapsed)
                results[name] = (check, count)
        assert results["server"] == results["baseline"], results
        s, b = statistics.median(times["server"]), statistics.median(times["baseline"])
        print(f"re-priced {results['server'][1]:,} of {args.rows:,} intervals "
              "(locked and hand-priced ones left alone); sums equal: yes")  # fmt: skip
        print("| variant | median ms | ratio |\n|---|---|---|")
        print(f"| hand-written UPDATE (baseline) | {b * 1000:.0f} | 1.00 |")
        print(
            f"| `rates.change` (history, chain, writes per rate) | {s * 1000:.0f} | {s / b:.2f} |"
        )
    finally:
        db.dispose()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
