"""Sign-in tokens and the caller's own account."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from ..errors import PROBLEM_RESPONSES, ApiError, NotAuthenticated
from ..services import accounts, notices, sign_in_links
from ..timefmt import utc_datetime
from .deps import CurrentActor, State
from .models import TokenIn, TokenOut, UserOut, WebLinkIn, WebLinkOut

router = APIRouter(tags=["auth"], responses=PROBLEM_RESPONSES)


@router.post(
    "/auth/token",
    status_code=201,
    response_model=TokenOut,
    responses={429: {**PROBLEM_RESPONSES[401], "description": "Too many failed sign-ins"}},
)
def create_token(body: TokenIn, state: State, request: Request) -> dict:
    throttle = accounts.Throttle.of(state.settings)
    try:
        issued = accounts.sign_in(
            state.db, state.passwords, email=body.email, password=body.password,
            device_name=body.device_name, now=state.now(),
            client=request.client.host if request.client else "", throttle=throttle,
        )  # fmt: skip
    except accounts.TooManyAttempts as exc:
        raise ApiError(
            429, "too_many_attempts", exc.advice, headers={"Retry-After": str(exc.retry_after)}
        ) from None
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
    accounts.revoke_token(state.db, actor.token_id, state.now(), actor_id=actor.user_id)
    return Response(status_code=204)


@router.get("/me", response_model=UserOut)
def me(actor: CurrentActor, state: State) -> dict:
    from sqlalchemy import select

    from ..db.tables import users

    with state.db.read() as conn:
        row = conn.execute(select(users).where(users.c.id == actor.user_id)).one()
    return accounts.user_out(row)


@router.post("/auth/web-link", status_code=201, response_model=WebLinkOut)
def create_web_link(
    actor: CurrentActor, state: State, request: Request, body: WebLinkIn | None = None
) -> dict:
    """A one-time link that signs the caller in to the web pages (60 seconds, once): for the
    desktop app's "Open the web dashboard". Only for the token's own account."""
    now = state.now()
    minted = sign_in_links.mint(
        state.db, user_id=actor.user_id, next_=body.next if body else None, now=now
    )
    return {
        "url": sign_in_links.link_url(notices.public_url(state, request), minted.secret),
        "expires_at": utc_datetime(minted.expires_at),
    }
