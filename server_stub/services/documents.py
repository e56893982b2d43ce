"""The readable invoice: snapshot → values → one Jinja2 template → HTML, and WeasyPrint PDF/A-3b.

Values first, rendering last: :func:`document_values` formats the snapshot's integers in its
locale (Babel) and the template only lays them out; no sum is recomputed here. A final or void
invoice's PDF carries its EN 16931 XML as ``factur-x.xml`` (:mod:`.einvoice`), so one file is
both the readable and the machine-readable invoice. Rendering is CPU work: callers run it off
the event loop (sync endpoints run in the threadpool).
"""

from __future__ import annotations

import functools
import logging
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from babel import Locale, UnknownLocaleError
from babel.dates import format_date
from babel.numbers import format_currency, format_decimal
from jinja2 import Environment, FileSystemLoader, select_autoescape

from ..money import exponent, ppm_to_percent
from . import einvoice

log = logging.getLogger("server_stub.documents")

TEMPLATES = Path(__file__).parent / "templates"
TEMPLATE = "invoice.html.jinja"
STATUSES = ("draft", "final", "void")
TITLES = {"invoice": "Invoice", "credit_note": "Credit note", "team_invoice": "Payout statement"}
FALLBACK_LOCALE = "en_US"
EPC_MAX_EUR_CENTS = 999_999_999_99  # the EPC QR code's largest amount


class DocumentError(ValueError):
    """A snapshot or status the renderers cannot use (a bug in the caller, not user input)."""


@functools.cache
def _environment() -> Environment:
    return Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(["html", "jinja"], default_for_string=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )


def _locale(name: str | None) -> Locale:
    try:
        return Locale.parse(name or FALLBACK_LOCALE)
    except (UnknownLocaleError, ValueError, TypeError):
        return Locale.parse(FALLBACK_LOCALE)


class _Fmt:
    """Babel formatting in one locale; amounts from integer minor units, never floats."""

    def __init__(self, locale: Locale) -> None:
        self.locale = locale

    def money(self, minor: int, currency: str) -> str:
        value = Decimal(minor).scaleb(-exponent(currency))
        return format_currency(value, currency, locale=self.locale, currency_digits=True)

    def quantity(self, text: str, unit_code: str) -> str:
        """Hours with two decimals (``12.50``), pieces as they are (``1``, ``2.5``)."""
        pattern = "#,##0.00##" if unit_code == "HUR" else "#,##0.###"
        return format_decimal(Decimal(text), format=pattern, locale=self.locale)

    def percent(self, ppm: int) -> str:
        return format_decimal(Decimal(ppm_to_percent(ppm)), locale=self.locale) + " %"

    def date(self, iso: str | None) -> str:
        if not iso:
            return ""
        return format_date(date.fromisoformat(iso), format="medium", locale=self.locale)


def _party(p: dict) -> dict:
    place = " ".join(x for x in (p.get("postcode"), p.get("city")) if x)
    lines = [x.strip() for x in (p.get("address") or "").splitlines() if x.strip()]
    lines += [x for x in (place, p.get("country")) if x]
    legal = p.get("legal_name")
    return {
        "name": legal or p.get("name") or "",
        "lines": ([p["name"]] if legal and p.get("name") and p["name"] != legal else []) + lines,
        "tax_id": p.get("tax_id"),
        "email": p.get("email"),
    }


def _line_detail(line: dict, f: _Fmt) -> str:
    """A converted rate names its original price (the exchange rate is in ``fx``)."""
    if line.get("source_currency") and line.get("source_unit_price_minor") is not None:
        return f"converted from {f.money(line['source_unit_price_minor'], line['source_currency'])}"
    return ""


UNITS = {"HUR": "h", "C62": "×"}


def _epc_qr(snapshot: dict) -> str | None:
    """The GiroCode (EPC QR) as an SVG data URI: EUR, a seller IBAN and something to pay."""
    import segno.helpers

    iban = (snapshot["seller"].get("iban") or "").replace(" ", "")
    total = snapshot["total_minor"]
    if snapshot["currency"] != "EUR" or not iban or not 0 < total <= EPC_MAX_EUR_CENTS:
        return None
    qr = segno.helpers.make_epc_qr(
        name=(_party(snapshot["seller"])["name"])[:70],
        iban=iban,
        amount=Decimal(total).scaleb(-2),
        text=(snapshot.get("number") or "")[:140] or None,
        bic=(snapshot["seller"].get("bic") or "").replace(" ", "") or None,
    )
    return qr.svg_data_uri(scale=4, border=0)


