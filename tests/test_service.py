"""The timer and entry rules through the service, on a real SQLite file."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from tracker.errors import Ambiguous, InvalidInput, NotFound, NothingRunning, OverlapError
from tracker.model import Origin, Project, SyncState

BERLIN = ZoneInfo("Europe/Berlin")


def local(h, m=0, d=25, mo=11):
    return datetime(2026, mo, d, h, m, tzinfo=BERLIN).astimezone(UTC)


@pytest.fixture
def tasks(svc):
    svc.add_project("Globex site", client="Globex")
    svc.add_project("Internal")
    return (
        svc.add_task("Globex site", "Homepage"),
        svc.add_task("Globex site", "Checkout"),
        svc.add_task("Internal", "Admin"),
    )


def test_starting_another_task_stops_the_running_one_at_the_same_instant(svc, clock, tasks):
    _, checkout, _ = tasks
    svc.start("Globex site/Homepage", at=local(9))
    clock.set(local(10))
    plan = svc.start(checkout.id)
    assert plan.stopped is not None
    first = svc.store.get_interval(plan.stopped.id)
    second = svc.store.running()
    assert first.ended_at == second.started_at == local(10)
    assert first.revision == 2
    assert second.task_id == checkout.id


def test_only_one_running_timer(svc, clock, tasks):
    svc.start("Homepage", at=local(9))
    svc.start("Admin", at=local(10))
    svc.start("Checkout", at=local(11))
    running = [e for e in svc.log() if e.ended_at is None]
    assert len(running) == 1
    assert sum(e.duration_seconds(clock.now()) for e in svc.log()) == 4 * 3600  # 09:00-13:00


def test_start_same_task_twice_is_refused(svc, tasks):
    svc.start("Homepage", at=local(9))
    with pytest.raises(InvalidInput, match="already running"):
        svc.start("Homepage")


def test_stop(svc, clock, tasks):
    svc.start("Homepage", at=local(9))
    e = svc.stop(at=local(11, 30))
    assert e.duration_seconds(clock.now()) == 9000
    with pytest.raises(NothingRunning):
        svc.stop()


def test_stop_in_the_same_second_leaves_no_entry(svc, tasks):
    svc.start("Homepage")
    assert svc.stop() is None
    assert svc.log() == []


def test_stop_before_start_or_in_the_future_is_refused(svc, clock, tasks):
    svc.start("Homepage", at=local(9))
    with pytest.raises(InvalidInput):
        svc.stop(at=local(8))
    with pytest.raises(InvalidInput, match="future"):
        svc.stop(at=clock.now() + timedelta(minutes=5))
    assert svc.store.running() is not None


def test_manual_entry_overlap_names_the_entry(svc, tasks):
    first = svc.add("Homepage", local(9), local(9, 45))
    with pytest.raises(OverlapError) as err:
        svc.add("Admin", local(9, 30), local(10))
    assert err.value.other_id == first.id
    assert "09:00–09:45" in str(err.value) and "Homepage" in str(err.value)
    # Touching ends are fine.
    svc.add("Admin", local(9, 45), local(10))


def test_manual_entry_overlapping_the_running_timer_is_refused(svc, tasks):
    running = svc.start("Homepage", at=local(9)).new
    with pytest.raises(OverlapError) as err:
        svc.add("Admin", local(10), local(10, 30))
    assert err.value.other_id == running.id
    svc.add("Admin", local(8), local(9))


def test_entry_spanning_several_reports_the_first(svc, tasks):
    a = svc.add("Homepage", local(8), local(9))
    svc.add("Homepage", local(10), local(11))
    with pytest.raises(OverlapError) as err:
        svc.add("Admin", local(7), local(10, 30))
    assert err.value.other_id == a.id


def test_bad_spans_are_refused(svc, clock, tasks):
    with pytest.raises(InvalidInput, match="before"):
        svc.add("Homepage", local(10), local(9))
    with pytest.raises(InvalidInput, match="zero"):
        svc.add("Homepage", local(10), local(10))
    with pytest.raises(InvalidInput, match="future"):
        svc.add("Homepage", local(12), local(14))
    assert svc.log() == []


def test_duration_entries_follow_the_days_last_entry_or_start_at_nine(svc, tasks):
    day = date(2026, 11, 24)
    first = svc.add("Homepage", duration=3600, day=day)
    assert first.started_at == local(9, d=24)
    second = svc.add("Admin", duration=1800, day=day)
    assert second.started_at == local(10, d=24)
    third = svc.add("Admin", duration=600, day=day, at=time(7))
    assert third.started_at == local(7, d=24)


def test_edit_raises_the_revision_and_checks_overlaps(svc, tasks):
    a = svc.add("Homepage", local(8), local(9))
    b = svc.add("Homepage", local(10), local(11))
    edited = svc.edit(a.id, end=local(9, 30), note="fixed")
    assert edited.revision == a.revision + 1
    assert edited.note == "fixed"
    with pytest.raises(OverlapError) as err:
        svc.edit(a.id, end=local(10, 30))
    assert err.value.other_id == b.id
    assert svc.store.get_interval(a.id).ended_at == local(9, 30)


def test_edit_moves_an_entry_to_another_task(svc, tasks):
    a = svc.add("Homepage", local(8), local(9))
    moved = svc.edit(a.id, task_ref="Internal/Admin")
    assert moved.task_title == "Admin" and moved.project_name == "Internal"


def test_delete_is_a_tombstone(svc, tasks):
    a = svc.add("Homepage", local(8), local(9))
    gone = svc.delete(a.id)
    assert gone.revision == a.revision + 1
    row = svc.store.get_interval(a.id)
    assert row is not None and row.deleted
    assert svc.log() == []
    with pytest.raises(NotFound):
        svc.delete(a.id)
    # The freed time can be used again.
    svc.add("Admin", local(8), local(9))


def test_split_keeps_the_total(svc, clock, tasks):
    a = svc.add("Homepage", local(8), local(10), note="n")
    first, second = svc.split(a.id[:10], local(9, 15))
    assert first.ended_at == second.started_at == local(9, 15)
    assert first.duration_seconds(clock.now()) + second.duration_seconds(clock.now()) == 7200
    assert second.note == "n" and second.task_id == a.task_id
    with pytest.raises(InvalidInput):
        svc.split(first.id, local(10))


def test_split_the_running_entry(svc, clock, tasks):
    svc.start("Homepage", at=local(9))
    first, second = svc.split(svc.store.running().id, local(10))
    assert first.ended_at == local(10)
    assert second.ended_at is None
    assert svc.store.running().id == second.id


def test_task_references(svc, tasks):
    home, _, admin = tasks
    assert svc.task("globex site/homepage").id == home.id
    assert svc.task(admin.id).id == admin.id
    assert svc.task(admin.id[:30]).id == admin.id
    with pytest.raises(Ambiguous):
        svc.task(admin.id[:8])  # UUIDv7 prefixes are time: tasks made together share them
    svc.add_task("Internal", "Homepage")
    with pytest.raises(Ambiguous):
        svc.task("Homepage")
    with pytest.raises(NotFound):
        svc.task("Nope/Nothing")


def test_project_names_are_unique_and_server_projects_are_read_only(svc, clock, tasks):
    with pytest.raises(InvalidInput):
        svc.add_project("internal")
    with svc.store.transaction():
        svc.store.insert_project(Project("srv-1", "Remote", origin=Origin.SERVER), clock.now())
    with pytest.raises(InvalidInput, match="server"):
        svc.set_project("Remote", screenshots=True)
    p = svc.set_project("Internal", screenshots=True, archived=True)
    assert p.screenshots and p.archived and p.revision == 2


def test_what_to_push_is_a_query(svc, clock, tasks):
    """Entries on server projects are pending until the server confirms their revision."""
    with svc.store.transaction():
        svc.store.insert_project(Project("srv-1", "Remote", origin=Origin.SERVER), clock.now())
    svc.add_task("Remote", "Work")
    local_entry = svc.add("Homepage", local(6), local(7))
    remote = svc.add("Remote/Work", local(8), local(9))
    assert svc.store.get_interval(local_entry.id).sync_state is SyncState.LOCAL
    assert svc.store.get_interval(remote.id).sync_state is SyncState.PENDING
    assert [e.id for e in svc.store.unpushed_intervals()] == [remote.id]
    # The sync engine records what the server accepted:
    with svc.store.transaction():
        svc.store.conn.execute(
            "UPDATE intervals SET synced_revision = revision, server_revision = revision "
            "WHERE id = ?",
            [remote.id],
        )
    assert svc.store.count_unpushed() == 0
    assert svc.store.get_interval(remote.id).sync_state is SyncState.SYNCED
    svc.edit(remote.id, note="changed")
    assert svc.store.count_unpushed() == 1
    svc.delete(remote.id)
    pending = svc.store.unpushed_intervals()
    assert [(e.id, e.deleted) for e in pending] == [(remote.id, True)]


def test_heartbeat_is_recorded_on_the_running_entry(svc, clock, tasks):
    assert svc.heartbeat() is False
    svc.start("Homepage", at=local(9))
    clock.advance(30)
    assert svc.heartbeat() is True
    assert svc.store.running().heartbeat_at == clock.now()
    rev = svc.store.running().revision
    assert rev == 1  # a beat is not a change to sync


def test_totals_through_the_service(svc, clock, tasks):
    svc.add("Homepage", local(23, 30, d=23), local(0, 30, d=24))
    svc.start("Admin", at=local(11))
    rows = {r.key: r.seconds for r in svc.totals("day")}
    assert rows == {"2026-11-23": 1800, "2026-11-24": 1800, "2026-11-25": 7200}  # 11:00-13:00
    by_project = {r.name: r.seconds for r in svc.totals("project")}
    assert by_project == {"Globex site": 3600, "Internal": 7200}
    status = svc.status()  # Wednesday 2026-11-25; the week began on Monday the 23rd
    assert (status.today_seconds, status.week_seconds) == (7200, 3600 + 7200)
    assert status.elapsed_seconds == 7200


def test_config(svc):
    assert svc.config_get("idle.threshold_minutes") == "5"
    assert svc.config_set("idle.threshold_minutes", "10") == "10"
    assert svc.config_list()["idle.threshold_minutes"] == "10"
    with pytest.raises(InvalidInput):
        svc.config_set("idle.threshold_minutes", "0")
    with pytest.raises(Exception, match="unknown setting"):
        svc.config_get("nope")
