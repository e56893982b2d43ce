"""Uninvoiced time and draft invoices (server-spec §6.4, §6.5).

Time belongs to the local day (workspace zone) of its start and is never split across
invoices. Uninvoiced means billable, ended, not deleted and not on a final invoice; drafts do
not reserve time, they list it in ``on_drafts``. Unpriced time is reported, never billed at 0.
"""

from __future__ import annotations

import json
import operator
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, and_, bindparam, exists, func, insert, select, update

from tracker.totals import range_bounds

from .. import authz
from ..authz import Actor
from ..db.tables import (
    clients,
    intervals,
    invoice_intervals,
    invoice_lines,
    invoices,
    projects,
    tasks,
    users,
)
from ..errors import Invalid
from ..ids import new_id
from ..timefmt import check_date
from . import exchange_rates
from . import lines as L
from . import snapshot as snap
from .invoices import NotDraft, load, money

LEDGER_COLUMNS = {  # ledger -> (rate, currency, lock) columns of an interval
    "bill": (intervals.c.bill_rate_minor, intervals.c.bill_currency,
             intervals.c.locked_by_invoice_id),
    "pay": (intervals.c.pay_rate_minor, intervals.c.pay_currency,
            intervals.c.locked_by_team_invoice_id),
}  # fmt: skip


@dataclass(frozen=True, slots=True)
class Scope:
    """Whose time over which local days: a client's (billing) or a member's (pay)."""

    ledger: str  # bill | pay
    owner_id: str  # the client, or the member
    first: date
    last: date
    project_ids: tuple[str, ...] = ()


def _bounds(conn: Connection, scope: Scope) -> tuple[int, int]:
    for d in (scope.first, scope.last):
        if not check_date(d):
            raise Invalid("invalid_date", "dates must fall between 1971 and 2200")
    if scope.last < scope.first:
        raise Invalid("invalid_range", "'to' is before 'from'")
    lo, hi = range_bounds(scope.first, scope.last, snap.billing_settings(conn).tz)
    return int(lo or 0), int(hi or 0)  # both days are given: neither is None


def _where(conn: Connection, scope: Scope, bounds: tuple[int, int] | None = None) -> Any:
    lo, hi = bounds or _bounds(conn, scope)
    _rate, _cur, lock = LEDGER_COLUMNS[scope.ledger]
    cond = [
        intervals.c.started_at >= lo,
        intervals.c.started_at < hi,
        intervals.c.ended_at.is_not(None),
        intervals.c.deleted.is_(False),
        lock.is_(None),
    ]
    if scope.ledger == "bill":
        cond += [projects.c.client_id == scope.owner_id, intervals.c.billable.is_(True)]
    else:
        cond.append(intervals.c.user_id == scope.owner_id)
    if scope.project_ids:
        cond.append(tasks.c.project_id.in_(scope.project_ids))
    return and_(*cond)


_JOIN = intervals.join(tasks, tasks.c.id == intervals.c.task_id).join(
    projects, projects.c.id == tasks.c.project_id
)
_SECONDS = intervals.c.ended_at - intervals.c.started_at


def _on_drafts(conn: Connection, scope: Scope, where: Any) -> list[str]:
    owner = invoices.c.client_id if scope.ledger == "bill" else invoices.c.user_id
    kind = ("invoice",) if scope.ledger == "bill" else ("team_invoice",)
    drafts = select(invoices.c.id).where(
        owner == scope.owner_id, invoices.c.status == "draft", invoices.c.kind.in_(kind)
    )
    if conn.execute(select(exists(drafts))).scalar() is False:
        return []
    q = (
        select(invoice_intervals.c.interval_id)
        .select_from(_JOIN.join(invoice_intervals,
                                invoice_intervals.c.interval_id == intervals.c.id))
        .where(where, invoice_intervals.c.state == "draft",
               invoice_intervals.c.invoice_id.in_(drafts))
        .distinct()
        .order_by(invoice_intervals.c.interval_id)
    )  # fmt: skip
    return list(conn.execute(q).scalars())


