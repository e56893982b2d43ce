"""Team invoices: a member's payout from pay rates across projects (server-spec §6.7).

The same arithmetic, snapshot and numbering as client invoices, in their own series
(``PAY-…``) and their own ledger of interval links (never paid twice). Admins and managers
create and finalize them, admins void them; the member sees their own issued ones.
"""

from __future__ import annotations

from uuid import UUID

from fastapi import APIRouter

from ..errors import PROBLEM_RESPONSES
from ..ids import canonical
from ..services import drafts
from ..services import invoices as svc
from . import paging
from .deps import CurrentActor, State
from .invoice_models import InvoiceOut, InvoicePage, Status, TeamInvoiceIn
from .invoices import current, finalize_route, void_route

router = APIRouter(tags=["team invoices"], responses=PROBLEM_RESPONSES)

TEAM_INVOICE = "/team-invoices/{invoice_id:uuid}"


@router.post("/team-invoices", status_code=201, response_model=InvoiceOut)
def create_team_invoice(body: TeamInvoiceIn, actor: CurrentActor, state: State) -> dict:
    scope = drafts.Scope("pay", canonical(body.user_id), body.from_, body.to)
    now = state.now()
    with state.db.write() as tx:
        inv_id = drafts.create(tx.conn, actor, drafts.DraftSpec(scope, body.currency), now)
        return current(tx.conn, actor, inv_id, now, team=True)


@router.get("/team-invoices", response_model=InvoicePage)
def list_team_invoices(
    actor: CurrentActor,
    state: State,
    status: Status | None = None,
    user_id: UUID | None = None,
    cursor: paging.Cursor = None,
    limit: paging.Limit = 100,
) -> dict:
    after = paging.decode(cursor, str)[0] if cursor else None
    with state.db.read() as conn:
        items, last = svc.listing(
            conn, actor, state.now(), team=True, status=status,
            user_id=canonical(user_id) if user_id else None, after=after, limit=limit,
        )  # fmt: skip
    return {"items": items, "next_cursor": paging.encode(last) if last else None}


@router.get(TEAM_INVOICE, response_model=InvoiceOut)
def get_team_invoice(invoice_id: UUID, actor: CurrentActor, state: State) -> dict:
    with state.db.read() as conn:
        return current(conn, actor, canonical(invoice_id), state.now(), team=True)


router.add_api_route(
    TEAM_INVOICE + "/finalize", finalize_route(True), methods=["POST"],
    response_model=InvoiceOut, name="finalize_team_invoice",
)  # fmt: skip
router.add_api_route(
    TEAM_INVOICE + "/void", void_route(True), methods=["POST"], response_model=InvoiceOut,
    name="void_team_invoice",
)  # fmt: skip
