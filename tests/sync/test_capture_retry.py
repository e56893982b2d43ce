"""Capture sync after the fact, through `tracker` against a real server on loopback (SQLite and
PostgreSQL): local-only screenshots are retried once the project takes screenshots again (never
a deleted one, never one refused for good), and activity and screenshots follow an entry that is
split or deleted after they were pushed."""

from __future__ import annotations

import time
import uuid
from datetime import UTC, datetime

from syncutil import Team, sign_in
from test_capture_sync import _jpeg, _server_shots, _slot

START = datetime(2026, 3, 10, 8, 0, tzinfo=UTC)  # the entries below: 09:00-10:00 Berlin


def _shot(store, interval_id: str, data: bytes) -> str:
    from tracker.store.capture import insert_screenshot

    sid = str(uuid.uuid4())
    taken = datetime.fromtimestamp(time.time() - 3600, UTC)  # past its review window
    with store.transaction():
        insert_screenshot(store, sid, interval_id, taken, 0, 64, 32, data, _jpeg((0, 0, 0)),
                          False, datetime.now(UTC))  # fmt: skip
    return sid


def _status(a, sid: str) -> tuple:
    store = a.store()
    try:
        status, detail, uploaded = store.conn.execute(
            "SELECT sync_status, sync_detail, uploaded FROM screenshots WHERE id = ?", [sid]
        ).fetchone()
    finally:
        store.close()
    return status, detail and detail.split(":")[0], uploaded  # the server's code


def test_local_only_shots_are_retried_when_the_project_takes_screenshots_again(
    device, team: Team, server
):
    admin = team.admin
    a = device("laptop")
    a.ok("sync")
    entry = a.ok("add", f"{team.project['name']}/Task 0", "--from", "2026-03-10T09:00:00+01:00",
                 "--to", "2026-03-10T10:00:00+01:00", "--json").json()["id"]  # fmt: skip
    store = a.store()
    try:
        kept = _shot(store, entry, _jpeg((200, 30, 30)))
        dropped = _shot(store, entry, _jpeg((30, 200, 30)))
        broken = _shot(store, entry, b"this is not an image at all")
    finally:
        store.close()

    c = a.ok("sync", "--json").json()["capture"]  # the project takes no screenshots (default)
    assert (c["shots_uploaded"], c["shots_local_only"]) == (0, 3)
    assert _status(a, kept)[:2] == ("local_only", "screenshots_disabled")
    assert _status(a, broken)[:2] == ("local_only", "not_an_image")
    a.ok("screenshots", "delete", dropped)
    c = a.ok("sync", "--json").json()["capture"]  # still off: nothing is offered
    assert c["shots_retried"] == c["shots_uploaded"] == c["shots_local_only"] == 0

    # The admin switches screenshots on; the next `tracker sync` (push before pull) asks the
    # server and sends the shot kept for that reason — not the deleted one, not the broken one.
    admin.call("PATCH", f"/projects/{team.project['id']}", {"screenshots": True})
    c = a.ok("sync", "--json").json()["capture"]
    assert (c["shots_retried"], c["shots_uploaded"], c["shots_local_only"]) == (1, 1, 0)
    assert _server_shots(admin, team.user_id) == {kept}
    assert _status(a, kept) == (None, None, 1)
    assert _status(a, broken)[:2] == ("local_only", "not_an_image")
    listed = {s["id"]: s for s in a.ok("screenshots", "list", "--json").json()}
    assert set(listed) == {kept, broken} and listed[kept]["uploaded"] is True

    # Off again, a new shot is kept here; on again, and the pulled switch alone retries it.
    admin.call("PATCH", f"/projects/{team.project['id']}", {"screenshots": False})
    a.ok("sync")
    store = a.store()
    try:
        later = _shot(store, entry, _jpeg((1, 2, 250)))
    finally:
        store.close()
    c = a.ok("sync", "--json").json()["capture"]
    assert c["shots_local_only"] == 1 and _status(a, later)[0] == "local_only"
    admin.call("PATCH", f"/projects/{team.project['id']}", {"screenshots": True})
    c = a.ok("sync", "--json").json()["capture"]
    assert (c["shots_retried"], c["shots_uploaded"]) == (1, 1)
    assert _server_shots(admin, team.user_id) == {kept, later}
    c = a.ok("sync", "--json").json()["capture"]  # and then nothing moves
    assert c["shots_retried"] == c["shots_uploaded"] == c["shots_local_only"] == 0