def _uninvoiced_sums() -> Any:
    """The client's uninvoiced time per task, member, currency and priced-or-not, then its
    project. The same rows as grouping the join of ``_where``, cheaper: the intervals are
    grouped alone (the client's tasks as an ``IN`` list, not joined per row, and no project
    in the sort key), and only the few groups are joined to their task."""
    priced = intervals.c.bill_rate_minor.is_not(None)
    client_tasks = (
        select(tasks.c.id)
        .join(projects, projects.c.id == tasks.c.project_id)
        .where(projects.c.client_id == bindparam("client_id"))
    )
    sums = (
        select(
            intervals.c.task_id, intervals.c.user_id, intervals.c.bill_currency,
            priced.label("priced"), func.sum(_SECONDS).label("seconds"),
            func.sum(intervals.c.estimated_amount_minor).label("amount"),
        )
        .where(
            intervals.c.task_id.in_(client_tasks),
            intervals.c.started_at >= bindparam("lo"),
            intervals.c.started_at < bindparam("hi"),
            intervals.c.ended_at.is_not(None),
            intervals.c.deleted.is_(False),
            intervals.c.locked_by_invoice_id.is_(None),
            intervals.c.billable.is_(True),
        )
        .group_by(intervals.c.task_id, intervals.c.user_id, intervals.c.bill_currency, priced)
        .subquery("sums")
    )  # fmt: skip
    return select(
        tasks.c.project_id, sums.c.task_id, sums.c.user_id, sums.c.bill_currency,
        sums.c.priced, sums.c.seconds, sums.c.amount,
    ).join_from(sums, tasks, tasks.c.id == sums.c.task_id)  # fmt: skip


_UNINVOICED = _uninvoiced_sums()  # built once: the request binds client, lo and hi


def uninvoiced(conn: Connection, actor: Actor, client_id: str, first: date, last: date) -> dict:
    """``GET /uninvoiced``: per project, task and member the seconds and estimated amounts,
    totals per currency, the unpriced intervals and those already sitting on drafts."""
    authz.require(actor, authz.Action.MANAGE_INVOICES)
    _client(conn, client_id)
    scope = Scope("bill", client_id, first, last)
    lo, hi = _bounds(conn, scope)
    where = _where(conn, scope, (lo, hi))
    rows, totals, any_unpriced = [], {}, False
    for r in conn.execute(_UNINVOICED, {"client_id": client_id, "lo": lo, "hi": hi}):
        if not r.priced:
            any_unpriced = True
            continue
        amount = int(r.amount or 0)
        rows.append({
            "project_id": r.project_id, "task_id": r.task_id, "user_id": r.user_id,
            "seconds": int(r.seconds), "amount": money(amount, r.bill_currency),
        })  # fmt: skip
        totals[r.bill_currency] = totals.get(r.bill_currency, 0) + amount
    rows.sort(key=lambda r: (r["project_id"], r["task_id"], r["user_id"]))
    return {
        "rows": rows,
        "totals": [money(totals[c], c) for c in sorted(totals)],
        "unpriced": unpriced(conn, scope, where) if any_unpriced else [],
        "on_drafts": _on_drafts(conn, scope, where),
    }


def unpriced(conn: Connection, scope: Scope, where: Any) -> list[dict]:
    rate, _cur, _lock = LEDGER_COLUMNS[scope.ledger]
    q = (
        select(intervals.c.id, tasks.c.project_id, intervals.c.user_id, _SECONDS.label("s"))
        .select_from(_JOIN)
        .where(where, rate.is_(None))
        .order_by(intervals.c.started_at, intervals.c.id)
    )
    return [
        {"interval_id": r.id, "project_id": r.project_id, "user_id": r.user_id, "seconds": r.s}
        for r in conn.execute(q)
    ]


def works(conn: Connection, scope: Scope) -> tuple[list[L.Work], list[dict]]:
    """The priced time of ``scope`` as invoice work, and the unpriced intervals."""
    where = _where(conn, scope)
    rate, cur, _lock = LEDGER_COLUMNS[scope.ledger]
    q = (
        select(intervals.c.id, intervals.c.started_at, _SECONDS.label("s"),
               intervals.c.revision, tasks.c.project_id, intervals.c.task_id,
               intervals.c.user_id, rate.label("rate"), cur.label("cur"))
        .select_from(_JOIN)
        .where(where)
    )  # fmt: skip
    rows = conn.execute(q).all()
    out = [L.Work(*r) for r in rows if r[7] is not None and r[8] is not None]
    return out, unpriced(conn, scope, where) if len(out) < len(rows) else []


def fx_lookup(conn: Connection):
    """The current exchange rates, as invoice arithmetic asks for them."""

    def get(from_: str, to: str) -> L.Fx:
        found = exchange_rates.current(conn, from_, to)
        if found is None:
            raise L.FxMissing(from_, to)
        return L.Fx(from_, to, Decimal(found[0]), found[1])

    return get


def _converts(fx: list[L.Fx], a: str, b: str) -> bool:
    return any({f.from_, f.to} == {a, b} for f in fx)


_CLIENT = select(clients).where(clients.c.id == bindparam("client_id"))


