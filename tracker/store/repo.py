"""Table-family functions over the open database: they take and return domain objects."""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from datetime import UTC, date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from ..errors import StoreError
from ..model import Interval, Origin, Project, Source, SyncState, Task, TaskStatus
from ..totals import Bucket, GroupBy, TotalRow, day_buckets, local_date, week_buckets
from .db import DB_FILENAME, Db, corrupt_database, open_database, write_transaction

_INTERVAL_COLUMNS = """
    i.id, i.task_id, i.started_at, i.ended_at, i.note, i.source, i.revision, i.deleted,
    i.heartbeat_at, i.synced_revision, i.sync_status, t.title, p.id, p.name, p.origin
"""
_INTERVAL_FROM = """
    FROM intervals i JOIN tasks t ON t.id = i.task_id JOIN projects p ON p.id = t.project_id
"""


def _ts(value: int | None) -> datetime | None:
    return None if value is None else datetime.fromtimestamp(value, UTC)


def _epoch(dt: datetime | None) -> int | None:
    return None if dt is None else int(dt.timestamp())


def _sync_state(origin: str, revision: int, synced: int, status: str | None) -> SyncState:
    if origin == Origin.LOCAL:
        return SyncState.LOCAL
    if status:
        return SyncState(status)
    return SyncState.PENDING if revision > synced else SyncState.SYNCED


def _interval(row: Sequence) -> Interval:
    return Interval(
        id=row[0],
        task_id=row[1],
        started_at=_ts(row[2]),
        ended_at=_ts(row[3]),
        note=row[4],
        source=Source(row[5]),
        revision=row[6],
        deleted=bool(row[7]),
        heartbeat_at=_ts(row[8]),
        task_title=row[11],
        project_id=row[12],
        project_name=row[13],
        sync_state=_sync_state(row[14], row[6], row[9], row[10]),
    )


def _project(row: Sequence) -> Project:
    return Project(
        id=row[0],
        name=row[1],
        client=row[2],
        origin=Origin(row[3]),
        screenshots=bool(row[4]),
        blur=bool(row[5]),
        archived=bool(row[6]),
        revision=row[7],
    )


def _task(row: Sequence) -> Task:
    return Task(
        id=row[0],
        project_id=row[1],
        title=row[2],
        status=TaskStatus(row[3]),
        revision=row[4],
        project_name=row[5],
    )


_PROJECT_COLUMNS = "id, name, client, origin, screenshots, blur, archived, revision"
_TASK_SELECT = """
    SELECT t.id, t.project_id, t.title, t.status, t.revision, p.name
    FROM tasks t JOIN projects p ON p.id = t.project_id
"""

# Columns of the bulk path, in order.
BULK_COLUMNS = (
    "id",
    "task_id",
    "started_at",
    "ended_at",
    "tz",
    "note",
    "source",
    "revision",
    "synced_revision",
    "server_revision",
    "deleted",
    "created_at",
    "updated_at",
)


