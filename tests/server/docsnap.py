"""Invoice snapshots for the document tests, built as the invoices service builds them.

Amounts follow invariants I1–I3 (server-spec §6.5): a line is round(unit price × quantity)
half up, a tax row is round(basis × rate) half up, the totals are exact sums of the parts.
"""

from __future__ import annotations

import copy
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

SELLER = {
    "name": "Studio Nord",
    "legal_name": "Studio Nord GmbH",
    "address": "Hafenstraße 12",
    "postcode": "20457",
    "city": "Hamburg",
    "country": "DE",
    "tax_id": "DE123456789",
    "email": "billing@studio-nord.example",
    "iban": "DE89370400440532013000",
    "bic": "COBADEFFXXX",
}
BUYER = {
    "name": "Acme",
    "legal_name": "Acme Corp SAS",
    "address": "10 rue de la Paix",
    "postcode": "75002",
    "city": "Paris",
    "country": "FR",
    "tax_id": "FR40303265045",
    "email": "ap@acme.example",
}


def time_line(hours: str, rate_minor: int, *, who: str = "Ann Lee", **fields: Any) -> dict:
    seconds = int(Decimal(hours) * 3600)
    return {
        "kind": "time",
        "description": f"Website / Homepage — {who}",
        "project": {"id": "p1", "name": "Website"},
        "task": {"id": "t1", "title": "Homepage"},
        "member": {"id": "u1", "name": who},
        "seconds": seconds,
        "quantity": hours,
        "unit_code": "HUR",
        "unit_price_minor": rate_minor,
        **fields,
    }


def manual_line(description: str, quantity: str, unit_price_minor: int, **fields: Any) -> dict:
    return {
        "kind": "manual",
        "description": description,
        "project": None,
        "task": None,
        "member": None,
        "seconds": None,
        "quantity": quantity,
        "unit_code": "C62",
        "unit_price_minor": unit_price_minor,
        **fields,
    }


def _round(value: Decimal) -> int:
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def snapshot(
    lines: list[dict] | None = None,
    *,
    kind: str = "invoice",
    number: str | None = "INV-2026-0007",
    currency: str = "EUR",
    accounting_currency: str = "EUR",
    fx_rate: str | None = None,
    tax_ppm: int = 190000,
    category: str = "S",
    exemption: tuple[str | None, str | None] = (None, None),
    locale: str = "en_US",
    **top: Any,
) -> dict:
    """A consistent snapshot; ``fx_rate`` converts the tax into the accounting currency."""
    lines = copy.deepcopy(lines if lines is not None else [time_line("12.50", 9000)])
    for i, line in enumerate(lines, 1):
        line.setdefault("tax_ppm", tax_ppm)
        line.setdefault("tax_category", category)
        line.setdefault("source_currency", None)
        line.setdefault("source_unit_price_minor", None)
        line["position"] = i
        line["amount_minor"] = _round(line["unit_price_minor"] * Decimal(line["quantity"]))
    groups: dict[tuple[int, str], int] = {}
    for line in lines:
        key = (line["tax_ppm"], line["tax_category"])
        groups[key] = groups.get(key, 0) + line["amount_minor"]
    taxes = [
        {
            "tax_ppm": ppm,
            "category": cat,
            "exemption_code": exemption[0] if cat != "S" else None,
            "exemption_reason": exemption[1] if cat != "S" else None,
            "basis_minor": basis,
            "tax_minor": _round(Decimal(basis) * ppm / 1_000_000),
        }
        for (ppm, cat), basis in sorted(groups.items())
    ]
    subtotal = sum(x["amount_minor"] for x in lines)
    tax = sum(t["tax_minor"] for t in taxes)
    fx = []
    tax_accounting = None
    if accounting_currency != currency:
        assert fx_rate, "a foreign-currency snapshot needs fx_rate"
        fx = [{"from": currency, "to": accounting_currency, "rate": fx_rate, "set_at": 0}]
        tax_accounting = _round(tax * Decimal(fx_rate))
    snap = {
        "version": 1,
        "kind": kind,
        "number": number,
        "issue_date": "2026-11-30",
        "due_date": "2026-12-14",
        "period": {"from": "2026-11-01", "to": "2026-11-30"},
        "currency": currency,
        "accounting_currency": accounting_currency,
        "tax_total_accounting_minor": tax_accounting,
        "locale": locale,
        "timezone": "Europe/Berlin",
        "seller": dict(SELLER),
        "buyer": dict(BUYER),
        "contacts": [{"name": "Jean Dupont", "email": "jean@acme.example"}],
        "lines": lines,
        "taxes": taxes,
        "subtotal_minor": subtotal,
        "tax_minor": tax,
        "total_minor": subtotal + tax,
        "fx": fx,
        "payment_terms_days": 14,
        "notes": "Thank you for your business.",
        "preceding_invoice": None,
        "rounding": "half_up",
        "template": {"id": "default", "version": 1},
    }
    snap.update(top)
    return snap


def credit_note(original: dict, number: str = "CN-2026-0001") -> dict:
    """The credit note of ``original``: negated lines and totals, BG-3 the original."""
    lines = []
    for line in original["lines"]:
        lines.append({**copy.deepcopy(line), "unit_price_minor": -line["unit_price_minor"]})
    return snapshot(
        lines,
        kind="credit_note",
        number=number,
        currency=original["currency"],
        preceding_invoice={"number": original["number"], "issue_date": original["issue_date"]},
    )


def many_lines(n: int) -> list[dict]:
    """``n`` time lines of members and tasks (a long month)."""
    return [
        time_line(f"{1 + i % 7}.{(i * 25) % 100:02d}", 8000 + 250 * (i % 9), who=f"Member {i % 20}")
        for i in range(n)
    ]


def team_invoice() -> dict:
    """A payout statement: the member is the payee, the workspace pays; no VAT."""
    payee = {
        "name": "Ann Lee", "legal_name": None, "address": "Lindenweg 3", "postcode": "10115",
        "city": "Berlin", "country": "DE", "tax_id": None, "email": "ann@example.com",
        "iban": "DE02120300000000202051", "bic": None,
    }  # fmt: skip
    buyer = {k: v for k, v in SELLER.items() if k not in ("iban", "bic")}
    return snapshot(
        [time_line("20.00", 4000), time_line("5.50", 4500)],
        kind="team_invoice",
        number="PAY-2026-0003",
        tax_ppm=0,
        category="O",
        seller=payee,
        buyer=buyer,
    )
