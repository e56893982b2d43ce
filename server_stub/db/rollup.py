"""The daily roll-up: seconds and money per (local day, user, task), kept by the database.

``day_totals`` holds the finished, live seconds of every (local day, user, task) and
``day_amounts`` the money of the intervals that *started* that day per currency, under each
basis of ``/totals?include=amounts`` (estimated, invoiced, best), with a count of intervals
so a group that sums to 0 still exists exactly when the raw computation has one.

Days are local days of one zone (``rollup_state.zone``, the workspace's zone; a change of the
workspace zone rebuilds all of it, :func:`rebuild`), cut exactly where ``tracker.totals``
cuts them: ``rollup_calendar`` lists each local day's UTC span ``[lo, hi)`` as
``day_buckets`` makes it, over every year an instant may have (1971-2200). A day is stored as
its number since 1970-01-01.

``month_totals`` and ``month_amounts`` hold the same sums per local calendar month (a report
over whole months reads ~30 times fewer rows; the days at the edges of a range come from the day
tables).

Database triggers keep all four tables in the transaction of every write to ``intervals`` —
ingest, server-side edits, re-pricing, invoice locks and releases, deletes, restores — so no
writer can forget them: row triggers on SQLite (in-process, cheap), statement triggers with
transition tables on PostgreSQL (one set-based upsert per statement, in key order so two
writers lock rows in the same order). Running intervals are not in the roll-up: readers add
them from ``intervals`` (there is at most one per user).

The batch push adds its new rows itself, set-based (:func:`add_new`): it pauses the triggers
for its ``INSERT`` (:func:`paused`: a row in ``rollup_pause`` that SQLite's triggers look for, a
transaction-local setting on PostgreSQL, both gone at the end of the transaction whatever
happens), sums the rows' days and months in Python over the calendar rows the triggers would
join (read from ``rollup_calendar``) and upserts a few rows per batch instead of eight
statements per interval.
"""

from __future__ import annotations

import bisect
import contextlib
import functools
from collections.abc import Iterable, Iterator
from datetime import date
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, text

from tracker.totals import day_buckets

EPOCH_ORDINAL = date(1970, 1, 1).toordinal()
FIRST_DAY = date(1970, 12, 31)  # the first local date of 1971-01-01 UTC anywhere
LAST_DAY = date(2201, 1, 1)  # the last local date of 2200-12-31 UTC anywhere
# The longest local day is shorter than this: the day holding an instant starts after it - REACH.
REACH = 3 * 86400

# The interval columns a contribution depends on.
COLUMNS = (
    "user_id", "task_id", "started_at", "ended_at", "deleted", "estimated_amount_minor",
    "bill_currency", "invoiced_amount_minor", "invoiced_currency", "locked_by_invoice_id",
)  # fmt: skip
_COLS = ", ".join(COLUMNS)

_FINAL = "s.locked_by_invoice_id IS NOT NULL AND s.invoiced_amount_minor IS NOT NULL"
_INV_CUR = (
    "COALESCE(s.invoiced_currency, "
    "(SELECT inv.currency FROM invoices inv WHERE inv.id = s.locked_by_invoice_id), '')"
)
_EST_CUR = "COALESCE(s.bill_currency, '')"


def day_number(d: date) -> int:
    return d.toordinal() - EPOCH_ORDINAL


def day_date(n: int) -> date:
    return date.fromordinal(n + EPOCH_ORDINAL)


