"""``POST /intervals/batch``: revision-checked, idempotent upserts (server-spec §6.8).

One write transaction per batch. Items apply in array order against an in-memory picture of
the caller's intervals (loaded once for the batch's time window), so "stop A, start B" in one
batch works and each item costs no extra round trip; the rows are then written in bulk.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from sqlalchemy import Connection, bindparam, select, update

from .. import authz
from ..authz import Actor
from ..db import rollup
from ..db.session import WriteTx
from ..db.tables import counters, intervals, tasks, workspace
from ..ids import canonical
from ..timefmt import load_tz, to_epoch
from .rates import MANUAL, Chain, Resolver

MAX_SPAN_SECONDS = 999 * 3600
_IN_CHUNK = 500


@dataclass(slots=True)
class Row:
    """The server's copy of one interval while the batch is applied."""

    id: str
    user_id: str
    task_id: str
    project_id: str
    started_at: int
    ended_at: int | None
    tz: str
    note: str
    source: str
    revision: int
    deleted: bool
    deleted_at: int | None
    device_name: str | None
    seq: int
    locked: bool = False
    created_at: int = 0
    new: bool = False  # not in the database yet
    dirty: bool = False
    written_by: str | None = None  # the sync run that stored it exactly as sent, if any
    manual: bool = False  # priced by hand (an admin's override): its rates are kept

    def live(self) -> bool:
        return not self.deleted


@dataclass(slots=True)
class Item:
    index: int
    id: str
    task_id: str
    started_at: int | None
    ended_at: int | None
    note: str
    source: str
    revision: int
    base_revision: int
    deleted: bool
    tz: str
    device_name: str | None
    problem: tuple[str, str] | None = None  # rejected before looking at the database


@dataclass
class Outcome:
    accepted: list[str] = field(default_factory=list)
    conflicts: list[tuple[str, str, Row]] = field(default_factory=list)  # id, reason, row
    rejected: list[dict[str, str]] = field(default_factory=list)


def prepare(raw: Any, index: int) -> Item:
    """Item fields as stored (epoch seconds, canonical ids), with any up-front rejection."""
    return _prepare(raw, index, {}, {})


def prepare_all(raws: Iterable[Any]) -> list[Item]:
    """``prepare`` of each item in order; a batch's repeated task ids and zones are looked up
    once (a batch of 500 typically names a handful of each)."""
    task_ids: dict[Any, str] = {}
    zones: dict[str, bool] = {}
    return [_prepare(raw, i, task_ids, zones) for i, raw in enumerate(raws)]


def _prepare(raw: Any, index: int, task_ids: dict[Any, str], zones: dict[str, bool]) -> Item:
    started = to_epoch(raw.started_at)
    ended = to_epoch(raw.ended_at) if raw.ended_at is not None else None
    tz_name = raw.tz or "UTC"
    # Keyed by the UUID's int: UUID's own hash and == are Python code.
    key = raw.task_id.int if type(raw.task_id) is UUID else raw.task_id
    task_id = task_ids.get(key)
    if task_id is None:
        task_id = task_ids[key] = canonical(raw.task_id)
    item = Item(  # positional (Item's field order): 12 keywords cost more than the work here
        index, canonical(raw.id), task_id, started, ended, raw.note, raw.source, raw.revision,
        raw.base_revision, raw.deleted, tz_name, raw.device_name,
    )  # fmt: skip
    if raw.revision <= raw.base_revision:
        item.problem = ("bad_revision", "revision must be greater than base_revision")
    elif item.deleted:
        pass  # a tombstone needs no valid content
    elif started is None or (raw.ended_at is not None and ended is None):
        item.problem = ("invalid_time", "times must fall between 1971 and 2200")
    elif not _known_zone(tz_name, zones):
        item.problem = ("invalid_tz", f"unknown time zone '{tz_name[:64]}'")
    elif ended is not None and ended <= started:
        item.problem = ("end_before_start", "ended_at must be after started_at")
    elif ended is not None and ended - started > MAX_SPAN_SECONDS:
        item.problem = ("too_long", "an interval may last at most 999 hours: split it")
    return item


