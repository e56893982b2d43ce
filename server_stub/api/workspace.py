"""The workspace: the seller's details and invoice settings (admins edit; managers read)."""

from __future__ import annotations

from fastapi import APIRouter

from .. import authz
from ..errors import PROBLEM_RESPONSES
from ..services import workspace as svc
from .billing_models import WorkspaceOut, WorkspacePatch
from .deps import CurrentActor, State

router = APIRouter(tags=["workspace"], responses=PROBLEM_RESPONSES)


@router.get("/workspace", response_model=WorkspaceOut)
def get_workspace(actor: CurrentActor, state: State) -> dict:
    authz.require(actor, authz.Action.SEE_WORKSPACE)
    with state.db.read() as conn:
        return svc.workspace_out(svc.get(conn))


@router.patch("/workspace", response_model=WorkspaceOut)
def patch_workspace(body: WorkspacePatch, actor: CurrentActor, state: State) -> dict:
    authz.require(actor, authz.Action.EDIT_WORKSPACE)
    with state.db.write() as tx:
        return svc.workspace_out(svc.patch(tx.conn, body.model_dump(exclude_unset=True)))
