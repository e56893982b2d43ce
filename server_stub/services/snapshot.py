"""The invoice snapshot: every value a rendered invoice shows, as one canonical JSON document.

Built from the invoice's rows and the parties as they are now; at finalize it is stored with
its SHA-256 and never rebuilt, so later changes to the client, the workspace, rates or
exchange rates cannot alter an issued invoice (server-spec §6.6). The renderers
(documents.py, einvoice.py) only format it: all money is integer minor units of ``currency``.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, Row, select

from ..db.tables import clients, contacts, projects, tasks, users, workspace
from ..money import RoundingMode
from ..timefmt import load_tz
from . import lines as L

SNAPSHOT_VERSION = 1
TEMPLATE = {"id": "default", "version": 1}
EU = frozenset(
    [
        "AT",
        "BE",
        "BG",
        "CY",
        "CZ",
        "DE",
        "DK",
        "EE",
        "ES",
        "FI",
        "FR",
        "GR",
        "HR",
        "HU",
        "IE",
        "IT",
        "LT",
        "LU",
        "LV",
        "MT",
        "NL",
        "PL",
        "PT",
        "RO",
        "SE",
        "SI",
        "SK",
    ]
)
REVERSE_CHARGE = ("Reverse charge", "VATEX-EU-AE")
EXEMPT_REASON = "Exempt from VAT"
SELLER_FIELDS = ("name", "legal_name", "address", "postcode", "city", "country", "tax_id",
                 "email", "iban", "bic")  # fmt: skip
BUYER_FIELDS = SELLER_FIELDS[:8]


@dataclass(frozen=True, slots=True)
class BillingSettings:
    """The workspace's invoice settings, with the contract's defaults for unset ones."""

    row: Any
    timezone: str
    base_currency: str
    rounding: RoundingMode
    locale: str
    payment_terms_days: int
    default_tax_ppm: int
    void_issues_credit_note: bool
    number_reset: str
    formats: dict[str, str]

    @property
    def tz(self) -> ZoneInfo:
        return load_tz(self.timezone) or ZoneInfo("UTC")

    def today(self, now: int) -> date:
        return datetime.fromtimestamp(now, self.tz).date()


def _get(row: Any, name: str) -> Any:
    return None if row is None else getattr(row, name)


def billing_settings(conn: Connection) -> BillingSettings:
    ws = conn.execute(select(workspace)).one()
    return BillingSettings(
        row=ws,
        timezone=ws.timezone,
        base_currency=ws.base_currency,
        rounding=ws.rounding,
        locale=ws.locale,
        payment_terms_days=ws.payment_terms_days,
        default_tax_ppm=ws.default_tax_ppm,
        void_issues_credit_note=bool(ws.void_issues_credit_note),
        number_reset=ws.number_reset,
        formats={
            "invoice": ws.invoice_number_format,
            "credit_note": ws.credit_note_number_format,
            "team_invoice": ws.team_invoice_number_format,
        },
    )


def canonical_json(snapshot: dict) -> str:
    return json.dumps(snapshot, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def tax_category(
    ppm: int, seller_country: str | None, buyer_country: str | None, buyer_tax_id: str | None
) -> tuple[str, str | None, str | None]:
    """(category, exemption reason, exemption code) of a rate: "S" above 0 %; at 0 % "AE"
    (reverse charge) between EU countries when the buyer has a VAT id, else "E" (exempt)."""
    if ppm > 0:
        return "S", None, None
    if (
        seller_country in EU
        and buyer_country in EU
        and seller_country != buyer_country
        and buyer_tax_id
    ):
        return "AE", *REVERSE_CHARGE
    return "E", EXEMPT_REASON, None


def billing_contacts(conn: Connection, client_id: str | None) -> list[dict]:
    """The client's billing contacts (name, email), by name."""
    if client_id is None:
        return []
    rows = conn.execute(
        select(contacts.c.name, contacts.c.email)
        .where(contacts.c.client_id == client_id, contacts.c.billing.is_(True))
        .order_by(contacts.c.name, contacts.c.email, contacts.c.id)
    ).all()
    return [{"name": r.name, "email": r.email} for r in rows]


def fx_out(fx: L.Fx) -> dict:
    set_at = fx.set_at
    if isinstance(set_at, int | float):
        set_at = datetime.fromtimestamp(int(set_at), UTC).isoformat()
    elif isinstance(set_at, datetime):
        set_at = set_at.isoformat()
    return {"from": fx.from_, "to": fx.to, "rate": str(fx.rate), "set_at": str(set_at)}


def _tax_accounting(tax: int, currency: str, base: str, fx: list[dict]) -> int | None:
    if currency == base:
        return None
    for f in fx:
        rate = Decimal(f["rate"])
        if f["from"] == currency and f["to"] == base:
            return L.convert(tax, currency, base, rate)
        if f["from"] == base and f["to"] == currency and rate:
            return L.convert(tax, currency, base, 1 / rate)
    return None


