"""Activity slots and screenshots reach the server through `tracker sync` (issue 6, items 4-6)."""

from __future__ import annotations

import io
import time
import uuid
from datetime import UTC, datetime

from syncutil import Team, sign_in

START = datetime(2026, 3, 10, 8, 10, tzinfo=UTC)


def _jpeg(colour: tuple[int, int, int]) -> bytes:
    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (64, 32), colour).save(buf, format="JPEG", quality=60)
    return buf.getvalue()


def _shot(store, interval_id: str, taken_at: datetime, colour=(200, 30, 30)) -> str:
    from tracker.store.capture import insert_screenshot

    sid = str(uuid.uuid4())
    with store.transaction():
        insert_screenshot(store, sid, interval_id, taken_at, 0, 64, 32, _jpeg(colour),
                          _jpeg((0, 0, 0)), False, datetime.now(UTC))  # fmt: skip
    return sid


def _slot(store, interval_id: str, offset: int = 0) -> str:
    from tracker.capture.slots import Slot
    from tracker.store.capture import save_slots

    sid = str(uuid.uuid4())
    with store.transaction():
        start = int(START.timestamp()) + offset
        save_slots(store, [Slot(sid, interval_id, start, 600, 420, 30, 12)], datetime.now(UTC))
    return sid


def _server_shots(admin, user_id: str) -> set[str]:
    page = admin.call("GET", "/screenshots", params={"user_id": user_id, "limit": 200})
    return {s["id"] for s in page["items"]}


def test_activity_and_screenshots_sync(device, team: Team, server):
    admin = team.admin
    admin.call("PATCH", f"/projects/{team.project['id']}", {"screenshots": True})
    off = admin.call("POST", "/projects", {"name": f"No shots {uuid.uuid4().hex[:6]}"})
    admin.call("PUT", f"/projects/{off['id']}/members/{team.user_id}", {})
    admin.call("POST", f"/projects/{off['id']}/tasks", {"title": "Quiet"})

    a = device("laptop")
    a.ok("sync")
    on_entry = a.ok("add", f"{team.project['name']}/Task 0", "--from", "2026-03-10T09:00:00+01:00",
                    "--to", "2026-03-10T10:00:00+01:00", "--json").json()["id"]  # fmt: skip
    off_entry = a.ok("add", f"{off['name']}/Quiet", "--from", "2026-03-10T10:00:00+01:00",
                     "--to", "2026-03-10T11:00:00+01:00", "--json").json()["id"]  # fmt: skip

    store = a.store()
    try:
        # Made before the entries reached the server: they wait for their entry.
        slot_on = _slot(store, on_entry)
        slot_off = _slot(store, off_entry)
        old = datetime.fromtimestamp(time.time() - 3600, UTC)
        shot = _shot(store, on_entry, old)
        shot_off = _shot(store, off_entry, old, (10, 200, 10))
        young = _shot(store, on_entry, datetime.fromtimestamp(time.time() - 60, UTC), (1, 2, 3))
    finally:
        store.close()

    r = a.ok("sync", "--json").json()
    assert r["pushed"]["accepted"] == 2
    c = r["capture"]
    assert (c["slots_sent"], c["slots_accepted"], c["slots_rejected"]) == (2, 2, 0)
    assert (c["shots_uploaded"], c["shots_local_only"], c["shots_rejected"]) == (1, 1, 0)
    assert c["problems"] == {"screenshots local_only": 1}

    member = sign_in(server.url, team.email)
    acts = {s["id"]: s for s in member.call("GET", "/activity", params={"limit": 200})["items"]}
    assert set(acts) == {slot_on, slot_off}
    assert acts[slot_on]["active_seconds"] == 420 and acts[slot_on]["keyboard_events"] == 30
    assert acts[slot_on]["slot_start"].startswith("2026-03-10T08:10:00")
    # The young shot is still in its review window; the one on the project without screenshots
    # stays here, visibly.
    assert _server_shots(admin, team.user_id) == {shot}
    listed = {s["id"]: s for s in a.ok("screenshots", "list", "--json").json()}
    assert listed[shot]["uploaded"] is True
    assert listed[shot_off]["sync_status"] == "local_only" and not listed[shot_off]["uploaded"]
    assert listed[young]["uploaded"] is False and listed[young]["sync_status"] is None
    assert "stays on this computer" in a.ok("screenshots", "list").out

    # A second sync moves nothing.
    r = a.ok("sync", "--json").json()
    c = r["capture"]
    assert c["slots_sent"] == c["shots_uploaded"] == c["shots_local_only"] == 0
    assert c["shots_deleted"] == c["shots_rejected"] == 0

    # The review window is a setting: at 0 the young shot leaves at the next sync.
    a.ok("config", "set", "screenshots.review_minutes", "0")
    r = a.ok("sync", "--json").json()
    assert r["capture"]["shots_uploaded"] == 1
    assert _server_shots(admin, team.user_id) == {shot, young}

    # A delete after upload deletes on the server; the tombstone goes once it is confirmed.
    a.ok("screenshots", "delete", shot)
    store = a.store()
    try:
        row = store.conn.execute("SELECT deleted FROM screenshots WHERE id = ?", [shot]).fetchone()
        assert row == (1,)
    finally:
        store.close()
    r = a.ok("sync", "--json").json()
    assert r["capture"]["shots_deleted"] == 1
    assert _server_shots(admin, team.user_id) == {young}
    store = a.store()
    try:
        assert (
            store.conn.execute("SELECT 1 FROM screenshots WHERE id = ?", [shot]).fetchone() is None
        )
    finally:
        store.close()
    r = a.ok("sync", "--json").json()
    assert r["capture"]["shots_deleted"] == 0


