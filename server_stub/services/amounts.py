"""Money beside the totals (server-spec §6.9): ``include=amounts`` and project roll-ups.

Amounts are sums of per-interval integers: each finished interval's amount counts once, in
the row of the local day (or week) it started in, within the range by its start — the rule
invoices use (an interval belongs to the day of its start, §6.4). So rows add up exactly to
the per-currency totals. Running intervals have no amount yet; unpriced ones add nothing (they
are never counted as 0 of some currency).

Bases: ``estimated`` (rate × seconds at tracking time), ``invoiced`` (the amount allocated to
the interval on its final invoice), ``best`` (invoiced where final, else estimated).
"""

from __future__ import annotations

from datetime import date
from typing import Literal
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, text

from tracker.totals import day_buckets, iso_week_key, range_bounds, week_buckets

from ..db import rollup
from .totals import Scope, _bucket_source, rollup_days, rollup_source

Basis = Literal["estimated", "invoiced", "best"]
BASES: tuple[Basis, ...] = ("estimated", "invoiced", "best")
_FINAL = "i.locked_by_invoice_id IS NOT NULL AND i.invoiced_amount_minor IS NOT NULL"

Sums = dict[str, int]  # currency -> minor units


# The currency of an invoiced amount: the interval's own note of it, else its invoice's.
_INVOICED_CURRENCY = (
    "COALESCE(i.invoiced_currency, "
    "(SELECT inv.currency FROM invoices inv WHERE inv.id = i.locked_by_invoice_id))"
)


def _money_sql(basis: Basis) -> tuple[str, str]:
    """SQL of (amount, currency) of one interval under ``basis``."""
    if basis == "estimated":
        return "i.estimated_amount_minor", "i.bill_currency"
    if basis == "invoiced":
        return (
            f"CASE WHEN {_FINAL} THEN i.invoiced_amount_minor END",
            f"CASE WHEN {_FINAL} THEN {_INVOICED_CURRENCY} END",
        )
    return (
        f"CASE WHEN {_FINAL} THEN i.invoiced_amount_minor ELSE i.estimated_amount_minor END",
        f"CASE WHEN {_FINAL} THEN {_INVOICED_CURRENCY} ELSE i.bill_currency END",
    )


_KEYS = {"project": ("project_id", "t.project_id"), "task": ("task_id", "i.task_id"),
         "user": ("user_id", "i.user_id")}  # fmt: skip


def by_row(
    conn: Connection, scope: Scope, group_by: list[str], tz: ZoneInfo, first: date | None,
    last: date | None, basis: Basis, *, now: int | None = None, use_rollup: bool = True,
) -> dict[tuple, Sums]:  # fmt: skip
    """Amounts per totals row: keyed by the row's values in ``row_names(group_by)`` order.

    From the daily roll-up (``day_amounts``) when it can answer for the range (see
    :func:`server_stub.services.totals.rollup_days`; ``now`` lets it check an open range),
    else from the raw intervals; both give the same sums.
    """
    if use_rollup and (now is not None or (first is not None and last is not None)):
        days = rollup_days(conn, scope, tz, now or 0, first, last)
        if days is not None:
            return _by_row_rollup(conn, scope, group_by, days, basis)
    keys = [_KEYS[g] for g in group_by if g in _KEYS]
    amount, currency = _money_sql(basis)
    by_day = "day" in group_by
    by_week = "week" in group_by and not by_day
    cols = "".join(f"{expr}, " for _, expr in keys)
    where = [
        "NOT i.deleted",
        "i.ended_at IS NOT NULL",
        f"{amount} IS NOT NULL",
        f"({scope.where})",
    ]
    params = dict(scope.params)
    source = "intervals i JOIN tasks t ON t.id = i.task_id"
    bucket = ""
    if by_day or by_week:
        assert first is not None and last is not None
        buckets = (day_buckets if by_day else week_buckets)(first, last, tz)
        src, bparams = _bucket_source(conn, buckets)
        params.update(bparams)
        source = f"{src} CROSS JOIN {source}"
        where += ["i.started_at >= b.lo", "i.started_at < b.hi"]
        bucket = "b.key, "
    elif first is not None or last is not None:
        lo, hi = range_bounds(first, last, tz)
        if lo is not None:
            where.append("i.started_at >= :lo")
            params["lo"] = lo
        if hi is not None:
            where.append("i.started_at < :hi")
            params["hi"] = hi
    sql = (
        f"SELECT {cols}{bucket}{currency} AS cur, SUM({amount}) AS amount FROM {source} "
        f"WHERE {' AND '.join(where)} GROUP BY {cols}{bucket}{currency}"
    )
    out: dict[tuple, Sums] = {}
    with_week = by_day and "week" in group_by
    for r in conn.execute(text(sql), params).all():
        parts = tuple(r[: len(keys) + (1 if bucket else 0)])
        if with_week:
            parts = (*parts, iso_week_key(date.fromisoformat(parts[-1])))
        sums = out.setdefault(parts, {})
        sums[r.cur] = sums.get(r.cur, 0) + int(r.amount)
    return out