def _known_zone(name: str, zones: dict[str, bool]) -> bool:
    known = zones.get(name)
    if known is None:
        known = zones[name] = load_tz(name) is not None
    return known


class Timeline:
    """The caller's live intervals: finished ones sorted (they never overlap), and the running one.

    Finished intervals never overlap, so sorting by start also sorts them by end: the first one
    ending after ``start`` is the only candidate for the earliest overlap.
    """

    def __init__(self) -> None:
        self.ends: list[int] = []
        self.spans: list[tuple[int, int, str]] = []  # (end, start, id), sorted
        self.running: Row | None = None

    def add(self, row: Row) -> None:
        if row.deleted:
            return
        if row.ended_at is None:
            self.running = row
            return
        key = (row.ended_at, row.started_at, row.id)
        i = bisect.bisect_left(self.spans, key)
        self.spans.insert(i, key)
        self.ends.insert(i, row.ended_at)

    def remove(self, row: Row) -> None:
        if self.running is not None and self.running.id == row.id:
            self.running = None
            return
        if row.ended_at is None or row.deleted:
            return
        key = (row.ended_at, row.started_at, row.id)
        i = bisect.bisect_left(self.spans, key)
        if i < len(self.spans) and self.spans[i] == key:
            del self.spans[i]
            del self.ends[i]

    def finished_overlap(self, start: int, end: int | None) -> str | None:
        """The id of the earliest finished interval overlapping ``[start, end)`` (None = open)."""
        i = bisect.bisect_right(self.ends, start)
        if i < len(self.spans) and (end is None or self.spans[i][1] < end):
            return self.spans[i][2]
        return None


def _row_from_db(r: Any, project_id: str, lock_before: int | None) -> Row:
    locked = (
        r.locked_by_invoice_id is not None
        or r.locked_by_team_invoice_id is not None
        or (lock_before is not None and r.started_at < lock_before)
    )
    row = Row(  # positional, in Row's field order (see apply_batch)
        r.id, r.user_id, r.task_id, project_id, r.started_at, r.ended_at, r.tz, r.note, r.source,
        r.revision, bool(r.deleted), r.deleted_at, r.device_name, r.seq, locked, r.created_at,
    )  # fmt: skip
    if r.bill_rate_origin == MANUAL:
        row.manual = True
    return row


def _same_content(row: Row, item: Item) -> bool:
    if row.deleted or item.deleted:
        return row.deleted and item.deleted
    return (
        row.task_id == item.task_id
        and row.started_at == item.started_at
        and row.ended_at == item.ended_at
        and row.note == item.note
        and row.source == item.source
    )


_SELECT_COLUMNS = (
    intervals.c.id, intervals.c.user_id, intervals.c.task_id, intervals.c.started_at,
    intervals.c.ended_at, intervals.c.tz, intervals.c.note, intervals.c.source,
    intervals.c.revision, intervals.c.deleted, intervals.c.deleted_at, intervals.c.device_name,
    intervals.c.seq, intervals.c.locked_by_invoice_id, intervals.c.locked_by_team_invoice_id,
    intervals.c.created_at, tasks.c.project_id, intervals.c.bill_rate_origin,
)  # fmt: skip


def _rows(result: Any, lock_before: int | None) -> list[Row]:
    return [_row_from_db(r, r.project_id, lock_before) for r in result.all()]


# The batch's fixed statements, built once (building them per batch cost more than running
# them); the values are bound parameters, as they were when the statements were built inline.
_LOCK_BEFORE = select(workspace.c.lock_before)
_MAX_SPAN = select(counters.c.value).where(counters.c.name == "max_span")
_RAISE_MAX_SPAN = (
    update(counters)
    .where(counters.c.name == "max_span", counters.c.value < bindparam("longest"))
    .values(value=bindparam("longest"))
)
_WITH_PROJECT = select(*_SELECT_COLUMNS).select_from(
    intervals.join(tasks, tasks.c.id == intervals.c.task_id)
)
# The caller's live intervals starting in [lo, hi).
_WINDOW = _WITH_PROJECT.where(
    (intervals.c.user_id == bindparam("user_id"))
    & ~intervals.c.deleted
    & (intervals.c.started_at >= bindparam("lo"))
    & (intervals.c.started_at < bindparam("hi"))
)
# The caller's running interval (at most one).
_RUNNING = _WITH_PROJECT.where(
    (intervals.c.user_id == bindparam("user_id"))
    & ~intervals.c.deleted
    & intervals.c.ended_at.is_(None)
)


