"""The rendered invoice: HTML and WeasyPrint PDF/A-3b with the Factur-X XML, read back with pypdf.

PDF rendering is slow: each document is rendered once per module (module-scoped fixtures).
"""

from __future__ import annotations

import copy
import io
import re
from urllib.parse import unquote

import pypdf
import pytest
import zxingcpp
from docsnap import credit_note, manual_line, many_lines, snapshot, team_invoice, time_line

from server_stub.services import documents
from server_stub.services.einvoice import build_cii_xml

PDFA_ID = "http://www.aiim.org/pdfa/ns/id/"


def _reader(pdf: bytes) -> pypdf.PdfReader:
    return pypdf.PdfReader(io.BytesIO(pdf))


def _text(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in _reader(pdf).pages)


@pytest.fixture(scope="module")
def final_snapshot() -> dict:
    return snapshot(
        [
            time_line("12.50", 9000),
            time_line("3.25", 11000, who="Bo Chen"),
            manual_line("Discount (loyal client)", "1", -5000),
        ]
    )


@pytest.fixture(scope="module")
def final_pdf(final_snapshot) -> bytes:
    return documents.render_pdf(final_snapshot, status="final")


@pytest.fixture(scope="module")
def long_pdf() -> bytes:
    return documents.render_pdf(snapshot(many_lines(200), number=None), status="draft")


@pytest.fixture(scope="module")
def void_pdf(final_snapshot) -> bytes:
    void = {"date": "2026-12-03", "reason": "wrong client", "credit_note_number": "CN-2026-0001"}
    return documents.render_pdf(final_snapshot, status="void", void=void)


@pytest.fixture(scope="module")
def payout_pdf() -> bytes:
    return documents.render_pdf(team_invoice(), status="final")


def test_final_pdf_reads_back_number_total_and_its_e_invoice(final_snapshot, final_pdf):
    text = _text(final_pdf)
    assert "INV-2026-0007" in text
    # 1125.00 + 357.50 - 50.00 = 1432.50; VAT 19 % 272.18; total 1704.68 (the snapshot's sums)
    assert final_snapshot["total_minor"] == 170468
    assert "€1,704.68" in text
    assert "DRAFT" not in text and "VOID" not in text
    reader = _reader(final_pdf)
    attachments = reader.attachments
    assert list(attachments) == ["factur-x.xml"]
    assert attachments["factur-x.xml"][0] == build_cii_xml(final_snapshot)


def test_final_pdf_is_pdf_a_3b_with_embedded_fonts(final_pdf):
    reader = _reader(final_pdf)
    root = reader.trailer["/Root"]
    assert "/OutputIntents" in root and "/AF" in root
    xmp = reader.xmp_metadata
    part = xmp.get_element("", PDFA_ID, "part")
    conformance = xmp.get_element("", PDFA_ID, "conformance")
    assert [e.firstChild.nodeValue for e in part] == ["3"]
    assert [e.firstChild.nodeValue for e in conformance] == ["B"]
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            desc = font.get("/FontDescriptor") or font["/DescendantFonts"][0]["/FontDescriptor"]
            assert "/FontFile2" in desc.get_object(), font["/BaseFont"]


def test_a_long_invoice_paginates_with_repeated_headers(long_pdf):
    reader = _reader(long_pdf)
    pages = len(reader.pages)
    assert pages > 1
    texts = [p.extract_text() for p in reader.pages]
    for n, text in enumerate(texts, 1):  # "page N of M" on every page
        assert f"page {n} of {pages}" in text, n
    # The table runs over every page with its header repeated, and no line is lost between.
    for text in texts:
        assert "DESCRIPTION" in text.upper() and "AMOUNT" in text.upper()
    assert sum(t.count("Website / Homepage — Member") for t in texts) == 200
    assert "Total" in texts[-1] and "Please pay" in texts[-1]  # the sums close the last page
    assert all("DRAFT" in t for t in texts)  # the mark is on every page
    assert reader.attachments == {}  # a draft has no e-invoice
    assert "Website / Homepage — Member 19" in texts[0] + texts[1]


def test_void_pdf_is_marked_with_date_and_credit_note(void_pdf, final_snapshot):
    text = _text(void_pdf)
    assert "VOID" in text
    assert "Dec 3, 2026" in text and "CN-2026-0001" in text and "wrong client" in text
    assert "Please pay" not in text  # a void invoice asks for nothing
    # The voided invoice is still the e-invoice it was (its number is kept).
    assert _reader(void_pdf).attachments["factur-x.xml"][0] == build_cii_xml(final_snapshot)


def test_payout_statement_has_no_e_invoice(payout_pdf):
    text = _text(payout_pdf)
    assert "Payout statement" in text and "PAY-2026-0003" in text
    assert "PAID BY" in text and "Ann Lee" in text  # the label is upper-cased by CSS
    assert _reader(payout_pdf).attachments == {}


def test_html_escapes_what_the_snapshot_holds():
    evil = '<script>alert(1)</script><img src="http://attacker.example/x.png">'
    snap = snapshot([manual_line(evil, "1", 1000)], notes=evil)
    snap["buyer"]["name"] = evil
    html = documents.render_html(snap, status="final")
    assert "<script>" not in html and 'src="http://' not in html
    assert "&lt;script&gt;" in html


