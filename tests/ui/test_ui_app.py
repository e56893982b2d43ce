"""The app as a whole: no-tray fallback, other processes' changes, one instance, the worker
thread, settings and start at login."""

from __future__ import annotations

import threading

from uiutil import BERLIN

from tracker.app import NO_TRAY, build
from tracker.service import Tracker
from tracker.store import open_store
from tracker.ui.executor import Bridge, DbThreadExecutor
from tracker.ui.ports import NullAutostart, NullSync, XdgAutostart
from tracker.ui.single import SingleInstance


def test_no_tray_opens_the_window_with_a_notice(harness, seeded):
    app = harness.make(tray=False)
    assert app.tray is None
    assert app.window.isVisible()
    assert app.window.notice.isVisible() and app.window.notice.text() == NO_TRAY
    assert not app.window.hide_on_close
    app.window.close()  # without a tray, closing the window quits
    assert harness.quits == 1
    assert harness.errors == []


def test_with_a_tray_closing_only_hides(ui, harness):
    ui.window.show()
    ui.window.close()
    assert not ui.window.isVisible() and harness.quits == 0
    assert not ui.window.notice.isVisible()


def test_changes_from_another_process_show_after_a_poll(ui, svc, seeded, tmp_path):
    other = open_store(svc.store.path.parent)  # another connection, as the `tracker` command
    try:
        Tracker(other, svc.clock, BERLIN).start(seeded["admin"].id)
    finally:
        other.close()
    assert ui.controller.running is None
    seen: list[object] = []
    ui.controller.changed.connect(seen.append)
    ui.controller.poll()
    assert len(seen) == 1 and ui.controller.running.task_id == seeded["admin"].id
    ui.controller.poll()  # nothing new: no refresh
    assert len(seen) == 1


def test_own_writes_refresh_without_polling(ui, seeded):
    jobs = ui.executor.jobs
    ui.controller.poll()
    assert ui.executor.jobs == jobs + 1  # one cheap data_version read, no reload


def test_single_instance_raises_the_first(qtbot, tmp_path):
    name = f"tracker-test-{tmp_path.name}"
    first = SingleInstance(name)
    assert first.claim()
    second = SingleInstance(name)
    with qtbot.waitSignal(first.raise_requested, timeout=3000):
        assert not second.claim()
    first.release()
    third = SingleInstance(name)
    assert third.claim()  # the name is free again
    third.release()


def test_worker_thread_owns_the_database(qtbot, svc, seeded):
    """The real executor: jobs run on one worker thread that opened its own connection (SQLite
    refuses a connection used from another thread, so a GUI-thread access would fail)."""
    bridge = Bridge()
    threads: list[str] = []

    def make() -> Tracker:
        threads.append(threading.current_thread().name)
        return Tracker(open_store(svc.store.path.parent), svc.clock, BERLIN)

    executor = DbThreadExecutor(make, bridge)
    try:
        app = build(executor, svc.clock, BERLIN, tray_available=True, sync=NullSync(),
                    autostart=NullAutostart(), quit_app=lambda: None)  # fmt: skip
        qtbot.addWidget(app.window)
        errors: list[str] = []
        app.controller.failed.connect(errors.append)
        with qtbot.waitSignal(app.controller.changed, timeout=5000):
            app.controller.refresh()
        assert app.window.cards
        with qtbot.waitSignal(app.controller.changed, timeout=5000):
            app.controller.start(seeded["home"].id)
        assert app.controller.running.task_id == seeded["home"].id
        with qtbot.waitSignal(app.controller.failed, timeout=5000) as failed:
            app.controller.start(seeded["home"].id)  # already running: refused, as a signal
        assert "already running" in failed.args[0]
        assert threads and threads[0].startswith("tracker-db")
        assert threading.current_thread() is threading.main_thread()
        app.tray.hide()
    finally:
        executor.shutdown()


def test_settings_are_saved_and_start_at_login_writes_the_entry(harness, svc, seeded, tmp_path):
    app = harness.make()
    app.autostart = XdgAutostart(tmp_path / "config", ["/usr/bin/tracker"])
    app.settings()
    d = harness.opened[-1]
    assert d.windowTitle() == "Settings"
    assert d.heartbeat.value() == 30 and not d.at_login.isChecked()
    d.heartbeat.setValue(60)
    d.idle.setValue(10)
    d.at_login.setChecked(True)
    d.submit()
    assert svc.config_get("heartbeat.seconds") == "60"
    assert svc.config_get("idle.threshold_minutes") == "10"
    assert svc.config_get("app.start_at_login") == "on"
    entry = tmp_path / "config" / "autostart" / "tracker.desktop"
    assert "Exec=/usr/bin/tracker" in entry.read_text()
    assert app.controller.heartbeat_seconds == 60
    d.at_login.setChecked(False)
    d.submit()
    assert not entry.exists()


def test_settings_refuse_a_bad_server_url(harness, svc):
    app = harness.make()
    app.settings()
    d = harness.opened[-1]
    assert d.windowTitle() == "Settings"
    d.server.setText("ftp://nowhere")
    d.submit()
    assert "is not a URL" in d.error.text()
    assert svc.config_get("server.url") == ""


def test_sign_in_without_a_sync_engine_says_so(harness):
    app = harness.make()
    app.sign_in()
    d = harness.opened[-1]
    assert d.windowTitle() == "Sign in"
    d.email.setText("me@example.com")
    d.password.setText("secret")
    d.submit()
    assert "no sync engine" in d.error.text()
    assert d.sign_in_button.isEnabled()
    d.close()