_BY_IDS_SQL: dict[tuple[str, int], str] = {}


def _load_ids(conn: Connection, ids: list[str], lock_before: int | None) -> list[Row]:
    """The rows with these ids (``_SELECT_COLUMNS``), as driver SQL: SQLAlchemy's expansion
    of a 500-value ``IN`` cost more than the query itself."""
    sqlite = conn.dialect.name == "sqlite"
    key = ("sqlite", len(ids)) if sqlite else ("postgresql", 0)
    sql = _BY_IDS_SQL.get(key)
    if sql is None:
        cols = ", ".join(f"{c.table.name}.{c.name}" for c in _SELECT_COLUMNS)
        # PostgreSQL: one binary array (a 500-value IN list was a statement too long for
        # psycopg's parse cache)
        where = f"IN ({', '.join(['?'] * len(ids))})" if sqlite else "= ANY(%b::text[])"
        sql = (
            f"SELECT {cols} FROM intervals JOIN tasks ON tasks.id = intervals.task_id "
            f"WHERE intervals.id {where}"
        )
        if len(_BY_IDS_SQL) < 64:
            _BY_IDS_SQL[key] = sql
    rows = conn.exec_driver_sql(sql, tuple(ids) if sqlite else (ids,)).all()
    return [_row_from_db(r, r.project_id, lock_before) for r in rows]


