"""Totals by project, task, user, local day and ISO week, aggregated in SQL (server-spec §6.9).

The day and week split is the desktop's (``tracker.totals``): buckets are local days or ISO
weeks as UTC epoch spans ``[lo, hi)`` made by ``day_buckets``/``week_buckets``; each interval
counts ``min(end, hi) - max(start, lo)`` in every bucket it touches, so one across midnight is
counted on both days and DST days last 23 or 25 hours. The buckets are joined in SQL (the
bucket-join of ``tracker/store/repo.py``), bound as one JSON array on SQLite. PostgreSQL
finds each interval's buckets with ``width_bucket`` in one scan instead (``_bucketed_pg``).
Rows sum exactly to ``total_seconds`` because the total is their sum.
"""

from __future__ import annotations

import bisect
import itertools
import json
from dataclasses import dataclass
from datetime import date, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, select, text

from tracker.totals import day_buckets, iso_week_key, local_date, range_bounds, week_buckets

from ..db import rollup
from ..db.tables import counters, rollup_state

GROUPS = ("project", "task", "user", "day", "week")
MAX_BUCKETS = 366 * 30
FAR = 2**62


class TotalsError(ValueError):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class Scope:
    """The caller's scope as SQL over ``intervals i JOIN tasks t``, with bind values."""

    where: str
    params: dict
    needs_tasks: bool


def actor_scope(actor, *, project_id: str | None = None, user_id: str | None = None) -> Scope:
    """The caller's totals scope (:func:`server_stub.authz.totals_scope_sql`), narrowed to one
    project or user already checked against the caller."""
    from .. import authz

    return _narrowed(*authz.totals_scope_sql(actor), project_id=project_id, user_id=user_id)


def actor_scope_all(*, project_id: str | None = None, user_id: str | None = None) -> Scope:
    """Everything (an admin's scope), narrowed to one project or user: for tests and benchmarks
    that compare the roll-up with the raw computation."""
    return _narrowed("1 = 1", {}, False, project_id=project_id, user_id=user_id)


def _narrowed(
    where: str, params: dict, needs_tasks: bool, *, project_id: str | None, user_id: str | None
) -> Scope:
    if user_id is not None:
        where += " AND i.user_id = :f_uid"
        params = {**params, "f_uid": user_id}
    if project_id is not None:
        where += " AND t.project_id = :f_pid"
        params = {**params, "f_pid": project_id}
        needs_tasks = True
    return Scope(where, params, needs_tasks)


def parse_group_by(raw: str | None) -> list[str]:
    if raw is None or raw.strip() == "":
        return []
    out: list[str] = []
    for part in raw.split(","):
        name = part.strip().lower()
        if name not in GROUPS:
            raise TotalsError("invalid_group_by", f"group_by takes {', '.join(GROUPS)}")
        if name not in out:
            out.append(name)
    return out


def _sql_fns(conn: Connection) -> tuple[str, str]:
    return ("MAX", "MIN") if conn.dialect.name == "sqlite" else ("GREATEST", "LEAST")


def _max_span(conn: Connection, scope: Scope, now: int) -> int:
    longest = conn.execute(select(counters.c.value).where(counters.c.name == "max_span")).scalar()
    join = " JOIN tasks t ON t.id = i.task_id" if scope.needs_tasks else ""
    # Spelled like the partial index uq_intervals_one_running, so the planner can use it.
    sqlite = conn.dialect.name == "sqlite"
    live = "i.deleted = 0" if sqlite else "NOT i.deleted"
    # Without the hint SQLite walks the started_at index looking for a running row.
    hint = " INDEXED BY uq_intervals_one_running" if sqlite else ""
    oldest_running = conn.execute(
        text(
            f"SELECT MIN(i.started_at) FROM intervals i{hint}{join} "
            f"WHERE i.ended_at IS NULL AND {live} AND ({scope.where})"
        ),
        scope.params,
    ).scalar()
    span = longest or 0
    if oldest_running is not None:
        span = max(span, now - oldest_running)
    return span + 1


