"""Pure ASGI middleware: security headers on every answer, and request bodies — a size limit
(413) and gzip decoding.

The body limit applies to every request, whatever its method, to what the route would read: the
bytes on the wire and, for ``Content-Encoding: gzip``, the decompressed bytes too (a small gzip
bomb stays small). Upload routes have their own, larger limits (path templates such as
``/api/v1/projects/{id}/files``).
"""

from __future__ import annotations

import json
import re
import zlib
from typing import Any

from .errors import PROBLEM_JSON

Scope = dict[str, Any]
#: Sent on every answer, errors and 404s included (what the route set is kept).
SECURITY_HEADERS = ((b"x-content-type-options", b"nosniff"),)


async def send_problem(
    send: Any, status: int, code: str, detail: str,
    headers: list[tuple[bytes, bytes]] | None = None,
) -> None:  # fmt: skip
    """A problem+json answer sent straight from a middleware (the connection closes after)."""
    titles = {400: "Bad request", 413: "Request too large", 415: "Unsupported media type",
              429: "Too many requests"}  # fmt: skip
    body = json.dumps(
        {"type": "about:blank", "title": titles[status], "status": status, "detail": detail,
         "code": code}
    ).encode()  # fmt: skip
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", PROBLEM_JSON.encode()),
                (b"content-length", str(len(body)).encode()),
                (b"connection", b"close"),
                *(headers or ()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


class SecurityHeadersMiddleware:
    """Adds :data:`SECURITY_HEADERS` to every HTTP answer that lacks them."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", ()))
                present = {k.lower() for k, _ in headers}
                headers += [(k, v) for k, v in SECURITY_HEADERS if k not in present]
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)


def _template(path: str) -> re.Pattern[str]:
    """``/a/{id}/b`` as a pattern matching one path segment for each ``{...}``."""
    parts = re.split(r"\{[^}]*\}", path)
    return re.compile("^" + "[^/]+".join(re.escape(p) for p in parts) + "$")


class BodyLimitMiddleware:
    def __init__(self, app: Any, max_bytes: int, path_limits: dict[str, int] | None = None) -> None:
        self.app = app
        self.default_max_bytes = max_bytes
        # paths (or templates with {...}) with their own limit (uploads)
        self.path_limits = [(_template(p), n) for p, n in (path_limits or {}).items()]

    def limit_for(self, path: str) -> int:
        for pattern, n in self.path_limits:
            if pattern.match(path):
                return n
        return self.default_max_bytes

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        max_bytes = self.limit_for(scope.get("path", ""))
        headers = dict(scope["headers"])
        length = headers.get(b"content-length")
        too_big = f"the request body is larger than {max_bytes} bytes: send smaller batches"
        if length is not None:
            try:
                if int(length) > max_bytes:
                    await send_problem(send, 413, "body_too_large", too_big)
                    return
            except ValueError:
                await send_problem(send, 400, "bad_request", "unreadable Content-Length")
                return
        encoding = headers.get(b"content-encoding", b"identity").strip().lower()
        if encoding not in (b"identity", b"", b"gzip"):
            await send_problem(
                send, 415, "unsupported_encoding", "request bodies may only be gzip-compressed"
            )
            return
        # Read the whole (bounded) body.
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > max_bytes:
                await send_problem(send, 413, "body_too_large", too_big)
                return
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        if encoding == b"gzip":
            try:
                inflater = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)
                body = inflater.decompress(body, max_bytes + 1)
                if len(body) > max_bytes or inflater.unconsumed_tail:
                    await send_problem(send, 413, "body_too_large", too_big)
                    return
                if not inflater.eof:
                    raise zlib.error("truncated")
            except zlib.error:
                await send_problem(send, 400, "bad_encoding", "the gzip body is corrupt")
                return
            new_headers = [
                (k, v)
                for k, v in scope["headers"]
                if k not in (b"content-encoding", b"content-length")
            ]
            new_headers.append((b"content-length", str(len(body)).encode()))
            scope = {**scope, "headers": new_headers}

        sent = False

        async def replay() -> dict[str, Any]:
            nonlocal sent
            if not sent:
                sent = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)
