"""Invoice documents and delivery through the API, on SQLite and PostgreSQL.

From tracked time to a sent, rule-valid e-invoice: the workspace's and the client's legal
details, a final invoice, its ``.xml`` checked by the XSD and the EN 16931 schematron, its
``.pdf`` carrying that XML, and ``POST /invoices/{id}/send`` to a real SMTP server on loopback
(aiosmtpd) that receives exactly one message per ``Idempotency-Key``.
"""

from __future__ import annotations

import io
import uuid

import facturx
import pypdf
import pytest
from invutil import billing, draft, finalize, track
from srvutil import race

from server_stub.services.mail import MailSettings

SELLER = {
    "name": "Studio Nord", "legal_name": "Studio Nord GmbH", "address": "Hafenstraße 12",
    "postcode": "20457", "city": "Hamburg", "country": "DE", "tax_id": "DE123456789",
    "email": "billing@studio-nord.example", "iban": "DE89370400440532013000",
    "bic": "COBADEFFXXX", "locale": "de_DE",
}  # fmt: skip
BUYER = {
    "legal_name": "Acme Handels GmbH", "address": "Ring 1", "postcode": "10115",
    "city": "Berlin", "country": "DE", "tax_id": "DE987654321",
}  # fmt: skip


@pytest.fixture
def mail_settings(smtp_server) -> MailSettings:
    return MailSettings(
        smtp_url=smtp_server.url,
        mail_from="Studio Nord <billing@studio-nord.example>",
        public_url="https://tracker.example",
    )


def _books(api, team, buyer: dict = BUYER, tax_rate: str = "19") -> tuple[dict, dict]:
    """A draft of 3 h 30 min at 100 EUR (19 % VAT) to a client with a billing contact."""
    r = team.admin.patch("/workspace", SELLER)
    assert r.status_code == 200, r.text
    b = billing(api, team)
    r = team.manager.patch(f"/clients/{b.client['id']}", buyer)
    assert r.status_code == 200, r.text
    r = team.manager.post(
        f"/clients/{b.client['id']}/contacts",
        {"name": "Jean Dupont", "email": "jean@acme.example", "billing": True},
    )
    assert r.status_code == 201, r.text
    track(team.member, b.task["id"], "2026-11-10", "09:00", "12:30")
    inv = draft(team.manager, b.client["id"], tax_rate=tax_rate)
    return b.client, inv


def _embedded(pdf: bytes) -> bytes:
    return pypdf.PdfReader(io.BytesIO(pdf)).attachments["factur-x.xml"][0]


def test_from_tracked_time_to_a_sent_valid_e_invoice(api, team, smtp_server, en16931):
    _client, inv = _books(api, team)
    iid = inv["id"]
    m = team.manager

    # A draft: a PDF marked DRAFT without an e-invoice; no .xml; not sent.
    r = m.get(f"/invoices/{iid}.pdf")
    assert r.status_code == 200 and r.headers["content-type"] == "application/pdf"
    draft_pdf = pypdf.PdfReader(io.BytesIO(r.content))
    assert "DRAFT" in draft_pdf.pages[0].extract_text() and draft_pdf.attachments == {}
    assert r.headers["content-disposition"] == 'inline; filename="draft.pdf"'
    assert m.get(f"/invoices/{iid}.xml").json()["code"] == "not_final"
    assert m.post(f"/invoices/{iid}/send").json()["code"] == "not_final"

    final = finalize(m, iid)
    number = final["number"]
    xml = m.get(f"/invoices/{iid}.xml")
    assert xml.status_code == 200 and xml.headers["content-type"] == "application/xml"
    assert facturx.xml_check_xsd(xml.content, flavor="factur-x", level="en16931") is True
    findings = en16931.check(xml.content)
    assert findings.fatal == [], findings.fatal
    assert f"<ram:ID>{number}</ram:ID>".encode() in xml.content
    assert f"<ram:GrandTotalAmount>{final['total']['amount']}<".encode() in xml.content

    pdf = m.get(f"/invoices/{iid}.pdf")
    assert pdf.headers["content-disposition"] == f'inline; filename="{number}.pdf"'
    assert _embedded(pdf.content) == xml.content
    text = pypdf.PdfReader(io.BytesIO(pdf.content)).pages[0].extract_text()
    assert number in text and "416,50" in text  # 350.00 + 19 % in the workspace's de_DE
    html = m.get(f"/invoices/{iid}.html")
    assert html.headers["content-type"].startswith("text/html") and number in html.text
    assert "default-src 'none'" in html.headers["content-security-policy"]

    # Sent once per key, to the billing contact, with the PDF and both parts.
    key = {"Idempotency-Key": "send-1"}
    first = m.post(f"/invoices/{iid}/send", headers=key)
    assert first.status_code == 200, first.text
    sent = first.json()
    assert sent["status"] == "sent" and sent["to"] == ["jean@acme.example"]
    again = m.post(f"/invoices/{iid}/send", headers=key)
    assert again.json()["delivery_id"] == sent["delivery_id"]
    assert len(smtp_server.sink.received) == 1  # the same key never sends twice
    [got] = smtp_server.sink.received
    assert got.rcpt_tos == ["jean@acme.example"]
    msg = got.message
    assert msg["Message-ID"] == sent["message_id"] and number in msg["Subject"]
    assert "https://tracker.example/portal" in msg.get_body(("plain",)).get_content()
    assert 'href="https://tracker.example/portal"' in msg.get_body(("html",)).get_content()
    [att] = list(msg.iter_attachments())
    assert att.get_filename() == f"{number}.pdf" and att.get_content_type() == "application/pdf"
    assert _embedded(att.get_content()) == xml.content

    # Another key is another delivery, to whom the caller names.
    r = m.post(
        f"/invoices/{iid}/send", {"to": ["ap@acme.example"]}, headers={"Idempotency-Key": "k2"}
    )
    assert r.json()["status"] == "sent" and len(smtp_server.sink.received) == 2
    assert smtp_server.sink.received[1].rcpt_tos == ["ap@acme.example"]
    listed = m.get(f"/invoices/{iid}/deliveries").json()["items"]
    assert [d["delivery_id"] for d in listed] == [sent["delivery_id"], r.json()["delivery_id"]]
    audit = team.admin.get("/audit").json()["items"]
    assert sum(e["action"] == "invoice.send" and e["entity_id"] == iid for e in audit) == 2

    # The client pays what the e-invoice says: the invoice reads paid, balance zero.
    pay = {"amount": final["total"], "date": "2026-12-01", "method": "transfer"}
    r = m.post(f"/invoices/{iid}/payments", pay, headers={"Idempotency-Key": "pay-1"})
    assert r.status_code == 201, r.text
    assert r.json()["payment_state"] == "paid"
    got = m.get(f"/invoices/{iid}").json()
    assert got["paid"] == final["total"] and got["balance"]["amount"] == "0.00"


