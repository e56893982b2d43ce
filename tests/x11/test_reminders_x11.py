"""A reminder on a real X display with a real tray (trayer): after the configured minutes of
input with no timer (a fake clock drives the minutes), the tray's notification appears on the
screen, is not modal, and a click on it starts the last task."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from PySide6.QtWidgets import QApplication, QSystemTrayIcon
from x11util import click, screenshot

from tracker.app import build
from tracker.capture.backends import Backends
from tracker.capture.engine import CaptureEngine
from tracker.capture.ports import FakeGrabber, FakeIdle, FakeInput, FakeSuspend
from tracker.clock import FixedClock
from tracker.service import Tracker
from tracker.store import open_store
from tracker.ui.executor import InlineExecutor
from tracker.ui.ports import NullAutostart

TZ = ZoneInfo("Europe/Berlin")
NOON = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


def _balloons():
    return [w for w in QApplication.topLevelWidgets()
            if w.metaObject().className() == "QBalloonTip" and w.isVisible()]  # fmt: skip


@pytest.fixture
def app(qtbot, tmp_path, tray_host):
    qtbot.waitUntil(QSystemTrayIcon.isSystemTrayAvailable, timeout=5000)
    store = open_store(tmp_path / "data")
    svc = Tracker(store, FixedClock(NOON), TZ)
    svc.add_project("Globex site")
    home = svc.add_task("Globex site", "Homepage")
    svc.add(home.id, start=NOON - timedelta(hours=2), end=NOON - timedelta(hours=1))
    svc.config_set("reminders.not_tracking_minutes", "5")
    fakes = Backends(FakeInput(), FakeIdle(), FakeGrabber(160, 100), FakeSuspend())
    a = build(InlineExecutor(svc), svc.clock, TZ, tray_available=True, capture=fakes,
              autostart=NullAutostart(), quit_app=lambda: None)  # fmt: skip
    a.capture.engine = CaptureEngine(fakes, lambda: "x", rng=random.Random(1))
    a.svc = svc
    qtbot.addWidget(a.window)
    a.start()
    a.controller.stop_background()
    a.capture._timer.stop()  # ticks by hand, on the fake clock
    yield a
    a.capture.shutdown()
    a.tray.hide()
    store.close()


def test_the_not_tracking_notification_appears_and_a_click_starts_the_last_task(
    qtbot, app, artifacts
):
    right = QApplication.primaryScreen().geometry().width() - 200
    qtbot.waitUntil(lambda: app.tray.icon.geometry().left() > right, timeout=5000)
    wall = NOON.timestamp()
    app.capture.wall = lambda: wall
    for minute in range(6):  # typing, a tick every 30 s, for six minutes
        for _ in range(2):
            wall += 30
            app.svc.clock.set(datetime.fromtimestamp(wall, UTC))
            app.capture.backends.input.type(3)
            app.capture.tick()
        if minute < 4:
            assert _balloons() == []
    qtbot.waitUntil(lambda: len(_balloons()) == 1, timeout=5000)
    balloon = _balloons()[0]
    assert QApplication.activeModalWidget() is None
    qtbot.wait(200)  # let it paint before the screenshot
    shot = screenshot(artifacts / "reminder-not-tracking.png", crop="640x300+640+0")
    assert shot.stat().st_size > 1000
    geo = balloon.geometry()
    click(geo.center().x(), geo.center().y())
    qtbot.waitUntil(lambda: app.svc.running() is not None, timeout=5000)
    assert app.svc.running().task_title == "Homepage"