def data_bounds(conn: Connection, scope: Scope, now: int) -> tuple[int, int] | None:
    """First start and last end of the live intervals in scope (two index seeks, one short scan)."""
    gt, _ = _sql_fns(conn)
    join = " JOIN tasks t ON t.id = i.task_id" if scope.needs_tasks else ""
    where = f"NOT i.deleted AND ({scope.where})"
    # Separate MIN and MAX (tombstones included: they only widen the range) are index seeks.
    first = conn.execute(
        text(f"SELECT MIN(i.started_at) FROM intervals i{join} WHERE ({scope.where})"),
        scope.params,
    ).scalar()
    latest = conn.execute(
        text(f"SELECT MAX(i.started_at) FROM intervals i{join} WHERE ({scope.where})"),
        scope.params,
    ).scalar()
    if first is None:
        return None
    span = _max_span(conn, scope, now)
    sql = f"SELECT MAX(COALESCE(i.ended_at, {gt}(:now, i.started_at + 1))) FROM intervals i{join} "
    params = {**scope.params, "now": now, "reach": int(latest) - span}
    last_end = conn.execute(
        text(sql + f"WHERE {where} AND i.started_at >= :reach"), params
    ).scalar()
    if last_end is None:  # the latest rows are tombstones: look further back
        last_end = conn.execute(text(sql + f"WHERE {where}"), params).scalar()
    if last_end is None:
        return None
    return int(first), int(last_end)


def totals(
    conn: Connection,
    scope: Scope,
    group_by: list[str],
    tz: ZoneInfo,
    now: int,
    first: date | None,
    last: date | None,
    *,
    use_rollup: bool = True,
) -> tuple[list[dict], int, date | None, date | None]:
    """Rows ``{<keys>, seconds}`` and their sum; also the local days actually covered.

    Whole local days in the roll-up's zone come from the daily roll-up (``day_totals``) plus
    the running intervals; anything else (another zone, days outside its calendar) from the
    raw intervals. Both give the same rows to the second (tests/server/test_rollup.py).
    """
    unbounded = first is None and last is None and not ({"day", "week"} & set(group_by))
    if not unbounded and (first is None or last is None):
        bounds = data_bounds(conn, scope, now)
        if bounds is None:
            return [], 0, first, last
        first = first or local_date(bounds[0], tz)
        last = last or local_date(bounds[1] - 1, tz)
    if first is not None and last is not None and last < first:
        return [], 0, first, last
    if use_rollup:
        days = rollup_days(conn, scope, tz, now, first, last)
        if days is not None:
            if ({"day", "week"} & set(group_by)) and (last - first).days > MAX_BUCKETS:
                raise TotalsError("range_too_long", "group by day or week over at most 30 years")
            rows, total = _from_rollup(conn, scope, group_by, tz, now, first, last, days)
            return rows, total, first, last
    lo, hi = range_bounds(first, last, tz)
    gt, lt = _sql_fns(conn)
    end = f"COALESCE(i.ended_at, {gt}(:now, i.started_at))"
    span = 0 if unbounded else _max_span(conn, scope, now)
    keys: list[tuple[str, str]] = []  # (output name, SQL expression)
    for g in group_by:
        if g == "project":
            keys.append(("project_id", "t.project_id"))
        elif g == "task":
            keys.append(("task_id", "i.task_id"))
        elif g == "user":
            keys.append(("user_id", "i.user_id"))
    needs_tasks = scope.needs_tasks or any(k == "project_id" for k, _ in keys)
    join = " JOIN tasks t ON t.id = i.task_id" if needs_tasks else ""
    params = {**scope.params, "now": now, "span": span}
    by_day = "day" in group_by
    by_week = "week" in group_by and not by_day
    if by_day or by_week:
        if (last - first).days > MAX_BUCKETS:
            raise TotalsError("range_too_long", "group by day or week over at most 30 years")
        buckets = (day_buckets if by_day else week_buckets)(first, last, tz)
        if conn.dialect.name == "postgresql" and _contiguous(buckets):
            out, total = _bucketed_pg(conn, keys, buckets, join, end, scope, params, group_by)
            return out, total, first, last
        cols = ", ".join(expr for _, expr in keys)
        select_keys = (cols + ", ") if cols else ""
        bucket_src, bparams = _bucket_source(conn, buckets)
        params.update(bparams)
        sql = f"""
            SELECT {select_keys}b.key AS bkey,
                   SUM({lt}({end}, b.hi) - {gt}(i.started_at, b.lo)) AS secs
            FROM {bucket_src} CROSS JOIN intervals i{join}
            WHERE NOT i.deleted AND i.started_at >= b.lo - :span AND i.started_at < b.hi
              AND {end} > b.lo AND ({scope.where})
            GROUP BY {select_keys}b.key
        """
    elif unbounded:  # everything: no clipping, no range
        cols = ", ".join(expr for _, expr in keys)
        select_keys = (cols + ", ") if cols else ""
        group = f"GROUP BY {cols}" if cols else ""
        sql = f"""
            SELECT {select_keys}SUM({end} - i.started_at) AS secs
            FROM intervals i{join}
            WHERE NOT i.deleted AND ({scope.where})
            {group}
        """
    else:
        params.update(lo=lo, hi=hi)
        cols = ", ".join(expr for _, expr in keys)
        select_keys = (cols + ", ") if cols else ""
        group = f"GROUP BY {cols}" if cols else ""
        sql = f"""
            SELECT {select_keys}SUM({lt}({end}, :hi) - {gt}(i.started_at, :lo)) AS secs
            FROM intervals i{join}
            WHERE NOT i.deleted AND i.started_at >= :lo - :span AND i.started_at < :hi
              AND {end} > :lo AND ({scope.where})
            {group}
        """
    result = conn.execute(text(sql), params)
    fetched = result.cursor.fetchall()  # plain tuples: no Row objects for ~10^5 groups
    result.close()
    return (*_shape(fetched, keys, group_by, by_day, by_week), first, last)


