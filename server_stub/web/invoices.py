"""Invoices on the pages (contract §5): ``/dashboard/invoices/{id}`` with its actions as forms
(finalize, void, record a payment, send, the PDF), "Create draft" from a client's uninvoiced
time, and the issued invoices a viewer or a member may see — all through the invoice services,
which ask :mod:`server_stub.authz` (drafts and pay data never reach a viewer)."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse

from tracker.totals import local_date

from .. import authz
from ..api.ranges import resolve_tz
from ..errors import ApiError
from ..money import MoneyError, to_minor
from ..services import delivery, drafts, finalize, payments
from ..services import invoices as svc
from .deps import CheckedForm, PageActor, PageError, State, need, render

router = APIRouter(include_in_schema=False)

DONE = {
    "drafted": "The draft was created from the uninvoiced time.",
    "finalized": "The invoice is final: it has its number and its time is locked.",
    "voided": "The invoice is void.",
    "discarded": "The draft was discarded.",
    "paid": "The payment was recorded.",
    "sent": "The invoice was sent.",
}


def _iid(raw: str) -> str:
    try:
        return str(uuid.UUID(raw))
    except ValueError:
        raise PageError(404, "There is no such invoice.") from None


def _problem(exc: ApiError) -> str:
    """The service's refusal in a sentence for the page (its details are plain English)."""
    return exc.detail[:1].upper() + exc.detail[1:].rstrip(".") + "."


def invoice_page(request: Request, state, actor, iid: str, *, status: int = 200,
                 message: str = "", done: str = ""):  # fmt: skip
    need(actor, authz.Action.SEE_DASHBOARD)
    now = state.now()
    with state.db.read() as conn:
        inv = svc.get(conn, actor, iid, now)
        paid = payments.listing(conn, actor, iid) if inv["kind"] == "invoice" else []
        today = local_date(now, resolve_tz(conn, None)).isoformat()
    return render(
        request, "invoice.html", status, title=inv["number"] or "Draft invoice", inv=inv,
        payments=paid, message=message, done=DONE.get(done, ""), today=today,
        key=str(uuid.uuid4()), may_void=authz.may(actor, authz.Action.VOID_INVOICES),
        may_manage=authz.may(actor, authz.Action.MANAGE_INVOICES),
    )  # fmt: skip


@router.get("/dashboard/invoices/{invoice_id}")
def invoice_view(invoice_id: str, request: Request, actor: PageActor, state: State):
    return invoice_page(request, state, actor, _iid(invoice_id), done=request.query_params.get(
        "done", ""))  # fmt: skip


def _act(request, state, actor, iid: str, work, done: str):
    need(actor, authz.Action.SEE_DASHBOARD)
    try:
        result = work()
    except ApiError as exc:
        if exc.status == 404:
            raise
        return invoice_page(request, state, actor, iid, status=exc.status, message=_problem(exc))
    target = result if isinstance(result, str) else iid
    return RedirectResponse(f"/dashboard/invoices/{target}?done={done}", status_code=303)


@router.post("/dashboard/invoices/{invoice_id}/finalize")
def finalize_form(invoice_id: str, request: Request, actor: PageActor, state: State,
                  _form: CheckedForm):  # fmt: skip
    iid = _iid(invoice_id)

    def work():
        with state.db.write() as tx:
            finalize.finalize(tx.conn, actor, iid, state.now(), team=False)

    return _act(request, state, actor, iid, work, "finalized")


@router.post("/dashboard/invoices/{invoice_id}/void")
def void_form(invoice_id: str, request: Request, actor: PageActor, state: State,
              _form: CheckedForm, reason: Annotated[str, Form(max_length=500)] = ""):  # fmt: skip
    iid = _iid(invoice_id)
    if not reason.strip():
        return invoice_page(request, state, actor, iid, status=422,
                            message="Give a reason for voiding the invoice.")  # fmt: skip
    outcome = {}

    def work():
        with state.db.write() as tx:
            outcome["left"] = finalize.void(tx.conn, actor, iid, reason.strip(), state.now(),
                                            team=False)  # fmt: skip

    page = _act(request, state, actor, iid, work, "voided")
    if "left" in outcome and outcome["left"] is None:  # a draft: discarded, no page left
        return RedirectResponse("/dashboard?done=discarded", status_code=303)
    return page


