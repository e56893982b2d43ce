"""Signing in and out in a browser (contract §5, server-spec §6.15)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse

from .. import authz
from ..services import accounts, audit, sign_in_links, web_sessions
from . import csrf
from .deps import (
    SESSION_COOKIE,
    CheckedForm,
    MaybeSession,
    State,
    lifetime,
    render,
    secure_cookies,
    signed_out_form,
)

router = APIRouter(include_in_schema=False)


_safe_next = sign_in_links.safe_next  # only a path on this server may follow a sign-in


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
    user, (cookie, _sid) = made
    return _signed_in(request, state, old, user, cookie, next)


def _signed_in(request: Request, state, old, user, cookie: str, next_: str | None):
    """The answer to a good sign-in (a password's or a link's): the old session of this
    browser ends (a new id on every sign-in: no fixation), the new one's cookie is set, and
    the browser goes to ``next_`` (a path on this server) or its landing page."""
    if old is not None:
        web_sessions.revoke(state.db, old.id)
    actor = authz.Actor(user.id, authz.Role(user.role), "", user.email, user.name)
    response = RedirectResponse(_safe_next(next_) or authz.landing(actor), status_code=303)
    response.set_cookie(
        SESSION_COOKIE, cookie, max_age=lifetime(state).max_seconds, httponly=True,
        samesite="lax", secure=secure_cookies(request, state), path="/",
    )  # fmt: skip
    response.delete_cookie(csrf.PRE_SESSION_COOKIE, path="/")
    return response


def _link_page(request: Request, state, secret: str = "", *, status: int = 200):
    """A sign-in link's page: one button while it is good, else the way to the sign-in form."""
    if status != 200:
        return render(request, "login_link.html", status, title="Sign-in link", gone=True)
    return signed_out_form(request, state, "login_link.html", title="Sign in", secret=secret,
                           gone=False)  # fmt: skip


@router.get("/login/link/{secret}")
def link_form(secret: str, request: Request, state: State):
    """Shows the link's button; never uses the link (a prefetcher's GET changes nothing)."""
    good = sign_in_links.usable(state.db, secret, now=state.now())
    if not good:
        return _link_page(request, state, status=404 if good is None else 410)
    return _link_page(request, state, secret)


@router.post("/login/link/{secret}")
def link_sign_in(secret: str, request: Request, state: State, old: CheckedForm):
    """Uses the link (once: an atomic UPDATE) and signs in as a password does."""
    now = state.now()
    with state.db.small_write() as conn:
        used = sign_in_links.consume(conn, secret, now=now)
        made = _start_session(state, conn, used.user, now) if used is not None else None
    if used is None or made is None:
        return _link_page(request, state, status=410)
    cookie, _sid = made
    return _signed_in(request, state, old, used.user, cookie, used.next)


@router.post("/logout")
def logout(request: Request, state: State, session: CheckedForm):
    if session is not None:
        web_sessions.revoke(state.db, session.id)
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/", httponly=True, samesite="lax",
                           secure=secure_cookies(request, state))  # fmt: skip
    return response
