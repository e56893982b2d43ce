"""Rate resolution and rate changes (server-spec §6.3).

Bill rate of an interval of user U on project P (client C), effective at its ``started_at``:
member-on-project, then project, then client, then the user's default; none means the interval
is unpriced (never silently 0). Pay rate: member-on-project, then the user's default.

Every rate lives in ``rate_history`` as periods ``[effective_from, effective_to)`` per holder
and kind; the rate columns on projects, clients, users and members hold the current one.
:func:`change` records a new period and re-prices, in the same transaction, the intervals it
touches: unlocked, not manually priced, starting at or after the period's start, in the holder's
scope — each resolved again through the whole chain, so only those whose price follows from
the changed holder move.
"""

from __future__ import annotations

import bisect
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy import (
    BigInteger,
    Connection,
    and_,
    bindparam,
    false,
    insert,
    or_,
    select,
    text,
    update,
)

from ..db.tables import intervals, projects, rate_history, tasks, workspace
from ..ids import new_id
from ..money import RoundingMode, round_div
from . import audit

# (holder, origin written on the interval), in the bill chain's order.
BILL_CHAIN = (
    ("project_member", "member_project"),
    ("project", "project"),
    ("client", "client"),
    ("user", "user_default"),
)
PAY_CHAIN = ("project_member", "user")
MANUAL = "manual"  # an admin's override on one interval: never re-priced


@dataclass(frozen=True, slots=True)
class Rates:
    billable: bool
    bill_rate_minor: int | None
    bill_currency: str | None
    bill_rate_origin: str
    pay_rate_minor: int | None
    pay_currency: str | None
    rounding: RoundingMode = "half_up"

    def estimate(self, seconds: int | None) -> int | None:
        if seconds is None or self.bill_rate_minor is None or not self.billable:
            return None
        return amount(self.bill_rate_minor, seconds, self.rounding)


def amount(rate_minor: int, seconds: int, rounding: RoundingMode = "half_up") -> int:
    """``round(rate × seconds / 3600)``, the estimate of one interval (server-spec §6.4)."""
    return round_div(rate_minor * seconds, 3600, rounding)


def member_key(project_id: str, user_id: str) -> str:
    return f"{project_id}/{user_id}"


@dataclass(slots=True)
class _Periods:
    starts: list[int] = field(default_factory=list)
    rows: list[tuple[int, int | None, int | None, str | None]] = field(default_factory=list)

    def at(self, t: int) -> tuple[int | None, str | None] | None:
        """(amount, currency) of the period holding ``t``; None outside every period."""
        i = bisect.bisect_right(self.starts, t) - 1
        if i < 0:
            return None
        _start, end, amount_minor, currency = self.rows[i]
        if end is not None and t >= end:
            return None
        return amount_minor, currency


Key = tuple[str, str, str]  # (holder, holder_id, kind)


def load_history(conn: Connection, keys: Iterable[tuple[str, str]]) -> dict[Key, _Periods]:
    """The non-empty periods of these holders, both kinds, sorted by start."""
    by_holder: dict[str, set[str]] = defaultdict(set)
    for holder, holder_id in keys:
        by_holder[holder].add(holder_id)
    out: dict[Key, _Periods] = defaultdict(_Periods)
    if not by_holder:
        return out
    cond = or_(
        *(
            and_(rate_history.c.holder == h, rate_history.c.holder_id.in_(sorted(ids)))
            for h, ids in by_holder.items()
        )
    )
    rows = conn.execute(
        select(
            rate_history.c.holder, rate_history.c.holder_id, rate_history.c.kind,
            rate_history.c.effective_from, rate_history.c.effective_to,
            rate_history.c.amount_minor, rate_history.c.currency,
        )
        .where(cond)
        .where(or_(rate_history.c.effective_to.is_(None),
                   rate_history.c.effective_to > rate_history.c.effective_from))
        .order_by(rate_history.c.effective_from)
    ).all()  # fmt: skip
    for r in rows:
        p = out[(r.holder, r.holder_id, r.kind)]
        p.starts.append(r.effective_from)
        p.rows.append((r.effective_from, r.effective_to, r.amount_minor, r.currency))
    return out


