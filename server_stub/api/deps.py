"""Typed dependencies: the app's state, the database, the signed-in caller."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy import bindparam, select, update

from ..authz import Actor, Role
from ..db.session import Database
from ..db.tables import api_tokens, users
from ..errors import NotAuthenticated
from ..security import Passwords, token_hash
from ..services.mail import Mailer
from ..settings import Settings

LAST_USED_EVERY_S = 60


@dataclass
class AppState:
    settings: Settings
    db: Database
    passwords: Passwords
    clock: Any = time.time  # returns epoch seconds; tests inject their own
    mailer: Mailer | None = None  # None: e-mail is off
    public_url: str | None = None  # where links in e-mails point (--public-url)

    def now(self) -> int:
        return int(self.clock())


async def get_state(request: Request) -> AppState:
    # async: FastAPI runs a plain ``def`` dependency in the thread pool, a hand-off per request
    # that costs more than the lookup (and, on a busy machine, a wait for a thread).
    return request.app.state.tracker


State = Annotated[AppState, Depends(get_state)]

_bearer = HTTPBearer(auto_error=False, description="An API token from POST /api/v1/auth/token")


SESSION_COOKIE = "tracker_session"  # the web pages' browser session (server_stub.web)


def _session_actor(request: Request, state: AppState) -> Actor | None:
    """A page's browser session, for reads only: images and documents a page links to download
    with the page's session; an unsafe method always needs a token (no CSRF on the API)."""
    if request.method not in ("GET", "HEAD"):
        return None
    from ..services import web_sessions

    cfg = state.settings
    found = web_sessions.lookup(
        state.db, request.cookies.get(SESSION_COOKIE), now=state.now(),
        life=web_sessions.Lifetime(cfg.session_idle_seconds, cfg.session_max_seconds),
    )  # fmt: skip
    return found.user if found is not None else None


# Built once: every API request runs it (building it per request cost more than running it).
_TOKEN = (
    select(
        api_tokens.c.id,
        api_tokens.c.last_used_at,
        api_tokens.c.expires_at,
        api_tokens.c.revoked_at,
        users.c.id.label("user_id"),
        users.c.role,
        users.c.email,
        users.c.name,
        users.c.archived_at,
    )
    .select_from(api_tokens.join(users, users.c.id == api_tokens.c.user_id))
    .where(api_tokens.c.secret_hash == bindparam("secret_hash"))
)


def current_actor(
    request: Request,
    state: State,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Actor:
    if credentials is None and (actor := _session_actor(request, state)) is not None:
        return actor
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise NotAuthenticated()
    token = credentials.credentials
    if not token or len(token) > 200:
        raise NotAuthenticated("the token is not valid: sign in again")
    now = state.now()
    with state.db.read() as conn:
        row = conn.execute(_TOKEN, {"secret_hash": token_hash(token)}).first()
    if (
        row is None
        or row.revoked_at is not None
        or row.archived_at is not None
        or (row.expires_at is not None and row.expires_at <= now)
    ):
        raise NotAuthenticated("the token is not valid (revoked or unknown): sign in again")
    if row.last_used_at is None or now - row.last_used_at >= LAST_USED_EVERY_S:
        with state.db.small_write() as conn:
            conn.execute(
                update(api_tokens).where(api_tokens.c.id == row.id).values(last_used_at=now)
            )
    return Actor(row.user_id, Role(row.role), row.id, row.email, row.name)


CurrentActor = Annotated[Actor, Depends(current_actor)]