def _names(conn: Connection, table: Any, col: str, ids: set[str]) -> dict[str, str]:
    if not ids:
        return {}
    rows = conn.execute(select(table.c.id, table.c[col]).where(table.c.id.in_(sorted(ids))))
    return {r[0]: r[1] for r in rows}


def _party(row: Any, fields: tuple[str, ...], email_col: str = "email") -> dict:
    return {f: _get(row, email_col if f == "email" else f) for f in fields}


def build(conn: Connection, inv: Row, line_rows: list[Row], preceding: Row | None = None) -> dict:
    """The snapshot of ``inv`` (its number null while a draft) from its lines and parties."""
    ws = billing_settings(conn)
    if inv.kind == "team_invoice":
        payee = conn.execute(select(users).where(users.c.id == inv.user_id)).first()
        seller = {f: None for f in SELLER_FIELDS} | {
            "name": payee.name if payee else None, "email": payee.email if payee else None
        }  # fmt: skip
        buyer = _party(ws.row, BUYER_FIELDS)
        contacts: list[dict] = []
    else:
        client = conn.execute(select(clients).where(clients.c.id == inv.client_id)).first()
        seller = _party(ws.row, SELLER_FIELDS)
        buyer = _party(client, BUYER_FIELDS, "contact_email")
        contacts = billing_contacts(conn, inv.client_id)
    pids = {r.project_id for r in line_rows if r.project_id}
    tids = {r.task_id for r in line_rows if r.task_id}
    uids = {r.user_id for r in line_rows if r.user_id}
    pnames = _names(conn, projects, "name", pids)
    tnames = _names(conn, tasks, "title", tids)
    unames = _names(conn, users, "name", uids)

    def category(ppm: int) -> tuple[str, str | None, str | None]:
        if inv.tax_category and (ppm == inv.tax_ppm):
            return inv.tax_category, inv.exemption_reason, None
        cat, reason, code = tax_category(ppm, seller["country"], buyer["country"], buyer["tax_id"])
        if cat != "S" and inv.exemption_reason:
            reason = inv.exemption_reason
        return cat, reason, code

    out_lines = []
    for pos, r in enumerate(line_rows, start=1):
        time = r.kind == "time"
        out_lines.append({
            "position": pos, "kind": r.kind, "description": r.description,
            "project": {"id": r.project_id, "name": pnames.get(r.project_id)} if r.project_id
            else None,
            "task": {"id": r.task_id, "title": tnames.get(r.task_id)} if r.task_id else None,
            "member": {"id": r.user_id, "name": unames.get(r.user_id)} if r.user_id else None,
            "seconds": r.seconds if time else None,
            "quantity": L.hours(r.quantity_seconds) if time else L.units(r.quantity_milli),
            "unit_code": "HUR" if time else "C62",
            "unit_price_minor": r.unit_price_minor, "amount_minor": r.amount_minor,
            "tax_ppm": r.tax_ppm, "tax_category": category(r.tax_ppm)[0],
            "source_currency": r.source_currency,
            "source_unit_price_minor": r.source_unit_price_minor,
        })  # fmt: skip
    taxes = []
    for row in L.taxes(_as_lines(line_rows), lambda p: category(p)[0], ws.rounding):
        _cat, reason, code = category(row.tax_ppm)
        taxes.append({
            "tax_ppm": row.tax_ppm, "category": row.category, "exemption_reason": reason,
            "exemption_code": code, "basis_minor": row.basis_minor, "tax_minor": row.tax_minor,
        })  # fmt: skip
    fx = json.loads(inv.fx or "[]")
    issue, due = date.fromisoformat(inv.issue_date), date.fromisoformat(inv.due_date)
    return {
        "version": SNAPSHOT_VERSION,
        "kind": inv.kind,
        "number": inv.number,
        "issue_date": inv.issue_date,
        "due_date": inv.due_date,
        "period": {"from": inv.period_from, "to": inv.period_to},
        "currency": inv.currency,
        "accounting_currency": ws.base_currency,
        "tax_total_accounting_minor": _tax_accounting(
            inv.tax_minor, inv.currency, ws.base_currency, fx
        ),
        "locale": ws.locale,
        "timezone": ws.timezone,
        "seller": seller,
        "buyer": buyer,
        "contacts": contacts,
        "lines": out_lines,
        "taxes": taxes,
        "subtotal_minor": inv.subtotal_minor,
        "tax_minor": inv.tax_minor,
        "total_minor": inv.total_minor,
        "fx": fx,
        "payment_terms_days": (due - issue).days,
        "notes": inv.notes,
        "preceding_invoice": {"number": preceding.number, "issue_date": preceding.issue_date}
        if preceding is not None
        else None,
        "rounding": ws.rounding,
        "template": dict(TEMPLATE),
    }


def _as_lines(rows: list[Row]) -> list[L.Line]:
    return [L.Line(r.kind, r.unit_price_minor, r.amount_minor, r.tax_ppm) for r in rows]