def apply_batch(
    tx: WriteTx, actor: Actor, items: list[Item], now: int, device: str, writer: str | None = None
) -> Outcome:
    """Apply the items in order. ``writer`` marks rows stored exactly as sent (see
    ``intervals.written_by``); rows the server changes on its own are left unmarked."""
    conn = tx.conn
    lock_before = conn.execute(_LOCK_BEFORE).scalar()
    out = Outcome()

    # The server's copies of the items' ids.
    known: dict[str, Row] = {}
    ids = sorted({it.id for it in items})
    for i in range(0, len(ids), _IN_CHUNK):
        for row in _load_ids(conn, ids[i : i + _IN_CHUNK], lock_before):
            known[row.id] = row

    # Which tasks the caller may track on.
    task_ids = {it.task_id for it in items if not it.deleted and it.problem is None}
    access = authz.tasks_for_tracking(conn, actor, task_ids)

    # The caller's live intervals around the batch's time window.
    timeline = Timeline()
    starts = [it.started_at for it in items if it.started_at is not None]
    if starts:
        max_span = conn.execute(_MAX_SPAN).scalar() or MAX_SPAN_SECONDS
        ends = [it.ended_at or it.started_at for it in items if it.started_at is not None]
        lo, hi = min(starts), max(max(ends), now) + 1
        for row in _rows(
            conn.execute(_WINDOW, {"user_id": actor.user_id, "lo": lo - max_span, "hi": hi}),
            lock_before,
        ):
            known.setdefault(row.id, row)
            timeline.add(known[row.id])
    running = _rows(conn.execute(_RUNNING, {"user_id": actor.user_id}), lock_before)
    for row in running:
        known.setdefault(row.id, row)
        timeline.remove(known[row.id])
        timeline.add(known[row.id])

    rates: dict[str, Chain] = {}  # project id -> the caller's rate chain on it
    resolver = Resolver(conn)
    touched: dict[str, Row] = {}
    longest = 0

    def write(row: Row, exact: bool = False) -> None:
        nonlocal longest
        row.written_by = writer if exact else None
        if not row.deleted and row.project_id not in rates:
            rates[row.project_id] = resolver.chain(actor.user_id, row.project_id)
        row.seq = tx.next_seq()
        row.dirty = True
        touched[row.id] = row
        if row.ended_at is not None and not row.deleted and row.ended_at - row.started_at > longest:
            longest = row.ended_at - row.started_at

    for it in items:
        cur = known.get(it.id)
        if cur is not None and cur.user_id != actor.user_id:
            out.rejected.append(_rej(it, "no_access", "this id belongs to another user's interval"))
            continue
        if it.problem is not None and not (
            cur is not None and cur.revision == it.revision and _same_content(cur, it)
        ):
            out.rejected.append(_rej(it, *it.problem))
            continue
        if cur is None:
            if it.deleted:
                out.accepted.append(it.id)
                continue
        else:
            if cur.revision == it.revision and _same_content(cur, it):
                out.accepted.append(it.id)
                continue
            if cur.locked:
                out.conflicts.append((it.id, "locked", cur))
                continue
            if cur.revision != it.base_revision:
                out.conflicts.append((it.id, "revision", cur))
                continue
            if it.deleted:
                timeline.remove(cur)
                cur.deleted, cur.deleted_at, cur.revision = True, now, it.revision
                write(cur, exact=True)
                out.accepted.append(it.id)
                continue

        # A live interval to create or update: validate against the task and the timeline.
        status, project_id = access.get(it.task_id, ("task_not_found", None))
        if status != "ok":
            detail = (
                "no such task"
                if status == "task_not_found"
                else "you may not track time on this task's project"
            )
            out.rejected.append(_rej(it, status, detail))
            continue
        assert it.started_at is not None
        if lock_before is not None and it.started_at < lock_before:
            out.rejected.append(_rej(it, "before_lock_date", "the period is locked"))
            continue
        if cur is not None:
            timeline.remove(cur)
        start, end, revision = it.started_at, it.ended_at, it.revision
        other = timeline.running
        stop_other = False
        if end is None and other is not None:
            if start < other.started_at:
                # Latest start wins: the incoming timer ends where the other one began.
                end, revision = other.started_at, revision + 1
                if end - start > MAX_SPAN_SECONDS:
                    out.rejected.append(
                        _rej(it, "too_long", "an interval may last at most 999 hours")
                    )
                    if cur is not None:
                        timeline.add(cur)
                    continue
            else:
                stop_other = True
        clash = timeline.finished_overlap(start, end)
        if clash is None and other is not None and end is not None and end > other.started_at:
            clash = other.id  # a finished interval reaching into the running one
        if clash is not None:
            out.rejected.append(_rej(it, "overlap", f"overlaps interval {clash}"))
            if cur is not None:
                timeline.add(cur)
            continue
        if stop_other:
            assert other is not None
            timeline.remove(other)
            if start > other.started_at:
                other.ended_at = start
            else:  # the same second: the other timer leaves no entry
                other.deleted, other.deleted_at = True, now
            other.revision += 1
            write(other)
            timeline.add(other)
        # Positional (Row's field order): with 17 keywords, building a Row cost 4x as much.
        row = cur or Row(
            it.id, actor.user_id, it.task_id, project_id or "", start, end, it.tz, it.note,
            it.source, revision, False, None, it.device_name or device, 0,  # id .. seq
            False, now, True,  # locked, created_at, new
        )  # fmt: skip
        if cur is not None:
            row.task_id, row.project_id = it.task_id, project_id or ""
            row.started_at, row.ended_at, row.tz = start, end, it.tz
            row.note, row.source, row.revision = it.note, it.source, revision
            row.deleted, row.deleted_at = False, None
            row.device_name = it.device_name or device
        known[row.id] = row
        write(row, exact=end == it.ended_at and revision == it.revision)
        timeline.add(row)
        out.accepted.append(it.id)

    _flush(conn, touched, rates, now)
    if longest:
        conn.execute(_RAISE_MAX_SPAN, {"longest": longest})
    return out


def _rej(it: Item, code: str, detail: str) -> dict[str, str]:
    return {"id": it.id, "code": code, "detail": detail}


