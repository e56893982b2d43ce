"""Invoices under load: a draft from 10,000 intervals, its finalize, ``/uninvoiced`` vs raw SQL.

The data: 20 members × 25 tasks of one client ("Acme") with 10,000 finished, priced intervals
in November 2026 (500 per member: 17 a day on the first 20 days, 16 on the last 10), and
earlier months on four other clients' 100 tasks until the table holds ``--rows`` intervals
(default 1M; ``--quick`` 200k). Rows are written straight into the server's schema (made by the
migrations), as ingest would have priced them.

1. ``POST /invoices`` for Acme's November and ``POST /invoices/{id}/finalize`` of it, through
   the ASGI app in-process (a real database file, no network): the request's time, median of
   ``--repeat`` rounds (each round drafts, finalizes, then voids so the next finds the time
   uninvoiced again). Targets: ≤ 300 ms each. Baseline beside them in the same run: the
   hand-written ``GROUP BY`` of the same 10,000 intervals into lines.
2. ``GET /uninvoiced`` for Acme's November against the hand-written SQL sum (the same
   ``GROUP BY project, task, member, currency`` with the same filters, run on a plain
   connection), alternated, median of 3 × ``--repeat``. Target: ≤ 1.5×.

    .venv/bin/python benchmarks/invoice_bench.py                 # 1M intervals, SQLite
    .venv/bin/python benchmarks/invoice_bench.py --quick         # 200k
    .venv/bin/python benchmarks/invoice_bench.py --database-url postgresql+psycopg://postgres@127.0.0.1/bench
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
import warnings
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import insert, text

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from server_stub.app import create_app  # noqa: E402
from server_stub.db.migrate import upgrade  # noqa: E402
from server_stub.db.session import make_engine  # noqa: E402
from server_stub.db.tables import (  # noqa: E402
    ALL_TABLES_CHILD_FIRST,
    clients,
    counters,
    intervals,
    project_members,
    projects,
    tasks,
    users,
    workspace,
)
from server_stub.ids import new_id  # noqa: E402
from server_stub.services.accounts import EmailTaken, create_user  # noqa: E402
from server_stub.settings import FAST_TEST_HASHING, Settings  # noqa: E402

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient

SEED = 20261201
MEMBERS, TASKS, OTHER_CLIENTS = 20, 25, 4
RATE = 9500  # 95.00 EUR an hour
DUR, GAP = 25 * 60, 3 * 60
NOV = datetime(2026, 11, 1, tzinfo=UTC)
PASSWORD = "bench-password"
API = "/api/v1"

RAW_SUM = """
SELECT t.project_id, i.task_id, i.user_id, i.bill_currency,
       SUM(i.ended_at - i.started_at), SUM(i.estimated_amount_minor)
FROM intervals i JOIN tasks t ON t.id = i.task_id JOIN projects p ON p.id = t.project_id
WHERE p.client_id = :client AND i.started_at >= :lo AND i.started_at < :hi
  AND i.ended_at IS NOT NULL AND i.deleted = :no AND i.billable = :yes
  AND i.locked_by_invoice_id IS NULL AND i.bill_rate_minor IS NOT NULL
GROUP BY t.project_id, i.task_id, i.user_id, i.bill_currency
"""
RAW_LINES = """
SELECT t.project_id, i.task_id, i.user_id, i.bill_rate_minor, i.bill_currency,
       SUM(i.ended_at - i.started_at), COUNT(*)
FROM intervals i JOIN tasks t ON t.id = i.task_id JOIN projects p ON p.id = t.project_id
WHERE p.client_id = :client AND i.started_at >= :lo AND i.started_at < :hi
  AND i.ended_at IS NOT NULL AND i.deleted = :no AND i.billable = :yes
  AND i.locked_by_invoice_id IS NULL