def _upserts(src: str, dialect: str) -> list[str]:
    """The two upserts that add the contributions of ``src`` (columns ``sg`` — +1 to add, -1 to
    take away — and :data:`COLUMNS`) to ``day_totals`` and ``day_amounts``."""
    least, greatest = ("MIN", "MAX") if dialect == "sqlite" else ("LEAST", "GREATEST")
    live = "s.ended_at IS NOT NULL AND NOT s.deleted"
    # The days of an interval: a range of the calendar's index on ``lo``. PostgreSQL finds the
    # first and last day with one index probe each (``ORDER BY lo DESC LIMIT 1``) and joins the
    # days between by key: left to itself, with stale statistics, it scanned the calendar per row.
    span = f"c.lo > s.started_at - {REACH} AND c.lo < s.ended_at AND c.hi > s.started_at"
    first = f"c.lo > s.started_at - {REACH} AND c.lo <= s.started_at AND c.hi > s.started_at"
    extra_span = extra_first = ""
    if dialect == "sqlite":
        days, start_day = (f"JOIN rollup_calendar c ON {on}" for on in (span, first))
    else:
        probe = "(SELECT c0.day FROM rollup_calendar c0 WHERE c0.lo {} ORDER BY c0.lo DESC LIMIT 1)"
        first_day = probe.format("<= s.started_at")
        last_day = probe.format("< s.ended_at")
        days = (
            f"CROSS JOIN LATERAL generate_series({first_day}, {last_day}) AS g(day) "
            f"JOIN rollup_calendar c USING (day)"
        )
        start_day = (
            f"CROSS JOIN LATERAL (SELECT {first_day} AS day) g JOIN rollup_calendar c USING (day)"
        )
        extra_span, extra_first = f" AND {span}", f" AND {first}"
    seconds = f"""
        INSERT INTO day_totals (day, user_id, task_id, seconds)
        SELECT c.day, s.user_id, s.task_id,
               SUM(s.sg * ({least}(s.ended_at, c.hi) - {greatest}(s.started_at, c.lo)))
        FROM {src} s {days}
        WHERE {live}{extra_span}
        GROUP BY c.day, s.user_id, s.task_id
        ORDER BY c.day, s.user_id, s.task_id
        ON CONFLICT (day, user_id, task_id)
        DO UPDATE SET seconds = day_totals.seconds + excluded.seconds
    """
    # Money counts once, on the local day the interval started (amounts.py's rule).
    part = (
        "SELECT c.day, s.user_id, s.task_id, {cur} AS cur, {vals} FROM {src} s {join} WHERE {w}"
        + extra_first
    )
    z = "0"
    est = part.format(
        cur=_EST_CUR, src=src, join=start_day,
        vals=f"s.sg * s.estimated_amount_minor AS e, s.sg AS en, {z} AS i, {z} AS inn, "
             f"{z} AS b, {z} AS bn",
        w=f"{live} AND s.estimated_amount_minor IS NOT NULL",
    )  # fmt: skip
    inv = part.format(
        cur=_INV_CUR, src=src, join=start_day,
        vals=f"{z}, {z}, s.sg * s.invoiced_amount_minor, s.sg, {z}, {z}",
        w=f"{live} AND {_FINAL}",
    )  # fmt: skip
    best = part.format(
        cur=f"CASE WHEN {_FINAL} THEN {_INV_CUR} ELSE {_EST_CUR} END", src=src, join=start_day,
        vals=f"{z}, {z}, {z}, {z}, s.sg * CASE WHEN {_FINAL} THEN s.invoiced_amount_minor "
             "ELSE s.estimated_amount_minor END, s.sg",
        w=f"{live} AND (({_FINAL}) OR s.estimated_amount_minor IS NOT NULL)",
    )  # fmt: skip
    sums = ", ".join(f"SUM(x.{c})" for c in ("e", "en", "i", "inn", "b", "bn"))
    money = f"""
        INSERT INTO day_amounts (day, user_id, task_id, currency, est_minor, est_n,
                                 inv_minor, inv_n, best_minor, best_n)
        SELECT x.day, x.user_id, x.task_id, x.cur, {sums}
        FROM ({est} UNION ALL {inv} UNION ALL {best}) x
        WHERE 1 = 1
        GROUP BY x.day, x.user_id, x.task_id, x.cur
        ORDER BY x.day, x.user_id, x.task_id, x.cur
        ON CONFLICT (day, user_id, task_id, currency) DO UPDATE SET
          est_minor = day_amounts.est_minor + excluded.est_minor,
          est_n = day_amounts.est_n + excluded.est_n,
          inv_minor = day_amounts.inv_minor + excluded.inv_minor,
          inv_n = day_amounts.inv_n + excluded.inv_n,
          best_minor = day_amounts.best_minor + excluded.best_minor,
          best_n = day_amounts.best_n + excluded.best_n
    """
    return [seconds, money, *map(_monthly, (seconds, money))]