def _client(conn: Connection, client_id: str) -> Any:
    row = conn.execute(_CLIENT, {"client_id": client_id}).first()
    if row is None:
        raise Invalid("client_not_found", f"no client {client_id}")
    return row


def describe(conn: Connection, lines: list[L.Line], *, with_member: bool = True) -> None:
    """Line descriptions: "Project / Task — Member"."""
    pids = {x.project_id for x in lines if x.project_id}
    tids = {x.task_id for x in lines if x.task_id}
    uids = {x.user_id for x in lines if x.user_id}
    pn = dict(conn.execute(select(projects.c.id, projects.c.name)
                           .where(projects.c.id.in_(sorted(pids)))).all())  # fmt: skip
    tn = dict(conn.execute(select(tasks.c.id, tasks.c.title)
                           .where(tasks.c.id.in_(sorted(tids)))).all())  # fmt: skip
    un = dict(conn.execute(select(users.c.id, users.c.name)
                           .where(users.c.id.in_(sorted(uids)))).all())  # fmt: skip
    for x in lines:
        text = f"{pn.get(x.project_id, '?')} / {tn.get(x.task_id, '?')}"
        x.description = f"{text} — {un.get(x.user_id, '?')}" if with_member else text


@dataclass(frozen=True, slots=True)
class DraftSpec:
    scope: Scope
    currency: str | None = None
    tax_ppm: int | None = None


def create(conn: Connection, actor: Actor, spec: DraftSpec, now: int) -> str:
    """A draft invoice (or, for the pay ledger, team invoice) from the scope's time; its id."""
    scope = spec.scope
    settings = snap.billing_settings(conn)
    if scope.ledger == "bill":
        authz.require(actor, authz.Action.MANAGE_INVOICES)
        owner = _client(conn, scope.owner_id)
        currency = spec.currency or owner.currency
        terms = owner.payment_terms_days
    else:
        authz.require(actor, authz.Action.MANAGE_TEAM_INVOICES)
        owner = conn.execute(select(users).where(users.c.id == scope.owner_id)).first()
        if owner is None:
            raise Invalid("user_not_found", f"no user {scope.owner_id}")
        currency = spec.currency or owner.pay_currency or settings.base_currency
        terms = None
    work, missing = works(conn, scope)
    if not work:
        detail = "no uninvoiced time in the range"
        if missing:
            detail += f" ({len(missing)} unpriced intervals: give them a rate)"
        raise Invalid("nothing_to_invoice", detail,
                      unpriced=[m["interval_id"] for m in missing])  # fmt: skip
    tax_ppm = settings.default_tax_ppm if spec.tax_ppm is None else spec.tax_ppm
    if scope.ledger == "pay" and spec.tax_ppm is None:
        tax_ppm = 0
    try:
        lines, fx = L.time_lines(work, currency, fx_lookup(conn), tax_ppm=tax_ppm,
                                 mode=settings.rounding)  # fmt: skip
    except L.FxMissing as exc:
        raise Invalid(
            "exchange_rate_missing",
            f"no exchange rate {exc.from_} -> {exc.to}: set it with PUT /exchange-rates",
            **{"from": exc.from_, "to": exc.to},
        ) from None
    describe(conn, lines, with_member=scope.ledger == "bill")
    warnings = []
    base = settings.base_currency
    if scope.ledger == "bill" and currency != base and not _converts(fx, currency, base):
        # The VAT total in the accounting currency (EN 16931 BT-111) needs a rate too.
        try:
            fx = [*fx, fx_lookup(conn)(currency, base)]
        except L.FxMissing:
            warnings.append({
                "code": "accounting_rate_missing",
                "detail": f"no exchange rate {currency} -> {base}: the VAT total in {base} "
                "that an e-invoice needs is missing; set it with PUT /exchange-rates and draft "
                "again",
                "interval_ids": [],
            })  # fmt: skip
    if missing:
        warnings.append({
            "code": "unpriced",
            "detail": f"{len(missing)} intervals have no rate and are not on this invoice",
            "interval_ids": [m["interval_id"] for m in missing],
        })  # fmt: skip
    issue = settings.today(now)
    due = issue + timedelta(days=settings.payment_terms_days if terms is None else terms)
    inv_id = new_id()
    conn.execute(
        insert(invoices).values(
            id=inv_id, kind="invoice" if scope.ledger == "bill" else "team_invoice",
            status="draft",
            client_id=scope.owner_id if scope.ledger == "bill" else None,
            user_id=scope.owner_id if scope.ledger == "pay" else None,
            period_from=scope.first.isoformat(), period_to=scope.last.isoformat(),
            issue_date=issue.isoformat(), due_date=due.isoformat(), currency=currency,
            tax_ppm=tax_ppm, fx=json.dumps([snap.fx_out(f) for f in fx]),
            warnings=json.dumps(warnings), created_by=actor.user_id, created_at=now,
            updated_at=now,
        )
    )  # fmt: skip
    insert_lines(conn, inv_id, lines, scope.ledger)
    store_totals(conn, inv_id, settings.rounding)
    return inv_id


