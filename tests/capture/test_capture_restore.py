"""Restoring a deleted entry brings back the activity slots and screenshots its delete took
(`Tracker.restore`, `tracker restore`, the app's Undo), on a real store (SQLite file): same ids
and numbers, images back in place, nothing shown while deleted, sync told to send them again,
all or nothing, and nothing kept past the 24 h grace."""

from __future__ import annotations

from datetime import timedelta

import pytest
from capentry import E0, NOON, SLOTS, T0, jpeg, make_entry

from tracker.capture.slots import Slot
from tracker.errors import OverlapError
from tracker.store import capture as cs


@pytest.fixture
def entry(svc):
    return make_entry(svc)


def live_slots(svc) -> list[tuple]:
    return svc.store.conn.execute(
        "SELECT id, slot_start, slot_seconds, active_seconds, keyboard_events, mouse_events "
        "FROM activity_slots WHERE deleted = 0 ORDER BY slot_start"
    ).fetchall()


def shot_state(svc) -> dict[str, tuple]:
    """Live shots: id -> (sha256, image bytes, uploaded)."""
    return {s.id: (s.sha256, s.path.read_bytes(), s.uploaded) for s in svc.screenshots()}


def jpgs(svc, under: str = "screenshots") -> list:
    return sorted((svc.store.path.parent / under).rglob("*.jpg"))


def trash_rows(svc) -> int:
    return svc.store.conn.execute("SELECT COUNT(*) FROM capture_trash").fetchone()[0]


def make_server_project(svc):
    """Pretend the project came from a server, everything was pushed and one shot uploaded."""
    c = svc.store.conn
    with svc.store.transaction():
        c.execute("UPDATE projects SET origin = 'server'")
        c.execute("UPDATE intervals SET synced_revision = revision, server_revision = 1")
        c.execute("UPDATE activity_slots SET synced_revision = revision")
        c.execute(
            "UPDATE screenshots SET uploaded = 1, uploaded_at = 1, synced_revision = revision "
            "WHERE taken_at = ?",
            [E0 + 45 * 60],
        )


def test_restore_of_a_local_entry_brings_back_its_slots_and_screenshots_exactly(svc, entry):
    slots_before, shots_before = live_slots(svc), shot_state(svc)
    day = NOON.date()
    assert len(slots_before) == 6 and len(shots_before) == 3
    svc.delete(entry.id)
    # Deleted: shown nowhere, the images left screenshots/ (kept in the trash for a restore).
    assert live_slots(svc) == [] and svc.screenshots() == [] and svc.activity(day) == []
    assert jpgs(svc) == [] and len(jpgs(svc, "trash")) == 6
    assert svc.store.conn.execute("SELECT COUNT(*) FROM screenshots").fetchone() == (0,)

    back = svc.restore(entry.id)
    assert back.id == entry.id and not back.deleted
    assert live_slots(svc) == slots_before
    assert shot_state(svc) == shots_before  # same ids, same bytes, still not uploaded
    assert len(svc.activity(day)) == 6
    assert jpgs(svc, "trash") == [] and len(jpgs(svc)) == 6 and trash_rows(svc) == 0


def test_a_server_entry_restored_before_any_sync_is_as_it_was(svc, entry):
    make_server_project(svc)
    shots_before = shot_state(svc)
    svc.delete(entry.id)
    assert len(cs.pending_slots(svc.store, "", 100)) == 6  # the tombstones wait for sync
    assert len(cs.shot_tombstones(svc.store)) == 1
    svc.restore(entry.id)
    assert shot_state(svc) == shots_before  # the uploaded one is still the server's copy
    assert cs.shot_tombstones(svc.store) == []
    pending = cs.pending_slots(svc.store, "", 100)
    assert sorted(p.slot.id for p in pending) == [s[0] for s in SLOTS]
    assert not any(p.deleted for p in pending)  # upserts now, with the numbers they had
    assert [p.slot.active_seconds for p in pending] == [s[3] for s in SLOTS]
    assert cs.shots_to_relink(svc.store) == []  # nothing moved: no PATCH


