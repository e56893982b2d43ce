"""`tracker restore ID` and the restore use case: a deleted entry comes back exactly, with a new
revision for sync; refused (one line, exit 1) when it would overlap or the server locked it."""

from __future__ import annotations

from datetime import datetime

import pytest

from tracker.errors import InvalidInput, NotFound, OverlapError
from tracker.model import Origin, Project, SyncState, Task
from tracker.store import sync_state as ss


def at(hhmm: str) -> datetime:
    return datetime.fromisoformat(f"2026-11-25T{hhmm}:00+01:00")


@pytest.fixture
def entry(svc):
    svc.add_project("Globex site")
    task = svc.add_task("Globex site", "Homepage")
    return svc.add(task.id, start=at("09:00"), end=at("09:45"), note="hero")


def test_restore_brings_back_the_same_entry_with_a_new_revision(svc, entry):
    gone = svc.delete(entry.id)
    assert svc.log() == []
    back = svc.restore(entry.id)
    assert (back.id, back.task_id, back.started_at, back.ended_at, back.note, back.source) == (
        entry.id, entry.task_id, at("09:00"), at("09:45"), "hero", entry.source,
    )  # fmt: skip
    assert not back.deleted and back.revision == gone.revision + 1
    assert [e.id for e in svc.log()] == [entry.id]
    assert back.task_title == "Homepage" and back.project_name == "Globex site"


def test_restore_by_id_prefix_and_the_refusals(svc, entry):
    with pytest.raises(InvalidInput, match="is not deleted"):
        svc.restore(entry.id)
    svc.delete(entry.id)
    assert svc.restore(entry.id[:13]).id == entry.id  # a unique prefix of a tombstone
    with pytest.raises(NotFound, match="no deleted entry"):
        svc.restore("00000000-0000-7000-8000-000000000000")


def test_restore_is_refused_when_it_would_overlap(svc, entry):
    svc.delete(entry.id)
    other = svc.add(entry.task_id, start=at("09:30"), end=at("10:00"))
    with pytest.raises(OverlapError, match=r"would overlap 2026-11-25 09:30–10:00") as err:
        svc.restore(entry.id)
    assert err.value.other_id == other.id
    assert [e.id for e in svc.log()] == [other.id]  # nothing changed


def server_entry(svc):
    """An entry of a server project that the server confirmed (synced)."""
    p = Project("00000000-0000-7000-8000-0000000000a1", "Acme", origin=Origin.SERVER)
    t = Task("00000000-0000-7000-8000-0000000000b1", p.id, "Design")
    now = svc.clock.now()
    with svc.store.transaction():
        svc.store.insert_project(p, now)
        svc.store.insert_task(t, now)
    e = svc.add(t.id, start=at("11:00"), end=at("11:30"))
    with svc.store.transaction():
        svc.store.conn.execute(
            "UPDATE intervals SET synced_revision = revision, server_revision = 3 WHERE id = ?",
            [e.id],
        )
    assert svc.store.get_interval(e.id).sync_state is SyncState.SYNCED
    return e


def test_a_synced_delete_restored_is_pushed_again(svc):
    e = server_entry(svc)
    svc.delete(e.id)
    back = svc.restore(e.id)
    assert back.sync_state is SyncState.PENDING
    [row] = ss.pending_intervals(svc.store, "", 10)
    assert row.id == e.id and not row.content.deleted and row.revision == e.revision + 2


def test_a_locked_entry_is_not_restored(svc):
    e = server_entry(svc)
    svc.delete(e.id)
    with svc.store.transaction():
        ss.set_status(svc.store, e.id, "conflict", "locked: the server's copy was kept")
    with pytest.raises(InvalidInput, match="locked on the server"):
        svc.restore(e.id)
    assert svc.store.get_interval(e.id).deleted


def test_cli_restore(cli):
    cli.ok("project", "add", "Globex site")
    cli.ok("task", "add", "Globex site", "Homepage")
    eid = cli.ok("add", "Homepage", "--from", "2026-11-24T09:00:00+01:00",
                 "--to", "2026-11-24T10:00:00+01:00", "--note", "hero").last_line  # fmt: skip
    cli.ok("delete", eid)
    r = cli.ok("restore", eid)
    assert r.out == f"Restored 2026-11-24 09:00:00–10:00:00 Globex site/Homepage ({eid})\n"
    [e] = cli.ok("log", "--json").json()
    assert (e["id"], e["note"], e["duration_seconds"]) == (eid, "hero", 3600)
    r = cli.fails("restore", eid)
    assert "is not deleted" in r.err
    cli.ok("delete", eid)
    cli.ok("add", "Homepage", "--from", "2026-11-24T09:30:00+01:00",
           "--to", "2026-11-24T10:30:00+01:00")  # fmt: skip
    r = cli.fails("restore", eid)
    assert "would overlap 2026-11-24 09:30–10:30 Globex site/Homepage" in r.err
    assert cli.fails("restore", "nope-not-an-id").err.startswith("tracker: no deleted entry")
    assert cli.ok("--json", "restore", "--help").code == 0
    cli.fails("restore", code=2)
