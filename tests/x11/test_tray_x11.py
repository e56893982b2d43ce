"""The real tray under Xvfb with trayer: the icon appears, its menu opens on a right click and
starts a timer; screenshots go to test-artifacts/."""

from __future__ import annotations

import re
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from PySide6.QtWidgets import QApplication, QSystemTrayIcon
from x11util import click, screenshot

from tracker.app import build
from tracker.clock import SystemClock
from tracker.service import Tracker
from tracker.store import open_store
from tracker.ui.executor import Bridge, DbThreadExecutor
from tracker.ui.ports import NullAutostart

TZ = ZoneInfo("Europe/Berlin")
CROP = "640x380+640+0"  # the top right of the 1280x800 screen (see scripts/test.sh)


@pytest.fixture
def data_dir(tmp_path):
    d = tmp_path / "data"
    store = open_store(d)
    t = Tracker(store, SystemClock(), TZ)
    t.add_project("Globex site")
    t.add_project("Internal")
    home = t.add_task("Globex site", "Homepage")
    t.add_task("Globex site", "Checkout")
    admin = t.add_task("Internal", "Admin")
    now = SystemClock().now()
    t.add(admin.id, start=now - timedelta(hours=3), end=now - timedelta(hours=2))
    t.add(home.id, start=now - timedelta(hours=2), end=now - timedelta(minutes=30))
    store.close()
    return d


@pytest.fixture
def real_app(qtbot, data_dir, tray_host):
    qtbot.waitUntil(QSystemTrayIcon.isSystemTrayAvailable, timeout=5000)
    clock = SystemClock()
    executor = DbThreadExecutor(lambda: Tracker(open_store(data_dir), clock, TZ), Bridge())
    app = build(executor, clock, TZ, tray_available=True, autostart=NullAutostart(),
                quit_app=lambda: None)  # fmt: skip
    qtbot.addWidget(app.window)
    with qtbot.waitSignal(app.controller.changed, timeout=5000):
        app.start()
    yield app
    app.shutdown()


def _open_menu(qtbot, app):
    geo = app.tray.icon.geometry()
    click(geo.center().x(), geo.center().y(), button=3)
    qtbot.waitUntil(app.tray.menu.isVisible, timeout=5000)
    qtbot.wait(200)  # let the menu paint before a screenshot


def test_icon_appears_and_menu_starts_a_timer(qtbot, real_app, artifacts):
    app = real_app
    assert QApplication.platformName() == "xcb"
    # The icon is embedded in trayer, at the top right of the screen.
    right = QApplication.primaryScreen().geometry().width() - 200
    qtbot.waitUntil(lambda: app.tray.icon.geometry().left() > right, timeout=5000)
    geo = app.tray.icon.geometry()
    assert app.tray.icon.isVisible() and geo.top() < 40 and geo.width() > 0

    _open_menu(qtbot, app)
    assert app.tray.menu.actions()[0].text() == "Tracker: nothing running"
    start = app.tray.action("Start Globex site / Homepage")
    assert start is not None
    shot = screenshot(artifacts / "tray-menu-stopped.png", crop=CROP)
    assert shot.stat().st_size > 1000

    # Click "Start …" with the real pointer.
    rect = app.tray.menu.actionGeometry(start)
    pos = app.tray.menu.mapToGlobal(rect.center())
    with qtbot.waitSignal(app.controller.changed, timeout=5000):
        click(pos.x(), pos.y())
    assert app.controller.running is not None
    assert app.controller.running.task_title == "Homepage"
    qtbot.waitUntil(lambda: not app.tray.menu.isVisible(), timeout=3000)

    qtbot.wait(1100)
    _open_menu(qtbot, app)
    head = app.tray.menu.actions()[0].text()
    # Counting from the start (seconds, not 01:30:00 of the earlier entry); a loaded machine may
    # take several seconds to open the menu, so allow up to a minute.
    assert re.fullmatch(r"● Globex site / Homepage   00:00:[0-5]\d", head), head
    screenshot(artifacts / "tray-menu-running.png", crop=CROP)
    app.tray.menu.hide()


def test_main_window_on_x11(qtbot, real_app, artifacts):
    app = real_app
    with qtbot.waitSignal(app.controller.changed, timeout=5000):
        app.controller.start(app.controller.overview.recent[0].id)
    app.open_window()
    qtbot.waitExposed(app.window)
    qtbot.wait(1200)  # one tick of the running card
    assert app.window.tick.isActive()
    card = app.window.cards[app.controller.running.task_id]
    # The finished 01:30:00 plus the running seconds (up to a minute on a loaded machine).
    assert re.fullmatch(r"Tracked Time: 01:30:[0-5]\d", card.tracked.text()), card.tracked.text()
    assert app.window.grab().save(str(artifacts / "main-window.png"))
    # The Day tab with its timeline strip: today's running entry is drawn.
    app.window.tabs.setCurrentIndex(1)
    qtbot.waitUntil(lambda: app.window.timeline.isVisible(), timeout=3000)
    tl = app.window.timeline
    qtbot.waitUntil(lambda: tl.strip is not None and len(tl.strip.blocks) >= 1, timeout=3000)
    assert app.window.grab().save(str(artifacts / "day-tab.png"))


def test_quick_start_box_on_x11(qtbot, real_app, artifacts):
    """Ctrl+K, type, the completion offers the tasks; "Project / New task" + Enter creates it
    and starts the timer. The picture in docs/desktop.md is the box with its completion open."""
    from PySide6.QtCore import Qt

    app = real_app
    app.open_window()
    w = app.window
    qtbot.waitExposed(w)
    w.quick_action.trigger()
    qtbot.keyClicks(w.quick, "glo")
    popup = w.quick.completer_.popup()
    qtbot.waitUntil(popup.isVisible, timeout=3000)
    qtbot.wait(300)  # let the popup paint
    top_left = w.mapToGlobal(w.rect().topLeft())
    crop = f"{w.width()}x{min(w.height(), 330)}+{top_left.x()}+{top_left.y()}"
    shot = screenshot(artifacts / "quick-start.png", crop=crop)
    assert shot.stat().st_size > 1000
    shown = [popup.model().index(i, 0).data() for i in range(popup.model().rowCount())]
    assert shown == ["Globex site / Homepage", "Globex site / Checkout"]
    w.quick.clear()
    qtbot.keyClicks(w.quick, "Acme / Design review")
    with qtbot.waitSignal(app.controller.changed, timeout=5000):
        qtbot.keyClick(w.quick, Qt.Key.Key_Return)
    assert app.controller.running is not None
    assert (app.controller.running.project_name, app.controller.running.task_title) == (
        "Acme", "Design review"
    )  # fmt: skip
