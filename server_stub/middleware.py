"""Request bodies: a size limit (413) and gzip decoding, as one pure ASGI middleware.

The limit applies to what the route would read: the bytes on the wire and, for
``Content-Encoding: gzip``, the decompressed bytes too (a small gzip bomb stays small).
"""

from __future__ import annotations

import json
import re
import zlib
from typing import Any

from .errors import PROBLEM_JSON

Scope = dict[str, Any]


async def _send_problem(send: Any, status: int, code: str, detail: str) -> None:
    titles = {400: "Bad request", 413: "Request too large", 415: "Unsupported media type"}
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
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


class BodyLimitMiddleware:
    def __init__(
        self, app: Any, max_bytes: int, path_limits: dict[str, int] | None = None,
        pattern_limits: dict[str, int] | None = None,
    ) -> None:  # fmt: skip
        self.app = app
        self.default_max_bytes = max_bytes
        self.path_limits = dict(path_limits or {})  # exact paths with their own limit (uploads)
        # Paths with parameters (``/projects/[^/]+/files``) with their own limit.
        self.pattern_limits = [(re.compile(p), n) for p, n in (pattern_limits or {}).items()]

    def _limit(self, path: str) -> int:
        if path in self.path_limits:
            return self.path_limits[path]
        for pattern, limit in self.pattern_limits:
            if pattern.fullmatch(path):
                return limit
        return self.default_max_bytes

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] != "http" or scope["method"] in ("GET", "HEAD", "OPTIONS"):
            await self.app(scope, receive, send)
            return
        max_bytes = self._limit(scope.get("path", ""))
        headers = dict(scope["headers"])
        length = headers.get(b"content-length")
        too_big = f"the request body is larger than {max_bytes} bytes: send smaller batches"
        if length is not None:
            try:
                if int(length) > max_bytes:
                    await _send_problem(send, 413, "body_too_large", too_big)
                    return
            except ValueError:
                await _send_problem(send, 400, "bad_request", "unreadable Content-Length")
                return
        encoding = headers.get(b"content-encoding", b"identity").strip().lower()
        if encoding not in (b"identity", b"", b"gzip"):
            await _send_problem(
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
                await _send_problem(send, 413, "body_too_large", too_big)
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
                    await _send_problem(send, 413, "body_too_large", too_big)
                    return
                if not inflater.eof:
                    raise zlib.error("truncated")
            except zlib.error:
                await _send_problem(send, 400, "bad_encoding", "the gzip body is corrupt")
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
