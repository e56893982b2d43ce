"""Capture in the app, offscreen with fakes and the executor inline: the engine ticks by hand,
the Away dialog cannot be clicked past and queues periods, the tabs show slots and shots."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from capapp import capture_app
from PySide6.QtCore import Qt

from tracker.app import build
from tracker.capture.backends import choose
from tracker.ui.executor import InlineExecutor
from tracker.ui.ports import NullAutostart

BERLIN = ZoneInfo("Europe/Berlin")
NOON = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


@pytest.fixture
def app(svc, qtbot, fakes, ids):
    svc.add_project("Globex")
    home = svc.add_task("Globex", "Homepage")
    svc.add_task("Globex", "Admin")
    svc.start(home.id, at=NOON - timedelta(minutes=30))
    a = capture_app(svc, qtbot, fakes, ids, NOON.timestamp())
    yield a
    if a.away_dialog is not None:
        a.away_dialog._done = True
        a.away_dialog.close()
    a.capture.shutdown()


def tick(app, seconds: int, idle=None, typing=0) -> None:
    for _ in range(seconds):
        app.wall.t += 1
        app.controller.clock.set(datetime.fromtimestamp(app.wall.t, UTC))
        if idle is not None:
            app.capture.backends.idle.idle = idle(app.wall.t)
        app.capture.backends.input.type(typing)
        app.capture.tick()


def test_activity_is_recorded_per_slot_and_shown_in_the_tab(app, svc):
    assert app.capture.engine.tracking is not None
    tick(app, 700, typing=1)  # ticks 12:00:01–12:11:40: crosses the 12:10 slot boundary
    rows = svc.activity()
    assert [(r.slot.slot_seconds, r.slot.active_seconds) for r in rows] == [(600, 600)]
    app.controller.stop()  # the open slot is flushed on stop
    rows = svc.activity()
    assert [(r.slot.slot_seconds, r.slot.active_seconds) for r in rows] == [(600, 600), (100, 100)]
    assert rows[1].slot.keyboard_events == 100
    tab = app.window.activity_tab
    assert tab.table.rowCount() == 2
    assert tab.table.cellWidget(1, 1).value() == 100
    assert app.window.tabs.tabText(2) == "&Activity"


def test_idle_past_the_threshold_opens_one_modal_away_dialog(app, svc, qtbot):
    app.capture.set_threshold_seconds(60)
    start = app.wall.t
    tick(app, 200, idle=lambda t: t - start)  # no input since `start`
    assert app.away_dialog is None  # still away: nothing asked yet
    tick(app, 1, idle=lambda t: 0.5)  # the user is back
    d = app.away_dialog
    assert d is not None and d.isVisible() and d.isModal()
    assert d.text.text().startswith("You were away from 13:00 to 13:03 (3 min)")
    assert "while tracking Homepage" in d.text.text()
    d.reject()  # Escape
    d.close()
    assert d.isVisible()  # cannot be clicked past
    qtbot.mouseClick(d.discard_button, Qt.MouseButton.LeftButton)
    assert not d.isVisible() and app.away_dialog is None
    entries = svc.log()
    assert [(e.started_at, e.ended_at) for e in entries] == [
        (NOON - timedelta(minutes=30), NOON),
        (datetime.fromtimestamp(start + 200, UTC), None),
    ]


def test_several_away_periods_queue_in_one_dialog(app, svc):
    app.capture.set_threshold_seconds(60)
    for _ in range(2):
        start = app.wall.t
        tick(app, 120, idle=lambda t, s=start: t - s)
        tick(app, 5, idle=lambda t: 0.0)
    d = app.away_dialog
    assert len(d.periods) == 2 and d.queue.count() == 2
    d.answer("keep")
    assert d.isVisible() and len(d.periods) == 1
    d.answer("separate")
    assert not d.isVisible()
    notes = [e.note for e in svc.log()]
    assert notes.count("Away") == 1


def test_assign_to_from_the_dialog(app, svc):
    app.capture.set_threshold_seconds(60)
    start = app.wall.t
    tick(app, 100, idle=lambda t: t - start)
    tick(app, 1, idle=lambda t: 0.0)
    d = app.away_dialog
    d.assign_button.click()
    assert d.picker.isVisibleTo(d)
    d.picker.setCurrentText("Globex / Admin")
    d.picker_ok.click()
    assert [e.task_title for e in svc.log()] == ["Homepage", "Admin", "Homepage"]


def test_screenshots_only_on_projects_that_switch_them_on(app, svc):
    tick(app, 1199)  # up to 12:19:59
    assert app.capture.shots_taken == 0 and app.capture.backends.grabber.grabs == 0
    svc.set_project("Globex", screenshots=True)
    svc.config_set("screenshots.per_slot", "3")
    app.controller.refresh()
    tick(app, 1200)
    assert app.capture.shots_taken == 6
    shots = svc.screenshots()
    assert len(shots) == 6 and all(s.path.is_file() for s in shots)
    tab = app.window.screenshots_tab
    assert tab.grid.count() == 6
    assert "stays on this computer" in tab.grid.item(0).text()
    tab.grid.setCurrentRow(0)
    tab.blur_selected()
    assert svc.screenshot(shots[0].id).blurred
    tab.grid.setCurrentRow(1)
    tab.delete_selected()
    assert tab.grid.count() == 5 and len(svc.screenshots()) == 5


def test_no_screenshot_while_idle(app, svc):
    svc.set_project("Globex", screenshots=True, blur=True)
    app.controller.refresh()
    tick(app, 1800, idle=lambda t: 10_000.0)  # away the whole time
    assert app.capture.backends.grabber.grabs == 0


def test_blur_per_project_blurs_at_capture(app, svc):
    svc.set_project("Globex", screenshots=True, blur=True)
    app.controller.refresh()
    tick(app, 1200)
    assert svc.screenshots() and all(s.blurred for s in svc.screenshots())


def test_with_no_display_every_capture_feature_says_why_and_tracking_works(svc, qtbot, ids):
    backends = choose(env={}, platform="linux")
    lines = backends.unavailable()
    assert len(lines) == 3 and all("no X display" in line for line in lines)
    wayland = choose(env={"WAYLAND_DISPLAY": "wayland-0"}, platform="linux").unavailable()
    assert all("Wayland" in line for line in wayland)
    svc.add_project("P")
    task = svc.add_task("P", "T")
    a = build(InlineExecutor(svc), svc.clock, BERLIN, tray_available=False,
              autostart=NullAutostart(), quit_app=lambda: None, capture=backends,
              make_id=ids)  # fmt: skip
    a.capture.wall = lambda: svc.clock.now().timestamp()  # the test's clock, not the real one
    a.window.open_dialog = lambda d: d.show()
    qtbot.addWidget(a.window)
    a.start()
    a.controller.stop_background()
    a.capture._timer.stop()
    a.controller.start(task.id)
    a.capture.tick()
    svc.clock.advance(60)
    a.controller.stop()
    assert [e.duration_seconds(svc.clock.now()) for e in svc.log()] == [60]
    assert "no X display" in a.window.activity_tab.summary.text()
    a.capture.shutdown()
