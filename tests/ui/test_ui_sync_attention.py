"""Sync needs attention: after a failed sync the tray icon gets a dot and the menu's sync line
says what is wrong in one line; a successful sync clears both. Against a real `tracker-server`
on loopback, through the real sync loop thread."""

from __future__ import annotations

import sys
from datetime import timedelta
from pathlib import Path

import pytest
from PySide6.QtGui import QColor
from uiutil import BERLIN

from tracker.sync.engine import SyncReport
from tracker.sync.loop import LoopResult
from tracker.ui.executor import Bridge
from tracker.ui.icons import ATTENTION
from tracker.ui.sync import EngineSync, attention_of

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "sync"))
from syncutil import ServerProc, free_port, make_team, sign_in


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    s = ServerProc(tmp_path_factory.mktemp("attention-server"))
    s.setup()
    s.start()
    yield s
    s.stop()


@pytest.fixture
def app(harness, svc, monkeypatch):
    monkeypatch.setenv("TRACKER_TOKEN", "not-yet")
    monkeypatch.setenv("TRACKER_SERVER", f"http://127.0.0.1:{free_port()}")  # nobody listens
    sync = EngineSync(svc.store.path.parent, BERLIN, Bridge(), interval_seconds=3600)
    a = harness.make(sync=sync)
    yield a
    sync.stop()


def has_dot(tray) -> bool:
    image = tray.icon.icon().pixmap(64, 64).toImage()
    return image.pixelColor(50, 14) == ATTENTION


def sync_now(app, qtbot, first: bool = False) -> None:
    with qtbot.waitSignal(app.controller.sync_changed, timeout=60_000):
        if first:
            app.controller.start_sync()
        else:
            app.controller.retry_sync()


def sync_line(app) -> str:
    app.tray.menu.aboutToShow.emit()
    return app.tray.sync_action.text()


def test_the_dot_and_the_line_follow_the_last_sync(app, server, svc, qtbot, monkeypatch, harness):
    tray = app.tray
    assert not has_dot(tray) and sync_line(app) == "Not synced yet"

    sync_now(app, qtbot, first=True)  # the server does not answer
    assert sync_line(app) == "Sync: server unreachable — will retry"
    assert has_dot(tray)
    assert tray.icon.toolTip() == "Tracker: nothing running\nSync: server unreachable — will retry"
    assert app.window.sync_label.text() == "Sync: server unreachable — will retry"
    with qtbot.waitSignal(app.controller.sync_changed, timeout=60_000):
        tray.sync_action.trigger()  # "try again now": another sync, no dialog
    assert harness.opened == [] and has_dot(tray)

    team = make_team(server)
    token = sign_in(server.url, team.email, "ui").token
    monkeypatch.setenv("TRACKER_SERVER", server.url)
    monkeypatch.setenv("TRACKER_TOKEN", token)
    sync_now(app, qtbot)
    assert sync_line(app) == "Synced just now"
    assert not has_dot(tray) and tray.icon.toolTip() == "Tracker: nothing running"

    # The server refuses an entry (its period is locked): one entry needs attention.
    server.sql("UPDATE workspace SET lock_before = :t", t=2**40)
    task = team.tasks[0]["id"]
    now = svc.clock.now()
    e = svc.add(task, start=now - timedelta(hours=2), end=now - timedelta(hours=1))
    sync_now(app, qtbot)
    assert svc.store.get_interval(e.id).sync_state.value == "rejected"
    assert sync_line(app) == "Sync: 1 entry needs attention · 1 pending"
    assert has_dot(tray)

    # Deleting it (a tombstone the server accepts) leaves nothing to attend to.
    server.sql("UPDATE workspace SET lock_before = NULL")
    svc.delete(e.id)
    sync_now(app, qtbot)
    assert sync_line(app) == "Synced just now" and not has_dot(tray)

    # A revoked or wrong token: 401, sign in again; the line opens the Sign in dialog.
    monkeypatch.setenv("TRACKER_TOKEN", "revoked")
    sync_now(app, qtbot)
    assert sync_line(app) == "Sync: sign in again"
    assert has_dot(tray)
    tray.sync_action.trigger()
    assert harness.opened[-1].windowTitle() == "Sign in"


def test_attention_lines():
    ok = LoopResult(True, SyncReport(problems={"conflict": 1, "rejected": 1}))
    assert attention_of(ok, None).line == "Sync: 2 entries need attention"
    assert attention_of(LoopResult(True, SyncReport()), None) is None
    failed = LoopResult(False, error="the server refused the batch (422)\nmore")
    assert attention_of(failed, RuntimeError()).line == (
        "Sync failed: the server refused the batch (422) — will retry"
    )


def test_never_signed_in_is_no_problem(harness, svc, monkeypatch):
    monkeypatch.delenv("TRACKER_TOKEN", raising=False)
    sync = EngineSync(svc.store.path.parent, BERLIN, Bridge(), interval_seconds=3600)
    sync.problem = attention_of(LoopResult(False, error="no token", needs_sign_in=True), None)
    a = harness.make(sync=sync)
    assert a.controller.sync_attention() is None
    a.tray.menu.aboutToShow.emit()
    assert a.tray.sync_action.text() == "Not signed in · Sign in…"
    assert a.tray.icon.icon().pixmap(64, 64).toImage().pixelColor(50, 14) != QColor(ATTENTION)