def _monthly(sql: str) -> str:
    """The same upsert one level up: into the month tables, by the calendar's month."""
    for a, b in (("day_totals", "month_totals"), ("day_amounts", "month_amounts"),
                 ("c.day", "c.month"), ("x.day", "x.month"), ("(day, ", "(month, ")):  # fmt: skip
        sql = sql.replace(a, b)
    return sql


_CHANGED_SQLITE = " OR ".join(f"OLD.{c} IS NOT NEW.{c}" for c in COLUMNS)
_LIVE_SQLITE = "{p}.ended_at IS NOT NULL AND {p}.deleted = 0"


def _sqlite_row(p: str, sign: int) -> list[str]:
    """The upserts of one trigger row ``p`` (NEW or OLD) on SQLite: the same sums as
    :func:`_upserts`, as single-row statements (no grouping, no temporary b-tree)."""
    final = _FINAL.replace("s.", f"{p}.")
    inv_cur = _INV_CUR.replace("s.", f"{p}.")
    est_cur = _EST_CUR.replace("s.", f"{p}.")
    live = f"{p}.ended_at IS NOT NULL AND {p}.deleted = 0"
    seconds = f"""
        INSERT INTO day_totals (day, user_id, task_id, seconds)
        SELECT c.day, {p}.user_id, {p}.task_id,
               {sign} * (MIN({p}.ended_at, c.hi) - MAX({p}.started_at, c.lo))
        FROM rollup_calendar c
        WHERE c.lo > {p}.started_at - {REACH} AND c.lo < {p}.ended_at AND c.hi > {p}.started_at
          AND {live}
        ON CONFLICT (day, user_id, task_id) DO UPDATE SET seconds = seconds + excluded.seconds
    """
    cols = "est_minor, est_n, inv_minor, inv_n, best_minor, best_n"
    upd = ", ".join(f"{c} = {c} + excluded.{c}" for c in cols.split(", "))
    money = (
        f"INSERT INTO day_amounts (day, user_id, task_id, currency, {cols}) "
        f"SELECT c.day, {p}.user_id, {p}.task_id, {{cur}}, {{vals}} FROM rollup_calendar c "
        f"WHERE c.lo > {p}.started_at - {REACH} AND c.lo <= {p}.started_at "
        f"AND c.hi > {p}.started_at AND {live} AND {{where}} "
        f"ON CONFLICT (day, user_id, task_id, currency) DO UPDATE SET {upd}"
    )
    e = f"{sign} * {p}.estimated_amount_minor"
    i = f"{sign} * {p}.invoiced_amount_minor"
    day = [
        seconds,
        # not on a final invoice: the estimate is also the best amount
        money.format(cur=est_cur, vals=f"{e}, {sign}, 0, 0, {e}, {sign}",
                     where=f"NOT ({final}) AND {p}.estimated_amount_minor IS NOT NULL"),
        money.format(cur=est_cur, vals=f"{e}, {sign}, 0, 0, 0, 0",
                     where=f"({final}) AND {p}.estimated_amount_minor IS NOT NULL"),
        money.format(cur=inv_cur, vals=f"0, 0, {i}, {sign}, {i}, {sign}", where=final),
    ]  # fmt: skip
    return [*day, *map(_monthly, day)]


_NOT_PAUSED_SQLITE = " AND NOT EXISTS (SELECT 1 FROM rollup_pause)"
_PAUSED_PG = "IF current_setting('tracker.rollup_paused', true) = 'on' THEN RETURN NULL; END IF;\n"


