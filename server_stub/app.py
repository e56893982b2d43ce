"""The app factory: ``create_app(settings)`` wires settings, database and routers.

Nothing connects at import or in the factory: the engine opens connections on first use.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc

from fastapi import FastAPI

from . import __version__, errors, web
from .api import (
    activity,
    audit,
    auth,
    changes,
    clients,
    collab,
    documents,
    exchange_rates,
    intervals,
    invoices,
    projects,
    screenshots,
    tasks,
    team_invoices,
    totals,
    users,
    workspace,
)
from .api.deps import AppState
from .db.session import Database, make_engine
from .middleware import BodyLimitMiddleware, SecurityHeadersMiddleware
from .ratelimit import Limiter, RateLimitMiddleware
from .security import Passwords
from .services import notices
from .services.mail import Mailer
from .settings import Settings

API_PREFIX = "/api/v1"


@contextlib.asynccontextmanager
async def _lifespan(app: FastAPI):
    """With e-mail on, a background sender: chat digests when due, failed notices again.

    The objects alive at start-up (modules, routes, tables, compiled queries: most of the
    heap) are moved out of the cyclic collector's reach while the app runs: a request that
    makes many objects (a draft of 10,000 intervals) otherwise set off full collections
    that walked all of them, about 60 ms of CPU every other draft."""
    gc.freeze()
    state: AppState = app.state.tracker
    state.db.start_checkpointer()
    every = state.settings.notice_every_seconds
    task = None
    if state.mailer is not None and every > 0:
        task = asyncio.create_task(notices.sender_loop(state, every))
    try:
        yield
    finally:
        gc.unfreeze()
        state.db.stop_checkpointer()
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task


def create_app(settings: Settings, *, clock=None) -> FastAPI:
    app = FastAPI(
        lifespan=_lifespan,
        title="Tracker server",
        version=__version__,
        description="The companion server of Tracker: accounts, projects, tasks, intervals, "
        "totals. Errors are application/problem+json with a stable `code`. Every token is rate "
        "limited (default 100 requests/s burst, 3,000/min sustained): 429 `rate_limited` with "
        "`Retry-After`. Request bodies are limited in size (413 `body_too_large`). Admins read "
        "the audit trail at `GET /api/v1/audit`.",
        openapi_url="/openapi.json",
    )
    state = AppState(
        settings=settings,
        db=Database(make_engine(settings)),
        passwords=Passwords(settings.password_hashing),
        mailer=Mailer(settings.mail) if settings.mail.enabled else None,
        public_url=settings.mail.public_url,
    )
    if clock is not None:
        state.clock = clock
    app.state.tracker = state
    errors.install(app)
    for module in (
        auth, users, clients, projects, tasks, intervals, changes, totals, activity, screenshots,
        collab,
        invoices, team_invoices, documents,
        workspace, exchange_rates,
        audit,
    ):  # fmt: skip
        app.include_router(module.router, prefix=API_PREFIX)

    web.install(app)

    @app.get("/healthz", include_in_schema=False)
    def healthz() -> dict:
        return {"ok": True}

    # The last added runs first: headers on everything, then CORS, the rate limit, body limits.
    app.add_middleware(
        BodyLimitMiddleware,
        max_bytes=settings.max_body_bytes,
        path_limits={
            API_PREFIX + screenshots.UPLOAD_PATH: screenshots.MAX_UPLOAD_BYTES,
            API_PREFIX + collab.FILE_UPLOAD_PATH: collab.MAX_UPLOAD_BYTES,
            web.collab.UPLOAD_PATH: collab.MAX_UPLOAD_BYTES,
        },
    )
    app.add_middleware(RateLimitMiddleware, limiter=Limiter(settings.rate_limits))
    if settings.cors_origins:
        from fastapi.middleware.cors import CORSMiddleware

        app.add_middleware(
            CORSMiddleware,
            allow_origins=list(settings.cors_origins),
            allow_methods=["GET", "POST", "PUT", "PATCH", "DELETE"],
            allow_headers=[
                "Authorization",
                "Content-Type",
                "Content-Encoding",
                "Idempotency-Key",
                "If-Match",
                "Tracker-Writer",
            ],
            expose_headers=["Retry-After", "ETag", "Location"],
            max_age=600,
        )
    app.add_middleware(SecurityHeadersMiddleware)
    return app
