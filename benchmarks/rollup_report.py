"""A year's report over an organisation's intervals: ``/totals`` from the daily roll-up against
the computation from the raw intervals and a hand-written ``GROUP BY``, in the same run.

The data: ``--users`` people (default 1,000) each tracking ~27 intervals of 5-25 minutes a
working day for a whole year (2025, workspace zone Europe/Berlin), 2 % of them on night shifts
across local midnight, over 200 projects × 5 tasks, priced in EUR; N intervals in all (default
10M, ``--quick`` 1M). The intervals go straight into the server's tables (the migrations'
schema) with the roll-up's triggers off, then the roll-up is rebuilt in one pass
(``rollup.rebuild``, what the migration's backfill runs) and the triggers go back on.

Timed (median of ``--repeat``, after one warm-up):

1. ``GET /totals?from=2025-01-01&to=2025-12-31&group_by=project,user&include=amounts`` through
   the app in-process (an admin's token, Starlette's test client): the roll-up's path.
   Target: ≤ 1 s.
2. The same report computed from the raw intervals (``totals(..., use_rollup=False)`` and
   ``by_row(..., use_rollup=False)``: the path every report took before the roll-up).
3. A hand-written ``SELECT project_id, user_id, SUM(ended_at - started_at), SUM(amount)`` over
   the raw intervals of the year (no midnight split): the floor of any raw computation.

The roll-up's answer must equal the raw computation's to the second and the minor unit (checked).
Also the cost of the triggers on writes: 100k rows inserted in 500-row transactions into a
copy of the schema with and without the triggers (``sqlite3``/``psycopg`` ``executemany``).

    .venv/bin/python benchmarks/rollup_report.py            # 10M intervals, SQLite
    .venv/bin/python benchmarks/rollup_report.py --quick    # 1M
    .venv/bin/python benchmarks/rollup_report.py --database-url postgresql+psycopg://postgres@127.0.0.1:5432/postgres
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import random
import statistics
import sys
import tempfile
import time
import uuid
import warnings
from datetime import UTC, date, datetime
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import make_url

from server_stub.app import create_app
from server_stub.db import rollup
from server_stub.db.migrate import upgrade
from server_stub.db.session import make_engine
from server_stub.services import amounts as money
from server_stub.services import totals as svc
from server_stub.services.accounts import create_user
from server_stub.settings import FAST_TEST_HASHING, Settings
from server_stub.timefmt import load_tz

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient

ZONE = "Europe/Berlin"
YEAR = 2025
SEED = 20261202
RATE = 9000  # EUR cents per hour
COLS = ("id", "user_id", "device_name", "task_id", "started_at", "ended_at", "tz", "note",
        "source", "revision", "deleted", "seq", "billable", "bill_rate_minor", "bill_currency",
        "bill_rate_origin", "estimated_amount_minor", "created_at", "updated_at")  # fmt: skip
TARGET_S = 1.0


def uid(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def rows_for_user(u: str, tasks: list[str], per_day: int, night: bool, rng: random.Random):
    day0 = int(datetime(YEAR, 1, 1, tzinfo=UTC).timestamp())
    mine = rng.sample(tasks, 8)
    for d in range(365):
        t = day0 + d * 86400 + (20 * 3600 if night else 7 * 3600) + rng.randrange(1800)
        for _ in range(per_day):
            dur = rng.randrange(300, 1500)
            amount = (2 * RATE * dur + 3600) // 7200
            yield (uid(rng), u, "bench", rng.choice(mine), t, t + dur, ZONE, "", "timer", 1,
                   False, 0, True, RATE, "EUR", "project", amount, t, t)  # fmt: skip
            t += dur + rng.randrange(60, 300)


def fill(engine, n: int, users: int, sqlite: bool) -> tuple[list[str], float]:
    rng = random.Random(SEED)
    now = int(time.time())
    user_ids = [uid(rng) for _ in range(users)]
    projects = [uid(rng) for _ in range(200)]
    tasks = [(uid(rng), projects[k // 5]) for k in range(1000)]
    per_day = max(1, round(n / users / 365))
    t0 = time.perf_counter()
    with engine.begin() as conn:
        rollup.drop_triggers(conn)
        conn.execute(
            text("INSERT INTO users (id, email, name, role, created_at) VALUES (:i, :e, :n, "
                 "'member', :now)"),
            [{"i": u, "e": f"u{k}@example.com", "n": f"User {k}", "now": now}
             for k, u in enumerate(user_ids)],
        )  # fmt: skip
        conn.execute(
            text("INSERT INTO projects (id, name, seq, created_at, updated_at, currency, "
                 "bill_rate_minor) VALUES (:i, :n, 0, :now, :now, 'EUR', :r)"),
            [{"i": p, "n": f"Project {k}", "now": now, "r": RATE} for k, p in enumerate(projects)],
        )  # fmt: skip
        conn.execute(
            text("INSERT INTO tasks (id, project_id, title, status, seq, created_at, updated_at) "
                 "VALUES (:i, :p, :t, 'open', 0, :now, :now)"),
            [{"i": t, "p": p, "t": f"Task {k}", "now": now} for k, (t, p) in enumerate(tasks)],
        )  # fmt: skip
    task_ids = [t for t, _ in tasks]
    mark = "?" if sqlite else "%s"
    sql = f"INSERT INTO intervals ({', '.join(COLS)}) VALUES ({', '.join([mark] * len(COLS))})"
    written = 0
    for k, u in enumerate(user_ids):
        batch = list(rows_for_user(u, task_ids, per_day, k % 50 == 0, rng))
        with engine.begin() as conn:
            if sqlite:
                conn.exec_driver_sql(sql, batch)
            else:
                cur = conn.connection.driver_connection.cursor()
                with cur.copy(f"COPY intervals ({', '.join(COLS)}) FROM STDIN") as copy:
                    for row in batch:
                        copy.write_row(row)
        written += len(batch)
        if k % 100 == 99:
            print(f"  {written:,} intervals ...", file=sys.stderr)
    fill_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    with engine.begin() as conn:
        rollup.rebuild(conn, ZONE)
        rollup.install_triggers(conn)
        if not sqlite:
            conn.exec_driver_sql("ANALYZE")
    if sqlite:
        with engine.begin() as conn:
            conn.exec_driver_sql("ANALYZE")
    rebuild_s = time.perf_counter() - t0
    print(f"  filled {written:,} intervals in {fill_s:.0f} s; roll-up rebuilt in "
          f"{rebuild_s:.0f} s", file=sys.stderr)  # fmt: skip
    return user_ids, rebuild_s


def timed(fn, repeat: int) -> tuple[float, object]:
    out = fn()  # warm-up
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), out


def write_cost(engine, sqlite: bool, n: int = 100_000) -> tuple[float, float]:
    """Rows/s inserting ``n`` fresh intervals in 500-row transactions, triggers on and off."""
    rng = random.Random(SEED + 1)
    with engine.connect() as conn:
        u = conn.execute(text("SELECT id FROM users LIMIT 1")).scalar()
        tasks = [r[0] for r in conn.execute(text("SELECT id FROM tasks LIMIT 20")).all()]
    mark = "?" if sqlite else "%s"
    sql = f"INSERT INTO intervals ({', '.join(COLS)}) VALUES ({', '.join([mark] * len(COLS))})"
    out = []
    for on in (True, False):
        rows = []
        t = int(datetime(YEAR + 1, 3, 1, tzinfo=UTC).timestamp()) + (0 if on else 10**7)
        for _ in range(n):
            dur = rng.randrange(300, 1500)
            rows.append((uid(rng), u, "bench", rng.choice(tasks), t, t + dur, ZONE, "", "timer",
                         1, False, 0, True, RATE, "EUR", "project", dur * 2, t, t))  # fmt: skip
            t += dur + 60
        if not on:
            with engine.begin() as conn:
                rollup.drop_triggers(conn)
        t0 = time.perf_counter()
        for k in range(0, n, 500):
            with engine.begin() as conn:
                conn.exec_driver_sql(sql, rows[k : k + 500])
        out.append(n / (time.perf_counter() - t0))
        if not on:
            with engine.begin() as conn:
                rollup.install_triggers(conn)
    return out[0], out[1]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="1M intervals instead of 10M")
    ap.add_argument("--intervals", type=int, help="how many intervals (overrides --quick)")
    ap.add_argument("--users", type=int, default=1000)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--database-url", help="a PostgreSQL server: a throwaway database on it")
    ap.add_argument("--no-write-cost", action="store_true")
    args = ap.parse_args()
    n = args.intervals or (1_000_000 if args.quick else 10_000_000)
    tmp = Path(tempfile.mkdtemp(prefix="rollup-bench-"))
    pg_name = None
    if args.database_url:
        import psycopg

        admin = make_url(args.database_url)
        pg_name = f"rollup_bench_{os.getpid()}"
        libpq = admin.set(drivername="postgresql").render_as_string(hide_password=False)
        with psycopg.connect(libpq, autocommit=True) as c:
            c.execute(f'CREATE DATABASE "{pg_name}"')
        url = admin.set(database=pg_name).render_as_string(hide_password=False)
    else:
        url = f"sqlite:///{tmp / 'server.sqlite3'}"
    sqlite = url.startswith("sqlite")
    settings = dataclasses.replace(
        Settings(database_url=url, data_dir=tmp), password_hashing=FAST_TEST_HASHING,
        rate_limits=(),
    )  # fmt: skip
    try:
        engine = make_engine(settings)
        upgrade(engine)
        with engine.begin() as conn:
            conn.exec_driver_sql(f"UPDATE workspace SET timezone = '{ZONE}'")
            rollup.workspace_zone_changed(conn, ZONE)
        print(f"# Year report over {n:,} intervals, {args.users} users "
              f"({'SQLite' if sqlite else 'PostgreSQL'}); load: {os.getloadavg()}")  # fmt: skip
        _, rebuild_s = fill(engine, n, args.users, sqlite)
        with engine.connect() as conn:
            counts = conn.execute(text("SELECT (SELECT count(*) FROM intervals), "
                                       "(SELECT count(*) FROM day_totals)")).one()  # fmt: skip
        engine.dispose()
        app = create_app(settings, clock=lambda: float(int(time.time())))
        st = app.state.tracker
        create_user(st.db, st.passwords, email="boss@example.com", name="Boss", role="admin",
                    password="bench-password-1", now=int(time.time()))  # fmt: skip
        first, last = date(YEAR, 1, 1), date(YEAR, 12, 31)
        params = {"from": first.isoformat(), "to": last.isoformat(),
                  "group_by": "project,user", "include": "amounts"}  # fmt: skip
        with TestClient(app) as client:
            r = client.post("/api/v1/auth/token", json={"email": "boss@example.com",
                            "password": "bench-password-1", "device_name": "bench"})  # fmt: skip
            headers = {"Authorization": f"Bearer {r.json()['token']}"}

            def api():
                resp = client.get("/api/v1/totals", params=params, headers=headers)
                assert resp.status_code == 200, resp.text
                return resp.json()

            t_api, body = timed(api, args.repeat)
        zone, now = load_tz(ZONE), int(time.time())
        scope = svc.actor_scope_all()
        groups = ["project", "user"]

        def raw():
            with st.db.read() as conn:
                rows, total, f, t = svc.totals(conn, scope, groups, zone, now, first, last,
                                               use_rollup=False)  # fmt: skip
                sums = money.by_row(conn, scope, groups, zone, f, t, "best", use_rollup=False)
            return rows, total, sums

        def rolled():
            with st.db.read() as conn:
                rows, total, f, t = svc.totals(conn, scope, groups, zone, now, first, last)
                sums = money.by_row(conn, scope, groups, zone, f, t, "best", now=now)
            return rows, total, sums

        lo, hi = (int(datetime(YEAR, 1, 1, tzinfo=UTC).timestamp()) - 3600,
                  int(datetime(YEAR + 1, 1, 1, tzinfo=UTC).timestamp()) - 3600)  # fmt: skip
        hand_sql = text(
            "SELECT t.project_id, i.user_id, SUM(i.ended_at - i.started_at), "
            "SUM(i.estimated_amount_minor) FROM intervals i JOIN tasks t ON t.id = i.task_id "
            "WHERE NOT i.deleted AND i.started_at >= :lo AND i.started_at < :hi "
            "GROUP BY t.project_id, i.user_id"
        )

        def hand():
            with st.db.read() as conn:
                return conn.execute(hand_sql, {"lo": lo, "hi": hi}).all()

        t_roll, got = timed(rolled, args.repeat)
        t_raw, want = timed(raw, max(1, min(args.repeat, 3)))
        t_hand, _ = timed(hand, max(1, min(args.repeat, 3)))
        assert got == want, "the roll-up's report differs from the raw computation"
        assert body["total_seconds"] == want[1]
        st.db.dispose()
        wc = None
        if not args.no_write_cost:
            engine = make_engine(settings)
            wc = write_cost(engine, sqlite)
            engine.dispose()
        print(f"\nintervals {counts[0]:,}, roll-up rows {counts[1]:,} "
              f"({counts[0] / max(counts[1], 1):.1f} intervals per row), report rows "
              f"{len(body['rows']):,}; roll-up rebuilt in {rebuild_s:.1f} s\n")  # fmt: skip
        print("| measure | time | vs hand-written GROUP BY | target |")
        print("|---|---|---|---|")
        print(f"| `GET /totals` year, group_by=project,user, amounts (roll-up) | "
              f"{t_api * 1000:,.0f} ms | {t_api / t_hand:.2f}× | ≤ 1 s: "
              f"{'met' if t_api <= TARGET_S else 'MISSED'} |")  # fmt: skip
        print(f"| the same in the service, roll-up | {t_roll * 1000:,.0f} ms | "
              f"{t_roll / t_hand:.2f}× | |")  # fmt: skip
        print(f"| the same from raw intervals (the path before) | {t_raw * 1000:,.0f} ms | "
              f"{t_raw / t_hand:.2f}× | |")  # fmt: skip
        print(f"| hand-written GROUP BY over raw intervals | {t_hand * 1000:,.0f} ms | 1.00× | |")
        print("\nroll-up report = raw computation: seconds and money equal (checked)")
        if wc is not None:
            print(f"writes, 100k rows in 500-row transactions: {wc[0]:,.0f} /s with the "
                  f"triggers, {wc[1]:,.0f} /s without ({wc[0] / wc[1]:.2f}×)")  # fmt: skip
        print(f"load after: {os.getloadavg()}")
    finally:
        if pg_name is not None:
            import psycopg

            with psycopg.connect(libpq, autocommit=True) as c:
                c.execute(f'DROP DATABASE IF EXISTS "{pg_name}" WITH (FORCE)')
        import shutil

        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