_BASE_COLS = (
    "device_name", "task_id", "started_at", "ended_at", "tz", "note", "source", "revision",
    "deleted", "deleted_at", "seq", "updated_at", "written_by",
)  # fmt: skip
_RATE_COLS = (
    "billable", "bill_rate_minor", "bill_currency", "bill_rate_origin", "pay_rate_minor",
    "pay_currency", "estimated_amount_minor",
)  # fmt: skip
_INSERT_COLS = ("id", "user_id", "created_at", *_BASE_COLS, *_RATE_COLS)
# Where a row's estimate and its currency sit in its rate columns (the roll-up's money).
_EST_AT = _RATE_COLS.index("estimated_amount_minor")
_CUR_AT = _RATE_COLS.index("bill_currency")
_UNPRICED = (True, None, None, "none", None, None, None)  # the rate columns' defaults
# A finished, live, unpriced new row: its other columns are NULL or hold their defaults.
_PLAIN_COLS = (
    "id", "user_id", "created_at", "device_name", "task_id", "started_at", "ended_at", "tz",
    "note", "source", "revision", "seq", "updated_at",
)  # fmt: skip
_PLAIN_WRITTEN_COLS = (*_PLAIN_COLS, "written_by")


def _base(row: Row, now: int) -> tuple:
    return (
        row.device_name, row.task_id, row.started_at, row.ended_at, row.tz, row.note, row.source,
        row.revision, row.deleted, row.deleted_at, row.seq, now, row.written_by,
    )  # fmt: skip


def _priced(row: Row, chain: Chain) -> tuple:
    """The rate columns of ``row``: its rates effective when it started (server-spec §6.3)."""
    rate = chain.at(row.started_at)
    seconds = None if row.ended_at is None else row.ended_at - row.started_at
    return (
        rate.billable, rate.bill_rate_minor, rate.bill_currency, rate.bill_rate_origin,
        rate.pay_rate_minor, rate.pay_currency, rate.estimate(seconds),
    )  # fmt: skip


_SQL_CACHE: dict[tuple, str] = {}


def _sql(dialect: str, kind: str, priced: bool) -> str:
    """The driver-level UPDATE (qmark for sqlite3, format for psycopg); ``kind`` is "update"."""
    key = (dialect, kind, priced)
    sql = _SQL_CACHE.get(key)
    if sql is None:
        mark = "?" if dialect == "sqlite" else "%s"
        cols = _BASE_COLS + (_RATE_COLS if priced else ())
        sets = ", ".join(f"{c} = {mark}" for c in cols)
        sql = f"UPDATE intervals SET {sets} WHERE id = {mark}"
        _SQL_CACHE[key] = sql
    return sql


def _insert_sql(dialect: str, cols: tuple[str, ...]) -> str:
    key = (dialect, "insert", *cols)
    sql = _SQL_CACHE.get(key)
    if sql is None:
        mark = "?" if dialect == "sqlite" else "%s"
        names, marks = ", ".join(cols), ", ".join([mark] * len(cols))
        sql = _SQL_CACHE[key] = f"INSERT INTO intervals ({names}) VALUES ({marks})"
    return sql


