"""The app factory: ``create_app(settings)`` wires settings, database and routers.

Nothing connects at import or in the factory: the engine opens connections on first use.
"""

from __future__ import annotations

import asyncio
import contextlib

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
from .middleware import BodyLimitMiddleware
from .security import Passwords
from .services import notices
from .services.mail import Mailer
from .settings import Settings

API_PREFIX = "/api/v1"


@contextlib.asynccontextmanager
async def _lifespan(app: FastAPI):
    """With e-mail on, a background sender: chat digests when due, failed notices again."""
    state: AppState = app.state.tracker
    every = state.settings.notice_every_seconds
    task = None
    if state.mailer is not None and every > 0:
        task = asyncio.create_task(notices.sender_loop(state, every))
    try:
        yield
    finally:
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
        "totals. Errors are application/problem+json with a stable `code`.",
        openapi_url="/openapi.json",
    )
    state = AppState(
        settings=settings,
        db=Database(make_engine(settings)),
        passwords=Passwords(settings.password_hashing),
        mailer=Mailer(settings.mail) if settings.mail.enabled else None,
    )
    if clock is not None:
        state.clock = clock
    state.public_url = settings.mail.public_url
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

    app.add_middleware(
        BodyLimitMiddleware,
        max_bytes=settings.max_body_bytes,
        path_limits={API_PREFIX + screenshots.UPLOAD_PATH: screenshots.MAX_UPLOAD_BYTES},
        pattern_limits={
            API_PREFIX + collab.FILE_UPLOAD_PATH: collab.MAX_UPLOAD_BYTES,
            web.collab.UPLOAD_PATH: collab.MAX_UPLOAD_BYTES,
        },
    )
    return app