def test_activity_and_shots_follow_a_split_and_a_delete_to_the_server(device, team: Team, server):
    admin = team.admin
    admin.call("PATCH", f"/projects/{team.project['id']}", {"screenshots": True})
    a = device("laptop")
    a.ok("sync")
    entry = a.ok("add", f"{team.project['name']}/Task 0", "--from", "2026-03-10T09:00:00+01:00",
                 "--to", "2026-03-10T10:00:00+01:00", "--json").json()["id"]  # fmt: skip
    store = a.store()
    try:
        # Slots 08:10 and 08:20 UTC (helpers of test_capture_sync start at 08:10).
        early = _slot(store, entry)
        late = _slot(store, entry, 600)
        shot = _shot(store, entry, _jpeg((9, 9, 9)))
    finally:
        store.close()
    c = a.ok("sync", "--json").json()["capture"]
    assert (c["slots_accepted"], c["shots_uploaded"]) == (2, 1)

    # Split at 09:25 Berlin = 08:25 UTC: 08:10 stays, 08:20 is shared, the shot (taken an hour
    # before the test ran, i.e. not inside the entry) ...
    store = a.store()
    try:
        with store.transaction():  # ... is placed at 08:40 UTC for the test
            store.conn.execute(
                "UPDATE screenshots SET taken_at = ? WHERE id = ?",
                [int(START.timestamp()) + 40 * 60, shot],
            )
    finally:
        store.close()
    split = a.ok("split", entry, "--at", "2026-03-10T09:25:00+01:00", "--json").json()
    second = split[1]["id"]
    r = a.ok("sync", "--json").json()
    c = r["capture"]
    assert r["pushed"]["accepted"] == 2
    assert (c["slots_sent"], c["slots_accepted"], c["shots_relinked"]) == (2, 2, 1)
    member = sign_in(server.url, team.email)
    acts = {s["id"]: s for s in member.call("GET", "/activity", params={"limit": 200})["items"]}
    assert set(acts) - {early, late} and {early, late} <= set(acts)
    new = (set(acts) - {early, late}).pop()
    assert acts[early]["interval_id"] == entry and acts[early]["slot_seconds"] == 600
    assert acts[late]["interval_id"] == entry and acts[new]["interval_id"] == second
    assert acts[late]["slot_seconds"] + acts[new]["slot_seconds"] == 600
    assert acts[late]["active_seconds"] + acts[new]["active_seconds"] == 420
    assert acts[late]["keyboard_events"] + acts[new]["keyboard_events"] == 30
    page = admin.call("GET", "/screenshots", params={"interval_id": second})
    assert [s["id"] for s in page["items"]] == [shot]

    # Deleting the second entry deletes its slot and its screenshot on the server too.
    a.ok("delete", second)
    c = a.ok("sync", "--json").json()["capture"]
    assert (c["slots_deleted"], c["shots_deleted"]) == (1, 1)
    acts = {s["id"] for s in member.call("GET", "/activity", params={"limit": 200})["items"]}
    assert acts == {early, late}
    assert _server_shots(admin, team.user_id) == set()
    rows = server.sql("SELECT id FROM activity_slots WHERE id = :i", i=new)
    assert rows == []
    store = a.store()
    try:
        left = store.conn.execute("SELECT COUNT(*) FROM activity_slots WHERE deleted = 1")
        assert left.fetchone() == (0,)  # tombstones go once the server confirmed
    finally:
        store.close()
    c = a.ok("sync", "--json").json()["capture"]
    assert c["slots_sent"] == c["shots_deleted"] == c["shots_relinked"] == 0
