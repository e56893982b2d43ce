"""Finalize and void (server-spec §6.6), each in the caller's one write transaction.

Finalize: the drafted intervals are locked if unchanged (revision, deleted, already on a final
invoice: one statement, the stale ones named only when some are), their links become final (a
partial unique index is the last defence against a race), the next number comes from the
series row inside the same transaction — so a failed finalize rolls the counter and the locks
back too and numbers stay gap-free —, and the snapshot is stored with its SHA-256. Void: a
draft is discarded; a final invoice keeps its number, releases its time and, when the
workspace says so, gets a numbered credit note.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import Connection, bindparam, delete, func, insert, or_, select, update
from sqlalchemy.exc import IntegrityError

from .. import authz
from ..authz import Actor
from ..db.tables import intervals, invoice_intervals, invoice_lines, invoice_series, invoices
from ..errors import ApiError
from ..ids import new_id
from . import audit
from . import lines as L
from . import snapshot as snap
from .drafts import insert_lines
from .invoices import load, load_lines

_SEQ_TOKEN = "{seq"


class DraftStale(ApiError):
    def __init__(self, stale: list[dict]) -> None:
        super().__init__(
            409, "draft_stale",
            "the draft's time changed since it was drafted: create the draft again",
            intervals=stale,
        )  # fmt: skip


def format_number(fmt: str, issue: date, value: int) -> str:
    """``INV-{YYYY}-{seq:4}`` → ``INV-2026-0007``; tokens {YYYY} {YY} {MM} {seq} {seq:N}."""
    out = fmt.replace("{YYYY}", f"{issue.year:04d}").replace("{YY}", f"{issue.year % 100:02d}")
    out = out.replace("{MM}", f"{issue.month:02d}")
    start = out.find(_SEQ_TOKEN)
    if start < 0:
        return out + str(value)
    end = out.index("}", start)
    width = out[start + len(_SEQ_TOKEN) + 1 : end] if out[start + 4] == ":" else "0"
    return out[:start] + f"{value:0{int(width or 0)}d}" + out[end + 1 :]


def take_number(conn: Connection, kind: str, issue: date, settings: snap.BillingSettings) -> str:
    """The next number of ``kind``'s series (yearly reset when configured), counted here."""
    fmt = settings.formats[kind]
    yearly = settings.number_reset == "yearly" and ("{YYYY}" in fmt or "{YY}" in fmt)
    period = f"{issue.year:04d}" if yearly else ""
    row = conn.execute(
        select(invoice_series).where(invoice_series.c.kind == kind).with_for_update()
    ).first()
    if row is None:
        value = 1
        conn.execute(
            insert(invoice_series).values(
                kind=kind, format=fmt, reset=settings.number_reset, period=period, next_value=2
            )
        )
    else:
        value = 1 if row.period != period else row.next_value
        conn.execute(
            update(invoice_series)
            .where(invoice_series.c.kind == kind)
            .values(format=fmt, reset=settings.number_reset, period=period, next_value=value + 1)
        )
    return format_number(fmt, issue, value)


def _stale(conn: Connection, inv: Any, ledger: str) -> list[dict]:
    """The draft's intervals that changed, went or were invoiced since drafting. No row locks
    needed: every write transaction holds the change-counter row (``Database.write``), so no
    interval changes between this read and the commit."""
    lock = intervals.c.locked_by_invoice_id if ledger == "bill" else (
        intervals.c.locked_by_team_invoice_id
    )  # fmt: skip
    q = (
        select(
            invoice_intervals.c.interval_id, invoice_intervals.c.interval_revision,
            intervals.c.revision, intervals.c.deleted, lock.label("lock"),
        )
        .select_from(invoice_intervals.join(intervals,
                                            intervals.c.id == invoice_intervals.c.interval_id))
        .where(invoice_intervals.c.invoice_id == inv.id)
        .order_by(invoice_intervals.c.interval_id)
    )  # fmt: skip
    out = []
    locks: set[str] = set()
    for r in conn.execute(q):
        if r.deleted:
            out.append({"id": r.interval_id, "reason": "deleted"})
        elif r.lock is not None and r.lock != inv.id:
            out.append({"id": r.interval_id, "reason": "already_invoiced", "invoice_id": r.lock})
            locks.add(r.lock)
        elif r.revision != r.interval_revision:
            out.append({"id": r.interval_id, "reason": "changed"})
    if locks:
        numbers = dict(
            conn.execute(
                select(invoices.c.id, invoices.c.number).where(invoices.c.id.in_(sorted(locks)))
            ).all()
        )
        for item in out:
            if "invoice_id" in item:
                item["number"] = numbers.get(item.pop("invoice_id"))
    return out


