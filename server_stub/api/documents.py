"""Invoice documents and delivery (contract §4b): ``.html``, ``.pdf``, ``.xml``, send, deliveries.

Every document renders from the invoice's snapshot (``invoices.document_source``, which asks
authz.py). The routes are sync ``def``: FastAPI runs them in its threadpool, so rendering a PDF
never blocks the event loop.
"""

from __future__ import annotations

import re
from typing import Annotated, Literal
from uuid import UUID

from fastapi import APIRouter, Body, Header
from fastapi.responses import HTMLResponse, Response
from pydantic import AfterValidator, BaseModel, Field

from ..errors import PROBLEM_RESPONSES, ApiError
from ..ids import canonical
from ..services import delivery, documents, einvoice, idempotency
from ..services import invoices as svc
from .deps import CurrentActor, State
from .models import Email

router = APIRouter(tags=["invoice documents"], responses=PROBLEM_RESPONSES)

INVOICE = "/invoices/{invoice_id:uuid}"
TEAM_INVOICE = "/team-invoices/{invoice_id:uuid}"
IdempotencyKey = Annotated[str | None, Header(max_length=255)]
_PLAIN_ADDRESS = re.compile(r"^[^\s,;:<>()\[\]\"\\]+@[^\s,;:<>()\[\]\"\\]+$")


def _one_address(value: str) -> str:
    if not _PLAIN_ADDRESS.match(value):
        raise ValueError("one plain address per item, like ap@example.com")
    return value


Recipient = Annotated[Email, AfterValidator(_one_address)]


class SendIn(BaseModel):
    to: Annotated[list[Recipient], Field(min_length=1, max_length=50)] | None = None


class DeliveryOut(BaseModel):
    delivery_id: str
    invoice_id: str
    status: Literal["sending", "sent", "failed"]
    to: list[str]
    message_id: str | None
    smtp_answer: str | None = Field(description="what the SMTP server answered when it failed")
    created_at: int
    sent_at: int | None


class DeliveryPage(BaseModel):
    items: list[DeliveryOut]
    next_cursor: str | None = None


def _binary(content: bytes, media_type: str, name: str, inline: bool = True) -> Response:
    disposition = "inline" if inline else "attachment"
    return Response(
        content,
        media_type=media_type,
        headers={
            "Content-Disposition": f'{disposition}; filename="{name}"',
            "X-Content-Type-Options": "nosniff",
            "Cache-Control": "private, no-store",
        },
    )


def _source(state: State, actor, kind: str, invoice_id: UUID) -> tuple[dict, str, dict | None]:
    with state.db.read() as conn:
        return svc.document_source(conn, actor, kind, canonical(invoice_id))


# The document's own inline style and the QR code's data: URI, nothing else, never framed.
HTML_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; img-src data:; "
    "frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "private, no-store",
}
_PDF = {200: {"content": {"application/pdf": {}}, "description": "the PDF"}}


@router.get(
    INVOICE + ".html", response_class=HTMLResponse,
    responses={200: {"content": {"text/html": {}}, "description": "the invoice as a page"}},
)  # fmt: skip
def invoice_html(invoice_id: UUID, actor: CurrentActor, state: State) -> HTMLResponse:
    snapshot, status, void = _source(state, actor, "invoice", invoice_id)
    html = documents.render_html(snapshot, status=status, void=void)
    return HTMLResponse(html, headers=HTML_HEADERS)


@router.get(INVOICE + ".pdf", response_class=Response, responses=_PDF)
def invoice_pdf(invoice_id: UUID, actor: CurrentActor, state: State) -> Response:
    """Final and void: a Factur-X PDF/A-3 with the EN 16931 XML inside; drafts marked DRAFT."""
    snapshot, status, void = _source(state, actor, "invoice", invoice_id)
    pdf = documents.render_pdf(snapshot, status=status, void=void)
    return _binary(pdf, "application/pdf", delivery.filename(snapshot, "pdf"))


@router.get(
    INVOICE + ".xml", response_class=Response,
    responses={200: {"content": {"application/xml": {}}, "description": "the CII XML"}},
)  # fmt: skip
def invoice_xml(invoice_id: UUID, actor: CurrentActor, state: State) -> Response:
    """The EN 16931 CII XML alone (the file inside the PDF); drafts: 409 ``not_final``."""
    snapshot, status, _void = _source(state, actor, "invoice", invoice_id)
    if status == "draft":
        raise delivery.NotFinal("a draft has no e-invoice: finalize it first")
    try:
        xml = einvoice.build_cii_xml(snapshot)
    except einvoice.EInvoiceIncomplete as exc:
        raise ApiError(422, exc.code, str(exc), missing=exc.missing) from None
    return _binary(xml, "application/xml", delivery.filename(snapshot, "xml"))


@router.get(TEAM_INVOICE + ".pdf", response_class=Response, responses=_PDF)
def team_invoice_pdf(invoice_id: UUID, actor: CurrentActor, state: State) -> Response:
    """A member's payout statement (no e-invoice)."""
    snapshot, status, void = _source(state, actor, "team_invoice", invoice_id)
    pdf = documents.render_pdf(snapshot, status=status, void=void)
    return _binary(pdf, "application/pdf", delivery.filename(snapshot, "pdf"))


@router.post(INVOICE + "/send", response_model=DeliveryOut)
def send_invoice(
    invoice_id: UUID,
    actor: CurrentActor,
    state: State,
    body: Annotated[SendIn | None, Body()] = None,
    idempotency_key: IdempotencyKey = None,
) -> dict:
    """E-mails the PDF to the billing contacts (or ``to``); the same key never sends twice."""
    if idempotency_key is not None:
        idempotency.check_key(idempotency_key)
    out, _made = delivery.send(
        state.db, actor, canonical(invoice_id),
        to=body.to if body is not None else None, key=idempotency_key,
        mailer=state.mailer, public_url=state.settings.mail.public_url, now=state.now(),
    )  # fmt: skip
    return out


@router.get(INVOICE + "/deliveries", response_model=DeliveryPage)
def list_deliveries(invoice_id: UUID, actor: CurrentActor, state: State) -> dict:
    return {"items": delivery.listing(state.db, actor, canonical(invoice_id)), "next_cursor": None}