def test_a_refusing_server_gives_failed_and_a_new_key_retries(api, team, smtp_server):
    _client, inv = _books(api, team)
    iid = finalize(team.manager, inv["id"])["id"]
    smtp_server.sink.refuse = "554 5.7.1 Rejected by policy"
    key = {"Idempotency-Key": "try-1"}
    r = team.manager.post(f"/invoices/{iid}/send", headers=key)
    assert r.status_code == 200, r.text
    failed = r.json()
    assert failed["status"] == "failed" and failed["message_id"] is None
    assert failed["smtp_answer"].startswith("554") and "policy" in failed["smtp_answer"]
    smtp_server.sink.refuse = None
    assert team.manager.post(f"/invoices/{iid}/send", headers=key).json() == failed  # no resend
    assert smtp_server.sink.received == []
    r = team.manager.post(f"/invoices/{iid}/send", headers={"Idempotency-Key": "try-2"})
    assert r.json()["status"] == "sent" and len(smtp_server.sink.received) == 1
    states = [d["status"] for d in team.manager.get(f"/invoices/{iid}/deliveries").json()["items"]]
    assert states == ["failed", "sent"]


def test_reverse_charge_and_its_credit_note_pass_the_rules(api, team, en16931):
    """An intra-EU client with a VAT id at 0 %: reverse charge (AE); voided: a credit note (381)."""
    french = {**BUYER, "country": "FR", "tax_id": "FR40303265045", "city": "Paris"}
    _client, inv = _books(api, team, french, tax_rate="0")
    final = finalize(team.manager, inv["id"])
    xml = team.manager.get(f"/invoices/{final['id']}.xml").content
    assert b"<ram:CategoryCode>AE</ram:CategoryCode>" in xml
    assert b"<ram:ExemptionReasonCode>VATEX-EU-AE</ram:ExemptionReasonCode>" in xml
    assert en16931.check(xml).fatal == []
    r = team.admin.post(f"/invoices/{final['id']}/void", {"reason": "wrong period"})
    assert r.status_code == 200, r.text
    credit_id = r.json()["credit_note_id"]
    cn = team.manager.get(f"/invoices/{credit_id}.xml").content
    assert b"<ram:TypeCode>381</ram:TypeCode>" in cn
    assert f"<ram:IssuerAssignedID>{final['number']}<".encode() in cn  # BG-3
    assert en16931.check(cn).fatal == []
    voided = team.manager.get(f"/invoices/{final['id']}.html").text
    credit = team.manager.get(f"/invoices/{credit_id}").json()
    assert "VOID" in voided and credit["number"] in voided and "wrong period" in voided


