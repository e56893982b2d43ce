"""Clients (customers) and their contacts: admins and managers."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Path, Response
from sqlalchemy import Row, delete, insert, select, update

from .. import authz
from ..authz import Capability
from ..db.tables import clients, contacts, project_contacts, projects
from ..errors import PROBLEM_RESPONSES, Invalid, NotFound
from ..ids import canonical, new_id
from ..services import audit, rates
from ..services import workspace as checks
from . import paging
from .billing_models import (
    ClientPatch,
    ContactIn,
    ContactOut,
    ContactPage,
    ProjectContactOut,
    RepricedOut,
)
from .deps import CurrentActor, State
from .models import ClientIn, ClientOut, ClientPage
from .money_io import money_in, money_out
from .rate_changes import DryRun, effective_epoch, run

router = APIRouter(tags=["clients"], responses=PROBLEM_RESPONSES)

ClientId = Annotated[UUID, Path(description="client id")]
ContactId = Annotated[UUID, Path(description="contact id")]


def client_out(row: Row) -> dict:
    return {
        "id": row.id,
        "name": row.name,
        "currency": row.currency,
        "contact_email": row.contact_email,
        "legal_name": row.legal_name,
        "tax_id": row.tax_id,
        "address": row.address,
        "postcode": row.postcode,
        "city": row.city,
        "country": row.country,
        "bill_rate": money_out(row.bill_rate_minor, row.currency),
        "payment_terms_days": row.payment_terms_days,
        "notes": row.notes,
    }


def _client(conn, cid: str) -> Row:
    row = conn.execute(select(clients).where(clients.c.id == cid)).first()
    if row is None:
        raise NotFound("client", "client_not_found")
    return row


@router.post("/clients", status_code=201, response_model=ClientOut)
def create_client(body: ClientIn, actor: CurrentActor, state: State) -> dict:
    authz.require(actor, authz.Action.CREATE_CLIENT)
    rate = money_in(body.bill_rate, "bill_rate", currency=body.currency)
    country = checks.country(body.country)
    now = state.now()
    cid = new_id()
    with state.db.write() as tx:
        tx.conn.execute(
            insert(clients).values(
                id=cid, name=body.name, currency=body.currency, contact_email=body.contact_email,
                legal_name=body.legal_name, tax_id=body.tax_id, address=body.address,
                postcode=body.postcode, city=body.city, country=country,
                bill_rate_minor=rate, payment_terms_days=body.payment_terms_days,
                notes=body.notes, created_at=now, updated_at=now,
            )
        )  # fmt: skip
        if rate is not None:
            rates.record(
                tx.conn, holder="client", holder_id=cid, kind="bill", amount_minor=rate,
                currency=body.currency, effective_from=None, now=now, actor_id=actor.user_id,
            )  # fmt: skip
        return client_out(_client(tx.conn, cid))


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


@router.get("/clients/{client_id}", response_model=ClientOut)
def get_client(client_id: ClientId, actor: CurrentActor, state: State) -> dict:
    authz.require(actor, authz.Action.LIST_CLIENTS)
    with state.db.read() as conn:
        return client_out(_client(conn, canonical(client_id)))


_PLAIN = (
    "name", "contact_email", "legal_name", "tax_id", "address", "postcode", "city",
    "payment_terms_days", "notes",
)  # fmt: skip


@router.patch(
    "/clients/{client_id}",
    response_model=ClientOut | RepricedOut,
    responses={200: {"description": "the client; with ?dry_run=true what a rate change "
                     "would re-price: {repriced, delta}"}},
)  # fmt: skip
def patch_client(
    client_id: ClientId, body: ClientPatch, actor: CurrentActor, state: State,
    dry_run: DryRun = False,
) -> dict:  # fmt: skip
    authz.require(actor, authz.Action.EDIT_CLIENT)
    cid = canonical(client_id)
    changes = body.model_dump(exclude_unset=True)
    if changes.get("name", 1) is None:
        raise Invalid("field_required", "name cannot be null")
    now = state.now()

    def action(tx, repriced: rates.Repriced) -> dict:
        row = _client(tx.conn, cid)
        values = {k: changes[k] for k in _PLAIN if k in changes}
        if "country" in changes:
            values["country"] = checks.country(changes["country"])
        currency = changes.get("currency") or row.currency
        if currency != row.currency:
            values["currency"] = checks.currency(currency)
            if row.bill_rate_minor is not None and "bill_rate" not in changes:
                raise Invalid("currency_mismatch", "change bill_rate together with currency")
        since = effective_epoch(tx.conn, body.effective_from, now)
        if "bill_rate" in changes:
            values["bill_rate_minor"] = money_in(body.bill_rate, "bill_rate", currency=currency)
            repriced.add(
                rates.change(
                    tx.conn, holder="client", holder_id=cid, kind="bill",
                    amount_minor=values["bill_rate_minor"], currency=currency,
                    effective_from=since, now=now, actor_id=actor.user_id,
                )
            )  # fmt: skip
        if values:
            values["updated_at"] = now
            tx.conn.execute(update(clients).where(clients.c.id == cid).values(**values))
        return client_out(_client(tx.conn, cid))

    return run(state, dry_run, action)


# -- contacts -------------------------------------------------------------------------------


def _contact_out(conn, row: Row) -> dict:
    linked = conn.execute(
        select(project_contacts.c.project_id)
        .where(project_contacts.c.contact_id == row.id)
        .order_by(project_contacts.c.project_id)
    ).scalars()
    return {
        "id": row.id,
        "client_id": row.client_id,
        "name": row.name,
        "email": row.email,
        "billing": bool(row.billing),
        "project_ids": list(linked),
    }


@router.post("/clients/{client_id}/contacts", status_code=201, response_model=ContactOut)
def create_contact(client_id: ClientId, body: ContactIn, actor: CurrentActor, state: State):
    authz.require(actor, authz.Action.EDIT_CLIENT)
    cid = canonical(client_id)
    contact_id = new_id()
    with state.db.write() as tx:
        _client(tx.conn, cid)
        tx.conn.execute(
            insert(contacts).values(
                id=contact_id, client_id=cid, name=body.name, email=body.email,
                billing=body.billing, created_at=state.now(),
            )
        )  # fmt: skip
        row = tx.conn.execute(select(contacts).where(contacts.c.id == contact_id)).one()
        return _contact_out(tx.conn, row)


@router.get("/clients/{client_id}/contacts", response_model=ContactPage)
def list_contacts(client_id: ClientId, actor: CurrentActor, state: State) -> dict:
    authz.require(actor, authz.Action.LIST_CLIENTS)
    cid = canonical(client_id)
    with state.db.read() as conn:
        _client(conn, cid)
        rows = conn.execute(
            select(contacts).where(contacts.c.client_id == cid).order_by(contacts.c.id)
        ).all()
        return {"items": [_contact_out(conn, r) for r in rows], "next_cursor": None}


@router.delete("/contacts/{contact_id}", status_code=204, response_class=Response)
def delete_contact(contact_id: ContactId, actor: CurrentActor, state: State) -> Response:
    authz.require(actor, authz.Action.EDIT_CLIENT)
    kid = canonical(contact_id)
    with state.db.write() as tx:
        gone = tx.conn.execute(select(contacts).where(contacts.c.id == kid)).first()
        if gone is None:
            raise NotFound("contact", "contact_not_found")
        audit.record(
            tx.conn, actor_id=actor.user_id, action="contact.delete", entity="contact",
            entity_id=kid, before={"client_id": gone.client_id, "name": gone.name},
        )  # fmt: skip
        tx.conn.execute(delete(project_contacts).where(project_contacts.c.contact_id == kid))
        tx.conn.execute(delete(contacts).where(contacts.c.id == kid))
    return Response(status_code=204)


@router.put("/projects/{project_id}/contacts/{contact_id}", response_model=ProjectContactOut)
def link_contact(
    project_id: Annotated[UUID, Path(description="project id")],
    contact_id: ContactId,
    actor: CurrentActor,
    state: State,
) -> dict:
    """Link a contact of the project's client to the project (idempotent)."""
    pid, kid = canonical(project_id), canonical(contact_id)
    with state.db.write() as tx:
        authz.project(tx.conn, actor, pid, Capability.EDIT)
        contact = tx.conn.execute(select(contacts).where(contacts.c.id == kid)).first()
        if contact is None:
            raise NotFound("contact", "contact_not_found")
        client_id = tx.conn.execute(
            select(projects.c.client_id).where(projects.c.id == pid)
        ).scalar()
        if client_id != contact.client_id:
            raise Invalid("contact_not_of_client", "link only contacts of the project's client")
        linked = tx.conn.execute(
            select(project_contacts.c.contact_id).where(
                project_contacts.c.project_id == pid, project_contacts.c.contact_id == kid
            )
        ).first()
        if linked is None:
            tx.conn.execute(
                insert(project_contacts).values(
                    project_id=pid, contact_id=kid, created_at=state.now()
                )
            )
    return {"project_id": pid, "contact_id": kid}
