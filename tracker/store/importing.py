"""What an import asks the local database (table-family functions): which row ids it already
holds (deleted entries included, so a deleted imported row is not brought back) and the live
entries a file's rows could overlap."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime

from .repo import BULK_COLUMNS, Store

CHUNK = 500


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
    running one up to now)."""
    out = []
    n = int(now.timestamp())
    for e in store.list_intervals(
        datetime.fromtimestamp(lo, UTC), datetime.fromtimestamp(hi, UTC), now
    ):
        s = int(e.started_at.timestamp())
        end = int(e.ended_at.timestamp()) if e.ended_at else max(n, s + 1)
        out.append((s, end, f"{e.project_name} / {e.task_title}"))
    return out


def insert_imported(store: Store, rows: Iterable[Sequence]) -> int:
    """New entries in :data:`~tracker.store.repo.BULK_COLUMNS` order (the bulk path)."""
    return store.bulk_insert_intervals(rows)


__all__ = ["BULK_COLUMNS", "insert_imported", "known_interval_ids", "live_spans"]
