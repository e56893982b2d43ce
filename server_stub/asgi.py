"""The ASGI entry uvicorn's workers import: settings from the environment, built lazily.

``uvicorn server_stub.asgi:app`` works too (TRACKER_DATABASE_URL / TRACKER_SERVER_DATA_DIR).
"""

from __future__ import annotations

from typing import Any

_app: Any = None


async def app(scope: dict, receive: Any, send: Any) -> None:
    global _app
    if _app is None:
        from .app import create_app
        from .settings import Settings

        _app = create_app(Settings.resolve())
    await _app(scope, receive, send)
