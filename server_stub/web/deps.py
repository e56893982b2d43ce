"""What every page needs: the signed-in session, the CSRF check, rendering, and page errors.

Pages raise :class:`PageError` (or let an ``ApiError`` of a service through); the handlers in
:mod:`server_stub.web` turn either into a plain HTML page with the message, never a traceback.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

from fastapi import Depends, Form, Request
from fastapi.templating import Jinja2Templates

from .. import authz
from ..api.deps import SESSION_COOKIE, AppState, State
from ..services import web_sessions
from . import charts, csrf, fmt

HERE = Path(__file__).parent
templates = Jinja2Templates(directory=str(HERE / "templates"))
templates.env.filters.update(fmt.FILTERS)
templates.env.globals.update(hbars=charts.hbars, columns=charts.columns)


class PageError(Exception):
    """A page that cannot be shown: its status and a plain message for the reader."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


class NotSignedIn(Exception):
    """The page needs a session: the browser goes to the sign-in form."""


def lifetime(state: AppState) -> web_sessions.Lifetime:
    cfg = state.settings
    return web_sessions.Lifetime(cfg.session_idle_seconds, cfg.session_max_seconds)


def secure_cookies(request: Request, state: AppState) -> bool:
    """Cookies are ``Secure`` when served over TLS or when the public URL is https."""
    public = state.settings.mail.public_url or ""
    return request.url.scheme == "https" or public.lower().startswith("https://")


def allowed_origins(request: Request, state: AppState) -> set[str]:
    own = {f"{request.url.scheme}://{request.headers.get('host', '').lower()}"}
    public = csrf.origin_of(state.settings.mail.public_url or "")
    return own | ({public} if public else set())


def optional_session(request: Request, state: State) -> web_sessions.WebSession | None:
    cached = getattr(request.state, "web_session", False)
    if cached is not False:
        return cached
    found = web_sessions.lookup(
        state.db, request.cookies.get(SESSION_COOKIE), now=state.now(), life=lifetime(state)
    )
    request.state.web_session = found
    return found


MaybeSession = Annotated[web_sessions.WebSession | None, Depends(optional_session)]


async def signed_in(session: MaybeSession) -> authz.Actor:  # no I/O: not in the thread pool
    if session is None or session.user is None:
        raise NotSignedIn()
    return session.user


PageActor = Annotated[authz.Actor, Depends(signed_in)]


def checked_form(
    request: Request,
    state: State,
    session: MaybeSession,
    csrf_token: Annotated[str, Form(max_length=200)] = "",
) -> web_sessions.WebSession | None:
    """Every unsafe request of a page: same origin and a token of this session (else 403)."""
    secret = session.csrf_secret if session is not None else request.cookies.get(
        csrf.PRE_SESSION_COOKIE
    )  # fmt: skip
    csrf.check(
        origin=request.headers.get("origin"),
        referer=request.headers.get("referer"),
        allowed=allowed_origins(request, state),
        token=csrf_token,
        secret=secret,
    )
    return session


CheckedForm = Annotated[web_sessions.WebSession | None, Depends(checked_form)]


def need(actor: authz.Actor, action: authz.Action) -> None:
    if not authz.may(actor, action):
        raise PageError(403, "This page is not for your account.")


def render(
    request: Request, name: str, status: int = 200, *, csrf_secret: str | None = None,
    **context: Any,
) -> Any:  # fmt: skip
    session = getattr(request.state, "web_session", None)
    secret = csrf_secret or (session.csrf_secret if session is not None else None)
    context.setdefault("actor", session.user if session is not None else None)
    context["csrf_token"] = csrf.mask(secret) if secret else ""
    context["authz"] = authz
    response = templates.TemplateResponse(request, name, context, status_code=status)
    response.headers["Cache-Control"] = "private, no-store"
    return response


def signed_out_form(request: Request, state: AppState, name: str, status: int = 200, **context):
    """A form shown before there is a session (sign-in, a share link's password): its CSRF
    secret lives in a cookie of its own until the form is sent (Django's CSRF cookie)."""
    session = optional_session(request, state)
    if session is not None:  # signed in already: the session's secret checks the form
        return render(request, name, status, csrf_secret=session.csrf_secret, **context)
    secret = request.cookies.get(csrf.PRE_SESSION_COOKIE)
    fresh = not secret or len(secret) > 100
    if fresh:
        secret = web_sessions.new_secret()
    response = render(request, name, status, csrf_secret=secret, actor=None, **context)
    if fresh:
        response.set_cookie(
            csrf.PRE_SESSION_COOKIE, secret, httponly=True, samesite="lax",
            secure=secure_cookies(request, state), path="/",
        )  # fmt: skip
    return response