def _shape(
    fetched, keys: list[tuple[str, str]], group_by: list[str], by_day: bool, by_week: bool
) -> tuple[list[dict], int]:
    """Rows ``(*keys[, bucket key], seconds)`` as sorted output rows and their sum."""
    nkeys = len(keys)
    rows: dict[tuple, int] = {}
    with_week = by_day and "week" in group_by
    for r in fetched:
        secs = r[-1]
        if not secs or secs <= 0:
            continue
        if by_day or by_week:
            if with_week:
                bkey = r[nkeys]
                key = (*r[:nkeys], bkey, iso_week_key(date.fromisoformat(bkey)))
            else:
                key = r[:-1]
        else:
            key = r[:nkeys]
        rows[key] = rows.get(key, 0) + int(secs)
    names = [k for k, _ in keys]
    if by_day:
        names.append("day")
        if "week" in group_by:
            names.append("week")
    elif by_week:
        names.append("week")
    # Every key part is an id or a date/week string without NUL: joining with NUL sorts like
    # the tuples, and one string comparison is much cheaper than a tuple comparison.
    order = sorted(rows, key=lambda k: "\0".join(map(str, k)))
    out = [dict(zip(names, k, strict=True), seconds=rows[k]) for k in order]
    return out, sum(rows.values())


def rollup_days(
    conn: Connection, scope: Scope, tz: ZoneInfo, now: int, first: date | None, last: date | None
) -> tuple[int, int] | None:
    """The roll-up's day numbers for ``[first, last]`` when it can answer for them, else None.

    It can when the days are local days of its zone inside its calendar; with no range at all
    (seconds do not depend on the zone then) when every interval in scope lies in the calendar.
    """
    state = conn.execute(select(rollup_state)).first()
    if state is None:
        return None
    if first is None and last is None:
        bounds = data_bounds(conn, scope, now)
        if bounds is None:
            return state.first_day, state.first_day - 1  # nothing: an empty range
        if bounds[0] < state.lo or bounds[1] > state.hi:
            return None
        return state.first_day, state.last_day
    if state.zone != tz.key or first is None or last is None:
        return None
    lo, hi = rollup.day_number(first), rollup.day_number(last)
    if lo < state.first_day or hi > state.last_day:
        return None
    return lo, hi


