"""Reminders in the app, offscreen with fakes and a fake clock: "You are not tracking" after the
configured minutes of input with no timer, "Still working on X?" after a long timer, each as the
tray's notification (never a dialog) whose click does its one action."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from capapp import NOON, capture_app


@pytest.fixture
def app(svc, qtbot, fakes, ids):
    home = svc.add_task(svc.add_project("Globex").id, "Homepage")
    svc.add(home.id, start=NOON - timedelta(hours=2), end=NOON - timedelta(hours=1))
    svc.config_set("reminders.not_tracking_minutes", "10")
    svc.config_set("reminders.long_timer_hours", "1")
    a = capture_app(svc, qtbot, fakes, ids, NOON.timestamp(), tray=True)
    a.messages = []
    a.tray.icon.showMessage = lambda *args: a.messages.append(args[:2])
    yield a
    a.tray.hide()
    a.capture.shutdown()


def tick(app, seconds: int, step: int = 5, typing: int = 1, idle: float = 0.0) -> None:
    for _ in range(seconds // step):
        app.wall.t += step
        app.controller.clock.set(datetime.fromtimestamp(app.wall.t, UTC))
        app.capture.backends.idle.idle = idle
        app.capture.backends.input.type(typing)
        app.capture.tick()


def test_not_tracking_after_the_configured_minutes_and_a_click_starts_the_last_task(app, svc):
    tick(app, 9 * 60)
    assert app.messages == []
    tick(app, 2 * 60)  # ten minutes after the first input was seen
    assert len(app.messages) == 1
    title, text = app.messages[0]
    assert title == "You are not tracking"
    assert "10 min" in text and "Globex / Homepage" in text
    assert app.dialogs == [] and app.away_dialog is None  # never modal
    app.tray.icon.messageClicked.emit()
    running = svc.running()
    assert running is not None and running.task_title == "Homepage"
    app.tray.icon.messageClicked.emit()  # a second click does nothing more
    assert len(svc.log()) == 2


def test_no_reminder_while_away_from_the_keyboard(app):
    tick(app, 30 * 60, typing=0, idle=3600)
    assert app.messages == []


def test_still_working_after_the_long_timer_and_a_click_stops_it(app, svc):
    app.controller.start(svc.task("Globex/Homepage").id)
    tick(app, 59 * 60, step=30)
    assert app.messages == []
    tick(app, 90, step=30)
    assert app.messages == [
        ("Still working on Globex / Homepage?", "The timer has run for 1 h. Click to stop it now.")
    ]
    app.tray.icon.messageClicked.emit()
    assert svc.running() is None


def test_an_error_notification_is_not_a_reminder(app, svc):
    app.tray.notify("Tracker", "Something failed", warning=True)
    app.tray.icon.messageClicked.emit()
    assert svc.running() is None
