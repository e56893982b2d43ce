"""End to end: the real `tracker` command against a real `tracker-server serve` on loopback."""

from __future__ import annotations

from syncutil import Http, Team, free_port, local_entries, server_intervals, server_live, sign_in


def test_sync_pulls_projects_pushes_entries_and_tasks(device, team: Team, server):
    a = device("laptop")
    r = a.ok("sync")
    assert "Pulled" in r.out
    projects = {p["id"]: p for p in a.ok("project", "list", "--json").json()}
    assert projects[team.project["id"]]["origin"] == "server"
    titles = {t["title"] for t in a.ok("task", "list", "--json").json()}
    assert {"Task 0", "Task 1"} <= titles

    pname = team.project["name"]
    a.ok("add", f"{pname}/Task 0", "--from", "2026-11-20T09:00:00+01:00",
         "--to", "2026-11-20T10:00:00+01:00", "--note", "first")  # fmt: skip
    # A task made offline in a server project is pushed before the entry that uses it.
    a.ok("task", "add", pname, "Offline task")
    e2 = a.ok("add", f"{pname}/Offline task", "--from", "2026-11-20T10:00:00+01:00",
              "--to", "2026-11-20T11:30:00+01:00", "--json").json()  # fmt: skip
    assert e2["sync_state"] == "pending"
    st = a.ok("status", "--json").json()
    assert st["pending_sync"] == 2 and st["signed_in"] is True

    r = a.ok("sync", "--json").json()
    assert r["pushed"]["tasks"] == 1
    assert r["pushed"]["accepted"] == 2 and r["pending"] == 0
    log = a.ok("log", "--json").json()
    assert {e["sync_state"] for e in log} == {"synced"}
    srv = server_live(sign_in(server.url, team.email))
    assert len(srv) == 2
    assert srv[e2["id"]][3] == ""
    st = a.ok("status", "--json").json()
    assert st["pending_sync"] == 0 and st["last_sync"]
    assert "Sync: 0 pending" in a.ok("status").out

    # A no-op sync moves nothing.
    r = a.ok("sync", "--json").json()
    assert r["pushed"]["entries"] == 0 and r["pulled"]["interval"] == 0

    # A second device of the same user gets everything, edits and deletes sync back.
    b = device("desktop")
    b.ok("sync")
    assert local_entries(b.store()) == local_entries(a.store())
    b.ok("edit", e2["id"], "--note", "from b")
    first = next(e for e in log if e["id"] != e2["id"])
    b.ok("delete", first["id"])
    b.ok("sync")
    r = a.ok("sync", "--json").json()
    assert r["pulled"]["tombstones"] == 1
    log = a.ok("log", "--json").json()
    assert [(e["id"], e["note"]) for e in log] == [(e2["id"], "from b")]
    assert local_entries(a.store()) == local_entries(b.store())
    assert server_intervals(sign_in(server.url, team.email))[first["id"]]["deleted"] is True


def test_unreachable_server_exits_1_and_keeps_everything(device, team: Team):
    a = device("laptop")
    a.ok("sync")
    a.ok("add", f"{team.project['name']}/Task 0", "--from", "2026-11-20T09:00:00+01:00",
         "--to", "2026-11-20T10:00:00+01:00")  # fmt: skip
    env = {**a.env, "TRACKER_SERVER": f"http://127.0.0.1:{free_port()}"}
    r = a.run("sync", env=env)
    assert r.code == 1
    lines = r.err.strip().splitlines()
    assert len(lines) == 1 and "cannot reach the server" in lines[0]
    assert a.ok("status", "--json").json()["pending_sync"] == 1
    r = a.ok("sync", "--json").json()
    assert r["pushed"]["accepted"] == 1 and r["pending"] == 0


def test_revoked_token_asks_to_sign_in_again(device, team: Team, server):
    a = device("laptop")
    a.ok("sync")
    Http(server.url, a.token).call("DELETE", "/auth/token")  # revoke the device's token
    r = a.run("sync")
    assert r.code == 1
    assert "tracker login" in r.err and len(r.err.strip().splitlines()) == 1


