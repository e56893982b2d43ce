"""Users (admins only)."""

from __future__ import annotations

from fastapi import APIRouter
from sqlalchemy import select

from .. import authz
from ..db.tables import users
from ..errors import PROBLEM_RESPONSES
from ..services import accounts
from . import paging
from .deps import CurrentActor, State
from .models import UserIn, UserOut, UserPage

router = APIRouter(tags=["users"], responses=PROBLEM_RESPONSES)


@router.post("/users", status_code=201, response_model=UserOut)
def create_user(body: UserIn, actor: CurrentActor, state: State) -> dict:
    authz.require(actor, authz.Action.CREATE_USER)
    return accounts.create_user(
        state.db, state.passwords, email=body.email, name=body.name, role=body.role,
        password=body.password, now=state.now(), actor_id=actor.user_id,
    )  # fmt: skip


@router.get("/users", response_model=UserPage)
def list_users(
    actor: CurrentActor, state: State, cursor: paging.Cursor = None, limit: paging.Limit = 100
) -> dict:
    authz.require(actor, authz.Action.LIST_USERS)
    q = select(users).order_by(users.c.id).limit(limit + 1)
    if cursor:
        (after,) = paging.decode(cursor, str)
        q = q.where(users.c.id > after)
    with state.db.read() as conn:
        rows = conn.execute(q).all()
    more = len(rows) > limit
    rows = rows[:limit]
    return {
        "items": [accounts.user_out(r) for r in rows],
        "next_cursor": paging.encode(rows[-1].id) if more else None,
    }
