"""Helpers shared by the server tests (a uniquely named module: tests/conftest.py exists too)."""

from __future__ import annotations

import threading
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, insert, update

from server_stub.db import rollup
from server_stub.db.tables import ALL_TABLES_CHILD_FIRST, counters, workspace

API = "/api/v1"
PASSWORD = "correct horse battery"


def reset_database(engine) -> None:
    with engine.begin() as conn:
        for table in ALL_TABLES_CHILD_FIRST:
            if table not in (counters, workspace):
                conn.execute(delete(table))
        conn.execute(update(counters).values(value=0))
        conn.execute(delete(workspace))
        conn.execute(
            insert(workspace).values(id=1, name="Tracker", base_currency="EUR", timezone="UTC")
        )
        rollup.workspace_zone_changed(conn, "UTC")  # the daily roll-up follows the workspace


@dataclass
class User:
    id: str
    email: str
    role: str
    token: str
    client: Any  # starlette.testclient.TestClient

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    def get(self, path: str, **kw: Any):
        return self.client.get(API + path, headers={**self.headers, **kw.pop("headers", {})}, **kw)

    def post(self, path: str, json: Any = None, **kw: Any):
        headers = {**self.headers, **kw.pop("headers", {})}
        return self.client.post(API + path, json=json, headers=headers, **kw)

    def patch(self, path: str, json: Any = None, **kw: Any):
        return self.client.patch(API + path, json=json, headers=self.headers, **kw)

    def put(self, path: str, json: Any = None, **kw: Any):
        return self.client.put(API + path, json=json, headers=self.headers, **kw)

    def delete(self, path: str, **kw: Any):
        return self.client.delete(API + path, headers=self.headers, **kw)

    def push(self, *items: dict, key: str | None = None) -> dict:
        headers = {"Idempotency-Key": key} if key else {}
        r = self.post("/intervals/batch", {"intervals": list(items)}, headers=headers)
        assert r.status_code == 200, r.text
        return r.json()


def iv(
    task_id: str,
    start: str,
    end: str | None,
    *,
    id: str | None = None,
    revision: int = 1,
    base: int = 0,
    deleted: bool = False,
    note: str = "",
    tz: str = "UTC",
) -> dict:
    """An interval item for a batch."""
    return {
        "id": id or str(uuid.uuid4()),
        "task_id": task_id,
        "started_at": start,
        "ended_at": end,
        "note": note,
        "source": "timer",
        "revision": revision,
        "base_revision": base,
        "deleted": deleted,
        "tz": tz,
    }


# -- capture: entries, activity slots, screenshot uploads ------------------------------------


def tracked(user: User, task_id: str, start: str, end: str) -> str:
    """Push one finished interval of ``user`` and return its id (it must be accepted)."""
    item = iv(task_id, start, end)
    assert user.push(item)["accepted"] == [item["id"]]
    return item["id"]


def slot(interval_id: str, **fields: Any) -> dict:
    """An activity slot for ``POST /activity/batch`` (10-minute aligned, 70 % active)."""
    return {
        "id": str(uuid.uuid4()),
        "interval_id": interval_id,
        "slot_start": "2026-11-25T09:10:00Z",
        "slot_seconds": 600,
        "active_seconds": 420,
        "keyboard_events": 300,
        "mouse_events": 120,
        **fields,
    }


def jpeg(colour: tuple[int, int, int] = (30, 120, 200)) -> bytes:
    """A small JPEG, as the desktop uploads."""
    import io

    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (32, 16), colour).save(buf, format="JPEG")
    return buf.getvalue()


def upload_shot(user: User, interval_id: str, data: bytes | None = None, sid: str | None = None):
    """``POST /screenshots`` (multipart) of a JPEG onto ``interval_id``; the response."""
    import hashlib

    data = jpeg() if data is None else data
    fields = {
        "id": sid or str(uuid.uuid4()),
        "interval_id": interval_id,
        "taken_at": "2026-11-25T09:15:00Z",
        "sha256": hashlib.sha256(data).hexdigest(),
        "blurred": "false",
    }
    return user.post("/screenshots", data=fields, files={"image": ("shot.jpg", data, "image/jpeg")})


def race(*calls):
    """Runs ``calls`` in threads released together by a barrier; their results in order."""
    barrier = threading.Barrier(len(calls))

    def run(call):
        barrier.wait()
        return call()

    with ThreadPoolExecutor(len(calls)) as pool:
        return [f.result() for f in [pool.submit(run, c) for c in calls]]
