"""Sign-in tokens and the caller's own account."""

from __future__ import annotations

from fastapi import APIRouter, Response

from ..errors import PROBLEM_RESPONSES, NotAuthenticated
from ..services import accounts
from .deps import CurrentActor, State
from .models import TokenIn, TokenOut, UserOut

router = APIRouter(tags=["auth"], responses=PROBLEM_RESPONSES)


@router.post("/auth/token", status_code=201, response_model=TokenOut)
def create_token(body: TokenIn, state: State) -> dict:
    issued = accounts.sign_in(
        state.db, state.passwords, email=body.email, password=body.password,
        device_name=body.device_name, now=state.now(),
    )  # fmt: skip
    if issued is None:
        raise NotAuthenticated("wrong e-mail or password")
    return {
        "token": issued.token,
        "token_prefix": issued.prefix,
        "device_name": issued.device_name,
        "user": issued.user,
    }


@router.delete("/auth/token", status_code=204, response_class=Response)
def delete_token(actor: CurrentActor, state: State) -> Response:
    accounts.revoke_token(state.db, actor.token_id, state.now())
    return Response(status_code=204)


@router.get("/me", response_model=UserOut)
def me(actor: CurrentActor, state: State) -> dict:
    from sqlalchemy import select

    from ..db.tables import users

    with state.db.read() as conn:
        row = conn.execute(select(users).where(users.c.id == actor.user_id)).one()
    return accounts.user_out(row)