GROUP BY t.project_id, i.task_id, i.user_id, i.bill_rate_minor, i.bill_currency
"""


def fill(engine, rows: int) -> tuple[str, list[str]]:
    """The data set; Acme's id and the member ids."""
    rng = random.Random(SEED)
    now = int(time.time())
    with engine.begin() as conn:
        for t in ALL_TABLES_CHILD_FIRST:  # a kept database starts over
            if t not in (workspace, counters):
                conn.execute(t.delete())
        conn.execute(counters.update().values(value=0))
        member_ids = [new_id() for _ in range(MEMBERS)]
        conn.execute(insert(users), [
            {"id": u, "email": f"m{i}@bench.example", "name": f"Member {i}", "role": "member",
             "created_at": now} for i, u in enumerate(member_ids)
        ])  # fmt: skip
        client_ids = [new_id() for _ in range(1 + OTHER_CLIENTS)]
        conn.execute(insert(clients), [
            {"id": c, "name": f"Client {i}" if i else "Acme", "currency": "EUR",
             "created_at": now, "updated_at": now} for i, c in enumerate(client_ids)
        ])  # fmt: skip
        task_ids: list[list[str]] = []
        for ci, cid in enumerate(client_ids):
            pid = new_id()
            conn.execute(insert(projects).values(
                id=pid, name=f"Project {ci}", client_id=cid, bill_rate_minor=RATE,
                currency="EUR", seq=0, created_at=now, updated_at=now))  # fmt: skip
            conn.execute(insert(project_members), [
                {"project_id": pid, "user_id": u, "kind": "member", "seq": 0,
                 "created_at": now, "updated_at": now} for u in member_ids
            ])  # fmt: skip
            ids = [new_id() for _ in range(TASKS)]
            conn.execute(insert(tasks), [
                {"id": t, "project_id": pid, "title": f"Task {k}", "status": "open", "seq": 0,
                 "created_at": now, "updated_at": now} for k, t in enumerate(ids)
            ])  # fmt: skip
            task_ids.append(ids)
        batch: list[dict] = []
        seq = 0
        day = NOV + timedelta(days=29)
        made = 0
        while made < rows:
            in_nov = day >= NOV
            per_day = (17 if day.day <= 20 else 16) if in_nov else 17
            for m, uid in enumerate(member_ids):
                start = int(day.timestamp()) + 8 * 3600
                for k in range(per_day):
                    if made >= rows:
                        break
                    if in_nov:
                        task = task_ids[0][(m + k) % TASKS]
                    else:
                        task = task_ids[1 + rng.randrange(OTHER_CLIENTS)][rng.randrange(TASKS)]
                    dur = DUR + rng.randrange(-600, 600)
                    seq += 1
                    batch.append({
                        "id": new_id(), "user_id": uid, "task_id": task, "started_at": start,
                        "ended_at": start + dur, "tz": "UTC", "source": "timer", "revision": 1,
                        "seq": seq, "bill_rate_minor": RATE, "bill_currency": "EUR",
                        "bill_rate_origin": "project",
                        "estimated_amount_minor": (2 * RATE * dur + 3600) // 7200,
                        "created_at": now, "updated_at": now,
                    })  # fmt: skip
                    start += dur + GAP
                    made += 1
            if len(batch) >= 20000 or made >= rows:
                conn.execute(insert(intervals), batch)
                batch = []
            day -= timedelta(days=1)
        conn.execute(counters.update().where(counters.c.name == "seq").values(value=seq))
    if engine.dialect.name == "postgresql":
        with engine.connect() as conn:
            conn.execution_options(isolation_level="AUTOCOMMIT").execute(text("ANALYZE"))
    else:
        with engine.begin() as conn:
            conn.execute(text("ANALYZE"))
    return client_ids[0], member_ids


def median_ms(samples: list[float]) -> float:
    return statistics.median(samples) * 1000


CPU: list[float] = []  # the process's CPU seconds of every timed() call, in order


