"""An entry deleted or shortened on another device takes its activity and screenshots along on
this one when the change is pulled — as a delete or edit here does — and the server follows at
the next sync (`tracker` against a real server on loopback, SQLite and PostgreSQL)."""

from __future__ import annotations

from syncutil import Team, sign_in
from test_capture_restore_sync import _capture, _entry, _server_slots
from test_capture_sync import _server_shots


def _setup(device, team: Team):
    team.admin.call("PATCH", f"/projects/{team.project['id']}", {"screenshots": True})
    a = device("laptop")
    a.ok("sync")
    entry = _entry(a, team)  # 09:00-10:00 Berlin, 2026-03-10
    early, late, shot = _capture(a, entry)  # slots 08:10 and 08:20 UTC, a shot at 08:40 UTC
    c = a.ok("sync", "--json").json()["capture"]
    assert (c["slots_accepted"], c["shots_uploaded"]) == (2, 1)
    b = device("desktop")
    b.ok("sync")
    return a, b, entry, early, late, shot


def _activity(a) -> list[tuple[str, int]]:
    rows = a.ok("--json", "activity", "--date", "2026-03-10").json()
    return sorted((r["id"], r["slot_seconds"]) for r in rows)


def test_a_delete_on_another_device_removes_the_capture_here_and_then_there(
    device, team: Team, server
):
    a, b, entry, _, _, _ = _setup(device, team)
    b.ok("delete", entry)
    b.ok("sync")
    r = a.ok("sync", "--json").json()
    assert r["pulled"]["tombstones"] == 1
    assert a.ok("--json", "screenshots", "list").json() == []
    assert _activity(a) == []
    c = a.ok("sync", "--json").json()["capture"]  # the deletes reach the server
    assert (c["slots_deleted"], c["shots_deleted"]) == (2, 1)
    assert (c["slots_rejected"], c["shots_rejected"]) == (0, 0)
    assert _server_slots(sign_in(server.url, team.email)) == {}
    assert _server_shots(team.admin, team.user_id) == set()


def test_an_entry_shortened_on_another_device_keeps_only_what_is_inside(device, team: Team, server):
    a, b, entry, early, late, _ = _setup(device, team)
    b.ok("edit", entry, "--to", "2026-03-10T09:25:00+01:00")  # now ends 08:25 UTC
    b.ok("sync")
    a.ok("sync")
    assert a.ok("--json", "screenshots", "list").json() == []  # 08:40 is outside now
    slots = dict(_activity(a))
    assert slots[early] == 600 and slots[late] == 300  # the slot across the new end keeps half
    c = a.ok("sync", "--json").json()["capture"]
    assert c["shots_deleted"] == 1 and (c["slots_rejected"], c["shots_rejected"]) == (0, 0)
    srv = _server_slots(sign_in(server.url, team.email))
    assert {sid: s["slot_seconds"] for sid, s in srv.items()} == {early: 600, late: 300}