def _sqlite_ddl(pausable: bool) -> list[str]:
    def body(*parts: tuple[str, int]) -> str:
        stmts = []
        for prefix, sign in parts:
            stmts += _sqlite_row(prefix, sign)
        return ";\n".join(stmts) + ";"

    # Only inserts can be paused: the batch push adds its new rows itself (add_new).
    pause = _NOT_PAUSED_SQLITE if pausable else ""
    return [
        f"CREATE TRIGGER rollup_intervals_insert AFTER INSERT ON intervals "
        f"WHEN {_LIVE_SQLITE.format(p='NEW')}{pause} BEGIN {body(('NEW', 1))} END",
        f"CREATE TRIGGER rollup_intervals_delete AFTER DELETE ON intervals "
        f"WHEN {_LIVE_SQLITE.format(p='OLD')} BEGIN {body(('OLD', -1))} END",
        f"CREATE TRIGGER rollup_intervals_update AFTER UPDATE OF {_COLS} ON intervals "
        f"WHEN ({_CHANGED_SQLITE}) AND ({_LIVE_SQLITE.format(p='OLD')} OR "
        f"{_LIVE_SQLITE.format(p='NEW')}) BEGIN {body(('OLD', -1), ('NEW', 1))} END",
    ]


def _pg_ddl(pausable: bool) -> list[str]:
    out = []
    changed = (
        f"({', '.join('o.' + c for c in COLUMNS)}) IS DISTINCT FROM "
        f"({', '.join('n.' + c for c in COLUMNS)})"
    )
    sources = {
        "insert": ("REFERENCING NEW TABLE AS nt", f"(SELECT 1 AS sg, {_COLS} FROM nt)"),
        "delete": ("REFERENCING OLD TABLE AS ot", f"(SELECT -1 AS sg, {_COLS} FROM ot)"),
        "update": (
            "REFERENCING OLD TABLE AS ot NEW TABLE AS nt",
            f"(SELECT -1 AS sg, {', '.join('o.' + c for c in COLUMNS)} "
            f"FROM ot o JOIN nt n ON n.id = o.id WHERE {changed} "
            f"UNION ALL SELECT 1, {', '.join('n.' + c for c in COLUMNS)} "
            f"FROM ot o JOIN nt n ON n.id = o.id WHERE {changed})",
        ),
    }
    for op, (referencing, src) in sources.items():
        fn = f"rollup_intervals_{op}"
        stmts = ";\n".join(_upserts(src, "postgresql"))
        pause = _PAUSED_PG if pausable and op == "insert" else ""
        out.append(
            f"CREATE FUNCTION {fn}() RETURNS trigger LANGUAGE plpgsql AS $$\n"
            f"BEGIN\n{pause}{stmts};\nRETURN NULL;\nEND\n$$"
        )
        out.append(
            f"CREATE TRIGGER {fn} AFTER {op.upper()} ON intervals {referencing} "
            f"FOR EACH STATEMENT EXECUTE FUNCTION {fn}()"
        )
    return out


def install_triggers(conn: Connection, pausable: bool = True) -> None:
    """``pausable``: the insert trigger stands aside while :func:`paused` (from migration 0013,
    which made ``rollup_pause``; 0010 installed them without it)."""
    ddl = _sqlite_ddl(pausable) if conn.dialect.name == "sqlite" else _pg_ddl(pausable)
    for sql in ddl:
        conn.exec_driver_sql(sql)


@contextlib.contextmanager
def paused(conn: Connection) -> Iterator[None]:
    """The insert trigger stands aside for the statements inside: the caller adds those rows
    with :func:`add_new` in the same transaction. The pause ends with the block, and in any case
    with the transaction (an error inside rolls the whole transaction back)."""
    if conn.dialect.name == "sqlite":
        conn.exec_driver_sql("INSERT INTO rollup_pause (id) VALUES (1)")
        try:
            yield
        finally:
            conn.exec_driver_sql("DELETE FROM rollup_pause")
    else:
        conn.exec_driver_sql("SELECT set_config('tracker.rollup_paused', 'on', true)")
        try:
            yield
        finally:
            conn.exec_driver_sql("SELECT set_config('tracker.rollup_paused', 'off', true)")


