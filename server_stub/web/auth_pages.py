"""Signing in and out in a browser (contract §5, server-spec §6.15)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse

from .. import authz
from ..services import accounts, audit, web_sessions
from . import csrf
from .deps import (
    SESSION_COOKIE,
    CheckedForm,
    MaybeSession,
    State,
    lifetime,
    secure_cookies,
    signed_out_form,
)

router = APIRouter(include_in_schema=False)


def _safe_next(target: str | None) -> str | None:
    """Only a path on this server (never ``//elsewhere`` or a scheme) may follow a sign-in."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return None
    return target[:500]


def _login_page(request: Request, state, *, status: int = 200, message: str = "",
                email: str = "", next_: str = ""):  # fmt: skip
    return signed_out_form(request, state, "login.html", status, message=message, email=email,
                           next=next_)  # fmt: skip


def _start_session(state, conn, user, now: int) -> tuple[str, str]:
    """A browser session for a good sign-in, audited like a token's (never the cookie)."""
    made = web_sessions.create(state.db, now=now, life=lifetime(state), user_id=user.id, conn=conn)
    audit.record(
        conn, actor_id=user.id, action="auth.web_sign_in", entity="web_session",
        entity_id=made[1], after={"user_id": user.id}, at=now,
    )  # fmt: skip
    return made


@router.get("/")
def home(session: MaybeSession):
    if session is None or session.user is None:
        return RedirectResponse("/login", status_code=303)
    return RedirectResponse(authz.landing(session.user), status_code=303)


@router.get("/login")
def login_form(request: Request, state: State, session: MaybeSession, next: str = ""):
    if session is not None and session.user is not None:
        return RedirectResponse(_safe_next(next) or authz.landing(session.user), status_code=303)
    return _login_page(request, state, next_=_safe_next(next) or "")


@router.post("/login")
def login(
    request: Request,
    state: State,
    old: CheckedForm,
    email: Annotated[str, Form(max_length=320)] = "",
    password: Annotated[str, Form(max_length=1000)] = "",
    next: Annotated[str, Form(max_length=500)] = "",
):
    if not email.strip() or not password:
        return _login_page(request, state, status=422, message="Enter your e-mail and password.",
                           email=email, next_=next)  # fmt: skip
    life = lifetime(state)
    now = state.now()
    try:
        made = accounts.check_credentials(
            state.db, state.passwords, email=email, password=password, now=now,
            client=request.client.host if request.client else "",
            throttle=accounts.Throttle.of(state.settings),
            then=lambda conn, user: (user, _start_session(state, conn, user, now)),
        )  # fmt: skip
    except accounts.TooManyAttempts as exc:
        page = _login_page(request, state, status=429, message=exc.advice.capitalize() + ".",
                           email=email, next_=next)  # fmt: skip
        page.headers["Retry-After"] = str(exc.retry_after)
        return page
    if made is None:
        return _login_page(request, state, status=401, message="Wrong e-mail or password.",
                           email=email, next_=next)  # fmt: skip
    if old is not None:
        web_sessions.revoke(state.db, old.id)  # a new id on every sign-in (no fixation)
    user, (cookie, _sid) = made
    actor = authz.Actor(user.id, authz.Role(user.role), "", user.email, user.name)
    response = RedirectResponse(_safe_next(next) or authz.landing(actor), status_code=303)
    response.set_cookie(
        SESSION_COOKIE, cookie, max_age=life.max_seconds, httponly=True, samesite="lax",
        secure=secure_cookies(request, state), path="/",
    )  # fmt: skip
    response.delete_cookie(csrf.PRE_SESSION_COOKIE, path="/")
    return response


@router.post("/logout")
def logout(request: Request, state: State, session: CheckedForm):
    if session is not None:
        web_sessions.revoke(state.db, session.id)
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/", httponly=True, samesite="lax",
                           secure=secure_cookies(request, state))  # fmt: skip
    return response