def document_values(snapshot: dict, *, status: str, void: dict | None = None) -> dict[str, Any]:
    """Everything the template shows, formatted; the snapshot's sums only."""
    if status not in STATUSES:
        raise DocumentError(f"unknown document status {status!r}")
    f = _Fmt(_locale(snapshot.get("locale")))
    cur = snapshot["currency"]
    kind = snapshot["kind"]
    payout = kind == "team_invoice"
    taxes = [
        {
            "label": f"VAT {f.percent(t['tax_ppm'])}" if t["category"] == "S" else
                     f"VAT {f.percent(t['tax_ppm'])} ({t['category']})",
            "basis": f.money(t["basis_minor"], cur),
            "tax": f.money(t["tax_minor"], cur),
            "reason": t.get("exemption_reason") or "",
        }
        for t in snapshot["taxes"]
        if not payout or t["tax_minor"]
    ]  # fmt: skip
    accounting = snapshot.get("accounting_currency") or cur
    tax_acc = snapshot.get("tax_total_accounting_minor")
    seller = snapshot["seller"]
    # A void invoice asks for nothing; a credit note owes the client, it asks for nothing either.
    owing = kind != "credit_note" and snapshot["total_minor"] > 0 and status != "void"
    payment = None
    if owing:
        payment = {
            "headline": f"Please pay {f.money(snapshot['total_minor'], cur)} "
            f"by {f.date(snapshot.get('due_date'))}",
            "iban": seller.get("iban"),
            "bic": seller.get("bic"),
            "reference": snapshot.get("number") or "(the invoice number, once final)",
        }
    preceding = snapshot.get("preceding_invoice")
    marks = {"draft": "DRAFT", "void": "VOID"}
    return {
        "lang": f.locale.language,
        "title": TITLES[kind],
        "number": snapshot.get("number"),
        "status": status,
        "status_label": {"draft": "Draft", "final": "", "void": "Void"}[status],
        "mark": marks.get(status),
        "void": (
            {
                "date": f.date(void.get("date")),
                "reason": void.get("reason") or "",
                "credit_note_number": void.get("credit_note_number"),
            }
            if status == "void" and void
            else None
        ),
        "buyer_label": "Paid by" if payout else "Bill to",
        "tax_id_label": "Tax id" if payout else "VAT id",
        "seller": _party(seller),
        "buyer": _party(snapshot["buyer"]),
        "issue_date": f.date(snapshot["issue_date"]),
        "due_date": f.date(snapshot.get("due_date")) if kind != "credit_note" else "",
        "period": f"{f.date(snapshot['period']['from'])} – {f.date(snapshot['period']['to'])}",
        "preceding": (
            {"number": preceding["number"], "issue_date": f.date(preceding["issue_date"])}
            if preceding
            else None
        ),
        "lines": [
            {
                "position": line["position"],
                "description": line.get("description") or "",
                "detail": _line_detail(line, f),
                "quantity": f.quantity(line["quantity"], line["unit_code"]),
                "unit": UNITS.get(line["unit_code"], line["unit_code"]),
                "unit_price": f.money(line["unit_price_minor"], cur),
                "tax": f.percent(line["tax_ppm"]),
                "amount": f.money(line["amount_minor"], cur),
            }
            for line in snapshot["lines"]
        ],
        # One rate for every line: it shows in the totals only (a column less to lay out).
        "tax_column": len({line["tax_ppm"] for line in snapshot["lines"]}) > 1,
        "subtotal": f.money(snapshot["subtotal_minor"], cur),
        "taxes": taxes,
        "total": f.money(snapshot["total_minor"], cur),
        "tax_accounting": (
            f"VAT in {accounting}: {f.money(tax_acc, accounting)}"
            if accounting != cur and tax_acc is not None
            else None
        ),
        "payment": payment,
        "qr": _epc_qr(snapshot) if owing and status == "final" else None,  # drafts: no number
        "notes": snapshot.get("notes") or "",
    }


def render_html(snapshot: dict, *, status: str, void: dict | None = None) -> str:
    values = document_values(snapshot, status=status, void=void)
    return _environment().get_template(TEMPLATE).render(d=values)


def _no_remote_fetcher():
    from weasyprint.urls import URLFetcher

    # data: URIs only (the QR code): nothing is fetched from the network or the disk.
    return URLFetcher(allowed_protocols=("data",))


def _pdf_metadata(snapshot: dict) -> dict[str, str]:
    seller = _party(snapshot["seller"])["name"]
    title = f"{TITLES[snapshot['kind']]} {snapshot.get('number') or 'draft'}"
    return {
        "author": seller,
        "keywords": "Factur-X, EN 16931, invoice",
        "title": title,
        "subject": f"{title} of {seller}",
    }


def render_pdf(snapshot: dict, *, status: str, void: dict | None = None) -> bytes:
    """PDF/A-3b; a final or void invoice or credit note embeds its CII XML (Factur-X)."""
    from weasyprint import HTML

    html = render_html(snapshot, status=status, void=void)
    pdf = HTML(string=html, url_fetcher=_no_remote_fetcher()).write_pdf(pdf_variant="pdf/a-3b")
    if status == "draft" or snapshot["kind"] not in einvoice.TYPE_CODES:
        return pdf
    try:
        xml = einvoice.build_cii_xml(snapshot)
    except einvoice.EInvoiceIncomplete as exc:
        # Still a readable invoice; the e-invoice itself answers 422 on .xml, naming the gaps.
        log.warning("invoice %s: PDF without e-invoice: %s", snapshot.get("number"), exc)
        return pdf
    import facturx

    return facturx.generate_from_binary(
        pdf,
        xml,
        flavor="factur-x",
        level="en16931",
        check_xsd=True,
        pdf_metadata=_pdf_metadata(snapshot),
        lang=_locale(snapshot.get("locale")).language,
    )
