"""Shared pieces of the benchmarks: synthetic data, the database builder, timing and tables.

Not a test module: the scripts next to it import it (``python benchmarks/bench_*.py`` puts this
directory on ``sys.path``).

The data set (fixed seed, so every run sees the same rows):

- 50 projects (40 from a server, 10 local) with 10 tasks each (500 tasks); task popularity is
  skewed (Zipf-like weights) as in real use.
- intervals of 5–55 minutes, each followed by a gap (60 s plus an exponential tail), laid out in
  ``lanes`` parallel non-overlapping timelines that together span ``span_days`` and end a day
  before now. One lane = one person's timeline; 1M intervals cannot fit in ~3 years without
  overlapping (1M × 30 min ≈ 57 years), so the 3-year data set has ~26 lanes (a team's history).
- ids are UUIDv7 strings built from each interval's start (ms) plus seeded random bits, so they
  are time-ordered *and* reproducible; ``tracker.ids.new_id()`` (2.6 µs per id here) is time-
  ordered by generation time, not by start, and not reproducible. Projects and tasks use
  ``new_id()``.
- rows are sorted by start (as an import or a sync pull delivers them).
- server projects' intervals are synced (revision 1 = synced_revision) except the newest 50;
  0.2 % of server rows are tombstones (deleted = 1); 10 % are manual; 10 % carry a short note.
"""

from __future__ import annotations

import math
import random
import resource
import shutil
import statistics
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from tracker.ids import new_id
from tracker.model import Origin, Project, Task
from tracker.store import Store, open_store
from tracker.store.repo import BULK_COLUMNS

ZONE = "Europe/Berlin"
SEED = 20261125
N_PROJECTS = 50
N_SERVER_PROJECTS = 40
TASKS_PER_PROJECT = 10
MIN_DUR, MAX_DUR = 5 * 60, 55 * 60
MIN_GAP = 60
NOTES = ("standup", "review", "call with client", "fix tests", "planning")

assert BULK_COLUMNS == (
    "id", "task_id", "started_at", "ended_at", "tz", "note", "source", "revision",
    "synced_revision", "server_revision", "deleted", "created_at", "updated_at",
), "BULK_COLUMNS changed: update make_intervals()"  # fmt: skip


@dataclass(frozen=True)
class Catalog:
    projects: list[Project]
    tasks: list[Task]

    def label(self, i: int) -> str:
        t = self.tasks[i]
        return f"{t.project_name}/{t.title}"


def uuid7_str(ms: int, rng: random.Random) -> str:
    """A UUIDv7 (RFC 9562) from a Unix time in ms and 74 random bits."""
    value = (
        (ms & 0xFFFF_FFFF_FFFF) << 80
        | 0x7 << 76
        | rng.getrandbits(12) << 64
        | 0b10 << 62
        | rng.getrandbits(62)
    )
    h = f"{value:032x}"
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def make_catalog(server_projects: int = N_SERVER_PROJECTS) -> Catalog:
    projects, tasks = [], []
    for p in range(N_PROJECTS):
        origin = Origin.SERVER if p < server_projects else Origin.LOCAL
        proj = Project(id=new_id(), name=f"Project {p:02d}", origin=origin)
        projects.append(proj)
        for t in range(TASKS_PER_PROJECT):
            title = f"Task {p * TASKS_PER_PROJECT + t:03d}"
            tasks.append(Task(id=new_id(), project_id=proj.id, title=title, project_name=proj.name))
    return Catalog(projects, tasks)


def insert_catalog(store: Store, cat: Catalog) -> None:
    now = datetime.now(UTC)
    with store.transaction():
        for p in cat.projects:
            store.insert_project(p, now)
        for t in cat.tasks:
            store.insert_task(t, now)


def lanes_for(rows: int, span_days: float) -> int:
    """Parallel timelines needed to fit ``rows`` intervals (mean cycle ~40 min) in the span."""
    return max(1, math.ceil(rows * 40 * 60 / (span_days * 86400)))