def test_after_sync_handled_the_delete_restore_makes_sync_send_everything_again(svc, entry):
    make_server_project(svc)
    uploaded = next(s for s in svc.screenshots() if s.uploaded)
    others = {s.id for s in svc.screenshots() if not s.uploaded}
    svc.delete(entry.id)
    # What a sync does: the slot deletes are accepted, DELETE /screenshots/{id} answers 204.
    with svc.store.transaction():
        cs.mark_slots_synced(
            svc.store, [(p.slot.id, p.revision) for p in cs.pending_slots(svc.store, "", 100)]
        )
        for sid in cs.shot_tombstones(svc.store):
            cs.gone_on_server(svc.store, sid, lambda: "00000000-0000-7000-8000-00000000aaaa")
    assert svc.store.conn.execute("SELECT COUNT(*) FROM activity_slots").fetchone() == (0,)
    assert svc.store.conn.execute("SELECT COUNT(*) FROM screenshots").fetchone() == (0,)

    svc.restore(entry.id)
    pending = cs.pending_slots(svc.store, "", 100)
    assert sorted(p.slot.id for p in pending) == [s[0] for s in SLOTS]  # same ids: re-created
    assert not any(p.deleted for p in pending)
    now = {s.id: s for s in svc.screenshots()}
    assert others <= set(now) and uploaded.id not in now  # the server refuses that id now
    [new] = set(now) - others
    assert now[new].sha256 == uploaded.sha256 and not now[new].uploaded
    assert now[new].path.read_bytes() == uploaded.path.read_bytes()
    todo = {s.id for s in cs.shots_to_upload(svc.store, int(NOON.timestamp()))}
    assert new in todo and others <= todo


def test_restore_while_the_delete_was_on_its_way_re_ids_the_shot(svc, entry):
    make_server_project(svc)
    uploaded = next(s for s in svc.screenshots() if s.uploaded)
    svc.delete(entry.id)
    [sid] = cs.shot_tombstones(svc.store)  # sync read it and sent DELETE ...
    svc.restore(entry.id)  # ... the user restored meanwhile ...
    assert {s.id: s.uploaded for s in svc.screenshots()}[sid] is True
    with svc.store.transaction():  # ... and the server answered 204
        cs.gone_on_server(svc.store, sid, lambda: "00000000-0000-7000-8000-00000000bbbb")
    got = {s.id: s for s in svc.screenshots()}
    assert sid not in got and not got["00000000-0000-7000-8000-00000000bbbb"].uploaded
    assert got["00000000-0000-7000-8000-00000000bbbb"].sha256 == uploaded.sha256


def test_nothing_comes_back_after_the_grace_period_and_the_files_are_gone(svc, clock, entry):
    svc.delete(entry.id)
    clock.advance(hours=23, minutes=59)
    svc.purge_capture_trash()  # within the day: kept
    assert len(jpgs(svc, "trash")) == 6
    clock.advance(minutes=1)  # 24 h after the delete: the next purge (app start, hourly, sync)
    other = svc.add(entry.task_id, start=T0 + timedelta(hours=3), end=T0 + timedelta(hours=4))
    svc.save_activity([Slot("x", other.id, E0 + 3 * 3600, 600, 1, 1, 1)])
    svc.purge_capture_trash()
    assert jpgs(svc, "trash") == [] and jpgs(svc) == [] and trash_rows(svc) == 0
    svc.restore(entry.id)
    assert [r[0] for r in live_slots(svc)] == ["x"] and svc.screenshots() == []


def test_restore_after_the_grace_purges_first(svc, clock, entry):
    svc.delete(entry.id)
    clock.advance(hours=24)
    back = svc.restore(entry.id)
    assert not back.deleted and live_slots(svc) == [] and svc.screenshots() == []
    assert jpgs(svc, "trash") == [] and trash_rows(svc) == 0


def test_a_shot_whose_image_is_missing_stays_gone(svc, entry):
    shots_before = shot_state(svc)
    svc.delete(entry.id)
    victim = jpgs(svc, "trash")[0]
    victim.unlink()
    svc.restore(entry.id)
    assert len(live_slots(svc)) == 6
    assert len(svc.screenshots()) == 2 and set(shot_state(svc)) < set(shots_before)
    assert trash_rows(svc) == 0


def test_a_shot_deleted_by_the_user_before_the_entry_does_not_come_back(svc, entry):
    first = svc.screenshots()[0]
    svc.delete_screenshot(first.id)
    svc.delete(entry.id)
    svc.restore(entry.id)
    assert len(svc.screenshots()) == 2 and first.id not in shot_state(svc)