def rollup_source(kind: str, cols: str, days: tuple[int, int]) -> tuple[str, dict]:
    """The roll-up rows of the days ``days`` (day numbers, inclusive) as a FROM source ``i``:
    the whole calendar months inside from ``month_<kind>``, the days at either edge from
    ``day_<kind>``. Both carry ``cols``."""
    d1, d2 = days
    if d2 < d1:
        return f"(SELECT {cols} FROM day_{kind} WHERE 1 = 0) i", {}
    first, last = rollup.day_date(d1), rollup.day_date(d2)
    start = first if first.day == 1 else (first.replace(day=1) + timedelta(days=32)).replace(day=1)
    after = last + timedelta(days=1)
    end = after if after.day == 1 else after.replace(day=1)  # exclusive
    if start >= end:
        sql = f"(SELECT {cols} FROM day_{kind} WHERE day >= :d1 AND day <= :d2) i"
        return sql, {"d1": d1, "d2": d2}
    sql = (
        f"(SELECT {cols} FROM month_{kind} WHERE month >= :m1 AND month <= :m2 "
        f"UNION ALL SELECT {cols} FROM day_{kind} WHERE day >= :d1 AND day < :e1 "
        f"UNION ALL SELECT {cols} FROM day_{kind} WHERE day >= :e2 AND day <= :d2) i"
    )
    months = rollup.month_number(start), rollup.month_number(end) - 1
    edges = rollup.day_number(start), rollup.day_number(end)
    return sql, {
        "m1": months[0],
        "m2": months[1],
        "d1": d1,
        "e1": edges[0],
        "e2": edges[1],
        "d2": d2,
    }


_ROLLUP_KEYS = {"project": ("project_id", "t.project_id"), "task": ("task_id", "i.task_id"),
                "user": ("user_id", "i.user_id")}  # fmt: skip


def _from_rollup(conn, scope, group_by, tz, now, first, last, days):
    """Totals from ``day_totals`` (finished time) and the running intervals (up to ``now``)."""
    keys = [_ROLLUP_KEYS[g] for g in group_by if g in _ROLLUP_KEYS]
    by_day = "day" in group_by
    by_week = "week" in group_by and not by_day
    needs_tasks = scope.needs_tasks or any(k == "project_id" for k, _ in keys)
    join = " JOIN tasks t ON t.id = i.task_id" if needs_tasks else ""
    cols = [expr for _, expr in keys]
    bucket = ["i.day"] if by_day else ["(i.day + 3) / 7"] if by_week else []  # Monday-based
    group = ", ".join(cols + bucket)
    if bucket:
        src, bparams = "day_totals i", {"d1": days[0], "d2": days[1]}
        where = "i.day >= :d1 AND i.day <= :d2 AND "
    else:
        src, bparams = rollup_source("totals", "user_id, task_id, seconds", days)
        where = ""
    sql = (
        f"SELECT {group + ', ' if group else ''}SUM(i.seconds) FROM {src}{join} "
        f"WHERE {where}({scope.where})" + (f" GROUP BY {group}" if group else "")
    )
    result = conn.execute(text(sql), {**scope.params, **bparams})
    fetched = result.cursor.fetchall()
    result.close()
    nkeys = len(keys)
    if by_day:
        fetched = [(*r[:nkeys], rollup.day_date(r[nkeys]).isoformat(), r[-1]) for r in fetched]
    elif by_week:
        fetched = [
            (*r[:nkeys], iso_week_key(rollup.day_date(r[nkeys] * 7 - 3)), r[-1]) for r in fetched
        ]
    fetched = [r for r in fetched if r[-1] is not None]
    fetched += _running(conn, scope, keys, join, tz, now, first, last, by_day, by_week)
    return _shape(fetched, keys, group_by, by_day, by_week)


