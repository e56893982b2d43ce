"""Reading invoices: the API object, listings, and what the renderers and mailer need.

An invoice, a credit note and a team invoice share one table (``kind``); the lines of a final
one are immutable rows, and its snapshot is the stored document (server-spec §6.6).
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

from sqlalchemy import Connection, Row, select

from .. import authz
from ..authz import Actor
from ..db.tables import clients, invoice_lines, invoices
from ..errors import ApiError, NotFound
from ..money import from_minor, ppm_to_percent
from . import lines as L
from . import snapshot as snap

DOCUMENT_KINDS = ("invoice", "team_invoice")  # "invoice" covers its credit notes


class NotDraft(ApiError):
    def __init__(self, status: str) -> None:
        super().__init__(409, "not_draft", f"the invoice is {status}: only drafts change")


def money(minor: int | None, currency: str) -> dict | None:
    if minor is None:
        return None
    return {"amount": from_minor(minor, currency), "currency": currency}


def load(conn: Connection, invoice_id: str, *, lock: bool = False) -> Row:
    q = select(invoices).where(invoices.c.id == invoice_id)
    if lock:
        q = q.with_for_update()
    row = conn.execute(q).first()
    if row is None:
        raise NotFound("invoice")
    return row


def load_lines(conn: Connection, invoice_ids: list[str]) -> dict[str, list[Row]]:
    out: dict[str, list[Row]] = {i: [] for i in invoice_ids}
    if not invoice_ids:
        return out
    rows = conn.execute(
        select(invoice_lines)
        .where(invoice_lines.c.invoice_id.in_(invoice_ids))
        .order_by(invoice_lines.c.invoice_id, invoice_lines.c.position)
    ).all()
    for r in rows:
        out[r.invoice_id].append(r)
    return out


def payment_state(total: int, paid: int) -> str:
    if paid == 0:
        return "unpaid"
    return "partially_paid" if total - paid > 0 else "paid"


def _line_out(r: Row, currency: str) -> dict:
    time = r.kind == "time"
    return {
        "id": r.id,
        "kind": r.kind,
        "position": r.position,
        "project_id": r.project_id,
        "task_id": r.task_id,
        "user_id": r.user_id,
        "description": r.description,
        "seconds": r.seconds,
        "quantity": L.hours(r.quantity_seconds) if time else L.units(r.quantity_milli),
        "unit_price": money(r.unit_price_minor, currency),
        "amount": money(r.amount_minor, currency),
        "tax_rate": ppm_to_percent(r.tax_ppm),
        "source_unit_price": money(r.source_unit_price_minor, r.source_currency)
        if r.source_currency
        else None,
    }


def _instant(ts: int | None) -> str | None:
    return None if ts is None else datetime.fromtimestamp(ts, UTC).isoformat()


def invoice_out(inv: Row, line_rows: list[Row], today: date) -> dict:
    """The contract §4b invoice object."""
    cur = inv.currency
    balance = inv.total_minor - inv.paid_minor
    return {
        "id": inv.id,
        "kind": inv.kind,
        "status": inv.status,
        "number": inv.number,
        "client_id": inv.client_id,
        "user_id": inv.user_id,
        "currency": cur,
        "from": inv.period_from,
        "to": inv.period_to,
        "issue_date": inv.issue_date,
        "due_date": inv.due_date,
        "lines": [_line_out(r, cur) for r in line_rows],
        "subtotal": money(inv.subtotal_minor, cur),
        "tax": money(inv.tax_minor, cur),
        "total": money(inv.total_minor, cur),
        "paid": money(inv.paid_minor, cur),
        "balance": money(balance, cur),
        "payment_state": payment_state(inv.total_minor, inv.paid_minor),
        "overdue": inv.status == "final" and balance > 0 and today.isoformat() > inv.due_date,
        "tax_rate": ppm_to_percent(inv.tax_ppm),
        "tax_category": inv.tax_category,
        "exemption_reason": inv.exemption_reason,
        "fx": json.loads(inv.fx or "[]"),
        "credits_invoice_id": inv.credits_invoice_id,
        "credit_note_id": inv.credit_note_id,
        "warnings": json.loads(inv.warnings or "[]"),
        "notes": inv.notes,
        "revision": inv.revision,
        "snapshot_sha256": inv.snapshot_sha256,
        "finalized_at": _instant(inv.finalized_at),
        "voided_at": _instant(inv.voided_at),
        "void_reason": inv.void_reason,
    }


def get(conn: Connection, actor: Actor, invoice_id: str, now: int, *, team: bool = False) -> dict:
    authz.invoice(conn, actor, invoice_id, team=team)
    inv = load(conn, invoice_id)
    today = snap.billing_settings(conn).today(now)
    return invoice_out(inv, load_lines(conn, [inv.id])[inv.id], today)


def listing(
    conn: Connection,
    actor: Actor,
    now: int,
    *,
    team: bool = False,
    status: str | None = None,
    kind: str | None = None,
    client_id: str | None = None,
    user_id: str | None = None,
    after: str | None = None,
    limit: int = 100,
) -> tuple[list[dict], str | None]:
    """A page of the invoices the caller sees, newest first; the last id when more follow."""
    authz.require(actor, authz.Action.SEE_TEAM_INVOICES if team else authz.Action.SEE_INVOICES)
    scope = authz.team_invoice_scope(actor) if team else authz.invoice_scope(actor)
    q = select(invoices).where(scope).order_by(invoices.c.id.desc()).limit(limit + 1)
    for col, value in (("status", status), ("kind", kind), ("client_id", client_id),
                       ("user_id", user_id)):  # fmt: skip
        if value is not None:
            q = q.where(invoices.c[col] == value)
    if after is not None:
        q = q.where(invoices.c.id < after)
    rows = conn.execute(q).all()
    more = len(rows) > limit
    rows = rows[:limit]
    today = snap.billing_settings(conn).today(now)
    lines = load_lines(conn, [r.id for r in rows])
    return [invoice_out(r, lines[r.id], today) for r in rows], rows[-1].id if more else None


def snapshot_of(conn: Connection, inv: Row) -> dict:
    """The stored snapshot of an issued invoice; a fresh one (number null) for a draft."""
    if inv.status != "draft" and inv.snapshot:
        return json.loads(inv.snapshot)
    preceding = load(conn, inv.credits_invoice_id) if inv.credits_invoice_id else None
    return snap.build(conn, inv, load_lines(conn, [inv.id])[inv.id], preceding)


def document_source(
    conn: Connection, actor: Actor, kind: str, invoice_id: str
) -> tuple[dict, str, dict | None]:
    """(snapshot, status, void_info) of an invoice the caller may see (404 / 403 as the API).

    ``kind`` is "invoice" (invoices and credit notes) or "team_invoice"; ``void_info`` is
    ``{"date", "reason", "credit_note_number"}`` for a void invoice, else None.
    """
    if kind not in DOCUMENT_KINDS:
        raise NotFound("invoice")
    authz.invoice(conn, actor, invoice_id, team=kind == "team_invoice")
    inv = load(conn, invoice_id)
    void_info = None
    if inv.status == "void":
        settings = snap.billing_settings(conn)
        credit = load(conn, inv.credit_note_id) if inv.credit_note_id else None
        void_info = {
            "date": settings.today(inv.voided_at or 0).isoformat(),
            "reason": inv.void_reason,
            "credit_note_number": credit.number if credit is not None else None,
        }
    return snapshot_of(conn, inv), inv.status, void_info


def billing_recipients(conn: Connection, invoice_id: str) -> list[str]:
    """The e-mail addresses an invoice goes to: the client's billing contacts, else the
    client's contact e-mail (none for a team invoice's payee unless they have an e-mail)."""
    inv = load(conn, invoice_id)
    if inv.kind == "team_invoice":
        from ..db.tables import users

        email = conn.execute(select(users.c.email).where(users.c.id == inv.user_id)).scalar()
        return [email] if email else []
    emails = [c["email"] for c in snap.billing_contacts(conn, inv.client_id) if c["email"]]
    if emails:
        return list(dict.fromkeys(emails))
    email = conn.execute(
        select(clients.c.contact_email).where(clients.c.id == inv.client_id)
    ).scalar()
    return [email] if email else []
