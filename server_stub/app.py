"""The app factory: ``create_app(settings)`` wires settings, database and routers.

Nothing connects at import or in the factory: the engine opens connections on first use.
"""

from __future__ import annotations

from fastapi import FastAPI

from . import __version__, errors
from .api import (
    activity,
    audit,
    auth,
    changes,
    clients,
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
from .settings import Settings

API_PREFIX = "/api/v1"


def create_app(settings: Settings, *, clock=None) -> FastAPI:
    app = FastAPI(
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
    )
    if clock is not None:
        state.clock = clock
    app.state.tracker = state
    errors.install(app)
    for module in (
        auth, users, clients, projects, tasks, intervals, changes, totals, activity, screenshots,
        workspace, exchange_rates,
        audit,
        invoices, team_invoices,
    ):  # fmt: skip
        app.include_router(module.router, prefix=API_PREFIX)

    @app.get("/healthz", include_in_schema=False)
    def healthz() -> dict:
        return {"ok": True}

    app.add_middleware(
        BodyLimitMiddleware,
        max_bytes=settings.max_body_bytes,
        path_limits={API_PREFIX + screenshots.UPLOAD_PATH: screenshots.MAX_UPLOAD_BYTES},
    )
    return app