def _lock(conn: Connection, inv: Any, ledger: str) -> None:
    """Lock the invoice's intervals; a bill also sets their invoiced amounts (the allocations).
    One ``UPDATE … FROM`` (SQLite ≥ 3.33, PostgreSQL) joined on the links, which is also the
    stale check's fast path: only intervals as drafted (same revision, not deleted, locked by
    no other invoice) are locked, and when fewer than the links were, ``_stale`` names the
    others and the caller's transaction rolls back. No row locks needed, as in ``_stale``."""
    link = invoice_intervals.c
    lock = intervals.c.locked_by_invoice_id if ledger == "bill" else (
        intervals.c.locked_by_team_invoice_id
    )  # fmt: skip
    values: dict[str, Any] = {lock.key: inv.id}
    if ledger == "bill":
        values["invoiced_amount_minor"] = link.allocated_amount_minor
    locked = conn.execute(
        update(intervals)
        .where(
            intervals.c.id == link.interval_id, link.invoice_id == inv.id,
            intervals.c.revision == link.interval_revision, intervals.c.deleted.is_(False),
            or_(lock.is_(None), lock == inv.id),
        )
        .values(**values)
    ).rowcount  # fmt: skip
    links = conn.execute(_LINKS, {"invoice_id": inv.id}).scalar()
    if locked != links:
        stale = _stale(conn, inv, ledger)
        if stale:
            raise DraftStale(stale)


_LINKS = select(func.count()).where(invoice_intervals.c.invoice_id == bindparam("invoice_id"))


def _issue(conn: Connection, inv_id: str, actor: Actor, now: int, settings) -> str:
    """Number, snapshot and SHA-256 of a row about to become final; the number."""
    inv = load(conn, inv_id)
    number = take_number(conn, inv.kind, date.fromisoformat(inv.issue_date), settings)
    conn.execute(
        update(invoices).where(invoices.c.id == inv_id).values(
            status="final", number=number, series=inv.kind, finalized_at=now,
            finalized_by=actor.user_id, updated_at=now,
        )
    )  # fmt: skip
    inv = load(conn, inv_id)
    preceding = load(conn, inv.credits_invoice_id) if inv.credits_invoice_id else None
    text = snap.canonical_json(snap.build(conn, inv, load_lines(conn, [inv_id])[inv_id],
                                          preceding))  # fmt: skip
    conn.execute(
        update(invoices).where(invoices.c.id == inv_id)
        .values(snapshot=text, snapshot_sha256=snap.sha256(text))
    )  # fmt: skip
    return number


def _actions(kind: str) -> tuple[authz.Action, authz.Action]:
    if kind == "team_invoice":
        return authz.Action.MANAGE_TEAM_INVOICES, authz.Action.VOID_INVOICES
    return authz.Action.MANAGE_INVOICES, authz.Action.VOID_INVOICES


def _visible(conn: Connection, actor: Actor, invoice_id: str, team: bool) -> Any:
    authz.invoice(conn, actor, invoice_id, team=team)
    return load(conn, invoice_id, lock=True)


def finalize(conn: Connection, actor: Actor, invoice_id: str, now: int, *, team: bool) -> None:
    inv = _visible(conn, actor, invoice_id, team)
    authz.require(actor, _actions(inv.kind)[0])
    if inv.status != "draft":
        raise ApiError(409, "not_draft", f"the invoice is already {inv.status}")
    ledger = "pay" if inv.kind == "team_invoice" else "bill"
    _lock(conn, inv, ledger)  # raises DraftStale: nothing written stays
    try:
        conn.execute(
            update(invoice_intervals)
            .where(invoice_intervals.c.invoice_id == inv.id)
            .values(state="final")
        )
    except IntegrityError:  # a concurrent finalize won the race for one of its intervals
        raise DraftStale([]) from None
    number = _issue(conn, inv.id, actor, now, snap.billing_settings(conn))
    audit.record(
        conn, actor_id=actor.user_id, action=f"{inv.kind}.finalize", entity=inv.kind,
        entity_id=inv.id, before={"status": "draft"}, after={"status": "final", "number": number},
        at=now,
    )  # fmt: skip