def test_rejected_overlap_is_visible_and_blocks_nothing(device, team: Team):
    a, b = device("laptop"), device("desktop")
    a.ok("sync")
    b.ok("sync")
    pname = team.project["name"]
    a.ok("add", f"{pname}/Task 0", "--from", "2026-11-21T09:00:00+01:00",
         "--to", "2026-11-21T11:00:00+01:00")  # fmt: skip
    a.ok("sync")
    # Offline on B the same hours, plus an entry that does not clash.
    clash = b.ok("add", f"{pname}/Task 1", "--from", "2026-11-21T10:00:00+01:00",
                 "--to", "2026-11-21T12:00:00+01:00", "--json").json()  # fmt: skip
    fine = b.ok("add", f"{pname}/Task 1", "--from", "2026-11-22T10:00:00+01:00",
                "--to", "2026-11-22T12:00:00+01:00", "--json").json()  # fmt: skip
    r = b.ok("sync", "--json").json()
    assert r["pushed"]["rejected"] == 1 and r["pushed"]["accepted"] == 1
    assert r["rejected"] == 1
    assert [p["id"] for p in r["problems"]] == [clash["id"]]
    assert r["problems"][0]["detail"].startswith("overlap")
    states = {e["id"]: e["sync_state"] for e in b.ok("log", "--json").json()}
    assert states[clash["id"]] == "rejected" and states[fine["id"]] == "synced"
    assert "rejected" in b.ok("log").out
    # Trimming it makes it go through.
    b.ok("edit", clash["id"], "--from", "11:00")
    r = b.ok("sync", "--json").json()
    assert r["pushed"]["accepted"] == 1 and r["rejected"] == 0


def test_field_level_merge_and_same_field_conflict(device, team: Team):
    a, b = device("laptop"), device("desktop")
    a.ok("sync")
    pname = team.project["name"]
    e = a.ok("add", f"{pname}/Task 0", "--from", "2026-11-23T09:00:00+01:00",
             "--to", "2026-11-23T12:00:00+01:00", "--note", "base", "--json").json()  # fmt: skip
    a.ok("sync")
    b.ok("sync")
    # Different fields on each side: both changes survive.
    a.ok("edit", e["id"], "--note", "note from a")
    b.ok("edit", e["id"], "--to", "11:00")
    b.ok("sync")
    r = a.ok("sync", "--json").json()
    assert r["pushed"]["conflicts"] == 1 and r["pending"] == 0
    b.ok("sync")
    for d in (a, b):
        (got,) = d.ok("log", "--json").json()
        assert got["note"] == "note from a" and got["ended_at"].startswith("2026-11-23T11:00")
        assert got["sync_state"] == "synced"
    # The same field on both sides: the server's value stays and the user is told.
    a.ok("edit", e["id"], "--note", "a again")
    b.ok("edit", e["id"], "--note", "b again")
    b.ok("sync")
    r = a.ok("sync")
    assert "note changed here and on the server" in r.out
    (got,) = a.ok("log", "--json").json()
    assert got["note"] == "b again" and got["sync_state"] == "conflict"


def test_locked_entry_server_wins(device, team: Team, server):
    a = device("laptop")
    a.ok("sync")
    e = a.ok("add", f"{team.project['name']}/Task 0", "--from", "2026-11-02T09:00:00+01:00",
             "--to", "2026-11-02T10:00:00+01:00", "--note", "orig", "--json").json()  # fmt: skip
    a.ok("sync")
    # Close the period on the server (the period lock of server-spec 6.2).
    ((old,),) = server.sql("SELECT lock_before FROM workspace")
    server.sql("UPDATE workspace SET lock_before = :v", v=1_795_000_000)  # 2026-11-18
    try:
        a.ok("edit", e["id"], "--note", "too late")
        r = a.ok("sync", "--json").json()
        assert r["pushed"]["conflicts"] == 1
        assert any("locked" in n for n in r["notices"])
        (got,) = a.ok("log", "--json").json()
        assert got["note"] == "orig" and got["sync_state"] == "conflict"
        assert a.ok("status", "--json").json()["pending_sync"] == 0

        # "Copy as a new entry": the refused values come back as a new entry (placed elsewhere:
        # on the same hours it would overlap the locked one).
        r = a.run("copy-conflict", e["id"])
        assert r.code == 1 and "overlap" in r.err and len(r.err.strip().splitlines()) == 1
        copy = a.ok("copy-conflict", e["id"], "--from", "2026-11-19T14:00:00+01:00",
                    "--json").json()  # fmt: skip
        assert copy["id"] != e["id"] and copy["note"] == "too late"
        assert copy["duration_seconds"] == 3600 and copy["sync_state"] == "pending"
        assert copy["task_id"] == e["task_id"]
        r = a.ok("sync", "--json").json()
        assert r["pushed"]["accepted"] == 1 and r["pending"] == 0 and r["conflict"] == 0
        states = {x["id"]: (x["sync_state"], x["note"]) for x in a.ok("log", "--json").json()}
        assert states == {e["id"]: ("synced", "orig"), copy["id"]: ("synced", "too late")}
        assert server_live(sign_in(server.url, team.email))[copy["id"]][3] == "too late"
        r = a.run("copy-conflict", e["id"])  # once only
        assert r.code == 1 and "no refused change" in r.err
    finally:
        server.sql("UPDATE workspace SET lock_before = :v", v=old)
