"""The audit trail (admins only, contract §4b'): who did what, newest first."""

from __future__ import annotations

from fastapi import APIRouter

from .. import authz
from ..errors import PROBLEM_RESPONSES
from ..services import audit
from . import paging
from .deps import CurrentActor, State
from .models import AuditPage

router = APIRouter(tags=["audit"], responses=PROBLEM_RESPONSES)


@router.get("/audit", response_model=AuditPage)
def list_audit(
    actor: CurrentActor, state: State, cursor: paging.Cursor = None, limit: paging.Limit = 100
) -> dict:
    """Sign-ins (and failed ones), user and role changes, password resets, token revocations,
    deletions and the money actions, each with its actor and the small before/after state."""
    authz.require(actor, authz.Action.READ_AUDIT)
    before_id = paging.decode(cursor, int)[0] if cursor else None
    with state.db.read() as conn:
        items, last = audit.page(conn, before_id=before_id, limit=limit)
    return {"items": items, "next_cursor": paging.encode(last) if last is not None else None}