def void(
    conn: Connection, actor: Actor, invoice_id: str, reason: str, now: int, *, team: bool
) -> str | None:
    """Void an invoice; None when a draft was discarded, else the id of the voided invoice."""
    inv = _visible(conn, actor, invoice_id, team)
    manage, void_action = _actions(inv.kind)
    authz.require(actor, manage)
    if inv.status == "draft":
        conn.execute(delete(invoice_intervals).where(invoice_intervals.c.invoice_id == inv.id))
        conn.execute(delete(invoice_lines).where(invoice_lines.c.invoice_id == inv.id))
        conn.execute(delete(invoices).where(invoices.c.id == inv.id))
        audit.record(
            conn, actor_id=actor.user_id, action=f"{inv.kind}.discard", entity=inv.kind,
            entity_id=inv.id, before={"status": "draft"}, at=now,
        )  # fmt: skip
        return None
    authz.require(actor, void_action)
    if inv.status == "void":
        raise ApiError(409, "already_void", "the invoice is already void")
    if inv.kind == "credit_note":
        raise ApiError(409, "not_voidable", "a credit note is not voided: issue an invoice")
    conn.execute(
        update(invoice_intervals)
        .where(invoice_intervals.c.invoice_id == inv.id)
        .values(state="released")
    )
    lock = "locked_by_team_invoice_id" if inv.kind == "team_invoice" else "locked_by_invoice_id"
    values: dict[str, Any] = {lock: None}
    if inv.kind == "invoice":
        values["invoiced_amount_minor"] = None
    conn.execute(update(intervals).where(intervals.c[lock] == inv.id).values(**values))
    conn.execute(
        update(invoices).where(invoices.c.id == inv.id).values(
            status="void", voided_at=now, voided_by=actor.user_id, void_reason=reason,
            updated_at=now,
        )
    )  # fmt: skip
    settings = snap.billing_settings(conn)
    after: dict[str, Any] = {"status": "void", "reason": reason}
    if inv.kind == "invoice" and settings.void_issues_credit_note:
        after["credit_note_id"] = _credit_note(conn, actor, inv, now, settings)
    audit.record(
        conn, actor_id=actor.user_id, action=f"{inv.kind}.void", entity=inv.kind,
        entity_id=inv.id, before={"status": "final", "number": inv.number}, after=after, at=now,
    )  # fmt: skip
    return inv.id


def _credit_note(conn: Connection, actor: Actor, inv: Any, now: int, settings) -> str:
    """A final credit note with the invoice's lines negated, numbered in its own series."""
    cn_id = new_id()
    today = settings.today(now).isoformat()
    conn.execute(
        insert(invoices).values(
            id=cn_id, kind="credit_note", status="draft", client_id=inv.client_id,
            period_from=inv.period_from, period_to=inv.period_to, issue_date=today,
            due_date=today, currency=inv.currency, subtotal_minor=-inv.subtotal_minor,
            tax_minor=-inv.tax_minor, total_minor=-inv.total_minor, tax_ppm=inv.tax_ppm,
            tax_category=inv.tax_category, exemption_reason=inv.exemption_reason, fx=inv.fx,
            credits_invoice_id=inv.id, notes=f"Credit note for invoice {inv.number}",
            created_by=actor.user_id, created_at=now, updated_at=now,
        )
    )  # fmt: skip
    rows = load_lines(conn, [inv.id])[inv.id]
    negated = [
        L.negated(L.Line(
            r.kind, r.unit_price_minor, r.amount_minor, r.tax_ppm, r.project_id, r.task_id,
            r.user_id, r.seconds, r.quantity_seconds, r.quantity_milli, r.source_currency,
            r.source_unit_price_minor, r.description,
        ))
        for r in rows
    ]  # fmt: skip
    insert_lines(conn, cn_id, negated, "bill")
    _issue(conn, cn_id, actor, now, settings)
    conn.execute(update(invoices).where(invoices.c.id == inv.id).values(credit_note_id=cn_id))
    return cn_id
