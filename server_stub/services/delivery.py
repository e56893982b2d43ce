"""Sending an invoice by e-mail (contract §4b ``POST /invoices/{id}/send``, server-spec §6.15).

The delivery row is committed with status ``sending`` *before* the SMTP conversation and then
set to ``sent`` or ``failed`` (with the server's answer), so an ``Idempotency-Key`` never sends
twice: the same key on the same invoice answers the row it made, whatever became of it. A
retry with a new key is a new delivery. The PDF is rendered before the row exists.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape
from sqlalchemy import Connection, Row, insert, select, update
from sqlalchemy.exc import IntegrityError

from .. import authz
from ..authz import Actor
from ..db.session import Database
from ..db.tables import invoice_deliveries as deliveries
from ..errors import ApiError, Invalid
from ..ids import new_id
from . import audit, documents
from . import invoices as svc
from .mail import Mailer, MailError

TEMPLATES = Path(__file__).parent / "templates"
_env = Environment(
    loader=FileSystemLoader(TEMPLATES),
    autoescape=select_autoescape(["html"], default=False),
    trim_blocks=True,
    lstrip_blocks=True,
)


class SmtpNotConfigured(ApiError):
    def __init__(self) -> None:
        super().__init__(
            409, "smtp_not_configured",
            "e-mail is off on this server: start it with --smtp-url (TRACKER_SMTP_URL)",
        )  # fmt: skip


class NotFinal(ApiError):
    def __init__(self, what: str = "a draft has no number yet: finalize it first") -> None:
        super().__init__(409, "not_final", what)


@dataclass(frozen=True)
class Outgoing:
    """What the mail says: subject, text and HTML bodies, the PDF to attach."""

    subject: str
    text: str
    html: str
    filename: str
    pdf: bytes


def filename(snapshot: dict, ext: str) -> str:
    """A safe file name from the number: letters, digits, '-', '_' and '.' only."""
    stem = snapshot.get("number") or "draft"
    stem = "".join(c if c.isascii() and (c.isalnum() or c in "-_.") else "_" for c in stem)
    return f"{stem.strip('.') or 'invoice'}.{ext}"


def compose(snapshot: dict, status: str, void: dict | None, public_url: str | None) -> Outgoing:
    summary = documents.document_values(snapshot, status=status, void=void)
    values = {
        "d": summary,
        "portal_url": f"{public_url}/portal" if public_url else None,
    }
    subject = f"{summary['title']} {summary['number']} from {summary['seller']['name']}"
    return Outgoing(
        subject=subject,
        text=_env.get_template("invoice_mail.txt.jinja").render(values),
        html=_env.get_template("invoice_mail.html.jinja").render(values),
        filename=filename(snapshot, "pdf"),
        pdf=documents.render_pdf(snapshot, status=status, void=void),
    )


def delivery_out(row: Row) -> dict:
    return {
        "delivery_id": row.id,
        "invoice_id": row.invoice_id,
        "status": row.status,
        "to": json.loads(row.recipients),
        "message_id": row.message_id,
        "smtp_answer": row.smtp_answer,
        "created_at": row.created_at,
        "sent_at": row.sent_at,
    }


def _by_key(conn: Connection, invoice_id: str, key: str) -> Row | None:
    return conn.execute(
        select(deliveries).where(
            deliveries.c.invoice_id == invoice_id, deliveries.c.idempotency_key == key
        )
    ).first()


def _replay(row: Row, to: list[str] | None) -> dict:
    if to is not None and sorted(json.loads(row.recipients)) != sorted(to):
        raise Invalid(
            "idempotency_key_reused", "this Idempotency-Key was used with other recipients"
        )
    return delivery_out(row)


def send(
    db: Database,
    actor: Actor,
    invoice_id: str,
    *,
    to: list[str] | None,
    key: str | None,
    mailer: Mailer | None,
    public_url: str | None,
    now: int,
) -> tuple[dict, bool]:
    """E-mail the invoice's PDF; (the delivery, whether this call made it)."""
    with db.read() as conn:
        snapshot, status, void = svc.document_source(conn, actor, "invoice", invoice_id)
        authz.require(actor, authz.Action.MANAGE_INVOICES)
        if key is not None and (row := _by_key(conn, invoice_id, key)) is not None:
            return _replay(row, to), False
        if mailer is None:
            raise SmtpNotConfigured()
        if status == "draft":
            raise NotFinal("a draft is not sent: finalize it first")
        recipients = list(dict.fromkeys(to if to is not None else
                                        svc.billing_recipients(conn, invoice_id)))  # fmt: skip
    if not recipients:
        raise Invalid(
            "no_recipients", "the client has no billing contact or e-mail: give 'to' or add one"
        )
    mail = compose(snapshot, status, void, mailer.settings.public_url)
    delivery_id = new_id()
    try:
        with db.small_write() as conn:  # committed before the SMTP call
            conn.execute(
                insert(deliveries).values(
                    id=delivery_id, invoice_id=invoice_id, idempotency_key=key,
                    recipients=json.dumps(recipients), status="sending", created_by=actor.user_id,
                    created_at=now,
                )
            )  # fmt: skip
    except IntegrityError:  # a twin with the same key got there first
        with db.read() as conn:
            row = _by_key(conn, invoice_id, key or "")
        if row is None:
            raise
        return _replay(row, to), False
    result: dict = {"status": "sent", "sent_at": now}
    try:
        result["message_id"] = mailer.send(
            recipients, mail.subject, mail.text, mail.html,
            attachments=[(mail.filename, mail.pdf, "application/pdf")],
        )  # fmt: skip
    except MailError as exc:
        result = {"status": "failed", "smtp_answer": exc.answer[:2000], "sent_at": None}
    with db.small_write() as conn:
        conn.execute(update(deliveries).where(deliveries.c.id == delivery_id).values(**result))
        row = conn.execute(select(deliveries).where(deliveries.c.id == delivery_id)).one()
        audit.record(
            conn, actor_id=actor.user_id, action="invoice.send", entity="invoice",
            entity_id=invoice_id, at=now,
            after={"delivery_id": delivery_id, "status": row.status, "to": recipients},
        )  # fmt: skip
    return delivery_out(row), True


def listing(db: Database, actor: Actor, invoice_id: str) -> list[dict]:
    with db.read() as conn:
        authz.invoice(conn, actor, invoice_id)
        authz.require(actor, authz.Action.MANAGE_INVOICES)
        rows = conn.execute(
            select(deliveries)
            .where(deliveries.c.invoice_id == invoice_id)
            .order_by(deliveries.c.created_at, deliveries.c.id)
        ).all()
    return [delivery_out(r) for r in rows]