# A line row, in this column order (positional: SQLAlchemy's per-row parameter processing of
# 340 dicts cost more than the insert).
_LINE_COLUMNS = (
    "id", "invoice_id", "position", "kind", "project_id", "task_id", "user_id", "description",
    "seconds", "quantity_seconds", "quantity_milli", "unit_price_minor", "amount_minor",
    "tax_ppm", "source_currency", "source_unit_price_minor",
)  # fmt: skip
_INSERT_LINES = f"INSERT INTO invoice_lines ({', '.join(_LINE_COLUMNS)}) VALUES ({{marks}})"
_LINE_MARKS = {
    "sqlite": _INSERT_LINES.format(marks=", ".join("?" * len(_LINE_COLUMNS))),
    "postgresql": _INSERT_LINES.format(marks=", ".join(["%s"] * len(_LINE_COLUMNS))),
}
# A link row is (line, invoice, ledger, state) + its L.Link (interval, revision, seconds,
# allocated): one tuple concatenation per link.
_INSERT_LINKS = (
    "INSERT INTO invoice_intervals (line_id, invoice_id, ledger, state, interval_id,"
    " interval_revision, billed_seconds, allocated_amount_minor) {values}"
)
# PostgreSQL: the per-link columns as binary arrays (``%b``: psycopg's text format checks
# every element for quoting, a regular-expression search each, 10 times the CPU), the
# invoice, ledger and state once, and each link's line as an index into the lines' ids.
_PG_LINKS = _INSERT_LINKS.format(
    values="SELECT (%b::text[])[l.line], %s, %s, %s, l.interval_id, l.revision, l.seconds,"
    " l.allocated FROM unnest(%b::int[], %b::text[], %b::int[], %b::bigint[], %b::bigint[])"
    " AS l(line, interval_id, revision, seconds, allocated)"
)
_INTERVAL_ID = operator.itemgetter(4)
_LINK_KEY = operator.itemgetter(1)  # (line index, L.Link) -> the link: interval id first


def insert_lines(conn: Connection, inv_id: str, lines: list[L.Line], ledger: str,
                 first_position: int = 1, state: str = "draft") -> None:  # fmt: skip
    line_rows, line_ids = [], []
    for pos, x in enumerate(lines, start=first_position):
        lid = new_id()
        line_ids.append(lid)
        line_rows.append((
            lid, inv_id, pos, x.kind, x.project_id, x.task_id, x.user_id, x.description,
            x.seconds, x.quantity_seconds, x.quantity_milli, x.unit_price_minor, x.amount_minor,
            x.tax_ppm, x.source_currency, x.source_unit_price_minor,
        ))  # fmt: skip
    if not line_rows:
        return
    sqlite = conn.dialect.name == "sqlite"
    conn.exec_driver_sql(_LINE_MARKS["sqlite" if sqlite else "postgresql"], line_rows)
    if not any(x.links for x in lines):
        return
    if sqlite:
        link_rows = []
        for lid, x in zip(line_ids, lines, strict=True):
            link_rows.extend(map((lid, inv_id, ledger, state).__add__, x.links))
        _insert_links_sqlite(conn, link_rows)
    else:
        _insert_links_pg(conn, inv_id, ledger, state, line_ids, lines)


def _insert_links_sqlite(conn: Connection, rows: list[tuple]) -> None:
    """10,000 links of a draft in one go: the driver's executemany with positional rows (as
    ingest does; SQLAlchemy's per-row parameter processing cost more than the insert).

    In interval id order: the foreign-key look-ups into ``intervals`` and the inserts into
    the two interval-keyed indexes then walk their B-trees forwards instead of jumping
    (a third less time for the statement on SQLite)."""
    rows.sort(key=_INTERVAL_ID)
    conn.exec_driver_sql(_INSERT_LINKS.format(values="VALUES (?, ?, ?, ?, ?, ?, ?, ?)"), rows)


