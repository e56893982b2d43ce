"""The web pages (contract §5, server-spec §6.15): server-rendered Jinja2 over the API's
services and the one authorization module, with browser sessions, CSRF and security headers.

:func:`install` adds the pages, the static files and HTML error pages to the app: an error on a
page reads as a plain message on a page, an error under the API stays problem+json.
"""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import RedirectResponse
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from ..errors import ApiError
from . import auth_pages, csrf, dashboard, invoices, portal, shared
from .deps import HERE, NotSignedIn, PageError, render
from .headers import SecurityHeadersMiddleware

log = logging.getLogger("server_stub.web")

NOT_PAGES = ("/api/", "/openapi.json", "/docs", "/redoc", "/healthz")
_MESSAGES = {
    400: "The request could not be read.",
    401: "Sign in to see this page.",
    403: "You may not do this.",
    404: "There is no such page.",
    405: "This page does not take that kind of request.",
    413: "What you sent is too large.",
    422: "Some of what you entered could not be used.",
    429: "Too many requests: wait a moment and try again.",
}


def is_page(path: str) -> bool:
    return not path.startswith(NOT_PAGES)


def error_page(request: Request, status: int, message: str, *, headline: str = ""):
    return render(request, "error.html", status, title=headline or _title(status),
                  message=message)  # fmt: skip


def _title(status: int) -> str:
    return {403: "Not allowed", 404: "Not found", 500: "Something went wrong"}.get(
        status, "That did not work"
    )


def install(app: FastAPI) -> None:
    for module in (auth_pages, dashboard, invoices, portal, shared):
        app.include_router(module.router)
    app.mount("/static", StaticFiles(directory=str(HERE / "static")), name="static")
    api_handlers = dict(app.exception_handlers)

    def _api(exc_type):
        return api_handlers[exc_type]

    @app.exception_handler(NotSignedIn)
    async def _login(request: Request, _exc: NotSignedIn):
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        from urllib.parse import quote

        return RedirectResponse(f"/login?next={quote(target, safe='')}", status_code=303)

    @app.exception_handler(PageError)
    async def _page(request: Request, exc: PageError):
        return error_page(request, exc.status, exc.message)

    @app.exception_handler(csrf.CsrfRefused)
    async def _csrf(request: Request, exc: csrf.CsrfRefused):
        return error_page(
            request, 403, f"This form was refused: {exc.reason}. Nothing was changed. Go back, "
            "reload the page and try again.", headline="Form refused",
        )  # fmt: skip

    @app.exception_handler(ApiError)
    async def _api_error(request: Request, exc: ApiError):
        if not is_page(request.url.path):
            return await _api(ApiError)(request, exc)
        return error_page(request, exc.status, _MESSAGES.get(exc.status, exc.detail))

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError):
        if not is_page(request.url.path):
            return await _api(RequestValidationError)(request, exc)
        return error_page(request, 422, _MESSAGES[422])

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException):
        if not is_page(request.url.path):
            return await _api(StarletteHTTPException)(request, exc)
        status = exc.status_code
        return error_page(request, status, _MESSAGES.get(status, "That did not work."))

    @app.exception_handler(Exception)
    async def _bug(request: Request, exc: Exception):
        if not is_page(request.url.path):
            return await _api(Exception)(request, exc)
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return error_page(request, 500, "The server failed to show this page; this is a bug.")

    app.add_middleware(SecurityHeadersMiddleware)