def make_intervals(
    rows: int,
    cat: Catalog,
    span_days: float = 3 * 365,
    lanes: int | None = None,
    seed: int = SEED,
) -> list[tuple]:
    """``rows`` interval rows in :data:`BULK_COLUMNS` order, sorted by start."""
    rng = random.Random(seed)
    lanes = lanes or lanes_for(rows, span_days)
    per_lane = [rows // lanes + (1 if i < rows % lanes else 0) for i in range(lanes)]
    end_at = int(time.time()) - 86400
    mean_dur = (MIN_DUR + MAX_DUR) / 2
    # Mean gap so that each lane spans span_days (at least MIN_GAP + 1 s).
    lane_rows = max(per_lane)
    mean_gap = max(MIN_GAP + 1, span_days * 86400 / lane_rows - mean_dur)
    weights = [1 / (k + 1) ** 0.8 for k in range(len(cat.tasks))]
    order = list(range(len(cat.tasks)))
    rng.shuffle(order)
    picks = rng.choices(order, weights=weights, k=rows)
    server = {p.id for p in cat.projects if p.origin is Origin.SERVER}
    task_ids = [t.id for t in cat.tasks]
    task_server = [t.project_id in server for t in cat.tasks]

    spans: list[tuple[int, int]] = []
    for n in per_lane:
        cursor = rng.randrange(3600)
        for _ in range(n):
            dur = rng.randint(MIN_DUR, MAX_DUR)
            spans.append((cursor, cursor + dur))
            cursor += dur + MIN_GAP + int(rng.expovariate(1 / (mean_gap - MIN_GAP)))
    spans.sort()
    # Shift so that the newest entry ends a day before now (nothing in the future).
    shift = end_at - max(e for _, e in spans)
    spans = [(s + shift, e + shift) for s, e in spans]

    out: list[tuple] = []
    pending_from = rows - 50
    for k, (start, end) in enumerate(spans):
        ti = picks[k]
        on_server = task_server[ti]
        r = rng.random()
        deleted = 1 if on_server and r < 0.002 else 0
        synced = 1 if on_server and k < pending_from else 0
        out.append(
            (
                uuid7_str(start * 1000 + rng.randrange(1000), rng),
                task_ids[ti],
                start,
                end,
                ZONE,
                NOTES[int(r * 100) % len(NOTES)] if r < 0.1 else "",
                "manual" if 0.1 <= r < 0.2 else "timer",
                1,
                synced,
                synced,
                deleted,
                end,
                end,
            )
        )
    return out


def build_db(
    data_dir: Path,
    rows: int,
    span_days: float = 3 * 365,
    lanes: int | None = None,
    server_projects: int = N_SERVER_PROJECTS,
) -> tuple[Store, Catalog, float]:
    """A fresh store in ``data_dir`` holding the catalog and ``rows`` intervals (bulk path).

    Returns the open store, the catalog and the seconds the bulk insert took.
    """
    store = open_store(data_dir)
    cat = make_catalog(server_projects)
    insert_catalog(store, cat)
    data = make_intervals(rows, cat, span_days, lanes)
    t0 = time.perf_counter()
    store.bulk_insert_intervals(data)
    took = time.perf_counter() - t0
    store.conn.execute("ANALYZE")  # as a long-lived database would have after PRAGMA optimize
    store.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return store, cat, took


class TempDir:
    """A temporary directory under /tmp, removed on exit unless ``keep``."""

    def __init__(self, prefix: str, keep: bool = False) -> None:
        self.path = Path(tempfile.mkdtemp(prefix=prefix, dir="/tmp"))
        self.keep = keep

    def __enter__(self) -> Path:
        return self.path

    def __exit__(self, *exc: object) -> None:
        if self.keep:
            print(f"(kept {self.path})")
        else:
            shutil.rmtree(self.path, ignore_errors=True)


def time_it(fn: Callable[[], object], repeat: int, warmup: int = 1) -> list[float]:
    """Wall seconds of ``repeat`` calls of ``fn`` after ``warmup`` discarded ones."""
    for _ in range(warmup):
        fn()
    out = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t0)
    return out


def pct(values: Sequence[float], q: float) -> float:
    """The q-quantile (0..1), linear interpolation."""
    s = sorted(values)
    if len(s) == 1:
        return s[0]
    pos = (len(s) - 1) * q
    lo = math.floor(pos)
    hi = min(lo + 1, len(s) - 1)
    return s[lo] + (s[hi] - s[lo]) * (pos - lo)


def median(values: Sequence[float]) -> float:
    return statistics.median(values)


def children_rusage() -> tuple[float, int]:
    """(user+sys CPU seconds, max RSS KiB) of all waited-for children so far."""
    ru = resource.getrusage(resource.RUSAGE_CHILDREN)
    return ru.ru_utime + ru.ru_stime, ru.ru_maxrss


def table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    """A plain-text table (Markdown pipe syntax, so it pastes into an issue)."""
    cells = [[str(c) for c in headers]] + [[str(c) for c in r] for r in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(headers))]

    def line(r: Sequence[str]) -> str:
        return "| " + " | ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) + " |"

    out = [line(cells[0]), "|" + "|".join("-" * (w + 2) for w in widths) + "|"]
    out += [line(r) for r in cells[1:]]
    return "\n".join(out)


def header(title: str) -> None:
    import platform
    import sqlite3
    import sys

    print(f"# {title}")
    print(
        f"python {sys.version.split()[0]}, SQLite {sqlite3.sqlite_version}, "
        f"{platform.machine()}, {platform.node()}, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC"
    )
    print()
