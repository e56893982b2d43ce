"""A writer process for tests/test_crash_safety.py: loops over multi-statement writes until killed.

Usage: ``python tests/crash_writer.py DATA_DIR SEED``

Every operation ``n`` is announced first, in its own transaction, by an *intent* (the settings row
``crash.intent``): the operation's kind, the clock, and the database's fingerprint (see
:func:`fingerprint`) before and after it. Then the operation runs through the service (or
``Store.bulk_insert_intervals``) in the transaction the production code opens itself. Whenever
the process is killed, the database's fingerprint must therefore equal the latest intent's
``before`` (the operation did not commit) or its ``after`` (it did); anything else is a
half-written operation. Before announcing the next operation the writer checks that the previous
one landed exactly on its ``after`` (exit code 3 otherwise).

The clock is a fake one that advances a few seconds per operation; it resumes after the latest
intent when the writer is restarted on the same file. Timer entries live from 2024-01-01 on,
manual and bulk entries from 2000 on (decades of room even for fast runs), so they never collide.

Prints ``ready`` on stdout once the store is open and set up.
"""

from __future__ import annotations

import json
import random
import sys
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from tracker.clock import FixedClock
from tracker.ids import new_id
from tracker.service import Tracker
from tracker.store import Store, open_store
from tracker.store.repo import BULK_COLUMNS

PROJECT = "Crash"
TASKS = ("Alpha", "Beta", "Gamma")
TIMER_EPOCH = datetime(2024, 1, 1, tzinfo=UTC)
PAST_EPOCH = datetime(2000, 1, 1, tzinfo=UTC)  # decades of room below TIMER_EPOCH
INTENT_KEY = "crash.intent"
KINDS = ("start", "stop", "split", "split_running", "add", "edit", "note", "delete", "bulk")

# (live finished entries, their seconds, running start, running task, revisions of all rows)
FINGERPRINT_SQL = """
    SELECT
        (SELECT COUNT(*) FROM intervals WHERE deleted = 0 AND ended_at IS NOT NULL),
        (SELECT COALESCE(SUM(ended_at - started_at), 0) FROM intervals
            WHERE deleted = 0 AND ended_at IS NOT NULL),
        (SELECT started_at FROM intervals WHERE deleted = 0 AND ended_at IS NULL),
        (SELECT task_id FROM intervals WHERE deleted = 0 AND ended_at IS NULL),
        (SELECT COALESCE(SUM(revision), 0) FROM intervals)
"""


def fingerprint(conn) -> list:
    """What every operation changes in a predictable way, as a JSON-able list."""
    return list(conn.execute(FINGERPRINT_SQL).fetchone())


def _epoch(dt: datetime) -> int:
    return int(dt.timestamp())