def test_a_refused_or_failing_restore_changes_nothing(svc, entry, monkeypatch):
    slots_before, shots_before = live_slots(svc), shot_state(svc)
    svc.delete(entry.id)
    blocker = svc.add(entry.task_id, start=T0 + timedelta(minutes=30), end=T0 + timedelta(hours=2))
    with pytest.raises(OverlapError):
        svc.restore(entry.id)
    assert live_slots(svc) == [] and svc.screenshots() == [] and trash_rows(svc) == 9
    svc.delete(blocker.id)

    calls = []

    def boom(store, row, gone, t, make_id):
        calls.append(row["id"])
        if len(calls) == 2:
            raise RuntimeError("disk on fire")
        return real(store, row, gone, t, make_id)

    real = cs._restore_shot
    monkeypatch.setattr(cs, "_restore_shot", boom)
    with pytest.raises(RuntimeError):
        svc.restore(entry.id)
    assert svc.store.get_interval(entry.id).deleted  # one transaction: all rolled back
    assert live_slots(svc) == [] and svc.screenshots() == [] and trash_rows(svc) == 9
    monkeypatch.setattr(cs, "_restore_shot", real)
    svc.restore(entry.id)  # an image moved back by the failed try is found where it is
    assert live_slots(svc) == slots_before and shot_state(svc) == shots_before


def test_a_slot_flushed_after_the_delete_comes_back_with_the_undo(svc, clock):
    svc.add_project("Globex")
    task = svc.add_task("Globex", "Homepage")
    clock.set(T0 + timedelta(minutes=15))
    e = svc.start(task.id, at=T0).new
    svc.save_activity([Slot("a", e.id, E0, 600, 100, 10, 5)])
    svc.save_activity([Slot("b", e.id, E0 + 600, 240, 60, 3, 2)])  # the open slot, part 1
    svc.delete(e.id)  # the running entry; the app then flushes what it counted since
    svc.save_activity([Slot("b2", e.id, E0 + 600, 300, 50, 4, 1)])
    svc.save_activity([Slot("c", e.id, E0 + 1200, 0, 0, 0, 0)])
    assert live_slots(svc) == []
    svc.restore(e.id)
    assert live_slots(svc) == [
        ("a", E0, 600, 100, 10, 5),
        ("b", E0 + 600, 300, 110, 7, 3),  # merged as a second flush of the slot is
        ("c", E0 + 1200, 0, 0, 0, 0),
    ]


def test_delete_restore_delete_restore(svc, entry):
    slots_before, shots_before = live_slots(svc), shot_state(svc)
    for _ in range(2):
        svc.delete(entry.id)
        assert live_slots(svc) == [] and svc.screenshots() == []
        svc.restore(entry.id)
        assert live_slots(svc) == slots_before and shot_state(svc) == shots_before
    assert trash_rows(svc) == 0


def test_cli_lists_nothing_while_deleted_and_everything_after_restore(cli):
    from zoneinfo import ZoneInfo

    from tracker.clock import SystemClock
    from tracker.service import Tracker
    from tracker.store import open_store

    store = open_store(cli.data_dir)
    try:
        t = Tracker(store, SystemClock(), ZoneInfo("Europe/Berlin"))
        t.add_project("Globex")
        task = t.add_task("Globex", "Homepage")
        e = t.add(task.id, start=T0, end=T0 + timedelta(hours=1))
        t.save_activity([Slot("s-1", e.id, E0, 600, 300, 12, 34)])
        shot = t.add_screenshot(e.id, T0 + timedelta(minutes=5), 0, 32, 16, jpeg(5),
                                jpeg(1), False)  # fmt: skip
    finally:
        store.close()
    day = T0.astimezone(ZoneInfo("Europe/Berlin")).date().isoformat()

    def listed() -> tuple[list, list]:
        acts = cli.ok("--json", "activity", "--date", day).json()
        shots = cli.ok("--json", "screenshots", "list", "--date", day).json()
        return [a["active_seconds"] for a in acts], [s["id"] for s in shots]

    assert listed() == ([300], [shot.id])
    cli.ok("delete", e.id)
    assert listed() == ([], [])
    assert cli.fails("screenshots", "delete", shot.id).err.startswith("tracker: no screenshot")
    cli.ok("restore", e.id)
    assert listed() == ([300], [shot.id])


def test_the_app_start_purges_what_is_past_the_grace(svc, clock, entry, qtbot):
    from tracker.app import build
    from tracker.ui.executor import InlineExecutor
    from tracker.ui.ports import NullAutostart

    svc.delete(entry.id)
    assert trash_rows(svc) == 9 and len(jpgs(svc, "trash")) == 6
    app = build(InlineExecutor(svc), svc.clock, svc.tz, tray_available=False,
                autostart=NullAutostart(), quit_app=lambda: None)  # fmt: skip
    qtbot.addWidget(app.window)
    app.start()  # within the day: kept for Undo
    app.controller.stop_background()
    assert trash_rows(svc) == 9
    clock.advance(hours=24)
    app.start()  # a day later (the app started again): gone from the disk
    app.controller.stop_background()
    assert trash_rows(svc) == 0 and jpgs(svc, "trash") == [] and jpgs(svc) == []
    assert svc.purge_capture_trash() == 0
