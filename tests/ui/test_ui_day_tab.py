"""The Day tab and the status texts: the running entry's duration ticks with the header, plural
forms, and the tray and the status bar say the same about the last sync (one formatter, one
source of truth), however long ago it was."""

from __future__ import annotations

from uiutil import BERLIN

from tracker.timeparse import rfc3339_local
from tracker.ui.executor import Bridge
from tracker.ui.fmt import plural
from tracker.ui.sync import EngineSync


def test_the_running_entrys_duration_ticks_with_the_header(ui, svc, seeded, qtbot):
    w = ui.window
    w.show()
    qtbot.waitExposed(w)
    ui.controller.start(seeded["checkout"].id)
    assert w.day_total.text() == "2 entries · 00:45:00"
    row = next(r for r in range(w.entries.rowCount()) if w.entries.item(r, 1).text() == "running")
    assert w.entries.item(row, 2).text() == "00:00:00"
    svc.clock.advance(seconds=65)
    w.tick.timeout.emit()  # the 1 Hz tick, without waiting for it
    assert w.elapsed_label.text() == "00:01:05"
    assert w.entries.item(row, 2).text() == "00:01:05"
    assert w.day_total.text() == "2 entries · 00:46:05"


def test_plural_forms():
    assert [plural(n, "entry", "entries") for n in (0, 1, 2)] == [
        "0 entries", "1 entry", "2 entries"
    ]  # fmt: skip


def test_one_entry_is_one_entry(ui):
    assert ui.window.day_total.text() == "1 entry · 00:45:00"


def test_tray_and_status_bar_agree_on_the_last_sync(harness, svc, seeded, monkeypatch, qtbot):
    monkeypatch.setenv("TRACKER_TOKEN", "token")  # signed in; no sync runs in this test
    svc.config_set("server.url", "http://127.0.0.1:9")
    with svc.store.transaction():
        svc.store.set_setting("sync.last_success", rfc3339_local(svc.clock.now(), BERLIN))
    sync = EngineSync(svc.store.path.parent, BERLIN, Bridge(), interval_seconds=3600)
    app = harness.make(sync=sync)
    w = app.window
    w.show()
    qtbot.waitExposed(w)

    def tray_line() -> str:
        app.tray.menu.aboutToShow.emit()
        return app.tray.sync_action.text()

    assert w.sync_label.text() == tray_line() == "Synced just now"
    svc.clock.advance(seconds=90)  # nothing runs: the 1 Hz tick is off, the sync line moves on
    assert not w.tick.isActive() and w.sync_tick.isActive()
    w.sync_tick.timeout.emit()
    assert w.sync_label.text() == tray_line() == "Synced 1 min ago"
    svc.clock.advance(hours=3)
    w.sync_tick.timeout.emit()
    assert w.sync_label.text() == tray_line()
    assert w.sync_label.text().startswith("Synced at ")
