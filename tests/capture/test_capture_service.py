"""The service side of capture on a real store: slots, away answers, screenshots, review."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tracker.capture.ports import synthetic
from tracker.capture.shots import encode
from tracker.capture.slots import Slot
from tracker.errors import InvalidInput, NotFound

NOON = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


@pytest.fixture
def running(svc, clock):
    svc.add_project("Globex")
    home = svc.add_task("Globex", "Homepage")
    admin = svc.add_task("Globex", "Admin")
    plan = svc.start(home.id, at=NOON - timedelta(hours=1))
    return plan.new, home, admin


def live(svc):
    return [(e.task_title, e.started_at, e.ended_at, e.note) for e in svc.log()]


def test_slots_are_stored_linked_to_the_interval_and_a_second_flush_adds(svc, running):
    e, *_ = running
    t0 = int((NOON - timedelta(minutes=30)).timestamp())
    svc.save_activity([Slot("s1", e.id, t0, 300, 100, 40, 7)])
    svc.save_activity([Slot("s2", e.id, t0, 600, 250, 10, 3)])  # same slot again (restart)
    (row,) = svc.activity()
    assert row.slot.id == "s1" and row.slot.interval_id == e.id
    assert (row.slot.slot_seconds, row.slot.active_seconds) == (600, 350)
    assert (row.slot.keyboard_events, row.slot.mouse_events) == (50, 10)
    assert row.task_title == "Homepage" and row.project_name == "Globex"
    rev = svc.store.conn.execute("SELECT revision, synced_revision FROM activity_slots").fetchone()
    assert rev == (2, 0)  # the upload (later) sees it as changed


AWAY = (NOON - timedelta(minutes=40), NOON - timedelta(minutes=10))


def test_keep_changes_nothing(svc, running):
    e, *_ = running
    before = live(svc)
    assert svc.resolve_away(e.id, *AWAY, "keep") == "Kept the away time"
    assert live(svc) == before


def test_discard_and_continue_cuts_the_away_time_out(svc, running):
    e, *_ = running
    svc.resolve_away(e.id, *AWAY, "discard")
    assert live(svc) == [
        ("Homepage", NOON - timedelta(hours=1), AWAY[0], ""),
        ("Homepage", AWAY[1], None, ""),
    ]
    assert svc.running().heartbeat_at is not None


def test_discard_and_stop_ends_the_entry_where_the_away_time_began(svc, running):
    e, *_ = running
    svc.resolve_away(e.id, *AWAY, "stop")
    assert live(svc) == [("Homepage", NOON - timedelta(hours=1), AWAY[0], "")]
    assert svc.running() is None


def test_assign_moves_the_away_time_to_another_task(svc, running):
    e, _home, admin = running
    svc.resolve_away(e.id, *AWAY, "assign", admin.id)
    assert live(svc) == [
        ("Homepage", NOON - timedelta(hours=1), AWAY[0], ""),
        ("Admin", AWAY[0], AWAY[1], ""),
        ("Homepage", AWAY[1], None, ""),
    ]
    with pytest.raises(InvalidInput):
        svc.resolve_away(svc.running().id, NOON - timedelta(minutes=5), NOON, "assign")


def test_separate_entry_keeps_the_time_as_its_own_entry(svc, running):
    e, *_ = running
    svc.resolve_away(e.id, *AWAY, "separate")
    assert live(svc) == [
        ("Homepage", NOON - timedelta(hours=1), AWAY[0], ""),
        ("Homepage", AWAY[0], AWAY[1], "Away"),
        ("Homepage", AWAY[1], None, ""),
    ]


def test_queued_periods_follow_the_entry_after_an_earlier_answer(svc, running):
    e, *_ = running
    first = (NOON - timedelta(minutes=50), NOON - timedelta(minutes=40))
    second = (NOON - timedelta(minutes=20), NOON - timedelta(minutes=10))
    svc.resolve_away(e.id, *first, "discard")
    svc.resolve_away(e.id, *second, "discard")  # the old id no longer covers it
    assert [(s, t) for _, s, t, _ in live(svc)] == [
        (NOON - timedelta(hours=1), first[0]),
        (first[1], second[0]),
        (second[1], None),
    ]


def test_away_from_the_very_start_drops_the_head(svc, running):
    e, *_ = running
    svc.resolve_away(e.id, NOON - timedelta(hours=2), NOON - timedelta(minutes=30), "discard")
    assert live(svc) == [("Homepage", NOON - timedelta(minutes=30), None, "")]


def shot(svc, e, blurred=False, at=NOON):
    enc = encode(synthetic(1, 160, 100), blurred)
    return svc.add_screenshot(e.id, at, 1, 160, 100, enc.jpeg, enc.thumb, blurred)


def test_screenshots_are_files_under_the_data_dir_with_a_row(svc, running):
    e, *_ = running
    s = shot(svc, e)
    data = svc.store.path.parent
    assert s.path.is_file() and s.thumb.is_file()
    assert s.path.is_relative_to(data / "screenshots")
    assert not s.uploaded and not s.blurred and not s.deleted
    assert [x.id for x in svc.screenshots()] == [s.id]
    assert svc.review_ends(s) == NOON + timedelta(minutes=10)
    svc.config_set("screenshots.review_minutes", "30")
    assert svc.review_ends(s) == NOON + timedelta(minutes=30)


def test_blur_during_review_rewrites_the_file_and_the_hash(svc, running):
    e, *_ = running
    s = shot(svc, e)
    before = s.path.read_bytes()
    b = svc.blur_screenshot(s.id)
    assert b.blurred and b.sha256 != s.sha256 and b.path.read_bytes() != before


def test_delete_before_upload_removes_row_and_files(svc, running):
    e, *_ = running
    s = shot(svc, e)
    svc.delete_screenshot(s.id[:13])
    assert not s.path.exists() and not s.thumb.exists()
    assert svc.screenshots() == []
    assert svc.store.conn.execute("SELECT COUNT(*) FROM screenshots").fetchone()[0] == 0
    with pytest.raises(NotFound):
        svc.delete_screenshot(s.id)


def test_delete_after_upload_keeps_a_tombstone_for_sync(svc, running):
    e, *_ = running
    s = shot(svc, e)
    svc.store.conn.execute("UPDATE screenshots SET uploaded = 1, synced_revision = revision")
    svc.delete_screenshot(s.id)
    assert not s.path.exists()
    row = svc.store.conn.execute(
        "SELECT deleted, revision > synced_revision FROM screenshots"
    ).fetchone()
    assert row == (1, 1)
    assert svc.screenshots() == []