def test_rejected_slot_is_visible_and_blocks_nothing(device, team: Team, server):
    a = device("laptop")
    a.ok("sync")
    entry = a.ok("add", f"{team.project['name']}/Task 1", "--from", "2026-03-11T09:00:00+01:00",
                 "--to", "2026-03-11T10:00:00+01:00", "--json").json()["id"]  # fmt: skip
    a.ok("sync")
    store = a.store()
    try:
        good = _slot(store, entry)
        bad = _slot(store, entry, 600)  # its id is taken on the server (below)
    finally:
        store.close()
    other = team.admin.call(
        "POST", "/users", {"email": f"o-{uuid.uuid4().hex[:8]}@example.com", "name": "O",
                           "role": "member", "password": "correct horse battery"},
    )  # fmt: skip
    team.admin.call("PUT", f"/projects/{team.project['id']}/members/{other['id']}", {})
    o = sign_in(server.url, other["email"])
    item = {"id": str(uuid.uuid4()), "task_id": team.tasks[0]["id"],
            "started_at": "2026-03-12T08:00:00Z", "ended_at": "2026-03-12T09:00:00Z",
            "revision": 1, "base_revision": 0}  # fmt: skip
    o.call("POST", "/intervals/batch", {"intervals": [item]})
    o.call("POST", "/activity/batch", {"slots": [{
        "id": bad, "interval_id": item["id"], "slot_start": "2026-03-12T08:00:00Z",
        "slot_seconds": 600, "active_seconds": 1}]})  # fmt: skip

    r = a.ok("sync", "--json").json()
    c = r["capture"]
    assert (c["slots_sent"], c["slots_accepted"], c["slots_rejected"]) == (2, 1, 1)
    assert c["problems"] == {"slots rejected": 1}
    assert "slots rejected" in a.ok("sync").out
    mine = {s["id"] for s in sign_in(server.url, team.email).call("GET", "/activity")["items"]}
    assert good in mine and bad not in mine
    store = a.store()
    try:
        row = store.conn.execute(
            "SELECT sync_status, sync_detail FROM activity_slots WHERE id = ?", [bad]
        ).fetchone()
    finally:
        store.close()
    assert row[0] == "rejected" and row[1].startswith("id_conflict")