def _flush(conn: Connection, touched: dict[str, Row], rates: dict[str, Chain], now: int) -> None:
    """Write the batch's rows: updates that end running timers first, then new rows.

    Straight to the driver's ``executemany`` with positional rows: SQLAlchemy's per-row
    parameter processing cost more than SQLite's own insert work for a 500-row batch.
    """
    updates = [r for r in touched.values() if not r.new]
    inserts = [r for r in touched.values() if r.new]
    # Stopping a timer must precede starting another (the one-running index is checked per row).
    updates.sort(key=lambda r: r.ended_at is None and not r.deleted)
    inserts.sort(key=lambda r: r.ended_at is None)
    dialect = conn.dialect.name
    # Consecutive updates of the same shape go in one executemany, keeping their order.
    group: list[tuple] = []
    group_priced: bool | None = None
    for r in updates:
        rate = None if r.deleted or r.manual else rates.get(r.project_id)
        priced = rate is not None
        if group and priced != group_priced:
            conn.exec_driver_sql(_sql(dialect, "update", bool(group_priced)), group)
            group = []
        group_priced = priced
        params = _base(r, now) + (_priced(r, rate) if rate is not None else ()) + (r.id,)
        group.append(params)
    if group:
        conn.exec_driver_sql(_sql(dialect, "update", bool(group_priced)), group)
    manual = [(r.id,) for r in updates if r.manual and not r.deleted]
    if manual:  # a hand-set rate stays; its estimate follows the new length
        mark = "?" if dialect == "sqlite" else "%s"
        conn.exec_driver_sql(
            "UPDATE intervals SET estimated_amount_minor = CASE WHEN billable AND "
            "ended_at IS NOT NULL AND bill_rate_minor IS NOT NULL THEN "
            "(2 * bill_rate_minor * (ended_at - started_at) + 3600) / 7200 END "
            f"WHERE id = {mark}",
            manual,
        )
    # A new row leaves out of its INSERT the columns that would hold just their defaults when
    # it is the usual kind (finished, live, on an unpriced project): NULLs, deleted = false and
    # the rate columns. The stored row is the same; there are fewer values to bind (sqlite3
    # binds None and bools on a slow path). Consecutive rows of the same shape share one
    # executemany, in order.
    group: list[tuple] = []
    group_cols: tuple[str, ...] = ()
    fixed: dict[str, tuple] = {}  # project id -> its price columns when length-independent
    shapes: list[tuple[tuple[str, ...], list[tuple]]] = []
    new_rollup: list[rollup.NewRow] = []  # the new rows' roll-up, added set-based below
    for r in inserts:
        price = fixed.get(r.project_id)
        if price is None:
            chain = rates.get(r.project_id)
            if chain is None:
                price = _UNPRICED
            elif not chain.has_rates:  # no rate at any time: the same columns for every row
                price = fixed[r.project_id] = _priced(r, chain)
            else:
                price = _priced(r, chain)
        cols: tuple[str, ...]
        if r.ended_at is not None and not r.deleted and r.deleted_at is None and price == _UNPRICED:
            cols = _PLAIN_COLS if r.written_by is None else _PLAIN_WRITTEN_COLS
            values: tuple = (
                r.id, r.user_id, r.created_at or now, r.device_name, r.task_id, r.started_at,
                r.ended_at, r.tz, r.note, r.source, r.revision, r.seq, now,
            )  # fmt: skip
            if r.written_by is not None:
                values += (r.written_by,)
        else:
            cols = _INSERT_COLS
            values = (r.id, r.user_id, r.created_at or now, *_base(r, now), *price)
        if r.ended_at is not None and not r.deleted:  # new rows are on no invoice
            est, cur = price[_EST_AT], price[_CUR_AT]
            new_rollup.append((r.user_id, r.task_id, r.started_at, r.ended_at, est, cur))
        if cols is not group_cols:
            if group:
                shapes.append((group_cols, group))
            group, group_cols = [], cols
        group.append(values)
    if group:
        shapes.append((group_cols, group))
    if not shapes:
        return
    # The roll-up's insert trigger stands aside for these rows: their days and months are summed
    # here and upserted once per batch (a few rows) instead of eight statements per interval.
    with rollup.paused(conn):
        for cols, rows in shapes:
            _insert(conn, dialect, cols, rows)
    rollup.add_new(conn, new_rollup)


def _insert(conn: Connection, dialect: str, cols: tuple[str, ...], rows: list[tuple]) -> None:
    """New rows of one shape. SQLite: ``executemany``. PostgreSQL: ``COPY … FROM STDIN`` in the
    transaction (psycopg formats the rows in C): a multi-row ``VALUES`` with 6,500 parameters
    was a statement too long for psycopg's parse cache (27 ms of regular expressions a batch),
    a statement per row is a round trip per row, and ``INSERT … SELECT FROM unnest(arrays)``
    took 10 % longer and twice the client CPU. COPY fires the same statement triggers."""
    if dialect == "sqlite":
        conn.exec_driver_sql(_insert_sql(dialect, cols), rows)
        return
    cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    try:
        with cursor.copy(f"COPY intervals ({', '.join(cols)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
    finally:
        cursor.close()


__all__ = ["Item", "Outcome", "Row", "apply_batch", "prepare", "prepare_all"]