def _running(conn, scope, keys, join, tz, now, first, last, by_day, by_week) -> list[tuple]:
    """The running intervals' parts in the range, as rows like the roll-up's, split like
    ``tracker.totals`` splits them (at local midnights, or ISO weeks, clipped to the range)."""
    sqlite = conn.dialect.name == "sqlite"
    live = "i.deleted = 0" if sqlite else "NOT i.deleted"
    hint = " INDEXED BY uq_intervals_one_running" if sqlite else ""
    cols = "".join(f"{expr}, " for _, expr in keys)
    running = conn.execute(
        text(
            f"SELECT {cols}i.started_at FROM intervals i{hint}{join} "
            f"WHERE i.ended_at IS NULL AND {live} AND ({scope.where})"
        ),
        scope.params,
    ).all()
    if not running:
        return []
    nkeys = len(keys)
    out: list[tuple] = []
    lo, hi = range_bounds(first, last, tz) if first is not None else (None, None)
    buckets = None
    if by_day or by_week:
        buckets = (day_buckets if by_day else week_buckets)(first, last, tz)
        starts = [b.start for b in buckets]
    for r in running:
        start = int(r[nkeys])
        end = max(now, start)
        if buckets is None:
            s = start if lo is None else max(start, lo)
            e = end if hi is None else min(end, hi)
            if e > s:
                out.append((*r[:nkeys], e - s))
            continue
        k = max(bisect.bisect_right(starts, start) - 1, 0)
        while k < len(buckets) and buckets[k].start < end:
            b = buckets[k]
            part = min(end, b.end) - max(start, b.start)
            if part > 0:
                out.append((*r[:nkeys], b.key, part))
            k += 1
    return out


def _contiguous(buckets) -> bool:
    return all(a.end == b.start for a, b in itertools.pairwise(buckets))


