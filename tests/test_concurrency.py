"""Several writers on one data directory at once: no "database is locked", no broken invariant.

- Six `tracker` processes, 25 commands each, at the same time on one data dir.
- Threads in one process, each with its own connection, racing start/stop.
- Processes opening a brand-new database at the same instant (the migrations race).
"""

from __future__ import annotations

import itertools
import json
import logging
import os
import random
import shutil
import sqlite3
import subprocess
import sys
import threading
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from storecheck import store_problems

from tracker.cli import main as cli_main
from tracker.clock import FixedClock, SystemClock
from tracker.errors import InvalidInput, NothingRunning
from tracker.service import Tracker
from tracker.store import open_store
from tracker.store.db import DB_FILENAME, migrations

TRACKER = shutil.which("tracker", path=str(Path(sys.executable).parent)) or "tracker"
PROCESSES = 6
COMMANDS = 25
FIRST_DAY = date(2024, 3, 4)


def _env(tmp_path: Path) -> dict[str, str]:
    env = {**os.environ, "TZ": "UTC", "TRACKER_LOG_DIR": str(tmp_path / "logs")}
    for key in ("TRACKER_DATA_DIR", "TRACKER_TOKEN", "TRACKER_SERVER"):
        env.pop(key, None)
    return env


def _invariants(db_path: Path) -> list[str]:
    conn = sqlite3.connect(db_path, timeout=30)
    try:
        return store_problems(conn)
    finally:
        conn.close()


# -- processes ----------------------------------------------------------------------------------

# Refusals that are legitimate when other processes move the timer meanwhile.
ALLOWED_REFUSALS = {
    "stop": ("no timer is running",),
    "start": ("is already running",),
}


def _worker_commands(k: int, rng: random.Random) -> list[list[str]]:
    task = f"Shared/W{k}"
    day = (FIRST_DAY + timedelta(days=2 * k)).isoformat()
    cmds: list[list[str]] = []
    for _ in range(COMMANDS):
        r = rng.random()
        if r < 0.30:
            cmds.append(["start", task])
        elif r < 0.45:
            cmds.append(["stop"])
        elif r < 0.70:
            cmds.append(["add", task, "--duration", f"{rng.randint(5, 20)}m", "--date", day])
        elif r < 0.80:
            cmds.append(["--json", "status"])
        elif r < 0.90:
            cmds.append(["log", "--from", day, "--to", day])
        else:
            cmds.append(["--json", "totals", "--by", rng.choice(["day", "task", "project"])])
    return cmds


@pytest.mark.slow
def test_tracker_processes_share_one_data_dir(tmp_path: Path) -> None:
    data = tmp_path / "data"
    env = _env(tmp_path)

    def tracker(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [TRACKER, "--data-dir", str(data), *args],
            capture_output=True,
            text=True,
            env=env,
            timeout=120,
        )

    assert tracker("project", "add", "Shared").returncode == 0
    for k in range(PROCESSES):
        assert tracker("task", "add", "Shared", f"W{k}").returncode == 0

    seed = random.randrange(1 << 30)
    plans = [_worker_commands(k, random.Random(seed + k)) for k in range(PROCESSES)]
    results: list[list[tuple[list[str], subprocess.CompletedProcess]]] = [
        [] for _ in range(PROCESSES)
    ]
    barrier = threading.Barrier(PROCESSES)

    def work(k: int) -> None:
        barrier.wait()
        for cmd in plans[k]:
            results[k].append((cmd, tracker(*cmd)))

    threads = [threading.Thread(target=work, args=(k,)) for k in range(PROCESSES)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=300)
    assert not any(t.is_alive() for t in threads)

    failures = []
    for k in range(PROCESSES):
        assert len(results[k]) == COMMANDS
        for cmd, p in results[k]:
            verb = next(a for a in cmd if not a.startswith("-"))
            said = f"W{k} {cmd} -> {p.returncode}: {p.stderr.strip()!r}"
            if "locked" in p.stderr or "Traceback" in p.stderr:
                failures.append(said)
            elif p.returncode == 1:
                allowed = ALLOWED_REFUSALS.get(verb, ())
                lines = p.stderr.strip().splitlines()
                if len(lines) != 1 or not any(m in lines[0] for m in allowed):
                    failures.append(said)
            elif p.returncode != 0:
                failures.append(said)
    assert not failures, f"(seed {seed})\n" + "\n".join(failures)

    # Every manual entry landed, back to back from 09:00 on its process's own day.
    for k in range(PROCESSES):
        day = (FIRST_DAY + timedelta(days=2 * k)).isoformat()
        added = [int(cmd[3][:-1]) * 60 for cmd, p in results[k] if cmd[0] == "add"]
        log = tracker("--json", "log", "--from", day, "--to", day)
        assert log.returncode == 0, log.stderr
        entries = json.loads(log.stdout)
        assert [e["duration_seconds"] for e in entries] == added
        if entries:
            assert entries[0]["started_at"] == f"{day}T09:00:00+00:00"
        for a, b in itertools.pairwise(entries):
            assert a["ended_at"] == b["started_at"]
        totals = tracker("--json", "totals", "--by", "day", "--from", day, "--to", day)
        assert totals.returncode == 0, totals.stderr
        assert sum(r["seconds"] for r in json.loads(totals.stdout)) == sum(added)

    assert _invariants(data / DB_FILENAME) == []
    status = json.loads(tracker("--json", "status").stdout)
    assert status["running"] in (True, False)


