"""Crash recovery: a stale heartbeat is asked about; a timer with no beat yet is adopted."""

from __future__ import annotations

from datetime import timedelta

import pytest
from uiutil import local

from tracker.ui.recovery import TimerState, classify


@pytest.fixture
def crashed(svc, seeded):
    """Homepage started 10:00 and last beat at 11:42; the app died; now it is 13:00."""
    svc.start(seeded["home"].id, at=local("10:00"))
    running = svc.running()
    with svc.store.transaction():
        svc.store.beat(running.id, local("11:42"))
    return running


def test_classify():
    assert classify(None, local("12:00"), 30) is TimerState.IDLE


def test_stale_heartbeat_asks_and_ends_at_the_last_beat(harness, svc, crashed):
    app = harness.make()
    [d] = app.dialogs
    assert d.isVisible()
    assert d.text.text() == "Homepage was running; the app was last alive at 11:42."
    assert d.end_button.text() == "End it at 11:42"
    assert svc.running().heartbeat_at == local("11:42")  # no beat while the question is open
    app.controller.heartbeat()
    assert svc.running().heartbeat_at == local("11:42")

    d.end_button.click()
    assert svc.running() is None
    [e] = [e for e in svc.log() if e.id == crashed.id]
    assert e.ended_at == local("11:42")
    assert app.dialogs == []
    assert app.window.cards  # refreshed


def test_keep_it_running_resumes_the_beats(harness, svc, crashed):
    app = harness.make()
    [d] = app.dialogs
    d.keep_button.click()
    running = svc.running()
    assert running.id == crashed.id and running.heartbeat_at == svc.clock.now()
    svc.clock.advance(30)
    app.controller.heartbeat()
    assert svc.running().heartbeat_at == svc.clock.now()


def test_choose_a_time(harness, svc, crashed):
    app = harness.make()
    [d] = app.dialogs
    d.choose_button.click()
    assert d.picker.isVisible()
    d.end_at(local("12:10"))
    [e] = [e for e in svc.log() if e.id == crashed.id]
    assert e.ended_at == local("12:10")


def test_escape_ends_it_at_the_last_beat(harness, svc, crashed):
    app = harness.make()
    app.dialogs[0].reject()
    assert svc.log()[-1].ended_at == local("11:42")


def test_yesterday_is_said(harness, svc, seeded):
    svc.delete(svc.log()[0].id)  # the running entry would overlap today's 09:00–09:45
    svc.start(seeded["home"].id, at=local("17:00", "2026-11-24"))
    with svc.store.transaction():
        svc.store.beat(svc.running().id, local("17:42", "2026-11-24"))
    app = harness.make()
    assert app.dialogs[0].text.text() == (
        "Homepage was running; the app was last alive at 17:42 (yesterday)."
    )


def test_a_timer_without_beats_is_adopted_silently(harness, svc, seeded):
    svc.start(seeded["home"].id, at=local("10:00"))  # e.g. from the `tracker` command
    assert svc.running().heartbeat_at is None
    app = harness.make()
    assert app.dialogs == []
    assert svc.running().heartbeat_at == svc.clock.now()


def test_a_recent_beat_is_not_a_crash(harness, svc, seeded):
    svc.start(seeded["home"].id, at=local("10:00"))
    with svc.store.transaction():
        svc.store.beat(svc.running().id, svc.clock.now() - timedelta(seconds=59))
    app = harness.make()  # 59 s < 2 × 30 s
    assert app.dialogs == []


def test_the_threshold_follows_the_setting(harness, svc, seeded):
    svc.config_set("heartbeat.seconds", "300")
    svc.start(seeded["home"].id, at=local("10:00"))
    with svc.store.transaction():
        svc.store.beat(svc.running().id, svc.clock.now() - timedelta(minutes=9))
    app = harness.make()
    assert app.dialogs == []
    assert app.controller.heartbeat_seconds == 300


def test_a_gap_while_running_is_asked_about_too(harness, svc, seeded):
    """Suspend and resume: the app was alive, but its beats stopped for a while."""
    app = harness.make()
    app.controller.start(seeded["home"].id)
    svc.clock.advance(3600)
    app.controller.heartbeat()
    [d] = app.dialogs
    assert d.end_button.text() == "End it at 13:00"