# (user_id, task_id, started_at, ended_at, estimated_amount_minor, bill_currency) of a new,
# finished, live interval that is on no invoice.
NewRow = tuple[str, str, int, int, "int | None", "str | None"]


def add_new(conn: Connection, rows: Iterable[NewRow]) -> None:
    """Add the contributions of new rows (inserted while :func:`paused`) to the four tables:
    the same sums the insert trigger makes over the same calendar rows, summed per key in
    Python and upserted in key order (seconds split over the local days an interval touches,
    money on the day it started)."""
    rows = list(rows)
    if not rows:
        return
    # The calendar rows the batch touches, from the database: the very rows the triggers join,
    # so both kinds of writer cut days alike (even if the zone data changed since the rebuild).
    mark = "?" if conn.dialect.name == "sqlite" else "%s"
    cal = conn.exec_driver_sql(
        f"SELECT day, month, lo, hi FROM rollup_calendar WHERE lo > {mark} AND lo < {mark} "
        "ORDER BY lo",
        (min(r[2] for r in rows) - REACH, max(r[3] for r in rows)),
    ).all()
    los = [c[2] for c in cal]
    day_s: dict[tuple[int, str, str], int] = {}
    month_s: dict[tuple[int, str, str], int] = {}
    day_m: dict[tuple[int, str, str, str], list[int]] = {}
    month_m: dict[tuple[int, str, str, str], list[int]] = {}
    for user, task, start, end, est, cur in rows:
        # the trigger's join: calendar rows with start - REACH < lo < end and hi > start
        first = bisect.bisect_right(los, start - REACH)
        for k in range(first, bisect.bisect_left(los, end)):
            day, month, lo, hi = cal[k]
            if hi > start:
                secs = min(end, hi) - max(start, lo)
                key = (day, user, task)
                day_s[key] = day_s.get(key, 0) + secs
                key = (month, user, task)
                month_s[key] = month_s.get(key, 0) + secs
        if est is None:
            continue
        # money on the start's day: lo <= start < hi
        for k in range(first, bisect.bisect_right(los, start)):
            day, month, _lo, hi = cal[k]
            if hi <= start:
                continue
            for key, into in (((day, user, task, cur or ""), day_m),
                              ((month, user, task, cur or ""), month_m)):  # fmt: skip
                sums = into.get(key)
                if sums is None:
                    into[key] = [est, 1]
                else:
                    sums[0] += est
                    sums[1] += 1
    sqlite = conn.dialect.name == "sqlite"
    for table, level, sums in (("day_totals", "day", day_s), ("month_totals", "month", month_s)):
        if sums:
            rows = [(*key, v) for key, v in sorted(sums.items())]
            conflict = (
                f"ON CONFLICT ({level}, user_id, task_id) "
                f"DO UPDATE SET seconds = {table}.seconds + excluded.seconds"
            )
            if sqlite:
                conn.exec_driver_sql(
                    f"INSERT INTO {table} ({level}, user_id, task_id, seconds) "
                    f"VALUES (?, ?, ?, ?) {conflict}",
                    rows,
                )
            else:  # one statement: binary arrays, unnested in key order
                conn.exec_driver_sql(
                    f"INSERT INTO {table} ({level}, user_id, task_id, seconds) SELECT * FROM "
                    f"unnest(%b::integer[], %b::text[], %b::text[], %b::bigint[]) {conflict}",
                    tuple(map(list, zip(*rows, strict=True))),
                )
    cols = ("est_minor", "est_n", "inv_minor", "inv_n", "best_minor", "best_n")
    for table, level, money in (("day_amounts", "day", day_m), ("month_amounts", "month", month_m)):
        if money:
            upd = ", ".join(f"{c} = {table}.{c} + excluded.{c}" for c in cols)
            insert = f"INSERT INTO {table} ({level}, user_id, task_id, currency, {', '.join(cols)})"
            conflict = f"ON CONFLICT ({level}, user_id, task_id, currency) DO UPDATE SET {upd}"
            # not on a final invoice: the estimate is also the best amount
            rows = [(*key, e, n, 0, 0, e, n) for key, (e, n) in sorted(money.items())]
            if sqlite:
                conn.exec_driver_sql(f"{insert} VALUES ({', '.join(['?'] * 10)}) {conflict}", rows)
            else:
                types = ("integer", "text", "text", "text", "bigint", "integer", "bigint",
                         "integer", "bigint", "integer")  # fmt: skip
                arrays = ", ".join(f"%b::{t}[]" for t in types)
                conn.exec_driver_sql(
                    f"{insert} SELECT * FROM unnest({arrays}) {conflict}",
                    tuple(map(list, zip(*rows, strict=True))),
                )


