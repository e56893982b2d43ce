"""The ASGI entry uvicorn's workers import: settings from the environment, built lazily.

``uvicorn server_stub.asgi:app`` works too (TRACKER_DATABASE_URL / TRACKER_SERVER_DATA_DIR).

Once the app is built, the objects alive then (modules, routes, pydantic schemas: a few hundred
thousand) are moved out of the garbage collector's generations (``gc.freeze``) and the young
generation is collected less often. A 500-item batch allocates tens of thousands of short-lived
objects; with the defaults every few hundred of them set off a collection, and the older
generations' collections walked the whole heap. ~15% of a batch's time in-process.
"""

from __future__ import annotations

import gc
from typing import Any

_app: Any = None


async def app(scope: dict, receive: Any, send: Any) -> None:
    global _app
    if _app is None:
        from .app import create_app
        from .settings import Settings

        _app = create_app(Settings.resolve())
        _tune_gc()
    await _app(scope, receive, send)


def _tune_gc() -> None:
    gc.collect()
    gc.freeze()
    gc.set_threshold(10_000, 20, 100)