def timed(call):
    """Wall seconds and the result; the process's CPU seconds (server, client and driver: all
    in-process) go to ``CPU``. On a shared machine the CPU figures are the steadier ones."""
    c0, t0 = time.process_time(), time.perf_counter()
    out = call()
    wall = time.perf_counter() - t0
    CPU.append(time.process_time() - c0)
    return wall, out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--quick", action="store_true", help="200k intervals")
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--database-url", help="default: SQLite in a temporary directory")
    args = ap.parse_args()
    rows = 200_000 if args.quick else args.rows
    tmp = Path(tempfile.mkdtemp(prefix="tracker-bench-invoices-"))
    url = args.database_url or f"sqlite:///{tmp / 'server.sqlite3'}"
    settings = dataclasses.replace(
        Settings(database_url=url, data_dir=tmp), password_hashing=FAST_TEST_HASHING
    )
    try:
        engine = make_engine(settings)
        upgrade(engine)
        with engine.begin() as conn:
            if conn.execute(workspace.select()).first() is None:
                conn.execute(insert(workspace).values(id=1, name="Bench", base_currency="EUR",
                                                      timezone="UTC"))  # fmt: skip
        t0 = time.perf_counter()
        client_id, _members = fill(engine, rows)
        print(f"filled {rows:,} intervals in {time.perf_counter() - t0:.1f} s "
              f"({engine.dialect.name})")  # fmt: skip
        run(settings, engine, client_id, args.repeat)
        engine.dispose()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def run(settings: Settings, engine, client_id: str, repeat: int) -> None:
    app = create_app(settings)
    state = app.state.tracker
    with contextlib.suppress(EmailTaken):  # a rerun on a kept PostgreSQL database
        create_user(state.db, state.passwords, email="admin@bench.example", name="Admin",
                    role="admin", password=PASSWORD, now=int(time.time()))  # fmt: skip
    lo, hi = int(NOV.timestamp()), int(datetime(2026, 12, 1, tzinfo=UTC).timestamp())
    binds = {"client": client_id, "lo": lo, "hi": hi, "no": False, "yes": True}
    period = {"client_id": client_id, "from": "2026-11-01", "to": "2026-11-30"}
    with TestClient(app) as client:
        r = client.post(
            API + "/auth/token",
            json={"email": "admin@bench.example", "password": PASSWORD, "device_name": "b"},
        )
        h = {"Authorization": f"Bearer {r.json()['token']}"}  # fmt: skip
        drafts, finals, raw_lines = [], [], []
        cpu: dict[str, list[float]] = {"draft": [], "final": [], "raw": [], "svc": [], "sum": []}
        lines = seconds = 0
        for _ in range(repeat):
            with engine.connect() as conn:
                dt, result = timed(lambda c=conn: c.execute(text(RAW_LINES), binds).all())
            raw_lines.append(dt)
            cpu["raw"].append(CPU[-1])
            dt, r = timed(lambda: client.post(API + "/invoices", json=period, headers=h))
            assert r.status_code == 201, r.text
            drafts.append(dt)
            cpu["draft"].append(CPU[-1])
            inv = r.json()
            lines, seconds = len(inv["lines"]), sum(x["seconds"] for x in inv["lines"])
            assert lines == len(result)
            dt, r = timed(lambda i=inv: client.post(f"{API}/invoices/{i['id']}/finalize",
                                                    headers=h))  # fmt: skip
            assert r.status_code == 200 and r.json()["total"] == inv["total"], r.text
            finals.append(dt)
            cpu["final"].append(CPU[-1])
            r = client.post(f"{API}/invoices/{inv['id']}/void", json={"reason": "bench"},
                            headers=h)  # fmt: skip
            assert r.status_code == 200, r.text
        with engine.connect() as conn:
            n = conn.execute(text(RAW_LINES.replace("SELECT t.project_id", "SELECT COUNT(*), "
                                                    "t.project_id")), binds).all()  # fmt: skip
        count = sum(r[0] for r in n)
        print(f"\nAcme, November 2026: {count:,} intervals, {seconds:,} s, {lines} lines")
        print("\n| request | median ms | CPU ms | baseline (hand-written GROUP BY into lines) "
              "ms | CPU ms | target | |")  # fmt: skip
        print("|---|---|---|---|---|---|---|")
        base, base_cpu = median_ms(raw_lines), median_ms(cpu["raw"])
        for name, samples, key in (("POST /invoices (draft)", drafts, "draft"),
                                   ("POST /invoices/{id}/finalize", finals, "final")):  # fmt: skip
            ms = median_ms(samples)
            print(f"| {name} | {ms:.0f} | {median_ms(cpu[key]):.0f} | {base:.0f} | "
                  f"{base_cpu:.0f} | ≤ 300 ms | {'PASS' if ms <= 300 else 'FAIL'} |")  # fmt: skip
        svc, raw = [], []
        for _ in range(3 * repeat):  # cheap: more rounds against a busy machine's noise
            with engine.connect() as conn:
                dt, ref = timed(lambda c=conn: c.execute(text(RAW_SUM), binds).all())
            raw.append(dt)
            cpu["sum"].append(CPU[-1])
            dt, r = timed(lambda: client.get(API + "/uninvoiced", params=period, headers=h))
            assert r.status_code == 200, r.text
            svc.append(dt)
            cpu["svc"].append(CPU[-1])
        body = r.json()
        assert len(body["rows"]) == len(ref), (len(body["rows"]), len(ref))
        assert sum(x["seconds"] for x in body["rows"]) == sum(int(x[4]) for x in ref)
        s, b = median_ms(svc), median_ms(raw)
        sc, bc = median_ms(cpu["svc"]), median_ms(cpu["sum"])
        print(f"\n| `/uninvoiced` | {s:.1f} ms | hand-written SQL sum | {b:.1f} ms | "
              f"{s / b:.2f}× | {'PASS' if s <= 1.5 * b else 'FAIL'} (≤ 1.5×) |")  # fmt: skip
        print(f"| CPU | {sc:.1f} ms | | {bc:.1f} ms | {sc / bc:.2f}× | |")
        print(f"\nload average at the end: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
    state.db.dispose()


if __name__ == "__main__":
    main()
