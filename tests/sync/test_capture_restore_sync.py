"""A deleted entry restored (`tracker restore`) brings its activity and screenshots back to the
server too, through `tracker` against a real server on loopback (SQLite and PostgreSQL): after
the delete reached the server, slots are re-created under their ids and a screenshot the server
deleted comes back under a new id (the server refuses a deleted id); before it did, nothing is
deleted there at all."""

from __future__ import annotations

from datetime import UTC, datetime

from syncutil import Team, sign_in
from test_capture_retry import _shot
from test_capture_sync import _jpeg, _server_shots, _slot

SHOT_AT = int(datetime(2026, 3, 10, 8, 40, tzinfo=UTC).timestamp())  # inside the entry


def _entry(a, team: Team) -> str:
    return a.ok("add", f"{team.project['name']}/Task 0", "--from", "2026-03-10T09:00:00+01:00",
                "--to", "2026-03-10T10:00:00+01:00", "--json").json()["id"]  # fmt: skip


def _capture(a, entry: str) -> tuple[str, str, str]:
    store = a.store()
    try:
        early, late = _slot(store, entry), _slot(store, entry, 600)
        shot = _shot(store, entry, _jpeg((9, 99, 9)))
        with store.transaction():
            store.conn.execute("UPDATE screenshots SET taken_at = ? WHERE id = ?", [SHOT_AT, shot])
    finally:
        store.close()
    return early, late, shot


def _server_slots(member) -> dict[str, dict]:
    return {s["id"]: s for s in member.call("GET", "/activity", params={"limit": 200})["items"]}


def test_restore_after_the_delete_reached_the_server_sends_everything_again(
    device, team: Team, server
):
    admin = team.admin
    admin.call("PATCH", f"/projects/{team.project['id']}", {"screenshots": True})
    a = device("laptop")
    a.ok("sync")
    entry = _entry(a, team)
    early, late, shot = _capture(a, entry)
    c = a.ok("sync", "--json").json()["capture"]
    assert (c["slots_accepted"], c["shots_uploaded"]) == (2, 1)
    member = sign_in(server.url, team.email)
    before = _server_slots(member)
    assert set(before) == {early, late}
    sha = admin.call("GET", "/screenshots", params={"interval_id": entry})["items"][0]["sha256"]

    a.ok("delete", entry)
    c = a.ok("sync", "--json").json()["capture"]
    assert (c["slots_deleted"], c["shots_deleted"]) == (2, 1)
    assert _server_slots(member) == {} and _server_shots(admin, team.user_id) == set()
    assert a.ok("--json", "screenshots", "list").json() == []

    a.ok("restore", entry)
    listed = a.ok("--json", "screenshots", "list").json()
    [again] = [s["id"] for s in listed]
    assert again != shot and listed[0]["sha256"] == sha and not listed[0]["uploaded"]
    r = a.ok("sync", "--json").json()
    c = r["capture"]
    assert r["pushed"]["accepted"] == 1  # the entry's un-delete first
    assert (c["slots_accepted"], c["shots_uploaded"], c["shots_local_only"]) == (2, 1, 0)
    after = _server_slots(member)
    assert set(after) == {early, late}  # the same slot ids, re-created with their numbers
    for sid in (early, late):
        assert {k: after[sid][k] for k in ("interval_id", "slot_seconds", "active_seconds",
                                           "keyboard_events", "mouse_events")} == {
            k: before[sid][k] for k in ("interval_id", "slot_seconds", "active_seconds",
                                        "keyboard_events", "mouse_events")
        }  # fmt: skip
    page = admin.call("GET", "/screenshots", params={"interval_id": entry})["items"]
    assert [(s["id"], s["sha256"]) for s in page] == [(again, sha)]
    assert a.ok("--json", "screenshots", "list").json()[0]["uploaded"] is True
    c = a.ok("sync", "--json").json()["capture"]  # and then nothing moves
    assert c["slots_sent"] == c["shots_uploaded"] == c["shots_deleted"] == 0


def test_delete_and_restore_between_two_syncs_leave_the_server_as_it_was(
    device, team: Team, server
):
    admin = team.admin
    admin.call("PATCH", f"/projects/{team.project['id']}", {"screenshots": True})
    a = device("laptop")
    a.ok("sync")
    entry = _entry(a, team)
    early, late, shot = _capture(a, entry)
    a.ok("sync")
    a.ok("delete", entry)
    a.ok("restore", entry)
    assert [s["id"] for s in a.ok("--json", "screenshots", "list").json()] == [shot]
    c = a.ok("sync", "--json").json()["capture"]
    assert c["slots_deleted"] == c["shots_deleted"] == c["shots_uploaded"] == 0
    assert c["slots_rejected"] == c["shots_rejected"] == 0
    member = sign_in(server.url, team.email)
    assert set(_server_slots(member)) == {early, late}
    assert _server_shots(admin, team.user_id) == {shot}