# -- threads ------------------------------------------------------------------------------------


@pytest.mark.slow
def test_threads_with_their_own_connections_race_start_and_stop(tmp_path: Path) -> None:
    data = tmp_path / "data"
    setup = open_store(data)
    svc = Tracker(setup, SystemClock(), ZoneInfo("UTC"))
    svc.add_project("Race")
    n_threads = 6
    for k in range(n_threads):
        svc.add_task("Race", f"T{k}")
    setup.close()

    errors: list[str] = []
    done = {"start": 0, "stop": 0}
    lock = threading.Lock()
    barrier = threading.Barrier(n_threads)

    def work(k: int) -> None:
        rng = random.Random(k)
        store = open_store(data)
        mine = Tracker(store, SystemClock(), ZoneInfo("UTC"))
        try:
            barrier.wait()
            deadline = time.monotonic() + 4
            while time.monotonic() < deadline:
                try:
                    if rng.random() < 0.6:
                        mine.start(f"Race/T{rng.randrange(n_threads)}")
                        kind = "start"
                    else:
                        mine.stop()
                        kind = "stop"
                    with lock:
                        done[kind] += 1
                except NothingRunning:
                    pass
                except InvalidInput as exc:
                    if "is already running" not in str(exc):
                        errors.append(f"T{k}: {type(exc).__name__}: {exc}")
                except Exception as exc:
                    errors.append(f"T{k}: {type(exc).__name__}: {exc}")
        finally:
            store.close()

    threads = [threading.Thread(target=work, args=(k,)) for k in range(n_threads)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not any(t.is_alive() for t in threads)
    assert not errors, "\n".join(errors[:20])
    assert done["start"] > 20 and done["stop"] > 5, done
    assert _invariants(data / DB_FILENAME) == []


# -- the migrations race ------------------------------------------------------------------------

_OPENER = """
import sys, time
from pathlib import Path
from tracker.store import open_store
base, go, trials, step = Path(sys.argv[1]), float(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4])
failed = 0
for i in range(trials):
    at = go + i * step
    time.sleep(max(0.0, at - time.time() - 0.005))
    while time.time() < at:
        pass
    try:
        store = open_store(base / f"new{i}")
    except Exception as exc:
        failed += 1
        print(f"trial {i}: {type(exc).__name__}: {exc}", file=sys.stderr)
        continue
    mode = store.conn.execute("PRAGMA journal_mode").fetchone()[0]
    store.close()
    if mode != "wal":
        failed += 1
        print(f"trial {i}: journal_mode {mode}", file=sys.stderr)
sys.exit(1 if failed else 0)
"""


def test_processes_creating_one_new_database_at_the_same_instant(tmp_path: Path) -> None:
    """Four processes open the same brand-new database at the same instant, 25 times over."""
    script = tmp_path / "opener.py"
    script.write_text(_OPENER)
    env = _env(tmp_path)
    trials, step = 25, 0.08
    go = time.time() + 0.5  # after every interpreter has started
    procs = [
        subprocess.Popen(
            [sys.executable, str(script), str(tmp_path), repr(go), str(trials), str(step)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        for _ in range(3)
    ]
    errors = [p.communicate(timeout=120)[1] for p in procs]
    assert all(p.returncode == 0 for p in procs), "".join(errors)

    expected = sorted(m.name for m in migrations._migrations)
    for i in range(trials):
        conn = sqlite3.connect(tmp_path / f"new{i}" / DB_FILENAME)
        applied = sorted(
            r[0] for r in conn.execute("SELECT name FROM _sqlite_migrations").fetchall()
        )
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        conn.close()
        assert applied == expected, f"trial {i}"  # each migration recorded once
        assert {"projects", "tasks", "intervals", "settings", "meta"} <= tables


def test_threads_creating_one_new_database_at_the_same_instant(tmp_path: Path) -> None:
    """The same race, tighter: threads released by one barrier (sqlite3 drops the GIL)."""
    expected = sorted(m.name for m in migrations._migrations)
    errors: list[str] = []
    deadline = time.monotonic() + 6
    trials = 0
    while trials < 200 and time.monotonic() < deadline:
        data = tmp_path / f"new{trials}"
        barrier = threading.Barrier(4)

        def open_it(data: Path = data, barrier: threading.Barrier = barrier) -> None:
            barrier.wait()
            try:
                open_store(data).close()
            except Exception as exc:
                errors.append(f"{data.name}: {type(exc).__name__}: {exc}")

        threads = [threading.Thread(target=open_it) for _ in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=60)
        trials += 1
    assert not errors, f"{len(errors)} failed opens in {trials} trials:\n" + "\n".join(errors[:5])
    store = open_store(tmp_path / "new0")
    try:
        applied = sorted(m.name for m in migrations.applied(store.db))
    finally:
        store.close()
    assert applied == expected


# -- deterministic interleavings ----------------------------------------------------------------
# The races above, replayed step by step in one process: another writer commits in the gap a
# real race would need.

T0 = datetime(2026, 11, 25, 17, 0, 0, tzinfo=UTC)


def _race_store(tmp_path: Path) -> Path:
    data = tmp_path / "data"
    store = open_store(data)
    svc = Tracker(store, FixedClock(T0 - timedelta(hours=1)), ZoneInfo("UTC"))
    svc.add_project("Race")
    svc.add_task("Race", "Mine")
    svc.add_task("Race", "Theirs")
    store.close()
    return data


class _ClockBeforeTheLock:
    """The first read outside the write lock returns ``T0``, and right after it another process
    starts its timer at ``T0 + 1 s`` (as a racing process would); later reads see ``T0 + 2 s``."""

    def __init__(self, store, other: Tracker) -> None:
        self.store = store
        self.other = other
        self.raced = False

    def now(self) -> datetime:
        if not self.store.conn.in_transaction and not self.raced:
            self.raced = True
            self.other.clock.set(T0 + timedelta(seconds=1))
            self.other.start("Race/Theirs")
            return T0
        return T0 + timedelta(seconds=2)


@pytest.mark.parametrize("use_case", ["start", "stop"])
def test_a_timer_command_reads_the_clock_under_the_write_lock(tmp_path: Path, use_case) -> None:
    """`start`/`stop` must not act at an instant read before they held the lock: another
    process's timer, started in between, is then refused as "in the future"/"after" it."""
    data = _race_store(tmp_path)
    mine, theirs = open_store(data), open_store(data)
    try:
        other = Tracker(theirs, FixedClock(T0), ZoneInfo("UTC"))
        svc = Tracker(mine, _ClockBeforeTheLock(mine, other), ZoneInfo("UTC"))
        if use_case == "start":
            svc.start("Race/Mine")  # stops theirs (or starts alone) at its own instant
            assert mine.running().task_title == "Mine"
        else:
            svc.stop()  # stops theirs when it raced in; NothingRunning would be fine too
            assert mine.running() is None
        assert _invariants(data / DB_FILENAME) == []
    except NothingRunning:
        assert use_case == "stop" and not svc.clock.raced
    finally:
        mine.close()
        theirs.close()


@pytest.fixture
def cli_in_process(tmp_path: Path, monkeypatch):
    """`tracker.cli.main` in this process, at the fixed instant ``T0``."""
    monkeypatch.setenv("TZ", "UTC")
    monkeypatch.setenv("TRACKER_LOG_DIR", str(tmp_path / "logs"))
    monkeypatch.delenv("TRACKER_DATA_DIR", raising=False)
    monkeypatch.setattr(SystemClock, "now", lambda self: T0)
    handlers = list(logging.getLogger().handlers)
    yield
    for h in logging.getLogger().handlers:
        if h not in handlers:
            logging.getLogger().removeHandler(h)
            h.close()


def _other_starts_theirs(data: Path, start=Tracker.start) -> None:
    """Another process (its own connection) starts the timer on Race/Theirs."""
    store = open_store(data)
    try:
        start(Tracker(store, SystemClock(), ZoneInfo("UTC")), "Race/Theirs")
    finally:
        store.close()


@pytest.mark.usefixtures("cli_in_process")
def test_start_output_survives_its_entry_discarded_right_after(tmp_path, monkeypatch, capsys):
    """Process A starts a timer; process B starts another in the same second, which discards
    A's (it lasted < 1 s) before A printed it. A's start did succeed: exit 0, no crash."""
    data = _race_store(tmp_path)
    real_start = Tracker.start

    def start_then_race(self, *args, **kw):
        plan = real_start(self, *args, **kw)
        _other_starts_theirs(data, real_start)
        return plan

    monkeypatch.setattr(Tracker, "start", start_then_race)
    code = cli_main(["--data-dir", str(data), "start", "Race/Mine"])
    out, err = capsys.readouterr()
    assert (code, err) == (0, ""), err
    assert "Race/Mine" in out


@pytest.mark.usefixtures("cli_in_process")
def test_stop_output_survives_a_timer_started_meanwhile(tmp_path, monkeypatch, capsys):
    """`tracker stop` while nothing runs, and another process starts a timer in the same second
    just before the stop takes the lock: the stop discards it (< 1 s). Exit 0, no crash."""
    data = _race_store(tmp_path)
    real_stop = Tracker.stop

    def race_then_stop(self, *args, **kw):
        _other_starts_theirs(data)
        return real_stop(self, *args, **kw)

    monkeypatch.setattr(Tracker, "stop", race_then_stop)
    code = cli_main(["--data-dir", str(data), "--json", "stop"])
    out, err = capsys.readouterr()
    assert (code, err) == (0, ""), err
    assert json.loads(out)["stopped"] is None