def drop_triggers(conn: Connection) -> None:
    for op in ("insert", "delete", "update"):
        conn.exec_driver_sql(f"DROP TRIGGER IF EXISTS rollup_intervals_{op}" + (
            "" if conn.dialect.name == "sqlite" else " ON intervals"))  # fmt: skip
        if conn.dialect.name != "sqlite":
            conn.exec_driver_sql(f"DROP FUNCTION IF EXISTS rollup_intervals_{op}()")


@functools.lru_cache(maxsize=8)
def calendar(zone: str) -> list[tuple[int, int, int, int]]:
    """``(day number, month number, lo, hi)`` of every local day of ``zone`` from FIRST_DAY to
    LAST_DAY."""
    buckets = day_buckets(FIRST_DAY, LAST_DAY, ZoneInfo(zone))
    first = day_number(FIRST_DAY)
    out = []
    for k, b in enumerate(buckets):
        d = day_date(first + k)
        out.append((first + k, month_number(d), b.start, b.end))
    return out


def month_number(d: date) -> int:
    return d.year * 12 + d.month - 1


def rebuild(conn: Connection, zone: str) -> None:
    """Make the calendar of ``zone`` and recompute both tables from ``intervals``."""
    conn.exec_driver_sql("DELETE FROM rollup_calendar")
    conn.exec_driver_sql("DELETE FROM day_totals")
    conn.exec_driver_sql("DELETE FROM day_amounts")
    conn.exec_driver_sql("DELETE FROM month_totals")
    conn.exec_driver_sql("DELETE FROM month_amounts")
    conn.exec_driver_sql("DELETE FROM rollup_state")
    first = day_number(FIRST_DAY)
    rows = calendar(zone)
    if conn.dialect.name == "sqlite":
        conn.exec_driver_sql(
            "INSERT INTO rollup_calendar (day, month, lo, hi) VALUES (?, ?, ?, ?)", rows
        )
    else:  # one statement, not 84,000
        conn.exec_driver_sql(
            "INSERT INTO rollup_calendar (day, month, lo, hi) SELECT * FROM "
            "unnest(%s::integer[], %s::integer[], %s::bigint[], %s::bigint[])",
            tuple(list(col) for col in zip(*rows, strict=True)),
        )
    if conn.dialect.name != "sqlite":
        conn.exec_driver_sql("ANALYZE rollup_calendar")
    conn.execute(
        text(
            "INSERT INTO rollup_state (id, zone, first_day, last_day, lo, hi) "
            "VALUES (1, :zone, :fd, :ld, :lo, :hi)"
        ),
        {
            "zone": zone,
            "fd": first,
            "ld": day_number(LAST_DAY),
            "lo": rows[0][2],
            "hi": rows[-1][3],
        },
    )
    src = f"(SELECT 1 AS sg, {_COLS} FROM intervals)"
    for sql in _upserts(src, conn.dialect.name):
        conn.exec_driver_sql(sql)


def workspace_zone_changed(conn: Connection, zone: str) -> None:
    """Called in the transaction that changes the workspace's zone."""
    current = conn.exec_driver_sql("SELECT zone FROM rollup_state WHERE id = 1").scalar()
    if current != zone:
        rebuild(conn, zone)


__all__ = [
    "COLUMNS",
    "add_new",
    "day_date",
    "day_number",
    "drop_triggers",
    "install_triggers",
    "paused",
    "rebuild",
    "workspace_zone_changed",
]