def _bucketed_pg(conn, keys, buckets, join, end, scope, params, group_by):
    """Local-day/week totals on PostgreSQL in one scan, with no join on the buckets.

    ``width_bucket`` over the sorted bucket bounds gives each interval its first and last bucket
    (``k1``, ``k2``). Grouped by the keys, ``k1`` and ``k2``, three sums are exact: the part in
    ``k1``, the part in ``k2`` and the count (each bucket strictly between is covered whole).
    Nearly every interval has ``k1 = k2``, so the groups are about the output rows. The bucket
    join (one index range scan per bucket, ~1M index rows as a nested loop) cost ~1.7x the
    plain ``GROUP BY``; this is one sequential scan and a hash aggregate, like the raw query.
    """
    bounds = [b.start for b in buckets] + [buckets[-1].end]
    n = len(buckets)
    names = [f"g{k}" for k in range(len(keys))]
    inner = "".join(f"{expr} AS {name}, " for (_, expr), name in zip(keys, names, strict=True))
    outer = "".join(f"{name}, " for name in names)
    b = "(CAST(:bounds AS bigint[]))"
    order = "".join(f'{name} COLLATE "C", ' for name in names)
    # A part of one interval in one bucket is at most a week (or 999 hours): SUM of an integer
    # adds in bigint, while SUM of a bigint adds in numeric, several times slower.
    # The split intervals are expanded over the grouped rows, ~10^4, not over the table; the
    # order is the one the bucket join's rows got in Python (ids byte-wise, then the day).
    sql = f"""
        WITH g AS (
            SELECT {outer}k1, k2,
                   SUM(CAST(LEAST(e, {b}[k1 + 1]) - GREATEST(s, {b}[k1]) AS integer)) AS f,
                   SUM(CAST(LEAST(e, {b}[k2 + 1]) - GREATEST(s, {b}[k2]) AS integer)) AS l,
                   COUNT(*) AS c
            FROM (
                SELECT {inner}i.started_at AS s, {end} AS e,
                       GREATEST(width_bucket(i.started_at, {b}), 1) AS k1,
                       LEAST(width_bucket({end} - 1, {b}), :nb) AS k2
                FROM intervals i{join}
                WHERE NOT i.deleted AND i.started_at >= :lo - :span AND i.started_at < :hi
                  AND {end} > :lo AND {end} > i.started_at AND ({scope.where})
            ) x
            GROUP BY {outer}k1, k2
        )
        SELECT {outer}k, CAST(SUM(CASE WHEN k = k1 THEN f WHEN k = k2 THEN l
                                  ELSE c * ({b}[k + 1] - {b}[k]) END) AS bigint) AS secs
        FROM g CROSS JOIN LATERAL generate_series(k1, k2) AS k
        GROUP BY {outer}k
        HAVING SUM(CASE WHEN k = k1 THEN f WHEN k = k2 THEN l
                        ELSE c * ({b}[k + 1] - {b}[k]) END) > 0
        ORDER BY {order}k
    """
    params = {**params, "bounds": bounds, "nb": n, "lo": bounds[0], "hi": bounds[-1]}
    # The sums are over the keys' groups, ~10^4-10^5 of them: a hash aggregate in memory (left
    # to itself the planner sorts the ~1M rows to group them, ~2x slower), and no JIT (its
    # compile time is most of the query when the row estimate is large). For this query only.
    conn.exec_driver_sql("SET LOCAL jit = off")
    conn.exec_driver_sql("SET LOCAL work_mem = '64MB'")
    conn.exec_driver_sql("SET LOCAL enable_sort = off")
    result = conn.execute(text(sql), params)
    fetched = result.cursor.fetchall()
    result.close()
    nkeys = len(keys)
    bkeys = [bk.key for bk in buckets]
    key_names = [name for name, _ in keys]
    by_day = "day" in group_by
    bname = "day" if by_day else "week"
    with_week = by_day and "week" in group_by
    out = []
    total = 0
    for r in fetched:
        row = dict(zip(key_names, r[:nkeys], strict=True))
        bkey = bkeys[r[nkeys] - 1]
        row[bname] = bkey
        if with_week:
            row["week"] = iso_week_key(date.fromisoformat(bkey))
        row["seconds"] = secs = r[-1]
        total += secs
        out.append(row)
    return out, total


def _bucket_source(conn: Connection, buckets) -> tuple[str, dict]:
    if conn.dialect.name == "sqlite":
        payload = json.dumps([[b.key, b.start, b.end] for b in buckets])
        src = (
            "(SELECT json_extract(value, '$[0]') AS key, json_extract(value, '$[1]') AS lo, "
            "json_extract(value, '$[2]') AS hi FROM json_each(:buckets)) b"
        )
        return src, {"buckets": payload}
    src = (
        "unnest(CAST(:bkeys AS text[]), CAST(:blos AS bigint[]), CAST(:bhis AS bigint[])) "
        "AS b(key, lo, hi)"
    )
    return src, {
        "bkeys": [b.key for b in buckets],
        "blos": [b.start for b in buckets],
        "bhis": [b.end for b in buckets],
    }


def project_rollup(conn: Connection, scope: Scope, tz: ZoneInfo, now: int) -> dict[str, int]:
    """Seconds today, this ISO week, this calendar month and all time, in ``tz``."""
    today = local_date(now, tz)
    monday = today - timedelta(days=today.weekday())
    month = today.replace(day=1)
    out = {}
    for name, first in (("today", today), ("this_week", monday), ("this_month", month)):
        _, total, _, _ = totals(conn, scope, [], tz, now, first, today)
        out[name] = total
    _, out["all_time"], _, _ = totals(conn, scope, [], tz, now, None, None)
    return out


__all__ = [
    "FAR",
    "GROUPS",
    "Scope",
    "TotalsError",
    "actor_scope",
    "actor_scope_all",
    "parse_group_by",
    "project_rollup",
    "rollup_days",
    "rollup_source",
    "totals",
]
