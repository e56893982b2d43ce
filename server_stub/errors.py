"""Errors as RFC 9457 problem details with a stable machine-readable ``code``.

Routes raise :class:`ApiError` (or a subclass); the handlers installed by :func:`install` turn
it, FastAPI's validation errors and Starlette's HTTP errors into ``application/problem+json``.
A catch-all answers 500 ``internal_error`` for true bugs only (the tests assert none occur).
"""

from __future__ import annotations

import json
import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict
from starlette.exceptions import HTTPException as StarletteHTTPException

log = logging.getLogger("server_stub")

PROBLEM_JSON = "application/problem+json"

_TITLES = {
    400: "Bad request",
    401: "Not signed in",
    403: "Forbidden",
    404: "Not found",
    405: "Method not allowed",
    406: "Not acceptable",
    409: "Conflict",
    412: "Precondition failed",
    413: "Request too large",
    415: "Unsupported media type",
    422: "Unprocessable request",
    429: "Too many requests",
    500: "Internal server error",
}


class FieldError(BaseModel):
    loc: list[str | int]
    msg: str
    type: str


class Problem(BaseModel):
    """An RFC 9457 problem; ``code`` is stable and meant for programs."""

    model_config = ConfigDict(extra="allow")

    type: str = "about:blank"
    title: str
    status: int
    detail: str
    code: str
    errors: list[FieldError] | None = None


class ApiError(Exception):
    def __init__(
        self, status: int, code: str, detail: str, *, headers: dict[str, str] | None = None,
        **extra: Any,
    ) -> None:  # fmt: skip
        super().__init__(detail)
        self.status = status
        self.code = code
        self.detail = detail
        self.headers = headers
        self.extra = extra


class NotAuthenticated(ApiError):
    def __init__(self, detail: str = "sign in: send Authorization: Bearer TOKEN") -> None:
        super().__init__(401, "not_authenticated", detail, headers={"WWW-Authenticate": "Bearer"})


class Forbidden(ApiError):
    def __init__(self, detail: str, code: str = "forbidden") -> None:
        super().__init__(403, code, detail)


class NotFound(ApiError):
    def __init__(self, what: str, code: str = "not_found") -> None:
        super().__init__(404, code, f"{what} not found")


class Invalid(ApiError):
    def __init__(self, code: str, detail: str, **extra: Any) -> None:
        super().__init__(422, code, detail, **extra)


def problem_response(
    status: int, code: str, detail: str, *, headers: dict[str, str] | None = None, **extra: Any
) -> JSONResponse:
    body = {
        "type": "about:blank",
        "title": _TITLES.get(status, "Error"),
        "status": status,
        "detail": detail,
        "code": code,
        **extra,
    }
    return JSONResponse(body, status_code=status, headers=headers, media_type=PROBLEM_JSON)


def _loc(loc: Any) -> list[str | int]:
    return [x if isinstance(x, int) and not isinstance(x, bool) else str(x) for x in loc]


def _field_errors(exc: RequestValidationError) -> list[dict[str, Any]]:
    out = []
    for err in exc.errors():
        out.append(
            {
                "loc": _loc(err.get("loc", ())),
                "msg": str(err.get("msg", "invalid"))[:500],
                "type": str(err.get("type", "value_error")),
            }
        )
    return out


def _validation_code(errors: list[dict[str, Any]]) -> str:
    for err in errors:
        if err["type"] == "json_invalid":
            return "malformed_json"
        if err["type"] == "too_many_decimals":
            return "too_many_decimals"
    return "validation_error"


def install(app: FastAPI) -> None:
    @app.exception_handler(ApiError)
    async def _api_error(_request: Request, exc: ApiError) -> JSONResponse:
        return problem_response(exc.status, exc.code, exc.detail, headers=exc.headers, **exc.extra)

    @app.exception_handler(RequestValidationError)
    async def _validation(_request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = _field_errors(exc)
        detail = "; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in errors[:5])
        return problem_response(
            422, _validation_code(errors), detail or "invalid request", errors=errors[:100]
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http(_request: Request, exc: StarletteHTTPException) -> JSONResponse:
        status = exc.status_code
        codes = {404: "not_found", 405: "method_not_allowed", 413: "body_too_large"}
        detail = exc.detail if isinstance(exc.detail, str) else json.dumps(exc.detail)
        return problem_response(
            status, codes.get(status, f"http_{status}"), detail, headers=exc.headers
        )

    @app.exception_handler(Exception)
    async def _bug(request: Request, exc: Exception) -> JSONResponse:  # pragma: no cover
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return problem_response(
            500, "internal_error", "the server failed; this is a bug",
            headers={"X-Content-Type-Options": "nosniff"},  # outside the middleware
        )  # fmt: skip


PROBLEM_RESPONSES: dict[int | str, dict[str, Any]] = {
    status: {
        "description": _TITLES[status],
        "model": Problem,
        "content": {PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/Problem"}}},
    }
    for status in (400, 401, 403, 404, 409, 413, 415, 422, 429)
}