class Writer:
    def __init__(self, store: Store, seed: int) -> None:
        self.store = store
        self.conn = store.conn
        self.rng = random.Random(seed)
        self.clock = FixedClock(TIMER_EPOCH)
        self.svc = Tracker(store, self.clock, ZoneInfo("UTC"))
        self.tasks: dict[str, str] = {}
        self.n = 0
        self.done_kinds: dict[str, int] = dict.fromkeys(KINDS, 0)
        self.expected: list | None = None  # the fingerprint the previous operation must leave

    # -- setup and recovery ---------------------------------------------------------------------

    def setup(self) -> None:
        # Separate transactions on purpose: a kill in between must leave a usable store.
        if not self.store.projects_named(PROJECT):
            self.svc.add_project(PROJECT)
        for title in TASKS:
            found = self.store.tasks_titled(title)
            task = found[0] if found else self.svc.add_task(PROJECT, title)
            self.tasks[title] = task.id
        raw = self.store.get_setting(INTENT_KEY)
        if raw is None:
            return
        intent = json.loads(raw)
        now = fingerprint(self.conn)
        if now == intent["after"]:
            self.done_kinds = dict(intent["done_kinds"])
            self.done_kinds[intent["kind"]] += 1
        elif now == intent["before"]:
            self.done_kinds = dict(intent["done_kinds"])
        else:
            fail(f"restart: operation {intent['n']} ({intent['kind']}) is half-written: {now}")
        self.n = intent["n"]
        self.expected = now
        self.clock.set(datetime.fromtimestamp(intent["now"], UTC))

    # -- the loop -------------------------------------------------------------------------------

    def step(self) -> None:
        self.clock.advance(self.rng.randint(1, 5))
        with self.store.transaction():
            before = fingerprint(self.conn)
            if self.expected is not None and before != self.expected:
                fail(f"operation {self.n} left {before}, expected {self.expected}")
            kind, after, action = self.plan(before)
            self.n += 1
            intent = {
                "n": self.n,
                "kind": kind,
                "now": _epoch(self.clock.now()),
                "before": before,
                "after": after,
                "done_kinds": self.done_kinds,
            }
            self.store.set_setting(INTENT_KEY, json.dumps(intent))
        action()  # its own transaction(s), as in production
        self.done_kinds[kind] += 1
        self.expected = after

    def plan(self, fp: list):
        count, seconds, run_start, run_task, revs = fp
        now = _epoch(self.clock.now())
        r = self.rng.random()
        if r < 0.30 or (r < 0.40 and run_start is None):
            others = [t for t in TASKS if self.tasks[t] != run_task]
            title = self.rng.choice(others)
            ref = f"{PROJECT}/{title}"
            if run_start is None:
                after = [count, seconds, now, self.tasks[title], revs + 1]
            else:  # stops the running one at the same instant: update + insert
                after = [count + 1, seconds + now - run_start, now, self.tasks[title], revs + 2]
            return "start", after, lambda: self.svc.start(ref)
        if r < 0.40:
            return "stop", [count + 1, seconds + now - run_start, None, None, revs + 1], self._stop
        if r < 0.50 and run_start is not None and now - run_start >= 2:
            at = self.rng.randint(run_start + 1, now - 1)
            after = [count + 1, seconds + at - run_start, at, run_task, revs + 2]
            rid = self._running_id()
            return "split_running", after, lambda: self.svc.split(rid, _dt(at))
        if r < 0.62:
            return self._plan_add(fp)
        if r < 0.70:
            return self._plan_bulk(fp)
        row = self.conn.execute(
            "SELECT id, started_at, ended_at FROM intervals WHERE deleted = 0 "
            "AND ended_at IS NOT NULL AND ended_at - started_at >= 2 ORDER BY random() LIMIT 1"
        ).fetchone()
        if row is None:
            return self._plan_add(fp)
        eid, start, end = row
        if r < 0.80:
            at = self.rng.randint(start + 1, end - 1)
            return (
                "split",
                [count + 1, seconds, run_start, run_task, revs + 2],
                (lambda: self.svc.split(eid, _dt(at))),
            )
        if r < 0.88:
            new_end = self.rng.randint(start + 1, end - 1)
            after = [count, seconds - (end - new_end), run_start, run_task, revs + 1]
            note = f"edited {self.n}"
            return "edit", after, lambda: self.svc.edit(eid, end=_dt(new_end), note=note)
        if r < 0.93:
            note = f"note {self.n}"
            return (
                "note",
                [count, seconds, run_start, run_task, revs + 1],
                (lambda: self.svc.edit(eid, note=note)),
            )
        after = [count - 1, seconds - (end - start), run_start, run_task, revs + 1]
        return "delete", after, lambda: self.svc.delete(eid)

    def _stop(self) -> None:
        if self.svc.stop() is None:
            fail("stop discarded the entry: the fake clock did not advance")

    def _running_id(self) -> str:
        return self.conn.execute(
            "SELECT id FROM intervals WHERE deleted = 0 AND ended_at IS NULL"
        ).fetchone()[0]

    def _past_cursor(self) -> int:
        """Where the next pre-2024 entry may start: after every entry ever placed there."""
        row = self.conn.execute(
            "SELECT MAX(ended_at) FROM intervals WHERE started_at < ?", [_epoch(TIMER_EPOCH)]
        ).fetchone()
        return max(row[0] or 0, _epoch(PAST_EPOCH)) + self.rng.randint(0, 600)

    def _plan_add(self, fp: list):
        count, seconds, run_start, run_task, revs = fp
        start = self._past_cursor()
        length = self.rng.randint(60, 4 * 3600)
        ref = f"{PROJECT}/{self.rng.choice(TASKS)}"
        note = f"manual {self.n}"
        after = [count + 1, seconds + length, run_start, run_task, revs + 1]
        return "add", after, lambda: self.svc.add(ref, _dt(start), _dt(start + length), note=note)

    def _plan_bulk(self, fp: list):
        count, seconds, run_start, run_task, revs = fp
        size = self.rng.choice((1, 5, 40, 200, 1000))
        now = _epoch(self.clock.now())
        cursor = self._past_cursor()
        rows = []
        for _ in range(size):
            length = self.rng.randint(30, 1800)
            task = self.tasks[self.rng.choice(TASKS)]
            row = dict(zip(BULK_COLUMNS, [None] * len(BULK_COLUMNS), strict=True))
            row.update(
                id=new_id(),
                task_id=task,
                started_at=cursor,
                ended_at=cursor + length,
                tz="UTC",
                note="",
                source="manual",
                revision=1,
                synced_revision=0,
                server_revision=0,
                deleted=0,
                created_at=now,
                updated_at=now,
            )
            rows.append(tuple(row[c] for c in BULK_COLUMNS))
            cursor += length + self.rng.randint(0, 60)
        total = sum(r[3] - r[2] for r in rows)
        after = [count + size, seconds + total, run_start, run_task, revs + size]
        return "bulk", after, lambda: self._bulk(rows)

    def _bulk(self, rows: list[tuple]) -> None:
        if self.store.bulk_insert_intervals(rows) != len(rows):
            fail("bulk_insert_intervals reported a wrong row count")


def _dt(epoch: int) -> datetime:
    return datetime.fromtimestamp(epoch, UTC)


def fail(message: str) -> None:
    sys.stderr.write(f"crash_writer: {message}\n")
    sys.stderr.flush()
    raise SystemExit(3)


def main(argv: list[str]) -> int:
    data_dir, seed = Path(argv[1]), int(argv[2])
    limit = int(argv[3]) if len(argv) > 3 else 10**9
    store = open_store(data_dir)
    writer = Writer(store, seed)
    writer.setup()
    sys.stdout.write("ready\n")
    sys.stdout.flush()
    for _ in range(limit):
        writer.step()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
