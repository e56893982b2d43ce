"""Sync at once: a change in the app (here: a click on a task card's start button) reaches a
real server on loopback within seconds, while the timer runs, without waiting for the timed
sync (an hour here); offline the same click changes nothing the user sees but the sync line."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import pytest
from syncutil import free_port, server_intervals, sign_in

from tracker.app import build
from tracker.clock import SystemClock
from tracker.service import Tracker
from tracker.ui.executor import Bridge, InlineExecutor
from tracker.ui.ports import NullAutostart
from tracker.ui.sync import EngineSync

BERLIN = ZoneInfo("Europe/Berlin")
HOUR = 3600.0  # the timed sync: far beyond the test


def _app(qtbot, data_dir, monkeypatch, server_url: str, token: str):
    monkeypatch.setenv("TRACKER_SERVER", server_url)
    monkeypatch.setenv("TRACKER_TOKEN", token)
    from tracker.store import open_store

    svc = Tracker(open_store(data_dir), SystemClock(), BERLIN)
    sync = EngineSync(data_dir, BERLIN, Bridge(), HOUR)
    app = build(InlineExecutor(svc), svc.clock, BERLIN, tray_available=False, sync=sync,
                autostart=NullAutostart(), quit_app=lambda: None)  # fmt: skip
    errors: list[str] = []
    app.controller.failed.connect(errors.append)
    qtbot.addWidget(app.window)
    app.start()
    return app, svc, sync, errors


def _close(app, svc) -> None:
    from PySide6.QtWidgets import QApplication

    app.controller.stop_background()
    app.controller.sync.close()
    QApplication.processEvents()  # results the sync thread posted, before the store goes
    svc.store.close()


@pytest.mark.parametrize("server", ["sqlite"], indirect=True)
def test_the_server_sees_the_running_timer_within_seconds_of_the_click(
    qtbot, server, team, device, monkeypatch
):
    laptop = device("laptop")
    laptop.ok("sync")  # the team's project and tasks are here
    app, svc, sync, errors = _app(qtbot, laptop.data_dir, monkeypatch, server.url, laptop.token)
    try:
        app.controller.start_sync()
        qtbot.waitUntil(lambda: sync._loop is not None and sync._loop.runs >= 1, timeout=10_000)
        runs = sync._loop.runs
        member = sign_in(server.url, team.email, "observer")
        task = team.tasks[0]
        app.window.projects.setCurrentRow(1)  # the team's project
        card = app.window.cards[task["id"]]
        card.button.click()
        running = svc.running()
        assert running is not None and running.task_id == task["id"]

        def on_server() -> bool:
            it = server_intervals(member).get(running.id)
            return it is not None and it["ended_at"] is None and not it["deleted"]

        qtbot.waitUntil(on_server, timeout=10_000)  # polled, with a deadline
        qtbot.waitUntil(lambda: sync._loop.runs > runs, timeout=10_000)
        assert sync._loop.runs == runs + 1  # the click's sync, not the timed one (in an hour)
        assert errors == []
        qtbot.waitUntil(lambda: "pending" not in app.window.sync_label.text(), timeout=10_000)
        assert app.window.sync_label.text().startswith("Synced")
    finally:
        _close(app, svc)


def test_offline_a_change_says_offline_and_nothing_else(qtbot, svc, tmp_path, monkeypatch):
    svc.add_project("Internal")
    task = svc.add_task("Internal", "Admin")
    data_dir = tmp_path / "data"  # svc's own store: the app opens a second connection
    closed = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    app, svc2, sync, errors = _app(qtbot, data_dir, monkeypatch, closed, "tok")
    try:
        app.controller.start_sync()  # the first sync fails: nobody listens
        qtbot.waitUntil(lambda: sync._loop is not None and sync._loop.runs >= 1, timeout=10_000)
        runs = sync._loop.runs
        app.controller.start(task.id)
        qtbot.waitUntil(lambda: sync._loop.runs > runs, timeout=10_000)  # the change's sync
        assert sync.error is not None
        qtbot.waitUntil(lambda: "unreachable" in app.window.sync_label.text(), timeout=10_000)
        # a local project: nothing of it waits to sync; the line says why sync is off, once
        assert app.window.sync_label.text() == "Sync: server unreachable — will retry"
        assert errors == []  # no error line, no dialog: the timed sync retries
        assert app.window.statusBar().currentMessage() == ""
        assert svc2.running() is not None
    finally:
        _close(app, svc2)


@pytest.mark.parametrize("server", ["sqlite"], indirect=True)
def test_a_new_task_from_the_quick_start_box_is_on_the_server_at_once(
    qtbot, server, team, device, monkeypatch
):
    """The issue's "done when": start a new task from the quick-start box, see it on the server
    at once — the task (created in the team's server project) and its running entry."""
    laptop = device("laptop")
    laptop.ok("sync")
    app, svc, sync, errors = _app(qtbot, laptop.data_dir, monkeypatch, server.url, laptop.token)
    try:
        app.controller.start_sync()
        qtbot.waitUntil(lambda: sync._loop is not None and sync._loop.runs >= 1, timeout=10_000)
        member = sign_in(server.url, team.email, "observer")
        box = app.window.quick
        box.setText(f"{team.project['name']} / Call the client")
        box.returnPressed.emit()
        running = svc.running()
        assert running is not None and running.task_title == "Call the client"

        def on_server() -> bool:
            tasks = member.call("GET", f"/projects/{team.project['id']}/tasks")["items"]
            it = server_intervals(member).get(running.id)
            return any(t["id"] == running.task_id for t in tasks) and it is not None

        qtbot.waitUntil(on_server, timeout=10_000)
        assert errors == []
    finally:
        _close(app, svc)