class Store:
    """The local database of one user. All writes go through :meth:`transaction`."""

    def __init__(self, db: Db, path: Path) -> None:
        self.db = db
        self.path = path
        self.conn: sqlite3.Connection = db.conn

    def close(self) -> None:
        self.conn.close()

    # -- transactions -------------------------------------------------------------------------

    @contextlib.contextmanager
    def transaction(self) -> Iterator[Store]:
        """One write transaction (BEGIN IMMEDIATE); nested calls become savepoints."""
        try:
            with write_transaction(self.db):
                yield self
        except sqlite3.IntegrityError:
            raise
        except sqlite3.DatabaseError as exc:
            raise corrupt_database(self.path, exc) from None

    @contextlib.contextmanager
    def snapshot(self) -> Iterator[Store]:
        """A consistent read of several queries."""
        if self.conn.in_transaction:
            yield self
            return
        try:
            self.conn.execute("BEGIN")
            try:
                yield self
            finally:
                if self.conn.in_transaction:
                    self.conn.execute("COMMIT")
        except sqlite3.DatabaseError as exc:
            raise corrupt_database(self.path, exc) from None

    def _one(self, sql: str, params: Sequence | dict = ()) -> tuple | None:
        return self.conn.execute(sql, params).fetchone()

    def _all(self, sql: str, params: Sequence | dict = ()) -> list[tuple]:
        return self.conn.execute(sql, params).fetchall()

    # -- settings -----------------------------------------------------------------------------

    def get_setting(self, key: str) -> str | None:
        row = self._one("SELECT value FROM settings WHERE key = ?", [key])
        return row[0] if row else None

    def all_settings(self) -> dict[str, str]:
        return dict(self._all("SELECT key, value FROM settings ORDER BY key"))

    def set_setting(self, key: str, value: str) -> None:
        self.conn.execute(
            "INSERT INTO settings (key, value) VALUES (?, ?) "
            "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            [key, value],
        )

    def delete_setting(self, key: str) -> None:
        self.conn.execute("DELETE FROM settings WHERE key = ?", [key])

    # -- projects -----------------------------------------------------------------------------

    def insert_project(self, p: Project, now: datetime) -> None:
        t = _epoch(now)
        self.conn.execute(
            f"INSERT INTO projects ({_PROJECT_COLUMNS}, created_at, updated_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [p.id, p.name, p.client, p.origin.value, int(p.screenshots), int(p.blur),
             int(p.archived), p.revision, t, t],
        )  # fmt: skip

    def update_project(self, p: Project, now: datetime) -> None:
        self.conn.execute(
            "UPDATE projects SET name = ?, client = ?, screenshots = ?, blur = ?, archived = ?, "
            "revision = ?, updated_at = ? WHERE id = ?",
            [p.name, p.client, int(p.screenshots), int(p.blur), int(p.archived), p.revision,
             _epoch(now), p.id],
        )  # fmt: skip

    def get_project(self, project_id: str) -> Project | None:
        row = self._one(f"SELECT {_PROJECT_COLUMNS} FROM projects WHERE id = ?", [project_id])
        return _project(row) if row else None

    def projects_named(self, name: str) -> list[Project]:
        rows = self._all(
            f"SELECT {_PROJECT_COLUMNS} FROM projects WHERE name = ? COLLATE NOCASE", [name]
        )
        return [_project(r) for r in rows]

    def projects_with_id_prefix(self, prefix: str) -> list[Project]:
        rows = self._all(
            f"SELECT {_PROJECT_COLUMNS} FROM projects WHERE id >= ? AND id < ? LIMIT 2",
            [prefix, prefix + "\uffff"],
        )
        return [_project(r) for r in rows]

    def list_projects(self, include_archived: bool = True) -> list[Project]:
        where = "" if include_archived else "WHERE archived = 0"
        rows = self._all(
            f"SELECT {_PROJECT_COLUMNS} FROM projects {where} ORDER BY name COLLATE NOCASE, id"
        )
        return [_project(r) for r in rows]

    # -- tasks --------------------------------------------------------------------------------

    def insert_task(self, t: Task, now: datetime) -> None:
        e = _epoch(now)
        self.conn.execute(
            "INSERT INTO tasks (id, project_id, title, status, revision, created_at, updated_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            [t.id, t.project_id, t.title, t.status.value, t.revision, e, e],
        )

    def update_task(self, t: Task, now: datetime) -> None:
        self.conn.execute(
            "UPDATE tasks SET title = ?, status = ?, revision = ?, updated_at = ? WHERE id = ?",
            [t.title, t.status.value, t.revision, _epoch(now), t.id],
        )

    def get_task(self, task_id: str) -> Task | None:
        row = self._one(_TASK_SELECT + " WHERE t.id = ?", [task_id])
        return _task(row) if row else None

    def tasks_with_id_prefix(self, prefix: str) -> list[Task]:
        rows = self._all(
            _TASK_SELECT + " WHERE t.id >= ? AND t.id < ? LIMIT 2", [prefix, prefix + "\uffff"]
        )
        return [_task(r) for r in rows]

    def tasks_titled(self, title: str, project_id: str | None = None) -> list[Task]:
        if project_id is None:
            rows = self._all(_TASK_SELECT + " WHERE t.title = ? COLLATE NOCASE", [title])
        else:
            rows = self._all(
                _TASK_SELECT + " WHERE t.project_id = ? AND t.title = ? COLLATE NOCASE",
                [project_id, title],
            )
        return [_task(r) for r in rows]

    def list_tasks(self, project_id: str | None = None) -> list[Task]:
        order = " ORDER BY p.name COLLATE NOCASE, t.title COLLATE NOCASE, t.id"
        if project_id is None:
            rows = self._all(_TASK_SELECT + order)
        else:
            rows = self._all(_TASK_SELECT + " WHERE t.project_id = ?" + order, [project_id])
        return [_task(r) for r in rows]

    def recent_tasks(self, limit: int = 5) -> list[Task]:
        """Tasks of the most recent entries, newest first, each once."""
        rows = self._all(
            """
            SELECT t.id, t.project_id, t.title, t.status, t.revision, p.name
            FROM (
                SELECT task_id, MAX(started_at) AS last FROM (
                    SELECT task_id, started_at FROM intervals WHERE deleted = 0
                    ORDER BY started_at DESC LIMIT 200
                ) GROUP BY task_id
            ) r JOIN tasks t ON t.id = r.task_id JOIN projects p ON p.id = t.project_id
            ORDER BY r.last DESC LIMIT ?
            """,
            [limit],
        )
        return [_task(r) for r in rows]

    # -- intervals ----------------------------------------------------------------------------

    def insert_interval(self, e: Interval, tz: str, now: datetime) -> None:
        t = _epoch(now)
        self.conn.execute(
            "INSERT INTO intervals (id, task_id, started_at, ended_at, tz, note, source, "
            "revision, deleted, heartbeat_at, created_at, updated_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [e.id, e.task_id, _epoch(e.started_at), _epoch(e.ended_at), tz, e.note,
             e.source.value, e.revision, int(e.deleted), _epoch(e.heartbeat_at), t, t],
        )  # fmt: skip
        self._note_span(e)

    def update_interval(self, e: Interval, now: datetime) -> None:
        """Write a new revision of ``e`` (the caller raised its revision)."""
        cur = self.conn.execute(
            "UPDATE intervals SET task_id = ?, started_at = ?, ended_at = ?, note = ?, "
            "source = ?, revision = ?, deleted = ?, heartbeat_at = ?, sync_status = NULL, "
            "sync_detail = NULL, updated_at = ? WHERE id = ? AND revision < ?",
            [e.task_id, _epoch(e.started_at), _epoch(e.ended_at), e.note, e.source.value,
             e.revision, int(e.deleted), _epoch(e.heartbeat_at), _epoch(now), e.id, e.revision],
        )  # fmt: skip
        if cur.rowcount != 1:
            raise StoreError(f"entry {e.id} changed meanwhile: run the command again")
        self._note_span(e)

    def hard_delete_interval(self, interval_id: str) -> None:
        self.conn.execute("DELETE FROM intervals WHERE id = ?", [interval_id])

    def _note_span(self, e: Interval) -> None:
        if e.ended_at is not None and not e.deleted:
            span = _epoch(e.ended_at) - _epoch(e.started_at)
            self.conn.execute(
                "UPDATE meta SET value = ? WHERE key = 'max_span_seconds' AND value < ?",
                [span, span],
            )

    def beat(self, interval_id: str, at: datetime) -> bool:
        """Record the running timer's heartbeat (not a revision: nothing to sync)."""
        cur = self.conn.execute(
            "UPDATE intervals SET heartbeat_at = ? WHERE id = ? AND ended_at IS NULL "
            "AND deleted = 0",
            [_epoch(at), interval_id],
        )
        return cur.rowcount == 1

    def was_synced(self, interval_id: str) -> bool:
        row = self._one("SELECT synced_revision FROM intervals WHERE id = ?", [interval_id])
        return bool(row and row[0] > 0)

    def get_interval(self, interval_id: str) -> Interval | None:
        row = self._one(
            f"SELECT {_INTERVAL_COLUMNS} {_INTERVAL_FROM} WHERE i.id = ?", [interval_id]
        )
        return _interval(row) if row else None

    def intervals_with_id_prefix(self, prefix: str) -> list[Interval]:
        rows = self._all(
            f"SELECT {_INTERVAL_COLUMNS} {_INTERVAL_FROM} "
            "WHERE i.id >= ? AND i.id < ? AND i.deleted = 0 LIMIT 2",
            [prefix, prefix + "\uffff"],
        )
        return [_interval(r) for r in rows]

    def deleted_intervals_with_id_prefix(self, prefix: str) -> list[Interval]:
        """Tombstones whose id starts with ``prefix`` (at most two: enough to tell if unique)."""
        rows = self._all(
            f"SELECT {_INTERVAL_COLUMNS} {_INTERVAL_FROM} "
            "WHERE i.id >= ? AND i.id < ? AND i.deleted = 1 LIMIT 2",
            [prefix, prefix + "\uffff"],
        )
        return [_interval(r) for r in rows]

    def interval_sync_problem(self, interval_id: str) -> tuple[str | None, str | None]:
        """``(sync_status, sync_detail)`` of an entry: what the server said about it last."""
        row = self._one(
            "SELECT sync_status, sync_detail FROM intervals WHERE id = ?", [interval_id]
        )
        return (row[0], row[1]) if row else (None, None)

    def running(self) -> Interval | None:
        row = self._one(
            f"SELECT {_INTERVAL_COLUMNS} {_INTERVAL_FROM} "
            "WHERE i.ended_at IS NULL AND i.deleted = 0"
        )
        return _interval(row) if row else None

    def first_overlap(
        self, start: datetime, end: datetime, exclude: Iterable[str] = ()
    ) -> Interval | None:
        """The earliest live entry overlapping ``[start, end)``.

        Live entries never overlap each other, so they are ordered the same by start and by end:
        the entry with the latest start before ``end`` overlaps if any does, and the one with the
        earliest end after ``start`` is the first. Two index seeks, whatever the table size.
        """
        # The running entry reaches into the future (entries may not), so it overlaps anything
        # that ends after it started.
        s, e = _epoch(start), _epoch(end)
        excluded = list(exclude)
        not_in = ""
        if excluded:
            not_in = f" AND i.id NOT IN ({', '.join('?' * len(excluded))})"
        running = self._one(
            f"SELECT {_INTERVAL_COLUMNS} {_INTERVAL_FROM} WHERE i.ended_at IS NULL "
            f"AND i.deleted = 0 AND i.started_at < ?{not_in}",
            [e, *excluded],
        )
        finished = self._one(
            f"SELECT {_INTERVAL_COLUMNS} {_INTERVAL_FROM} WHERE i.deleted = 0 "
            f"AND i.ended_at > ? AND i.started_at < ?{not_in} ORDER BY i.ended_at LIMIT 1",
            [s, e, *excluded],
        )
        hits = [x for x in (finished, running) if x is not None]
        if not hits:
            return None
        return _interval(min(hits, key=lambda r: r[2]))

    def last_end_on(self, lo: datetime, hi: datetime) -> datetime | None:
        """The latest end of an entry that ends within ``(lo, hi]``."""
        row = self._one(
            "SELECT MAX(ended_at) FROM intervals WHERE deleted = 0 AND ended_at > ? "
            "AND ended_at <= ?",
            [_epoch(lo), _epoch(hi)],
        )
        return _ts(row[0]) if row and row[0] is not None else None

    def list_intervals(
        self, lo: datetime | None, hi: datetime | None, now: datetime
    ) -> list[Interval]:
        """Live entries overlapping ``[lo, hi)``, in start order."""
        lo_s = _epoch(lo) if lo else -(2**62)
        hi_s = _epoch(hi) if hi else 2**62
        reach = lo_s - self._max_span(now)
        rows = self._all(
            f"SELECT {_INTERVAL_COLUMNS} {_INTERVAL_FROM} WHERE i.deleted = 0 "
            "AND i.started_at >= ? AND i.started_at < ? "
            "AND COALESCE(i.ended_at, MAX(?, i.started_at + 1)) > ? ORDER BY i.started_at, i.id",
            [reach, hi_s, _epoch(now), lo_s],
        )
        return [_interval(r) for r in rows]

    def unpushed_intervals(self, limit: int = 500) -> list[Interval]:
        rows = self._all(
            f"SELECT {_INTERVAL_COLUMNS} {_INTERVAL_FROM} WHERE i.revision > i.synced_revision "
            "AND p.origin = 'server' ORDER BY i.id LIMIT ?",
            [limit],
        )
        return [_interval(r) for r in rows]

    def count_unpushed(self) -> int:
        # From the (few) server projects down, so entries of local projects, which never sync,
        # are never read.
        row = self._one(
            "SELECT COUNT(*) FROM projects p JOIN tasks t ON t.project_id = p.id "
            "JOIN intervals i INDEXED BY intervals_unpushed ON i.task_id = t.id "
            "WHERE p.origin = 'server' AND i.revision > i.synced_revision"
        )
        return int(row[0])

    def _max_span(self, now: datetime) -> int:
        """An upper bound of any live entry's length, the running one included."""
        row = self._one("SELECT value FROM meta WHERE key = 'max_span_seconds'")
        bound = int(row[0]) if row else 0
        running = self._one(
            "SELECT started_at FROM intervals WHERE ended_at IS NULL AND deleted = 0"
        )
        if running:
            bound = max(bound, _epoch(now) - running[0] + 1)
        return bound + 1

    def bulk_insert_intervals(
        self, rows: Iterable[Sequence], chunk: int = 500, fresh: bool = False
    ) -> int:
        """The bulk path (sync's pull, imports): rows in :data:`BULK_COLUMNS` order, upserted
        by id in one transaction. ``fresh``: the caller has found every id absent in the
        same transaction and unique (an import), so no chunk is looked up.

        Per chunk, one ``IN`` query finds which ids exist; a chunk of new rows is one plain
        ``executemany`` INSERT (an ``ON CONFLICT DO UPDATE`` upsert is ~3x slower for new rows),
        otherwise rows go one by one in order, so the last row for an id wins."""
        cols = ", ".join(BULK_COLUMNS)
        marks = ", ".join("?" * len(BULK_COLUMNS))
        insert = f"INSERT INTO intervals ({cols}) VALUES ({marks})"
        update = (
            "UPDATE intervals SET "
            + ", ".join(f"{c} = ?" for c in BULK_COLUMNS if c != "id")
            + " WHERE id = ?"
        )
        longest = 0
        written = 0
        batch: list[Sequence] = []

        def flush() -> None:
            nonlocal written
            if fresh:
                written += self.conn.executemany(insert, batch).rowcount
                batch.clear()
                return
            ids = [r[0] for r in batch]
            have = {
                x
                for (x,) in self.conn.execute(
                    f"SELECT id FROM intervals WHERE id IN ({', '.join('?' * len(ids))})", ids
                )
            }
            if not have and len(set(ids)) == len(ids):
                written += self.conn.executemany(insert, batch).rowcount
            else:
                for r in batch:
                    if r[0] in have:
                        written += self.conn.execute(update, [*r[1:], r[0]]).rowcount
                    else:
                        written += self.conn.execute(insert, r).rowcount
                        have.add(r[0])
            batch.clear()

        with self.transaction():
            for r in rows:
                if r[3] is not None and not r[10]:
                    longest = max(longest, r[3] - r[2])
                batch.append(r)
                if len(batch) >= chunk:
                    flush()
            if batch:
                flush()
            self.conn.execute(
                "UPDATE meta SET value = ? WHERE key = 'max_span_seconds' AND value < ?",
                [longest, longest],
            )
        return written

    # -- totals (in SQL) ----------------------------------------------------------------------

    def totals(
        self,
        by: GroupBy,
        tz: ZoneInfo,
        now: datetime,
        from_day: date | None = None,
        to_day: date | None = None,
    ) -> list[TotalRow]:
        """The same numbers as :func:`tracker.totals.totals`, computed by SQLite.

        Task and project totals clip each entry to the range. Day and week totals join the
        entries to buckets of local time (midnights computed with zoneinfo, so DST days are 23
        or 25 hours); each bucket scans only the entries that can reach into it.
        """
        now_s = _epoch(now)
        with self.snapshot():
            bounds = self._bounds(tz, now_s, from_day, to_day)
            if bounds is None:
                return []
            lo, hi, first, last = bounds
            span = self._max_span(now)
            if by in (GroupBy.TASK, GroupBy.PROJECT):
                whole = from_day is None and to_day is None
                return self._totals_by_owner(by, lo, hi, now_s, span, whole)
            buckets = (
                day_buckets(first, last, tz) if by is GroupBy.DAY else week_buckets(first, last, tz)
            )
            return self._totals_by_bucket(buckets, now_s, span)

    def _bounds(
        self, tz: ZoneInfo, now_s: int, from_day: date | None, to_day: date | None
    ) -> tuple[int, int, date, date] | None:
        if from_day is None or to_day is None:
            # Three index seeks, never a scan.
            first_start, last_end, running_start = self._one(
                "SELECT (SELECT MIN(started_at) FROM intervals WHERE deleted = 0), "
                "(SELECT MAX(ended_at) FROM intervals WHERE deleted = 0), "
                "(SELECT started_at FROM intervals WHERE ended_at IS NULL AND deleted = 0)"
            )
            if first_start is None:
                return None
            ends = [x for x in (last_end,) if x is not None]
            if running_start is not None:
                ends.append(max(now_s, running_start + 1))
            first = from_day or local_date(first_start, tz)
            last = to_day or local_date(max(ends) - 1, tz)
        else:
            first, last = from_day, to_day
        if last < first:
            return None
        lo = day_buckets(first, first, tz)[0].start
        hi = day_buckets(last, last, tz)[0].end
        return lo, hi, first, last

    def _totals_by_owner(
        self, by: GroupBy, lo: int, hi: int, now_s: int, span: int, whole: bool = False
    ) -> list[TotalRow]:
        # Sum per task over the covering index first, then join the few task and project names
        # (joining per interval would look up a task for every one of a million rows).
        end = "COALESCE(i.ended_at, MAX(:now, i.started_at))"
        if whole:
            # No range: the bounds come from the data, so clipping would change nothing.
            per_task = f"""
                SELECT i.task_id, SUM({end} - i.started_at) AS secs
                FROM intervals i INDEXED BY intervals_task
                WHERE i.deleted = 0
                GROUP BY i.task_id
            """
        else:
            per_task = f"""
                SELECT i.task_id, SUM(MIN({end}, :hi) - MAX(i.started_at, :lo)) AS secs
                FROM intervals i INDEXED BY intervals_task
                WHERE i.deleted = 0 AND i.started_at >= :reach AND i.started_at < :hi
                  AND {end} > :lo
                GROUP BY i.task_id
            """
        if by is GroupBy.TASK:
            sql = f"""
                SELECT s.task_id, t.title, s.secs FROM ({per_task}) s
                JOIN tasks t ON t.id = s.task_id WHERE s.secs > 0
            """
        else:
            sql = f"""
                SELECT t.project_id, p.name, SUM(s.secs) AS secs FROM ({per_task}) s
                JOIN tasks t ON t.id = s.task_id JOIN projects p ON p.id = t.project_id
                GROUP BY t.project_id HAVING secs > 0
            """
        rows = self._all(sql, {"now": now_s, "lo": lo, "hi": hi, "reach": lo - span})
        out = [TotalRow(r[0], int(r[2]), r[1]) for r in rows]
        out.sort(key=lambda r: ((r.name or "").casefold(), r.key))
        return out

    def _fill_buckets(self, buckets: list[Bucket]) -> None:
        self.conn.execute(
            "CREATE TEMP TABLE IF NOT EXISTS nbuckets (n INTEGER PRIMARY KEY, key TEXT NOT NULL, "
            "lo INTEGER NOT NULL, hi INTEGER NOT NULL)"
        )
        self.conn.execute("DELETE FROM temp.nbuckets")
        self.conn.executemany(
            "INSERT INTO temp.nbuckets (n, key, lo, hi) VALUES (?, ?, ?, ?)",
            [(n, b.key, b.start, b.end) for n, b in enumerate(buckets)],
        )

    def _totals_by_bucket(self, buckets: list[Bucket], now_s: int, span: int) -> list[TotalRow]:
        # Buckets are numbered in time order, so grouping by the number needs no sort.
        self._fill_buckets(buckets)
        end = "COALESCE(i.ended_at, MAX(:now, i.started_at))"
        rows = self._all(
            f"""
            SELECT b.key, SUM(MIN({end}, b.hi) - MAX(i.started_at, b.lo)) AS secs
            FROM temp.nbuckets b CROSS JOIN intervals i INDEXED BY intervals_span
            WHERE i.deleted = 0 AND i.started_at >= b.lo - :span AND i.started_at < b.hi
              AND {end} > b.lo
            GROUP BY b.n
            HAVING secs > 0
            ORDER BY b.n
            """,
            {"now": now_s, "span": span},
        )
        self.conn.execute("DELETE FROM temp.nbuckets")
        return [TotalRow(r[0], int(r[1])) for r in rows]

    def totals_task_day(
        self,
        tz: ZoneInfo,
        now: datetime,
        from_day: date | None = None,
        to_day: date | None = None,
    ) -> list[tuple[str, str, int]]:
        """``(day, task_id, seconds)`` rows: each task's time per local day, in day order.

        One indexed query per local day (a range scan of that day's entries, grouped per task)
        beats one big join that must sort hundreds of thousands of (day, task) groups.
        """
        now_s = _epoch(now)
        out: list[tuple[str, str, int]] = []
        end = "COALESCE(i.ended_at, MAX(:now, i.started_at))"
        sql = f"""
            SELECT i.task_id, SUM(MIN({end}, :hi) - MAX(i.started_at, :lo)) AS secs
            FROM intervals i INDEXED BY intervals_span
            WHERE i.deleted = 0 AND i.started_at >= :lo - :span AND i.started_at < :hi
              AND {end} > :lo
            GROUP BY i.task_id HAVING secs > 0 ORDER BY i.task_id
        """
        with self.snapshot():
            bounds = self._bounds(tz, now_s, from_day, to_day)
            if bounds is None:
                return out
            _, _, first, last = bounds
            span = self._max_span(now)
            stmt = self.conn.cursor()
            for b in day_buckets(first, last, tz):
                params = {"now": now_s, "lo": b.start, "hi": b.end, "span": span}
                out.extend((b.key, task, secs) for task, secs in stmt.execute(sql, params))
        return out


def open_store(data_dir: Path) -> Store:
    path = Path(data_dir) / DB_FILENAME
    return Store(open_database(path), path)