_ROLLUP_COLS = {"estimated": ("est_minor", "est_n"), "invoiced": ("inv_minor", "inv_n"),
                "best": ("best_minor", "best_n")}  # fmt: skip


def _by_row_rollup(
    conn: Connection, scope: Scope, group_by: list[str], days: tuple[int, int], basis: Basis
) -> dict[tuple, Sums]:
    """:func:`by_row` from ``day_amounts``: each interval's money sits on its start day."""
    keys = [_KEYS[g] for g in group_by if g in _KEYS]
    amount, count = _ROLLUP_COLS[basis]
    by_day = "day" in group_by
    by_week = "week" in group_by and not by_day
    bucket = ["i.day"] if by_day else ["(i.day + 3) / 7"] if by_week else []
    group = ", ".join([expr for _, expr in keys] + bucket + ["i.currency"])
    needs_tasks = scope.needs_tasks or any(k == "project_id" for k, _ in keys)
    join = " JOIN tasks t ON t.id = i.task_id" if needs_tasks else ""
    if bucket:
        src, bparams = "day_amounts i", {"d1": days[0], "d2": days[1]}
        where = "i.day >= :d1 AND i.day <= :d2 AND "
    else:
        cols = f"user_id, task_id, currency, {amount}, {count}"
        src, bparams = rollup_source("amounts", cols, days)
        where = ""
    sql = (
        f"SELECT {group}, SUM(i.{amount}) FROM {src}{join} "
        f"WHERE {where}({scope.where}) "
        f"GROUP BY {group} HAVING SUM(i.{count}) > 0"
    )
    out: dict[tuple, Sums] = {}
    nkeys = len(keys)
    with_week = by_day and "week" in group_by
    for r in conn.execute(text(sql), {**scope.params, **bparams}).all():
        parts = tuple(r[:nkeys])
        if by_day:
            d = rollup.day_date(r[nkeys])
            parts = (*parts, d.isoformat())
            if with_week:
                parts = (*parts, iso_week_key(d))
        elif by_week:
            parts = (*parts, iso_week_key(rollup.day_date(r[nkeys] * 7 - 3)))
        cur = r[-2] or None
        sums = out.setdefault(parts, {})
        sums[cur] = sums.get(cur, 0) + int(r[-1])
    return out


def row_names(group_by: list[str]) -> list[str]:
    """The names of a totals row's keys, in the order :func:`by_row` keys them."""
    names = [_KEYS[g][0] for g in group_by if g in _KEYS]
    if "day" in group_by:
        names.append("day")
        if "week" in group_by:
            names.append("week")
    elif "week" in group_by:
        names.append("week")
    return names


def uninvoiced(conn: Connection, scope: Scope) -> Sums:
    """Billable, priced, finished time not on a final invoice, per currency (estimates)."""
    rows = conn.execute(
        text(
            "SELECT i.bill_currency AS cur, SUM(i.estimated_amount_minor) AS amount "
            "FROM intervals i JOIN tasks t ON t.id = i.task_id "
            "WHERE NOT i.deleted AND i.billable AND i.ended_at IS NOT NULL "
            "AND i.estimated_amount_minor IS NOT NULL AND i.locked_by_invoice_id IS NULL "
            f"AND ({scope.where}) GROUP BY i.bill_currency"
        ),
        scope.params,
    ).all()
    return {r.cur: int(r.amount) for r in rows}


def spent(conn: Connection, scope: Scope) -> Sums:
    """All the money of the time in scope (``best`` basis), per currency: a budget's use."""
    amount, currency = _money_sql("best")
    rows = conn.execute(
        text(
            f"SELECT {currency} AS cur, SUM({amount}) AS amount "
            "FROM intervals i JOIN tasks t ON t.id = i.task_id "
            f"WHERE NOT i.deleted AND {amount} IS NOT NULL AND ({scope.where}) "
            f"GROUP BY {currency}"
        ),
        scope.params,
    ).all()
    return {r.cur: int(r.amount) for r in rows}
