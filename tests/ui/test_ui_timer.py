"""Start and stop from a task card, from the tray menu and by shortcut; the 1 Hz tick."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMenu
from uiutil import card


def test_card_start_stop(ui, svc, seeded, qtbot):
    c = card(ui.window, seeded["checkout"])
    assert c.tracked.text() == "Tracked Time: 00:00:00"
    assert c.button.text() == "▶ Start"

    qtbot.mouseClick(c.button, Qt.MouseButton.LeftButton)
    running = svc.running()
    assert running is not None and running.task_id == seeded["checkout"].id
    assert running.heartbeat_at is not None  # the app beats from the first second
    c = card(ui.window, seeded["checkout"])  # cards are rebuilt from the new state
    assert c.button.text() == "■ Stop"
    assert ui.window.running_label.text() == "● Checkout · Globex site"

    svc.clock.advance(65)
    ui.window.update_elapsed()  # what the 1 Hz tick does: no database read
    assert c.tracked.text() == "Tracked Time: 00:01:05"
    assert ui.window.elapsed_label.text() == "00:01:05"

    qtbot.mouseClick(c.button, Qt.MouseButton.LeftButton)
    assert svc.running() is None
    [entry] = [e for e in svc.log() if e.task_id == seeded["checkout"].id]
    assert entry.duration_seconds(svc.clock.now()) == 65
    assert card(ui.window, seeded["checkout"]).tracked.text() == "Tracked Time: 00:01:05"


def test_tick_runs_only_for_a_running_timer_in_a_visible_window(ui, seeded):
    ui.window.show()
    assert not ui.window.tick.isActive()
    ui.controller.start(seeded["home"].id)
    assert ui.window.tick.isActive()
    ui.window.hide()
    assert not ui.window.tick.isActive()
    ui.window.show()
    assert ui.window.tick.isActive()
    ui.controller.stop()
    assert not ui.window.tick.isActive()


def test_card_totals_include_earlier_entries(ui, seeded):
    assert card(ui.window, seeded["home"]).tracked.text() == "Tracked Time: 00:45:00"
    assert ui.window.today_label.text() == "Today 0:45"
    assert ui.window.week_label.text() == "Week 0:45"


def test_switching_tasks_stops_the_running_one(ui, svc, seeded, qtbot):
    ui.controller.start(seeded["home"].id)
    svc.clock.advance(30)
    qtbot.mouseClick(card(ui.window, seeded["admin"]).button, Qt.MouseButton.LeftButton)
    assert svc.running().task_id == seeded["admin"].id
    home = [e for e in svc.log() if e.task_id == seeded["home"].id]
    assert home[-1].ended_at == svc.clock.now()


def test_tray_menu_start_switch_stop(ui, svc, seeded):
    tray = ui.tray
    tray.menu.aboutToShow.emit()  # the menu is rebuilt from state when it opens
    assert tray.action("Tracker: nothing running") is not None
    start = tray.action("Start Globex site / Homepage")  # the most recent task
    assert start is not None
    start.trigger()
    assert svc.running().task_id == seeded["home"].id
    assert ui.tray.icon.toolTip().startswith("● Globex site / Homepage")

    svc.clock.advance(3723)
    tray.menu.aboutToShow.emit()
    head = tray.menu.actions()[0]
    assert head.text() == "● Globex site / Homepage   01:02:03"
    assert not head.isEnabled()
    assert tray.action("Stop") is not None
    assert tray.action("Add time…") and tray.action("Open Tracker") and tray.action("Quit")
    assert tray.action("Not signed in") is not None  # the sync state line

    ui.controller.start(seeded["admin"].id)
    tray.menu.aboutToShow.emit()
    switch = tray.action("Globex site / Homepage")  # a recent task, under "Switch to"
    assert switch is not None
    switch.trigger()
    assert svc.running().task_id == seeded["home"].id

    tray.menu.aboutToShow.emit()
    tray.action("Stop").trigger()
    assert svc.running() is None


def test_tray_lists_at_most_five_recent_tasks(harness, svc, seeded):
    for i in range(7):
        t = svc.add_task("Internal", f"Task {i}")
        svc.clock.advance(60)
        svc.start(t.id)
    svc.clock.advance(60)
    svc.stop()
    app = harness.make()
    app.tray.menu.aboutToShow.emit()
    subs = [a.menu() for a in app.tray.menu.actions() if isinstance(a.menu(), QMenu)]
    assert len(subs) == 1
    assert [a.text() for a in subs[0].actions()] == [f"Internal / Task {i}" for i in
                                                      (6, 5, 4, 3, 2)]  # fmt: skip


def test_tray_open_and_quit(ui, harness):
    ui.tray.menu.aboutToShow.emit()
    ui.tray.action("Open Tracker").trigger()
    assert ui.window.isVisible()
    ui.tray.action("Quit").trigger()
    assert harness.quits == 1


def test_tray_icon_follows_the_timer(ui, seeded):
    stopped = ui.tray.icon.icon().cacheKey()
    ui.controller.start(seeded["home"].id)
    running = ui.tray.icon.icon().cacheKey()
    assert running != stopped
    ui.controller.stop()
    assert ui.tray.icon.icon().cacheKey() != running


def test_shortcut_toggles_the_last_task(ui, svc, seeded):
    assert ui.window.toggle_action.shortcut().toString() == "Ctrl+Shift+S"
    ui.window.toggle_action.trigger()
    assert svc.running().task_id == seeded["home"].id
    svc.clock.advance(10)
    ui.window.toggle_action.trigger()
    assert svc.running() is None


def test_task_status_from_the_card(ui, svc, seeded):
    c = card(ui.window, seeded["home"])
    c.status.setCurrentIndex(c.status.findData("in_progress"))
    c.status.activated.emit(c.status.currentIndex())
    assert svc.task(seeded["home"].id).status.value == "in_progress"
    assert card(ui.window, seeded["home"]).status.currentText() == "in progress"


def test_search_and_project_filter(ui, seeded, qtbot):
    # "All projects" shows the recent tasks only; search reaches every task
    assert set(ui.window.cards) == {seeded["home"].id}
    assert ui.window.project_title.text() == "Recent tasks"
    ui.window.search.setText("GLOBEX")
    assert set(ui.window.cards) == {seeded["home"].id, seeded["checkout"].id}
    assert ui.window.project_title.text() == "Search results"
    ui.window.search.setText("check")
    assert set(ui.window.cards) == {seeded["checkout"].id}
    ui.window.search.clear()
    items = [ui.window.projects.item(i) for i in range(ui.window.projects.count())]
    internal = next(i for i in items if i.text().startswith("Internal"))
    ui.window.projects.setCurrentItem(internal)
    assert set(ui.window.cards) == {seeded["admin"].id}
    assert ui.window.project_totals.text() == "Today 0:00 · Week 0:00 · Total 0:00"


def test_errors_are_shown_in_words(ui, harness):
    ui.controller.stop()  # nothing runs
    assert harness.errors == ["No timer is running: start one with `tracker start TASK`"]
    assert "No timer is running" in ui.window.statusBar().currentMessage()