@dataclass(slots=True)
class Chain:
    """The rate chain of one user on one project: ``at(t)`` resolves an interval started at t."""

    billable: bool
    bill: list[tuple[_Periods, str]]  # (periods, origin) in chain order
    pay: list[_Periods]
    rounding: RoundingMode = "half_up"

    @property
    def has_rates(self) -> bool:
        return any(p.rows for p, _ in self.bill) or any(p.rows for p in self.pay)

    def segments(self) -> tuple[list[int], list[Rates]]:
        """The chain as constant pieces: ``rates[i]`` holds from ``starts[i]`` to the next."""
        points = {0}
        for periods in [p for p, _ in self.bill] + self.pay:
            for start, end, _amount, _cur in periods.rows:
                points.add(start)
                if end is not None:
                    points.add(end)
        starts = sorted(points)
        return starts, [self.at(t) for t in starts]

    def at(self, t: int) -> Rates:
        bill: tuple[int | None, str | None, str] = (None, None, "none")
        for periods, origin in self.bill:
            hit = periods.at(t)
            if hit is not None and hit[0] is not None:
                bill = (hit[0], hit[1], origin)
                break
        pay: tuple[int | None, str | None] = (None, None)
        for periods in self.pay:
            hit = periods.at(t)
            if hit is not None and hit[0] is not None:
                pay = hit
                break
        return Rates(self.billable, *bill, *pay, self.rounding)


