"""The EN 16931 e-invoice (UN/CEFACT CII, Factur-X 1.0 / ZUGFeRD 2.x "EN 16931") of a snapshot.

Values first, rendering last (server-spec §6.14): :func:`cii_values` turns the snapshot into a
plain dict of business terms, checking what the rules need with messages a user can act on;
:func:`render_cii` writes that dict as XML. Every amount is the snapshot's own integer, only
formatted: the sums hold because invariants I1–I3 made them (BR-CO-10, -13, -15, -16).

A credit note (type 381) states its amounts as positive numbers, the type code carrying the
sign; a line with a negative price (a discount) is written as a negative quantity at a positive
price, because the rules forbid a negative item net price (BR-27).
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from lxml import etree

from ..money import exponent, from_minor, ppm_to_percent

NS = {
    "rsm": "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100",
    "ram": "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100",
    "qdt": "urn:un:unece:uncefact:data:standard:QualifiedDataType:100",
    "udt": "urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100",
}
EN16931 = "urn:cen.eu:en16931:2017"
TYPE_CODES = {"invoice": "380", "credit_note": "381"}
SEPA_CREDIT_TRANSFER = "58"
# VAT categories at 0 % that carry a fixed exemption code (VATEX) when the snapshot names none.
DEFAULT_EXEMPTIONS = {
    "AE": ("VATEX-EU-AE", "Reverse charge"),
    "K": ("VATEX-EU-IC", "Intra-Community supply"),
    "O": ("VATEX-EU-O", "Not subject to VAT"),
}
NEEDS_REASON = {"E", "AE", "K", "O", "G"}
_VAT_ID = re.compile(r"^[A-Z]{2}[0-9A-Za-z+*.]{2,13}$")


class EInvoiceError(ValueError):
    """The snapshot cannot make an e-invoice (a team invoice, or a draft)."""

    code = "einvoice_unavailable"


class EInvoiceIncomplete(EInvoiceError):
    """Data the EN 16931 rules require is missing; ``missing`` names it."""

    code = "einvoice_incomplete"

    def __init__(self, missing: list[str]) -> None:
        self.missing = missing
        super().__init__(
            "the e-invoice needs " + ", ".join(missing) + ": fill them in and issue a new invoice"
        )


def build_cii_xml(snapshot: dict) -> bytes:
    """The CII XML (UTF-8, with declaration) of a final invoice or credit note."""
    return render_cii(cii_values(snapshot))


# -- values --------------------------------------------------------------------------------


def _amount(minor: int, currency: str, sign: int) -> str:
    return from_minor(sign * minor, currency)


def _date(iso: str) -> str:
    return iso.replace("-", "")


def _party(p: dict, *, vat_ids: bool, who: str, missing: list[str]) -> dict:
    for field in ("name", "country"):
        if not (p.get(field) or "").strip():
            missing.append(f"{who}.{field}")
    legal = (p.get("legal_name") or "").strip()
    name = (p.get("name") or "").strip()
    tax_id = (p.get("tax_id") or "").replace(" ", "").upper()
    return {
        "name": legal or name,
        "trading_name": name if legal and name and name != legal else None,
        "address": (p.get("address") or "").strip() or None,
        "postcode": (p.get("postcode") or "").strip() or None,
        "city": (p.get("city") or "").strip() or None,
        "country": (p.get("country") or "").strip().upper(),
        "email": (p.get("email") or "").strip() or None,
        # BT-31/BT-48 for a VAT id; a seller's other tax number is BT-32 ("FC").
        "vat_id": tax_id if vat_ids and _VAT_ID.match(tax_id) else None,
        "tax_number": tax_id if who == "seller" and tax_id and not _VAT_ID.match(tax_id) else None,
    }


def _line(line: dict, currency: str, sign: int) -> dict:
    price = sign * line["unit_price_minor"]
    quantity = Decimal(line["quantity"])
    if price < 0:  # BR-27: the net price is never negative; the quantity carries the sign
        price, quantity = -price, -quantity
    return {
        "id": str(line["position"]),
        "name": (line.get("description") or "").strip() or "Item",
        "quantity": format(quantity, "f"),
        "unit_code": line["unit_code"],
        "price": format(Decimal(price).scaleb(-exponent(currency)), "f"),
        "amount": _amount(line["amount_minor"], currency, sign),
        "category": line["tax_category"],
        "percent": ppm_to_percent(line["tax_ppm"]),
    }


def _tax(t: dict, currency: str, sign: int, missing: list[str]) -> dict:
    code, reason = t.get("exemption_code"), t.get("exemption_reason")
    if t["category"] in NEEDS_REASON and not (code or reason):
        if t["category"] not in DEFAULT_EXEMPTIONS:
            missing.append(f"an exemption reason for VAT category {t['category']}")
        else:
            code, reason = DEFAULT_EXEMPTIONS[t["category"]]
    return {
        "category": t["category"],
        "percent": ppm_to_percent(t["tax_ppm"]),
        "basis": _amount(t["basis_minor"], currency, sign),
        "tax": _amount(t["tax_minor"], currency, sign),
        "exemption_reason": reason if t["category"] != "S" else None,
        "exemption_code": code if t["category"] != "S" else None,
    }


def cii_values(snapshot: dict) -> dict[str, Any]:
    """The business terms of the e-invoice, from the snapshot only (no sum is recomputed)."""
    kind = snapshot["kind"]
    if kind not in TYPE_CODES:
        raise EInvoiceError("a team invoice (payout statement) has no e-invoice")
    if not snapshot.get("number"):
        raise EInvoiceError("a draft has no e-invoice: finalize it first")
    missing: list[str] = []
    cur = snapshot["currency"]
    sign = -1 if kind == "credit_note" else 1
    categories = {t["category"] for t in snapshot["taxes"]}
    # BR-O-02: an invoice outside the scope of VAT names no VAT ids.
    vat_ids = "O" not in categories
    seller = _party(snapshot["seller"], vat_ids=vat_ids, who="seller", missing=missing)
    buyer = _party(snapshot["buyer"], vat_ids=vat_ids, who="buyer", missing=missing)
    if categories & {"S", "Z", "E", "AE", "K"} and not (seller["vat_id"] or seller["tax_number"]):
        missing.append("seller.tax_id (the VAT id)")
    if categories & {"AE", "K"} and not buyer["vat_id"]:
        missing.append("buyer.tax_id (the VAT id, for reverse charge)")
    accounting = snapshot.get("accounting_currency") or cur
    foreign = accounting != cur
    if foreign and snapshot.get("tax_total_accounting_minor") is None:
        missing.append(f"the VAT total in {accounting} (BT-111: a rate {cur}→{accounting})")
    preceding = snapshot.get("preceding_invoice")
    if kind == "credit_note" and not preceding:
        missing.append("the credited invoice's number")
    taxes = [_tax(t, cur, sign, missing) for t in snapshot["taxes"]]
    if missing:
        raise EInvoiceIncomplete(missing)
    iban = (snapshot["seller"].get("iban") or "").replace(" ", "").upper()
    days = snapshot.get("payment_terms_days")
    return {
        "number": snapshot["number"],
        "type_code": TYPE_CODES[kind],
        "issue_date": _date(snapshot["issue_date"]),
        "due_date": _date(snapshot["due_date"]),
        "notes": [n for n in [(snapshot.get("notes") or "").strip()] if n],
        "seller": seller,
        "buyer": buyer,
        "currency": cur,
        "tax_currency": accounting if foreign else None,
        "tax_total_accounting": (
            _amount(snapshot["tax_total_accounting_minor"], accounting, sign) if foreign else None
        ),
        "iban": iban or None,
        "bic": (snapshot["seller"].get("bic") or "").replace(" ", "").upper() or None,
        "payee_name": seller["name"],
        "terms": f"Payable within {days} days" if days is not None else None,
        "period": {k: _date(v) for k, v in snapshot["period"].items()},
        "lines": [_line(x, cur, sign) for x in snapshot["lines"]],
        "taxes": taxes,
        "subtotal": _amount(snapshot["subtotal_minor"], cur, sign),
        "tax_total": _amount(snapshot["tax_minor"], cur, sign),
        "total": _amount(snapshot["total_minor"], cur, sign),
        "preceding": (
            {"number": preceding["number"], "issue_date": _date(preceding["issue_date"])}
            if preceding
            else None
        ),
    }


# -- rendering -----------------------------------------------------------------------------


def _el(parent, tag: str, text: str | None = None, **attrs: str):
    prefix, name = tag.split(":")
    node = etree.SubElement(parent, f"{{{NS[prefix]}}}{name}", attrs)
    if text is not None:
        node.text = text
    return node


def _date_el(parent, tag: str, yyyymmdd: str, prefix: str = "udt") -> None:
    _el(_el(parent, tag), f"{prefix}:DateTimeString", yyyymmdd, format="102")


def _party_el(parent, tag: str, p: dict) -> None:
    node = _el(parent, tag)
    _el(node, "ram:Name", p["name"])
    if p["trading_name"]:
        legal = _el(node, "ram:SpecifiedLegalOrganization")
        _el(legal, "ram:TradingBusinessName", p["trading_name"])
    addr = _el(node, "ram:PostalTradeAddress")
    if p["postcode"]:
        _el(addr, "ram:PostcodeCode", p["postcode"])
    if p["address"]:
        lines = [x.strip() for x in p["address"].splitlines() if x.strip()]
        for tag_, text in zip(("ram:LineOne", "ram:LineTwo", "ram:LineThree"), lines, strict=False):
            _el(addr, tag_, text)
    if p["city"]:
        _el(addr, "ram:CityName", p["city"])
    _el(addr, "ram:CountryID", p["country"])
    if p["email"]:
        _el(_el(node, "ram:URIUniversalCommunication"), "ram:URIID", p["email"], schemeID="EM")
    if p["tax_number"]:
        _el(_el(node, "ram:SpecifiedTaxRegistration"), "ram:ID", p["tax_number"], schemeID="FC")
    if p["vat_id"]:
        _el(_el(node, "ram:SpecifiedTaxRegistration"), "ram:ID", p["vat_id"], schemeID="VA")


def _line_el(parent, x: dict) -> None:
    item = _el(parent, "ram:IncludedSupplyChainTradeLineItem")
    _el(_el(item, "ram:AssociatedDocumentLineDocument"), "ram:LineID", x["id"])
    _el(_el(item, "ram:SpecifiedTradeProduct"), "ram:Name", x["name"])
    agreement = _el(item, "ram:SpecifiedLineTradeAgreement")
    _el(_el(agreement, "ram:NetPriceProductTradePrice"), "ram:ChargeAmount", x["price"])
    delivery = _el(item, "ram:SpecifiedLineTradeDelivery")
    _el(delivery, "ram:BilledQuantity", x["quantity"], unitCode=x["unit_code"])
    settlement = _el(item, "ram:SpecifiedLineTradeSettlement")
    tax = _el(settlement, "ram:ApplicableTradeTax")
    _el(tax, "ram:TypeCode", "VAT")
    _el(tax, "ram:CategoryCode", x["category"])
    if x["category"] != "O":
        _el(tax, "ram:RateApplicablePercent", x["percent"])
    summation = _el(settlement, "ram:SpecifiedTradeSettlementLineMonetarySummation")
    _el(summation, "ram:LineTotalAmount", x["amount"])


def _tax_el(parent, t: dict) -> None:
    tax = _el(parent, "ram:ApplicableTradeTax")
    _el(tax, "ram:CalculatedAmount", t["tax"])
    _el(tax, "ram:TypeCode", "VAT")
    if t["exemption_reason"]:
        _el(tax, "ram:ExemptionReason", t["exemption_reason"])
    _el(tax, "ram:BasisAmount", t["basis"])
    _el(tax, "ram:CategoryCode", t["category"])
    if t["exemption_code"]:
        _el(tax, "ram:ExemptionReasonCode", t["exemption_code"])
    if t["category"] != "O":
        _el(tax, "ram:RateApplicablePercent", t["percent"])


def _settlement_el(parent, v: dict) -> None:
    s = _el(parent, "ram:ApplicableHeaderTradeSettlement")
    _el(s, "ram:PaymentReference", v["number"])
    if v["tax_currency"]:
        _el(s, "ram:TaxCurrencyCode", v["tax_currency"])
    _el(s, "ram:InvoiceCurrencyCode", v["currency"])
    if v["iban"]:
        means = _el(s, "ram:SpecifiedTradeSettlementPaymentMeans")
        _el(means, "ram:TypeCode", SEPA_CREDIT_TRANSFER)
        account = _el(means, "ram:PayeePartyCreditorFinancialAccount")
        _el(account, "ram:IBANID", v["iban"])
        _el(account, "ram:AccountName", v["payee_name"])
        if v["bic"]:
            _el(_el(means, "ram:PayeeSpecifiedCreditorFinancialInstitution"), "ram:BICID", v["bic"])
    for t in v["taxes"]:
        _tax_el(s, t)
    period = _el(s, "ram:BillingSpecifiedPeriod")
    _date_el(period, "ram:StartDateTime", v["period"]["from"])
    _date_el(period, "ram:EndDateTime", v["period"]["to"])
    terms = _el(s, "ram:SpecifiedTradePaymentTerms")
    if v["terms"]:
        _el(terms, "ram:Description", v["terms"])
    _date_el(terms, "ram:DueDateDateTime", v["due_date"])
    total = _el(s, "ram:SpecifiedTradeSettlementHeaderMonetarySummation")
    _el(total, "ram:LineTotalAmount", v["subtotal"])
    _el(total, "ram:TaxBasisTotalAmount", v["subtotal"])
    _el(total, "ram:TaxTotalAmount", v["tax_total"], currencyID=v["currency"])
    if v["tax_currency"]:
        _el(total, "ram:TaxTotalAmount", v["tax_total_accounting"], currencyID=v["tax_currency"])
    _el(total, "ram:GrandTotalAmount", v["total"])
    _el(total, "ram:DuePayableAmount", v["total"])
    if v["preceding"]:
        ref = _el(s, "ram:InvoiceReferencedDocument")
        _el(ref, "ram:IssuerAssignedID", v["preceding"]["number"])
        _date_el(ref, "ram:FormattedIssueDateTime", v["preceding"]["issue_date"], prefix="qdt")


def render_cii(v: dict) -> bytes:
    """The CII document of :func:`cii_values`' dict, in the order the XSD wants."""
    root = etree.Element(f"{{{NS['rsm']}}}CrossIndustryInvoice", nsmap=NS)
    context = _el(root, "rsm:ExchangedDocumentContext")
    _el(_el(context, "ram:GuidelineSpecifiedDocumentContextParameter"), "ram:ID", EN16931)
    doc = _el(root, "rsm:ExchangedDocument")
    _el(doc, "ram:ID", v["number"])
    _el(doc, "ram:TypeCode", v["type_code"])
    _date_el(doc, "ram:IssueDateTime", v["issue_date"])
    for note in v["notes"]:
        _el(_el(doc, "ram:IncludedNote"), "ram:Content", note)
    tx = _el(root, "rsm:SupplyChainTradeTransaction")
    for line in v["lines"]:
        _line_el(tx, line)
    agreement = _el(tx, "ram:ApplicableHeaderTradeAgreement")
    _party_el(agreement, "ram:SellerTradeParty", v["seller"])
    _party_el(agreement, "ram:BuyerTradeParty", v["buyer"])
    _el(tx, "ram:ApplicableHeaderTradeDelivery")
    _settlement_el(tx, v)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)
