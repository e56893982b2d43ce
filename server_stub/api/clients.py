"""Clients (customers): admins and managers."""

from __future__ import annotations

from fastapi import APIRouter
from sqlalchemy import Row, insert, select

from .. import authz
from ..db.tables import clients
from ..errors import PROBLEM_RESPONSES
from ..ids import new_id
from . import paging
from .deps import CurrentActor, State
from .models import ClientIn, ClientOut, ClientPage
from .money_io import money_in, money_out

router = APIRouter(tags=["clients"], responses=PROBLEM_RESPONSES)


def client_out(row: Row) -> dict:
    return {
        "id": row.id,
        "name": row.name,
        "currency": row.currency,
        "contact_email": row.contact_email,
        "legal_name": row.legal_name,
        "tax_id": row.tax_id,
        "address": row.address,
        "bill_rate": money_out(row.bill_rate_minor, row.currency),
        "payment_terms_days": row.payment_terms_days,
        "notes": row.notes,
    }


@router.post("/clients", status_code=201, response_model=ClientOut)
def create_client(body: ClientIn, actor: CurrentActor, state: State) -> dict:
    authz.require(actor, authz.Action.CREATE_CLIENT)
    rate = money_in(body.bill_rate, "bill_rate", currency=body.currency)
    now = state.now()
    cid = new_id()
    with state.db.write() as tx:
        tx.conn.execute(
            insert(clients).values(
                id=cid, name=body.name, currency=body.currency, contact_email=body.contact_email,
                legal_name=body.legal_name, tax_id=body.tax_id, address=body.address,
                bill_rate_minor=rate, payment_terms_days=body.payment_terms_days,
                notes=body.notes, created_at=now, updated_at=now,
            )
        )  # fmt: skip
        return client_out(tx.conn.execute(select(clients).where(clients.c.id == cid)).one())


@router.get("/clients", response_model=ClientPage)
def list_clients(
    actor: CurrentActor, state: State, cursor: paging.Cursor = None, limit: paging.Limit = 100
) -> dict:
    authz.require(actor, authz.Action.LIST_CLIENTS)
    q = select(clients).order_by(clients.c.id).limit(limit + 1)
    if cursor:
        (after,) = paging.decode(cursor, str)
        q = q.where(clients.c.id > after)
    with state.db.read() as conn:
        rows = conn.execute(q).all()
    more = len(rows) > limit
    rows = rows[:limit]
    return {
        "items": [client_out(r) for r in rows],
        "next_cursor": paging.encode(rows[-1].id) if more else None,
    }