@pytest.mark.parametrize(
    "body",
    [{"to": []}, {"to": ["a@b.example, c@d.example"]}, {"to": ["Eve <e@x.example>"]}, {"to": "x"}],
)
def test_bad_recipients_are_422(api, team, body):
    r = team.manager.post(f"/invoices/{uuid.uuid4()}/send", body)  # refused before any lookup
    assert r.status_code == 422 and r.json()["code"] == "validation_error", r.text


def test_a_foreign_currency_invoice_carries_its_vat_in_the_accounting_currency(api, team, en16931):
    """EUR books, a USD invoice from EUR rates: BT-6 and BT-111 from the recorded rate."""
    r = team.admin.put("/exchange-rates/EUR/USD", {"rate": "1.0850"})
    assert r.status_code == 200, r.text
    client, _draft = _books(api, team)
    r = team.manager.patch(f"/clients/{client['id']}", {"currency": "USD"})
    assert r.status_code == 200, r.text
    r = team.admin.post(f"/invoices/{_draft['id']}/void", {"reason": "wrong currency"})
    assert r.status_code == 200, r.text
    usd = finalize(
        team.manager, draft(team.manager, client["id"], currency="USD", tax_rate="19")["id"]
    )
    assert usd["currency"] == "USD" and usd["fx"], usd
    xml = team.manager.get(f"/invoices/{usd['id']}.xml")
    assert xml.status_code == 200, xml.text
    assert b"<ram:TaxCurrencyCode>EUR</ram:TaxCurrencyCode>" in xml.content
    assert b'currencyID="EUR"' in xml.content and b'currencyID="USD"' in xml.content
    assert en16931.check(xml.content).fatal == []


def test_the_same_key_from_two_threads_sends_one_message(api, team, smtp_server):
    _client, inv = _books(api, team)
    iid = finalize(team.manager, inv["id"])["id"]
    key = {"Idempotency-Key": "twin"}
    a, b = race(*[lambda: team.manager.post(f"/invoices/{iid}/send", headers=key)] * 2)
    assert a.status_code == b.status_code == 200, (a.text, b.text)
    assert a.json()["delivery_id"] == b.json()["delivery_id"]
    assert {a.json()["status"], b.json()["status"]} <= {"sending", "sent"}
    assert len(smtp_server.sink.received) == 1
    [row] = team.manager.get(f"/invoices/{iid}/deliveries").json()["items"]
    assert row["status"] == "sent"


@pytest.mark.parametrize(
    "number, name",
    [("INV-2026-0042", "INV-2026-0042.pdf"), ('A/../"x;\r\n', "A_..__x___.pdf"),
     ("Rechnung Nr. 7", "Rechnung_Nr._7.pdf"), ("Façture", "Fa_ture.pdf"), (None, "draft.pdf"),
     ("..", "invoice.pdf")],
)  # fmt: skip
def test_file_names_are_safe_for_content_disposition(number, name):
    from server_stub.services.delivery import filename

    assert filename({"number": number}, "pdf") == name


def test_an_invoice_priced_in_a_foreign_currency_records_the_accounting_rate(api, team, en16931):
    """EUR books, a USD client billed at USD rates: no conversion of prices, but the VAT total
    in EUR (BT-111) still needs a rate, which the draft records (or warns about)."""
    r = team.admin.patch("/workspace", SELLER)
    assert r.status_code == 200, r.text
    b = billing(api, team, rate="120", currency="USD")
    r = team.manager.patch(f"/clients/{b.client['id']}", BUYER)
    assert r.status_code == 200, r.text
    track(team.member, b.task["id"], "2026-11-10", "09:00", "11:00")

    without = draft(team.manager, b.client["id"], tax_rate="19")
    assert without["currency"] == "USD" and without["fx"] == []
    assert [w["code"] for w in without["warnings"]] == ["accounting_rate_missing"]
    r = team.admin.post(f"/invoices/{without['id']}/void", {"reason": "no rate yet"})
    assert r.status_code == 200, r.text

    r = team.admin.put("/exchange-rates/USD/EUR", {"rate": "0.9200"})
    assert r.status_code == 200, r.text
    inv = finalize(team.manager, draft(team.manager, b.client["id"], tax_rate="19")["id"])
    assert [(f["from"], f["to"], f["rate"]) for f in inv["fx"]] == [("USD", "EUR", "0.92")]
    assert inv["warnings"] == [] and inv["total"]["currency"] == "USD"
    xml = team.manager.get(f"/invoices/{inv['id']}.xml")
    assert xml.status_code == 200, xml.text
    # 2 h × 120.00 = 240.00 USD, VAT 45.60 USD = 41.95 EUR at 0.92 (half-up)
    assert b'<ram:TaxTotalAmount currencyID="EUR">41.95</ram:TaxTotalAmount>' in xml.content
    assert en16931.check(xml.content).fatal == []
