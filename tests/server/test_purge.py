"""`tracker-server purge-screenshots`: the retention purge (issue 6, item 5), on both databases."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import uuid
from datetime import UTC, datetime
from pathlib import Path

from srvutil import iv
from test_capture_endpoints import _png

from server_stub.services.retention import purge_screenshots

BIN = Path(sys.executable).parent


def _shot(user, interval_id: str, taken_at: str, data: bytes) -> str:
    fields = {"id": str(uuid.uuid4()), "interval_id": interval_id, "taken_at": taken_at,
              "sha256": hashlib.sha256(data).hexdigest(), "blurred": "false"}  # fmt: skip
    r = user.post("/screenshots", data=fields, files={"image": ("s.png", data, "image/png")})
    assert r.status_code == 201, r.text
    return r.json()["id"]


def test_purge_screenshots(api, team):
    assert team.manager.patch(f"/projects/{team.project['id']}", {"screenshots": True}).is_success
    item = iv(team.task["id"], "2026-06-01T09:00:00+00:00", "2026-06-01T10:00:00+00:00")
    assert team.member.push(item)["accepted"] == [item["id"]]
    old_data, new_data = _png((1, 2, 3)), _png((4, 5, 6))
    old = _shot(team.member, item["id"], "2026-06-01T09:15:00Z", old_data)
    new = _shot(team.member, item["id"], "2026-11-20T09:15:00Z", new_data)
    data_dir = api.state.settings.data_dir
    blob = {
        d: data_dir
        / "screenshots"
        / hashlib.sha256(d).hexdigest()[:2]
        / hashlib.sha256(d).hexdigest()
        for d in (old_data, new_data)
    }
    assert all(p.is_file() for p in blob.values())
    now = int(datetime(2026, 11, 25, 12, tzinfo=UTC).timestamp())

    r = purge_screenshots(api.state.db, data_dir, older_than_days=90, now=now)
    assert (r.screenshots, r.files) == (1, 1) and r.freed_bytes == len(old_data)
    assert not blob[old_data].exists() and blob[new_data].is_file()
    listed = [s["id"] for s in team.member.get("/screenshots").json()["items"]]
    assert listed == [new]
    assert team.manager.get(f"/screenshots/{old}/image").status_code == 404

    again = purge_screenshots(api.state.db, data_dir, older_than_days=90, now=now)
    assert (again.screenshots, again.files, again.freed_bytes) == (0, 0, 0)

    if api.backend == "sqlite":  # the real command, once
        env = {**os.environ, "TRACKER_DATABASE_URL": api.state.settings.database_url,
               "TRACKER_SERVER_DATA_DIR": str(data_dir)}  # fmt: skip
        p = subprocess.run([str(BIN / "tracker-server"), "purge-screenshots",
                            "--older-than-days", "0"], env=env, capture_output=True, text=True,
                           timeout=120)  # fmt: skip
        assert p.returncode == 0, p.stderr
        assert p.stdout.startswith("purged 1 screenshots older than 0 days; removed 1 image")
        assert not blob[new_data].exists()
        assert team.member.get("/screenshots").json()["items"] == []
        p = subprocess.run([str(BIN / "tracker-server"), "purge-screenshots"], env=env,
                           capture_output=True, text=True, timeout=120)  # fmt: skip
        assert p.returncode == 0 and p.stdout.startswith("purged 0 screenshots older than 90")
