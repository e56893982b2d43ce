"""A kill at any instant leaves no half-written entry.

A writer process (tests/crash_writer.py) loops over multi-statement writes through the real
service and store: start (stops the running timer: update + insert), stop, split (update +
insert, of a finished or of the running entry), manual adds, edits, deletes and bulk inserts of up
to 1,000 rows. Before each operation it records, in its own committed transaction, an *intent*:
the database's fingerprint (live entries, their seconds, the running timer, the sum of revisions)
before and after the operation. The test SIGKILLs the writer at random instants, checks the file
(integrity, foreign keys, one running timer, no overlaps, every entry on an existing task,
revisions, the span bound the totals rely on, and that the fingerprint is the intent's ``before``
or ``after``, never something in between), then restarts the writer on the same file.
"""

from __future__ import annotations

import importlib.util
import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from storecheck import store_problems

from tracker.clock import FixedClock
from tracker.service import Tracker
from tracker.store import open_store

HERE = Path(__file__).resolve().parent
WRITER = HERE / "crash_writer.py"
DB_FILE = "tracker.sqlite3"
KILLS = 40


def _load_writer():
    spec = importlib.util.spec_from_file_location("crash_writer_for_tests", WRITER)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


cw = _load_writer()


def check_store(data_dir: Path) -> tuple[list[str], str]:
    """The problems found in the database after a kill, and where the latest intent stands:
    'none' (no operation announced yet), 'before' or 'after'."""
    problems: list[str] = []
    if not (data_dir / DB_FILE).exists():
        return problems, "none"  # killed before the file was created
    conn = sqlite3.connect(data_dir / DB_FILE, timeout=30)
    try:
        problems += store_problems(conn)
        if not conn.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'intervals'"
        ).fetchone():
            return problems, "none"  # killed before the first migration committed
        row = conn.execute("SELECT value FROM settings WHERE key = ?", [cw.INTENT_KEY]).fetchone()
        if row is None:
            return problems, "none"
        intent = json.loads(row[0])
        fp = cw.fingerprint(conn)
        if fp == intent["after"]:
            state = "after"
        elif fp == intent["before"]:
            state = "before"
        else:
            state = "torn"
            problems.append(
                f"operation {intent['n']} ({intent['kind']}) is half-written: the database holds "
                f"{fp}, not {intent['before']} (before) nor {intent['after']} (after)"
            )
        return problems, state
    finally:
        conn.close()


def check_service_reads(data_dir: Path) -> None:
    """The store reopens after a kill, and the SQL totals agree with the raw rows."""
    store = open_store(data_dir)
    try:
        raw = store.get_setting(cw.INTENT_KEY)
        if raw is None:
            return
        intent = json.loads(raw)
        count, seconds, run_start, _task, _revs = cw.fingerprint(store.conn)
        now = datetime.fromtimestamp(intent["now"], UTC)
        svc = Tracker(store, FixedClock(now), ZoneInfo("UTC"))
        expected = seconds + (intent["now"] - run_start if run_start is not None else 0)
        assert sum(r.seconds for r in svc.totals("task")) == expected
        assert sum(r.seconds for r in svc.totals("day")) == expected
        assert len(svc.log()) == count + (run_start is not None)
    finally:
        store.close()


def _spawn(data_dir: Path, seed: int, limit: int | None = None) -> subprocess.Popen:
    args = [sys.executable, str(WRITER), str(data_dir), str(seed)]
    if limit is not None:
        args.append(str(limit))
    return subprocess.Popen(
        args,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "TZ": "UTC"},
    )


def _died(proc: subprocess.Popen) -> str:
    proc.wait(timeout=30)
    return f"the writer exited on its own (code {proc.returncode}): {proc.stderr.read()}"


