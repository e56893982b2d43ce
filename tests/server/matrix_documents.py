"""The document and delivery rows of the authorization matrix (test_authz_matrix.py merges them).

The same books as the invoice rows (matrix_invoices.py). The matrix's app has no SMTP server,
so a send that authorization lets through answers 409 ``smtp_not_configured``; its parties have
no country or VAT id, so an ``.xml`` it lets through answers 422 ``einvoice_incomplete``.
"""

from __future__ import annotations

from matrix_invoices import books

SEE_INVOICE = {"admin": (200, 200), "manager": (200, 200), "member": (403, 403),
               "viewer": (404, 404), "invoice_viewer": (200, 404)}  # fmt: skip
MANAGE_INVOICE = {"admin": (200, 200), "manager": (200, 200), "member": (403, 403),
                  "viewer": (404, 404), "invoice_viewer": (403, 404)}  # fmt: skip
NO_SMTP = (409, "smtp_not_configured")
INCOMPLETE = (422, "einvoice_incomplete")

DOCUMENT_MATRIX = {
    "GET /invoices/{id}.html": (
        lambda u, t, w: u.get(f"/invoices/{books(t).final[w]}.html"), SEE_INVOICE
    ),
    "GET /invoices/{id}.pdf": (
        lambda u, t, w: u.get(f"/invoices/{books(t).final[w]}.pdf"), SEE_INVOICE
    ),
    "GET /invoices/{id}.xml": (
        lambda u, t, w: u.get(f"/invoices/{books(t).final[w]}.xml"),
        {**SEE_INVOICE, "admin": (INCOMPLETE, INCOMPLETE), "manager": (INCOMPLETE, INCOMPLETE),
         "invoice_viewer": (INCOMPLETE, 404)},
    ),
    "GET /team-invoices/{id}.pdf": (
        lambda u, t, w: u.get(f"/team-invoices/{books(t).payout[w]}.pdf"),
        {"admin": (200, 200), "manager": (200, 200), "member": (200, 404),
         "viewer": (403, 403), "invoice_viewer": (403, 403)},
    ),
    "POST /invoices/{id}/send": (
        lambda u, t, w: u.post(f"/invoices/{books(t).final[w]}/send", {"to": ["ap@acme.example"]}),
        {**MANAGE_INVOICE, "admin": (NO_SMTP, NO_SMTP), "manager": (NO_SMTP, NO_SMTP)},
    ),
    "GET /invoices/{id}/deliveries": (
        lambda u, t, w: u.get(f"/invoices/{books(t).final[w]}/deliveries"), MANAGE_INVOICE
    ),
}  # fmt: skip
