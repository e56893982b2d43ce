"""Payments on issued invoices: ``paid``, ``balance`` and ``payment_state`` follow them.

A payment is positive and at most the balance (422 ``overpayment``); only final invoices take
payments (409 ``not_payable`` for drafts, void invoices and credit notes).
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import Connection, insert, select, update

from .. import authz
from ..authz import Actor
from ..db.tables import invoices, payments
from ..errors import ApiError, Invalid
from ..ids import new_id
from ..timefmt import check_date
from . import audit
from .invoices import load, money


def _payable(conn: Connection, actor: Actor, invoice_id: str, lock: bool = False):
    authz.invoice(conn, actor, invoice_id)
    authz.require(actor, authz.Action.MANAGE_INVOICES)
    return load(conn, invoice_id, lock=lock)


def record(
    conn: Connection,
    actor: Actor,
    invoice_id: str,
    *,
    amount_minor: int,
    currency: str,
    on: date,
    method: str | None,
    reference: str | None,
    key: str | None,
    now: int,
) -> dict:
    inv = _payable(conn, actor, invoice_id, lock=True)
    if inv.status != "final" or inv.kind != "invoice":
        raise ApiError(409, "not_payable", f"a {inv.status} {inv.kind} takes no payments")
    if currency != inv.currency:
        raise Invalid("currency_mismatch", f"the invoice is in {inv.currency}, not {currency}")
    if amount_minor <= 0:
        raise Invalid("invalid_amount", "a payment is more than zero")
    if not check_date(on):
        raise Invalid("invalid_date", "dates must fall between 1971 and 2200")
    balance = inv.total_minor - inv.paid_minor
    if amount_minor > balance:
        raise Invalid(
            "overpayment",
            f"the balance is {money(balance, inv.currency)['amount']} {inv.currency}",
            balance=money(balance, inv.currency),
        )
    pid = new_id()
    conn.execute(
        insert(payments).values(
            id=pid, invoice_id=inv.id, amount_minor=amount_minor, date=on.isoformat(),
            method=method, reference=reference, idempotency_key=key,
            created_by=actor.user_id, created_at=now,
        )
    )  # fmt: skip
    conn.execute(
        update(invoices)
        .where(invoices.c.id == inv.id)
        .values(paid_minor=inv.paid_minor + amount_minor, updated_at=now)
    )
    audit.record(
        conn, actor_id=actor.user_id, action="invoice.payment", entity="invoice",
        entity_id=inv.id, before={"paid_minor": inv.paid_minor},
        after={"paid_minor": inv.paid_minor + amount_minor, "payment_id": pid}, at=now,
    )  # fmt: skip
    return payment_out(conn.execute(select(payments).where(payments.c.id == pid)).one(),
                       inv.currency)  # fmt: skip


def payment_out(row, currency: str) -> dict:
    return {
        "id": row.id,
        "invoice_id": row.invoice_id,
        "amount": money(row.amount_minor, currency),
        "date": row.date,
        "method": row.method,
        "reference": row.reference,
    }


def listing(conn: Connection, actor: Actor, invoice_id: str) -> list[dict]:
    inv = _payable(conn, actor, invoice_id)
    rows = conn.execute(
        select(payments)
        .where(payments.c.invoice_id == inv.id)
        .order_by(payments.c.date, payments.c.id)
    ).all()
    return [payment_out(r, inv.currency) for r in rows]