@pytest.mark.slow
def test_sigkill_at_any_instant_leaves_no_half_written_operation(tmp_path: Path) -> None:
    seed = int(os.environ.get("CRASH_SEED", random.randrange(1 << 30)))
    rng = random.Random(seed)
    data_dir = tmp_path / "data"
    states: Counter[str] = Counter()
    started = time.monotonic()
    for round_no in range(KILLS):
        proc = _spawn(data_dir, seed + round_no)
        try:
            if round_no % 8 == 0:
                # Counted from the spawn: may land while opening, migrating or setting up.
                time.sleep(rng.uniform(0.02, 0.3))
            else:
                line = proc.stdout.readline()
                assert line == "ready\n", _died(proc)
                time.sleep(rng.uniform(0.02, 0.3))
            assert proc.poll() is None, _died(proc)
            proc.send_signal(signal.SIGKILL)
            proc.wait(timeout=30)
            assert proc.returncode == -signal.SIGKILL
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
            proc.stdout.close()
            proc.stderr.close()
        problems, state = check_store(data_dir)
        assert not problems, f"after kill {round_no + 1} (seed {seed}): {problems}"
        states[state] += 1
        check_service_reads(data_dir)

    # The same file keeps working: a last round runs to its end and checks its own operations.
    proc = _spawn(data_dir, seed + KILLS, limit=50)
    _out, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, f"(seed {seed}) {err}"
    problems, state = check_store(data_dir)
    assert not problems and state == "after", problems

    conn = sqlite3.connect(data_dir / DB_FILE)
    intent = json.loads(
        conn.execute("SELECT value FROM settings WHERE key = ?", [cw.INTENT_KEY]).fetchone()[0]
    )
    conn.close()
    done = Counter(intent["done_kinds"])
    # The kills must have interrupted a real workload, of every kind of operation (~1,000
    # operations on a quiet machine, ~300 on a loaded one: the floor leaves room for load).
    assert intent["n"] >= 100, f"only {intent['n']} operations ran (seed {seed})"
    assert all(done[k] > 0 for k in cw.KINDS), done
    elapsed = time.monotonic() - started
    print(
        f"\n{KILLS} kills, {intent['n']} operations {dict(done)}, "
        f"states after the kills {dict(states)}, {elapsed:.1f} s, seed {seed}"
    )


def test_checker_sees_a_half_written_split(tmp_path: Path) -> None:
    """The checks above can fail: a split whose insert was lost is reported as torn."""
    data_dir = tmp_path / "data"
    proc = _spawn(data_dir, 7, limit=40)
    _out, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err
    assert check_store(data_dir) == ([], "after")

    conn = sqlite3.connect(data_dir / DB_FILE, isolation_level=None)
    eid, start, end = conn.execute(
        "SELECT id, started_at, ended_at FROM intervals WHERE deleted = 0 "
        "AND ended_at - started_at >= 2 LIMIT 1"
    ).fetchone()
    before = cw.fingerprint(conn)
    after = [before[0] + 1, *before[1:4], before[4] + 2]
    intent = {"n": 999, "kind": "split", "now": 0, "before": before, "after": after,
              "done_kinds": {}}  # fmt: skip
    conn.execute("UPDATE settings SET value = ? WHERE key = ?", [json.dumps(intent), cw.INTENT_KEY])
    # Announced but not applied: fine.
    assert check_store(data_dir) == ([], "before")
    # Only the first half of the split (the update) reached the file.
    conn.execute(
        "UPDATE intervals SET ended_at = ?, revision = revision + 1 WHERE id = ?",
        [start + 1, eid],
    )
    problems, state = check_store(data_dir)
    assert state == "torn" and "half-written" in problems[0]

    # And an overlap is seen too.
    conn.execute(
        "INSERT INTO intervals (id, task_id, started_at, ended_at, tz, source, created_at, "
        "updated_at) SELECT 'overlap', task_id, ?, ?, 'UTC', 'manual', 0, 0 FROM intervals "
        "WHERE id = ?",
        [start, end, eid],
    )
    problems, _ = check_store(data_dir)
    assert any("overlapping" in p for p in problems)
    conn.close()
