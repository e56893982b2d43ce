"""What an import asks the local database (table-family functions): which row ids it already
holds (deleted entries included, so a deleted imported row is not brought back) and the live
entries a file's rows could overlap."""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime

from .repo import BULK_COLUMNS, Store

CHUNK = 500
#: The page cache an import's transaction may use (KiB): 100k new entries dirty ~46 MB of
#: pages, and with the default 2 MB SQLite spilled and re-encoded them mid-transaction (the
#: insert took 1.7x the CPU).
IMPORT_CACHE_KIB = 131072


@contextlib.contextmanager
def roomy_cache(store: Store, kib: int = IMPORT_CACHE_KIB) -> Iterator[None]:
    """A larger page cache for the duration (an upper bound: it is used as pages are touched),
    then the connection's own again."""
    old = store.conn.execute("PRAGMA cache_size").fetchone()[0]
    store.conn.execute(f"PRAGMA cache_size = {-int(kib)}")
    try:
        yield
    finally:
        store.conn.execute(f"PRAGMA cache_size = {int(old)}")


def known_interval_ids(store: Store, ids: Sequence[str]) -> set[str]:
    found: set[str] = set()
    for i in range(0, len(ids), CHUNK):
        part = list(ids[i : i + CHUNK])
        marks = ", ".join("?" * len(part))
        found.update(
            x
            for (x,) in store.conn.execute(f"SELECT id FROM intervals WHERE id IN ({marks})", part)
        )
    return found


def live_spans(store: Store, lo: int, hi: int, now: datetime) -> list[tuple[int, int, str]]:
    """``(start, end, "Project / Task")`` of the live entries overlapping ``[lo, hi)`` (the
    running one up to now): one query, no entry objects (an import may span years)."""
    n = int(now.timestamp())
    rows = store.conn.execute(
        "SELECT i.started_at, COALESCE(i.ended_at, MAX(?, i.started_at + 1)), p.name, t.title "
        "FROM intervals i JOIN tasks t ON t.id = i.task_id JOIN projects p ON p.id = t.project_id "
        "WHERE i.deleted = 0 AND i.started_at < ? AND COALESCE(i.ended_at, ?) > ?",
        [n, hi, max(n, lo + 1), lo],
    )
    return [(s, e, f"{project} / {task}") for s, e, project, task in rows]


def insert_imported(store: Store, rows: Iterable[Sequence]) -> int:
    """New entries in :data:`~tracker.store.repo.BULK_COLUMNS` order (the bulk path), every id
    found absent by :func:`known_interval_ids` in the same transaction and unique."""
    return store.bulk_insert_intervals(rows, chunk=5000, fresh=True)


__all__ = ["BULK_COLUMNS", "insert_imported", "known_interval_ids", "live_spans", "roomy_cache"]
