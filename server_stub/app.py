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
from .services.mail import Mailer
from .settings import Settings

API_PREFIX = "/api/v1"


def create_app(settings: Settings, *, clock=None) -> FastAPI:
    app = FastAPI(
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
    )
    if clock is not None:
        state.clock = clock
    app.state.tracker = state
    errors.install(app)
    for module in (
        auth, users, clients, projects, tasks, intervals, changes, totals, activity, screenshots,
        invoices, team_invoices, documents,
        workspace, exchange_rates,
        audit,
    ):  # fmt: skip
        app.include_router(module.router, prefix=API_PREFIX)

    @app.get("/healthz", include_in_schema=False)
    def healthz() -> dict:
        return {"ok": True}

    # The last added runs first: headers on everything, then CORS, the rate limit, body limits.
    app.add_middleware(
        BodyLimitMiddleware,
        max_bytes=settings.max_body_bytes,
        path_limits={API_PREFIX + screenshots.UPLOAD_PATH: screenshots.MAX_UPLOAD_BYTES},
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