def _insert_links_pg(conn: Connection, inv_id: str, ledger: str, state: str,
                     line_ids: list[str], lines: list[L.Line]) -> None:  # fmt: skip
    """PostgreSQL: one ``INSERT … SELECT FROM unnest(arrays)`` (a statement per row, even
    pipelined, took seconds), in interval id order as on SQLite."""
    pairs = sorted(
        ((i, link) for i, x in enumerate(lines, start=1) for link in x.links), key=_LINK_KEY
    )
    index = [i for i, _link in pairs]
    links = [link for _i, link in pairs]
    iid, rev, sec, alloc = (list(c) for c in zip(*links, strict=True))
    conn.exec_driver_sql(_PG_LINKS, (line_ids, inv_id, ledger, state, index, iid, rev, sec, alloc))


def store_totals(conn: Connection, inv_id: str, mode: str) -> None:
    """Subtotal, tax (rounded once per rate) and total from the lines (I3)."""
    rows = conn.execute(
        select(invoice_lines.c.kind, invoice_lines.c.unit_price_minor,
               invoice_lines.c.amount_minor, invoice_lines.c.tax_ppm)
        .where(invoice_lines.c.invoice_id == inv_id)
    ).all()  # fmt: skip
    t = L.totals([L.Line(r.kind, r.unit_price_minor, r.amount_minor, r.tax_ppm) for r in rows],
                 lambda _ppm: "", mode)  # fmt: skip
    conn.execute(
        update(invoices)
        .where(invoices.c.id == inv_id)
        .values(subtotal_minor=t.subtotal_minor, tax_minor=t.tax_minor, total_minor=t.total_minor)
    )


def editable(conn: Connection, actor: Actor, invoice_id: str) -> Any:
    """The draft to change: 404 unknown, 403 for a role that may not, 409 when issued."""
    inv = load(conn, invoice_id, lock=True)
    team = inv.kind == "team_invoice"
    authz.invoice(conn, actor, invoice_id, team=team)
    authz.require(
        actor, authz.Action.MANAGE_TEAM_INVOICES if team else authz.Action.MANAGE_INVOICES
    )
    if inv.status != "draft":
        raise NotDraft(inv.status)
    return inv


def patch(conn: Connection, actor: Actor, invoice_id: str, changes: dict, now: int) -> None:
    """Edit a draft: dates, notes, the tax rate of its lines, tax category / exemption."""
    inv = editable(conn, actor, invoice_id)
    issue = changes.get("issue_date", date.fromisoformat(inv.issue_date))
    due = changes.get("due_date", date.fromisoformat(inv.due_date))
    if not (check_date(issue) and check_date(due)):
        raise Invalid("invalid_date", "dates must fall between 1971 and 2200")
    if due < issue:
        raise Invalid("invalid_range", "due_date is before issue_date")
    values: dict[str, Any] = {"issue_date": issue.isoformat(), "due_date": due.isoformat()}
    for key in ("notes", "tax_category", "exemption_reason"):
        if key in changes:
            values[key] = changes[key]
    if "tax_ppm" in changes:
        values["tax_ppm"] = changes["tax_ppm"]
        conn.execute(
            update(invoice_lines)
            .where(invoice_lines.c.invoice_id == invoice_id,
                   invoice_lines.c.tax_ppm == inv.tax_ppm)
            .values(tax_ppm=changes["tax_ppm"])
        )  # fmt: skip
    conn.execute(
        update(invoices).where(invoices.c.id == invoice_id)
        .values(**values, revision=inv.revision + 1, updated_at=now)
    )  # fmt: skip
    store_totals(conn, invoice_id, snap.billing_settings(conn).rounding)


def add_line(
    conn: Connection, actor: Actor, invoice_id: str, line: L.Line, currency: str, now: int
) -> None:
    """A manual line (fixed fee, expense; a negative unit price is a discount)."""
    inv = editable(conn, actor, invoice_id)
    if currency != inv.currency:
        raise Invalid("currency_mismatch", f"the invoice is in {inv.currency}, not {currency}")
    mode = snap.billing_settings(conn).rounding
    line.amount_minor = L.manual_amount(line.unit_price_minor, line.quantity_milli or 0, mode)
    if line.tax_ppm < 0:
        line.tax_ppm = inv.tax_ppm
    last = conn.execute(
        select(func.max(invoice_lines.c.position)).where(invoice_lines.c.invoice_id == invoice_id)
    ).scalar()
    insert_lines(conn, invoice_id, [line], "bill", first_position=(last or 0) + 1)
    conn.execute(
        update(invoices).where(invoices.c.id == invoice_id)
        .values(revision=inv.revision + 1, updated_at=now)
    )  # fmt: skip
    store_totals(conn, invoice_id, mode)