class Resolver:
    """Chains per (user, project), loaded on first use within one transaction."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self._chains: dict[tuple[str, str], Chain] = {}
        self._projects: dict[str, tuple[bool, str | None]] = {}
        self.rounding: RoundingMode = conn.execute(select(workspace.c.rounding)).scalar() or (
            "half_up"
        )

    def chain(self, user_id: str, project_id: str) -> Chain:
        chain = self._chains.get((user_id, project_id))
        if chain is None:
            self._load([(user_id, project_id)])
            chain = self._chains[(user_id, project_id)]
        return chain

    def _load(self, pairs: list[tuple[str, str]]) -> None:
        missing = sorted({p for _, p in pairs} - set(self._projects))
        for i in range(0, len(missing), 500):
            for r in self.conn.execute(
                select(projects.c.id, projects.c.billable, projects.c.client_id).where(
                    projects.c.id.in_(missing[i : i + 500])
                )
            ):
                self._projects[r.id] = (bool(r.billable), r.client_id)
        keys: set[tuple[str, str]] = set()
        for uid, pid in pairs:
            client_id = self._projects.get(pid, (True, None))[1]
            keys |= {("project_member", member_key(pid, uid)), ("project", pid), ("user", uid)}
            if client_id is not None:
                keys.add(("client", client_id))
        history = load_history(self.conn, keys)
        empty = _Periods()
        for uid, pid in pairs:
            billable, client_id = self._projects.get(pid, (True, None))
            ids = {
                "project_member": member_key(pid, uid),
                "project": pid,
                "client": client_id,
                "user": uid,
            }
            periods = {
                (h, kind): history.get((h, hid, kind), empty) if hid is not None else empty
                for h, hid in ids.items()
                for kind in ("bill", "pay")
            }
            self._chains[(uid, pid)] = Chain(
                billable,
                [(periods[(h, "bill")], origin) for h, origin in BILL_CHAIN],
                [periods[(h, "pay")] for h in PAY_CHAIN],
                self.rounding,
            )

    def preload(self, pairs: Iterable[tuple[str, str]]) -> None:
        todo = sorted(set(pairs) - set(self._chains))
        for i in range(0, len(todo), 200):
            self._load(todo[i : i + 200])


def resolve(conn: Connection, user_id: str, project_id: str, at: int) -> Rates:
    """The rates of one interval of ``user_id`` on ``project_id`` started at ``at``."""
    return Resolver(conn).chain(user_id, project_id).at(at)


# -- changing a rate ------------------------------------------------------------------------


@dataclass
class Repriced:
    """What a rate change re-priced: interval ids and the amount delta per currency."""

    ids: list[str] = field(default_factory=list)
    delta: dict[str, int] = field(default_factory=dict)

    def add(self, other: Repriced) -> None:
        self.ids.extend(other.ids)
        for cur, d in other.delta.items():
            self.delta[cur] = self.delta.get(cur, 0) + d


def current(conn: Connection, holder: str, holder_id: str, kind: str, at: int):
    """(amount, currency) in force at ``at``, or None."""
    row = conn.execute(
        select(rate_history.c.amount_minor, rate_history.c.currency).where(
            rate_history.c.holder == holder, rate_history.c.holder_id == holder_id,
            rate_history.c.kind == kind, rate_history.c.effective_from <= at,
            or_(rate_history.c.effective_to.is_(None), rate_history.c.effective_to > at),
        )
    ).first()  # fmt: skip
    return None if row is None or row.amount_minor is None else (row.amount_minor, row.currency)


def record(
    conn: Connection, *, holder: str, holder_id: str, kind: str, amount_minor: int | None,
    currency: str | None, effective_from: int | None, now: int, actor_id: str | None,
) -> int | None:  # fmt: skip
    """Record a rate period; returns its start, or None when nothing changed.

    Without ``effective_from`` a holder that never had a rate gets it from the beginning of
    time, and a change of an existing rate starts now (history untouched).
    """
    had_rate = (
        conn.execute(
            select(rate_history.c.id).where(
                rate_history.c.holder == holder, rate_history.c.holder_id == holder_id,
                rate_history.c.kind == kind, rate_history.c.amount_minor.is_not(None),
            ).limit(1)
        ).first()
        is not None
    )  # fmt: skip
    now_rate = current(conn, holder, holder_id, kind, now)
    new = None if amount_minor is None else (amount_minor, currency)
    if effective_from is None:
        if now_rate == new:
            return None
        effective_from = now if had_rate else 0
    mine = and_(
        rate_history.c.holder == holder, rate_history.c.holder_id == holder_id,
        rate_history.c.kind == kind,
    )  # fmt: skip
    # Periods running into the new start end there; periods after it are emptied (kept).
    conn.execute(
        update(rate_history)
        .where(mine, rate_history.c.effective_from < effective_from,
               or_(rate_history.c.effective_to.is_(None),
                   rate_history.c.effective_to > effective_from))
        .values(effective_to=effective_from)
    )  # fmt: skip
    conn.execute(
        update(rate_history)
        .where(mine, rate_history.c.effective_from >= effective_from,
               or_(rate_history.c.effective_to.is_(None),
                   rate_history.c.effective_to > rate_history.c.effective_from))
        .values(effective_to=rate_history.c.effective_from)
    )  # fmt: skip
    conn.execute(
        insert(rate_history).values(
            id=new_id(), holder=holder, holder_id=holder_id, kind=kind,
            amount_minor=amount_minor, currency=currency if amount_minor is not None else None,
            effective_from=effective_from, changed_by=actor_id, changed_at=now,
        )
    )  # fmt: skip
    # The audit trail names the holder; a member on a project by the user, with the project.
    entity_id, where = holder_id, {}
    if holder == "project_member":
        where["project_id"], entity_id = holder_id.split("/", 1)
    audit.record(
        conn, actor_id=actor_id, action=f"rate.{kind}_change", entity=holder,
        entity_id=entity_id, at=now,
        before={**where, "rate": _rate_state(now_rate)},
        after={**where, "rate": _rate_state(new), "effective_from": effective_from},
    )  # fmt: skip
    return effective_from


def _rate_state(rate: tuple[int, str | None] | None) -> dict | None:
    return None if rate is None else {"amount_minor": rate[0], "currency": rate[1]}


_COLS = (
    intervals.c.id, intervals.c.user_id, tasks.c.project_id, intervals.c.started_at,
    intervals.c.ended_at, intervals.c.billable, intervals.c.bill_rate_minor,
    intervals.c.bill_currency, intervals.c.bill_rate_origin, intervals.c.pay_rate_minor,
    intervals.c.pay_currency, intervals.c.estimated_amount_minor,
)  # fmt: skip


def _scope(holder: str, holder_id: str):
    """The intervals a holder's rate can price, as a condition the indexes serve (by task,
    or by user)."""
    if holder == "project_member":
        pid, uid = holder_id.split("/", 1)
        return and_(intervals.c.user_id == uid, _tasks_of(tasks.c.project_id == pid))
    if holder == "project":
        return _tasks_of(tasks.c.project_id == holder_id)
    if holder == "client":
        return _tasks_of(
            tasks.c.project_id.in_(select(projects.c.id).where(projects.c.client_id == holder_id))
        )
    return intervals.c.user_id == holder_id


def _tasks_of(condition):
    return intervals.c.task_id.in_(select(tasks.c.id).where(condition).scalar_subquery())


def reprice(
    conn: Connection, *, holder: str, holder_id: str, kind: str, since: int, now: int
) -> Repriced:
    """Resolve again every interval the change may touch; write those whose price moved."""
    lock_before = conn.execute(select(workspace.c.lock_before)).scalar()
    lock = (
        intervals.c.locked_by_invoice_id
        if kind == "bill"
        else intervals.c.locked_by_team_invoice_id
    )
    q = (
        select(*_COLS)
        .select_from(intervals.join(tasks, tasks.c.id == intervals.c.task_id))
        .where(
            _scope(holder, holder_id),
            intervals.c.deleted == false(),
            lock.is_(None),
            intervals.c.bill_rate_origin != MANUAL,
            intervals.c.started_at >= max(since, lock_before or 0),
        )
    )
    result = conn.execute(q)
    rows = result.cursor.fetchall()  # plain tuples: re-pricing may touch ~10^5 rows
    result.close()
    resolver = Resolver(conn)
    resolver.preload((r[1], r[2]) for r in rows)
    pieces: dict[tuple[str, str], tuple[list[int], list[Rates]]] = {}
    out = Repriced()
    by_id: list[tuple] = []  # rows to write one by one: (*values, id)
    in_sql: dict[tuple, list[str]] = defaultdict(list)  # new rates -> ids (estimate in SQL)
    rounding = resolver.rounding
    for r in rows:
        iid, uid, pid, start, end, billable = r[0], r[1], r[2], r[3], r[4], bool(r[5])
        piece = pieces.get((uid, pid))
        if piece is None:
            piece = pieces[(uid, pid)] = resolver.chain(uid, pid).segments()
        new = piece[1][bisect.bisect_right(piece[0], start) - 1]
        seconds = None if end is None else end - start
        if kind == "bill":
            est = None
            if seconds is not None and new.bill_rate_minor is not None and billable:
                est = amount(new.bill_rate_minor, seconds, rounding)
            if (new.bill_rate_minor, new.bill_currency, new.bill_rate_origin, est) == (
                r[6], r[7], r[8], r[11],
            ):  # fmt: skip
                continue
            _delta(out.delta, r[7], -(r[11] or 0))
            _delta(out.delta, new.bill_currency, est or 0)
            values = (new.bill_rate_minor, new.bill_currency, new.bill_rate_origin)
            if new.bill_rate_minor is None or new.bill_rate_minor <= _SQL_SAFE_RATE:
                in_sql[values].append(iid)
            else:
                by_id.append((*values, est, now, iid))
        else:
            if (new.pay_rate_minor, new.pay_currency) == (r[9], r[10]):
                continue
            if seconds is not None:
                if r[9] is not None:
                    _delta(out.delta, r[10], -amount(r[9], seconds, rounding))
                if new.pay_rate_minor is not None:
                    _delta(
                        out.delta, new.pay_currency, amount(new.pay_rate_minor, seconds, rounding)
                    )
            in_sql[(new.pay_rate_minor, new.pay_currency)].append(iid)
        out.ids.append(iid)
    _write(conn, kind, in_sql, by_id, rounding, now)
    out.ids.sort()
    return out


# Rates up to this many minor units per hour have their estimates computed in SQL: rate ×
# 999 h × 2 stays inside a signed 64-bit integer. Larger (absurd, but accepted) rates are
# written with the estimate computed here.
_SQL_SAFE_RATE = 2**62 // (2 * 999 * 3600)
_IN_CHUNK = 500


def _estimate_sql(rounding: RoundingMode) -> str:
    """SQL of ``amount(rate, seconds, rounding)`` for a bound ``:rate`` (``n`` ≥ 0)."""
    n = "(:rate * (ended_at - started_at))"
    if rounding == "half_up":
        return f"(2 * {n} + 3600) / 7200"
    return (
        f"CASE WHEN 2 * ({n} % 3600) > 3600 OR (2 * ({n} % 3600) = 3600 AND ({n} / 3600) % 2 = 1)"
        f" THEN {n} / 3600 + 1 ELSE {n} / 3600 END"
    )


def _write(conn, kind, in_sql, by_id, rounding: RoundingMode, now: int) -> None:
    """The new rates: set-wise per rate (ids in chunks), else row by row."""
    if kind == "bill":
        sets = (
            "bill_rate_minor = :rate, bill_currency = :cur, bill_rate_origin = :origin, "
            "estimated_amount_minor = CASE WHEN billable AND ended_at IS NOT NULL "
            f"AND :rate IS NOT NULL THEN {_estimate_sql(rounding)} END"
        )
    else:
        sets = "pay_rate_minor = :rate, pay_currency = :cur"
    statement = text(f"UPDATE intervals SET {sets}, updated_at = :now WHERE id IN :ids").bindparams(
        bindparam("ids", expanding=True), bindparam("rate", type_=BigInteger)
    )
    for values, ids in in_sql.items():
        params = {"rate": values[0], "cur": values[1], "now": now}
        if kind == "bill":
            params["origin"] = values[2]
        for i in range(0, len(ids), _IN_CHUNK):
            chunk = ids[i : i + _IN_CHUNK]
            conn.execute(statement, {**params, "ids": chunk})
    if by_id:
        mark = "?" if conn.dialect.name == "sqlite" else "%s"
        cols = ("bill_rate_minor", "bill_currency", "bill_rate_origin", "estimated_amount_minor")
        sql = ", ".join(f"{c} = {mark}" for c in (*cols, "updated_at"))
        conn.exec_driver_sql(f"UPDATE intervals SET {sql} WHERE id = {mark}", by_id)


def _delta(delta: dict[str, int], currency: str | None, d: int) -> None:
    if currency is not None and d:
        delta[currency] = delta.get(currency, 0) + d
    elif currency is not None:
        delta.setdefault(currency, 0)


def change(
    conn: Connection, *, holder: str, holder_id: str, kind: str, amount_minor: int | None,
    currency: str | None, effective_from: int | None, now: int, actor_id: str | None,
) -> Repriced:  # fmt: skip
    """Record the new rate and re-price what it touches, in the caller's transaction."""
    since = record(
        conn, holder=holder, holder_id=holder_id, kind=kind, amount_minor=amount_minor,
        currency=currency, effective_from=effective_from, now=now, actor_id=actor_id,
    )  # fmt: skip
    if since is None:
        return Repriced()
    return reprice(conn, holder=holder, holder_id=holder_id, kind=kind, since=since, now=now)


__all__ = [
    "BILL_CHAIN", "MANUAL", "Chain", "Rates", "Repriced", "Resolver", "amount", "change",
    "current", "load_history", "member_key", "record", "reprice", "resolve",
]  # fmt: skip