@router.post("/dashboard/invoices/{invoice_id}/payments")
def payment_form(
    invoice_id: str, request: Request, actor: PageActor, state: State, _form: CheckedForm,
    amount: Annotated[str, Form(max_length=40)] = "",
    on: Annotated[str, Form(max_length=20)] = "",
    method: Annotated[str, Form(max_length=100)] = "",
    reference: Annotated[str, Form(max_length=200)] = "",
    key: Annotated[str, Form(max_length=100)] = "",
):  # fmt: skip
    iid = _iid(invoice_id)
    with state.db.read() as conn:
        currency = svc.get(conn, actor, iid, state.now())["currency"]
    try:
        minor = to_minor(amount.strip(), currency)
        day = date.fromisoformat(on.strip())
    except (MoneyError, ValueError) as exc:
        text = str(exc) if isinstance(exc, MoneyError) else "the date is written YYYY-MM-DD"
        return invoice_page(request, state, actor, iid, status=422,
                            message=text[:1].upper() + text[1:] + ".")  # fmt: skip

    def work():
        with state.db.write() as tx:
            payments.record(tx.conn, actor, iid, amount_minor=minor, currency=currency, on=day,
                            method=method.strip() or None, reference=reference.strip() or None,
                            key=key or None, now=state.now())  # fmt: skip

    return _act(request, state, actor, iid, work, "paid")


@router.post("/dashboard/invoices/{invoice_id}/send")
def send_form(invoice_id: str, request: Request, actor: PageActor, state: State,
              _form: CheckedForm, key: Annotated[str, Form(max_length=100)] = ""):  # fmt: skip
    iid = _iid(invoice_id)

    def work():
        out, _ = delivery.send(state.db, actor, iid, to=None, key=key or None,
                               mailer=state.mailer, public_url=state.settings.mail.public_url,
                               now=state.now())  # fmt: skip
        if out.get("status") == "failed":
            raise ApiError(502, "send_failed", f"the mail server refused it: {out.get('error')}")

    return _act(request, state, actor, iid, work, "sent")


@router.post("/dashboard/drafts")
def draft_form(
    request: Request, actor: PageActor, state: State, _form: CheckedForm,
    client_id: Annotated[str, Form(max_length=40)] = "",
    first: Annotated[str, Form(alias="from", max_length=10)] = "",
    last: Annotated[str, Form(alias="to", max_length=10)] = "",
):  # fmt: skip
    need(actor, authz.Action.SEE_DASHBOARD)
    back = {"from": first, "to": last}
    try:
        spec = drafts.DraftSpec(
            drafts.Scope("bill", str(uuid.UUID(client_id)), date.fromisoformat(first),
                         date.fromisoformat(last)), None, None,
        )  # fmt: skip
    except ValueError:
        return RedirectResponse("/dashboard?" + urlencode({**back, "problem": "bad_draft"}), 303)
    try:
        with state.db.write() as tx:
            iid = drafts.create(tx.conn, actor, spec, state.now())
    except ApiError as exc:
        if exc.status in (403, 404):
            raise
        return RedirectResponse("/dashboard?" + urlencode({**back, "problem": exc.code}), 303)
    return RedirectResponse(f"/dashboard/invoices/{iid}?done=drafted", status_code=303)


PROBLEMS = {
    "nothing_to_invoice": "There is no uninvoiced time for that client in the range.",
    "exchange_rate_missing": "An exchange rate is missing: an admin sets it first.",
    "bad_draft": "The draft could not be made from what was sent.",
}


def dashboard_money(conn, actor, clients, period, now: int) -> dict:
    """The dashboard's money: uninvoiced time per client in the range, and the invoices."""
    if not authz.may(actor, authz.Action.MANAGE_INVOICES):
        return {"uninvoiced": [], "invoices": []}
    uninvoiced = []
    for cid, name in clients:
        got = drafts.uninvoiced(conn, actor, cid, period.first, period.last)
        seconds = sum(r["seconds"] for r in got["rows"])
        if got["rows"] or got["unpriced"]:
            uninvoiced.append(
                {"id": cid, "name": name, "seconds": seconds, "totals": got["totals"],
                 "unpriced": len(got["unpriced"])}
            )  # fmt: skip
    items, _ = svc.listing(conn, actor, now, limit=50)
    return {"uninvoiced": uninvoiced, "invoices": items}


def project_invoices(conn, actor, access: authz.ProjectAccess, project_id: str, now: int):
    """A viewer's invoices of one project (``show_invoices``: final and void, by authz) and
    the financial summary of them per currency (``show_financial_summary``)."""
    if not access.grants.get("show_invoices"):
        return None, None
    items, _ = svc.listing(conn, actor, now, limit=200)
    mine = [i for i in items if any(ln["project_id"] == project_id for ln in i["lines"])]
    summary = None
    if access.grants.get("show_financial_summary"):
        sums: dict[str, list[int]] = {}
        for i in mine:
            if i["status"] != "final" or i["kind"] != "invoice":
                continue
            row = sums.setdefault(i["currency"], [0, 0])
            row[0] += to_minor(i["total"]["amount"], i["currency"])
            row[1] += to_minor(i["paid"]["amount"], i["currency"])
        summary = [(c, t, p, t - p) for c, (t, p) in sorted(sums.items())]
    return mine, summary


def team_invoices(conn, actor, now: int) -> list[dict]:
    """The caller's payout statements (their own final and void team invoices, by authz)."""
    if not authz.may(actor, authz.Action.SEE_TEAM_INVOICES):
        return []
    items, _ = svc.listing(conn, actor, now, team=True, limit=50)
    return items
