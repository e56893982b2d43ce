"""Uninvoiced time, invoices and credit notes, payments (contract §4b; server-spec §6.4-§6.6).

Routes translate HTTP to the services (drafts, finalize, payments), which ask authz.py; every
action is one write transaction. Finalize, void and payments honour ``Idempotency-Key``.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Header, Query
from fastapi.responses import Response
from sqlalchemy import Connection

from ..db.session import WriteTx
from ..errors import PROBLEM_RESPONSES, Invalid
from ..ids import canonical
from ..money import MoneyError, percent_to_ppm, to_minor
from ..services import drafts, finalize, idempotency, payments
from ..services import invoices as svc
from ..services import lines as L
from . import paging
from .deps import AppState, CurrentActor, State
from .invoice_models import (
    InvoiceIn,
    InvoiceOut,
    InvoicePage,
    InvoicePatch,
    Kind,
    LineIn,
    PaymentIn,
    PaymentPage,
    PaymentRecordedOut,
    SignedMoney,
    Status,
    UninvoicedOut,
    VoidIn,
)

router = APIRouter(tags=["invoices"], responses=PROBLEM_RESPONSES)

INVOICE = "/invoices/{invoice_id:uuid}"
IdempotencyKey = Annotated[str | None, Header(max_length=255)]


def ppm(percent: str | None) -> int | None:
    if percent is None:
        return None
    try:
        return percent_to_ppm(percent)
    except MoneyError as exc:
        raise Invalid(exc.code, f"tax_rate: {exc}") from None


def signed_minor(value: SignedMoney, field: str) -> int:
    text = value.amount.strip()
    negative = text.startswith("-")
    try:
        minor = to_minor(text.lstrip("-"), value.currency)
    except MoneyError as exc:
        raise Invalid(exc.code, f"{field}: {exc}") from None
    if minor >= 10**12:
        raise Invalid("invalid_amount", f"{field} is out of range")
    return -minor if negative else minor


def milli(quantity: str) -> int:
    whole, _, frac = quantity.partition(".")
    value = int(whole) * 1000 + int((frac + "000")[:3])
    if value <= 0:
        raise Invalid("invalid_quantity", "the quantity must be more than zero")
    return value


def json_response(status: int, body: str) -> Response:
    return Response(body, status_code=status, media_type="application/json")


def idempotent(
    state: AppState,
    actor,
    key: str | None,
    payload: Any,
    status: int,
    work: Callable[[WriteTx], dict],
) -> Response:
    """Run ``work`` in one write transaction; with a key, a replay answers what the first did."""
    if key is not None:
        idempotency.check_key(key)
        digest = idempotency.request_hash(payload)
        stored = idempotency.begin(state.db, actor.token_id, key, digest, state.now())
        if stored is not None:
            return json_response(stored.status, stored.body)
    try:
        with state.db.write() as tx:
            text = json.dumps(work(tx), separators=(",", ":"), ensure_ascii=False)
            if key is not None:
                idempotency.finish(tx.conn, actor.token_id, key, status, text)
    except BaseException:
        if key is not None:
            idempotency.abandon(state.db, actor.token_id, key)
        raise
    return json_response(status, text)


def current(conn: Connection, actor, invoice_id: str, now: int, team: bool = False) -> dict:
    return svc.get(conn, actor, invoice_id, now, team=team)


@router.get("/uninvoiced", response_model=UninvoicedOut)
def get_uninvoiced(
    actor: CurrentActor,
    state: State,
    client_id: UUID,
    from_: Annotated[date, Query(alias="from", description="first local day")],
    to: Annotated[date, Query(description="last local day (inclusive)")],
) -> Response:
    with state.db.read() as conn:
        body = drafts.uninvoiced(conn, actor, canonical(client_id), from_, to)
    # Serialized here, not validated again against UninvoicedOut: the service builds exactly
    # its fields, in its order (the same bytes), and checking ~500 rows again cost more than
    # a tenth of the request.
    return json_response(200, json.dumps(body, separators=(",", ":"), ensure_ascii=False))


@router.post("/invoices", status_code=201, response_model=InvoiceOut)
def create_invoice(body: InvoiceIn, actor: CurrentActor, state: State) -> dict:
    scope = drafts.Scope(
        "bill", canonical(body.client_id), body.from_, body.to,
        tuple(sorted({canonical(p) for p in body.project_ids or ()})),
    )  # fmt: skip
    spec = drafts.DraftSpec(scope, body.currency, ppm(body.tax_rate))
    now = state.now()
    with state.db.write() as tx:
        inv_id = drafts.create(tx.conn, actor, spec, now)
        return current(tx.conn, actor, inv_id, now)


@router.get("/invoices", response_model=InvoicePage)
def list_invoices(
    actor: CurrentActor,
    state: State,
    status: Status | None = None,
    kind: Kind | None = None,
    client_id: UUID | None = None,
    cursor: paging.Cursor = None,
    limit: paging.Limit = 100,
) -> dict:
    after = paging.decode(cursor, str)[0] if cursor else None
    with state.db.read() as conn:
        items, last = svc.listing(
            conn, actor, state.now(), status=status, kind=kind,
            client_id=canonical(client_id) if client_id else None, after=after, limit=limit,
        )  # fmt: skip
    return {"items": items, "next_cursor": paging.encode(last) if last else None}


@router.get(INVOICE, response_model=InvoiceOut)
def get_invoice(invoice_id: UUID, actor: CurrentActor, state: State) -> dict:
    with state.db.read() as conn:
        return current(conn, actor, canonical(invoice_id), state.now())


@router.patch(INVOICE, response_model=InvoiceOut)
def patch_invoice(invoice_id: UUID, body: InvoicePatch, actor: CurrentActor, state: State):
    changes = body.model_dump(exclude_unset=True)
    if "tax_rate" in changes:
        if changes["tax_rate"] is None:
            raise Invalid("invalid_tax_rate", "tax_rate may not be null")
        changes["tax_ppm"] = ppm(changes.pop("tax_rate"))
    for key in ("issue_date", "due_date"):
        if key in changes and changes[key] is None:
            raise Invalid("invalid_date", f"{key} may not be null")
    iid, now = canonical(invoice_id), state.now()
    with state.db.write() as tx:
        drafts.patch(tx.conn, actor, iid, changes, now)
        return current(tx.conn, actor, iid, now)


@router.post(INVOICE + "/lines", status_code=201, response_model=InvoiceOut)
def add_line(invoice_id: UUID, body: LineIn, actor: CurrentActor, state: State) -> dict:
    iid, now = canonical(invoice_id), state.now()
    tax = ppm(body.tax_rate)
    line = L.Line(
        "manual", signed_minor(body.unit_price, "unit_price"), 0, -1 if tax is None else tax,
        quantity_milli=milli(body.quantity), description=body.description.strip(),
    )  # fmt: skip
    with state.db.write() as tx:
        drafts.add_line(tx.conn, actor, iid, line, body.unit_price.currency, now)
        return current(tx.conn, actor, iid, now)


def finalize_route(team: bool):
    def finalize_invoice(
        invoice_id: UUID, actor: CurrentActor, state: State, idempotency_key: IdempotencyKey = None
    ) -> Response:
        iid = canonical(invoice_id)

        def work(tx: WriteTx) -> dict:
            now = state.now()
            finalize.finalize(tx.conn, actor, iid, now, team=team)
            return current(tx.conn, actor, iid, now, team)

        return idempotent(state, actor, idempotency_key, {"finalize": iid}, 200, work)

    return finalize_invoice


def void_route(team: bool):
    def void_invoice(
        invoice_id: UUID, body: VoidIn, actor: CurrentActor, state: State,
        idempotency_key: IdempotencyKey = None,
    ) -> Response:  # fmt: skip
        iid = canonical(invoice_id)

        def work(tx: WriteTx) -> dict:
            now = state.now()
            before = current(tx.conn, actor, iid, now, team)
            if finalize.void(tx.conn, actor, iid, body.reason, now, team=team) is None:
                return {**before, "status": "void", "void_reason": body.reason}  # discarded
            return current(tx.conn, actor, iid, now, team)

        payload = {"void": iid, "reason": body.reason}
        return idempotent(state, actor, idempotency_key, payload, 200, work)

    return void_invoice


router.add_api_route(
    INVOICE + "/finalize", finalize_route(False), methods=["POST"], response_model=InvoiceOut,
    name="finalize_invoice",
)  # fmt: skip
router.add_api_route(
    INVOICE + "/void", void_route(False), methods=["POST"], response_model=InvoiceOut,
    name="void_invoice",
)  # fmt: skip


@router.post(INVOICE + "/payments", status_code=201, response_model=PaymentRecordedOut)
def record_payment(
    invoice_id: UUID,
    body: PaymentIn,
    actor: CurrentActor,
    state: State,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    iid = canonical(invoice_id)
    try:
        amount = to_minor(body.amount.amount, body.amount.currency)
    except MoneyError as exc:
        raise Invalid(exc.code, f"amount: {exc}") from None

    def work(tx: WriteTx) -> dict:
        now = state.now()
        out = payments.record(
            tx.conn, actor, iid, amount_minor=amount, currency=body.amount.currency,
            on=body.date, method=body.method, reference=body.reference, key=idempotency_key,
            now=now,
        )  # fmt: skip
        inv = current(tx.conn, actor, iid, now)
        return {**out, **{k: inv[k] for k in ("paid", "balance", "payment_state")}}

    payload = {"payment": iid, **body.model_dump(mode="json")}
    return idempotent(state, actor, idempotency_key, payload, 201, work)


@router.get(INVOICE + "/payments", response_model=PaymentPage)
def list_payments(invoice_id: UUID, actor: CurrentActor, state: State) -> dict:
    with state.db.read() as conn:
        return {"items": payments.listing(conn, actor, canonical(invoice_id)), "next_cursor": None}