def test_the_renderer_fetches_nothing_remote():
    fetcher = documents._no_remote_fetcher()
    for url in ("http://127.0.0.1:9/x.css", "https://cdn.example/font.woff", "file:///etc/passwd"):
        with pytest.raises(ValueError, match="disallowed protocol"):
            fetcher(url)
    html = documents.render_html(snapshot(), status="final")
    assert not re.search(r"(src|href)=\"(https?|file):", html)
    assert "url(" not in html


def test_money_and_dates_in_the_snapshots_locale():
    snap = snapshot([time_line("12.50", 9000)], locale="de_DE")
    html = documents.render_html(snap, status="final")
    assert "1.125,00\xa0€" in html  # 12,50 h × 90,00 €
    assert "12,50 h" in html
    assert "30.11.2026" in html
    jpy = snapshot(
        [manual_line("Workshop", "2", 64000)],
        currency="JPY",
        accounting_currency="JPY",
        tax_ppm=100000,
    )
    assert "¥140,800" in documents.render_html(jpy, status="final")  # no minor digits


def test_epc_qr_only_for_a_payable_final_eur_invoice_with_an_iban():
    def has_qr(snap, status="final"):
        return 'src="data:image/svg+xml' in documents.render_html(snap, status=status)

    assert has_qr(snapshot())
    usd = snapshot(currency="USD", accounting_currency="EUR", fx_rate="0.92")
    assert not has_qr(usd)
    no_iban = snapshot()
    no_iban["seller"]["iban"] = None
    assert not has_qr(no_iban)
    assert not has_qr(snapshot(number=None), status="draft")
    assert not has_qr(credit_note(snapshot()))
    assert "IBAN DE89370400440532013000" in documents.render_html(snapshot(), status="final")


def _qr_matrix(html: str) -> list[list[bool]]:
    """The modules of the page's QR code, read from segno's SVG path ("M x y", "m dx dy", "h n":
    a dark run of n modules on the row at y)."""
    uri = re.search(r'src="(data:image/svg\+xml[^"]+)"', html).group(1)
    svg = unquote(uri.split(",", 1)[1])
    path = re.search(r"d='([^']+)'", svg).group(1)
    size = int(re.search(r"width='(\d+)'", svg).group(1)) // 4  # scale(4), no border
    rows = [[False] * size for _ in range(size)]
    x = y = 0.0
    for op, a, b in re.findall(r"([Mmh])(-?[\d.]+)(?: (-?[\d.]+))?", path):
        if op == "M":
            x, y = float(a), float(b)
        elif op == "m":
            x, y = x + float(a), y + float(b)
        else:
            for col in range(int(x), int(x + float(a))):
                rows[int(y)][col] = True
            x += float(a)
    return rows


def _decode_qr(html: str) -> str:
    """Decode the QR code as a banking app's camera would (zxing-cpp on a rendered image)."""
    from PIL import Image

    rows = _qr_matrix(html)
    scale, quiet = 8, 4
    side = (len(rows) + 2 * quiet) * scale
    img = Image.new("L", (side, side), 255)
    for r, row in enumerate(rows):
        for c, dark in enumerate(row):
            if dark:
                x0, y0 = (c + quiet) * scale, (r + quiet) * scale
                img.paste(0, (x0, y0, x0 + scale, y0 + scale))
    [found] = zxingcpp.read_barcodes(img)
    return found.text


def test_the_epc_qr_code_carries_the_sepa_transfer():
    """The GiroCode (EPC069-12) decodes to a credit transfer of the total to the seller's IBAN
    with the invoice number as its reference: what a banking app pre-fills."""
    snap = snapshot([time_line("12.50", 9000), time_line("3.25", 11000, who="Bo Chen")])
    payload = _decode_qr(documents.render_html(snap, status="final")).split("\n")
    assert payload[0] == "BCD" and payload[1] in ("001", "002") and payload[3] == "SCT"
    assert payload[2] in "12345678"  # a character set EPC069-12 names (segno picks the smallest)
    assert payload[4] == "COBADEFFXXX"
    assert payload[5] == "Studio Nord GmbH"
    assert payload[6] == "DE89370400440532013000"
    assert payload[7] == f"EUR{snap['total_minor'] / 100:.2f}" == "EUR1764.18"
    assert "INV-2026-0007" in payload[9:]  # the remittance text: the invoice number
    no_bic = copy.deepcopy(snap)
    no_bic["seller"]["bic"] = None
    assert _decode_qr(documents.render_html(no_bic, status="final")).split("\n")[4] == ""
    # A name outside Latin-1 is sent in the character set the code names (3: ISO 8859-2);
    # the decoder hands the bytes back as Latin-1, a banking app reads them in that set.
    polish = copy.deepcopy(snap)
    polish["seller"]["legal_name"] = "Studio Łódź"
    raw = _decode_qr(documents.render_html(polish, status="final")).split("\n")
    charset = {"1": "utf-8", "2": "iso8859-1", "3": "iso8859-2"}[raw[2]]
    assert raw[5].encode("latin-1").decode(charset) == "Studio Łódź"


def test_unknown_status_is_refused():
    with pytest.raises(documents.DocumentError):
        documents.render_html(snapshot(), status="paid")
