"""The Day tab's timeline shows the day's account (the kinds `tracker day` gives), and the File
menu's Import… and Export… run on the executor with a progress bar. Offscreen, executor inline,
fixed clock; the recorded day is tests/dayseed.py."""

from __future__ import annotations

from pathlib import Path

from dayseed import EXPECTED, at, seed_day
from PySide6.QtCore import QDate, QPoint
from PySide6.QtGui import QColor, QImage

from tracker.ui.timeline_view import gap_rgb

FIX = Path(__file__).parent.parent / "fixtures" / "imports"


def test_the_timeline_shows_every_kind_of_the_day(harness, svc, qtbot):
    seed_day(svc.store)
    ui = harness.make()
    ui.window.resize(1200, 640)
    ui.window.show()
    qtbot.waitExposed(ui.window)
    ui.window.tabs.setCurrentIndex(1)
    ui.window.day_edit.setDate(QDate(2026, 11, 20))
    view = ui.window.timeline
    kinds = [(g.kind, g.app_running) for g in view.strip.gaps]
    assert kinds == [("untracked", True), ("away_kept", True), ("away_discarded", True),
                     ("asleep", True), ("untracked", True), ("untracked", False)]  # fmt: skip
    gaps = view.gap_seconds()
    assert {k: gaps[k] for k in EXPECTED if k != "tracked"} == {
        k: v for k, v in EXPECTED.items() if k != "tracked"}  # fmt: skip
    assert view.tracked_seconds() == EXPECTED["tracked"]
    assert view.accessibleDescription() == (
        "Day timeline: 3 entries, 5:00 tracked, 0:30 away, kept, 1:00 away, discarded, "
        "0:30 asleep, 2:30 untracked"
    )

    y = int(view.track_rect().center().y())
    mid = QPoint(int(view.x_of(int(at("12:30").timestamp()))), y)
    assert view.block_at(mid) is None
    assert view.tooltip_at(mid) == "Away, discarded · 12:00–13:00 (1:00)"
    hole = QPoint(int(view.x_of(int(at("17:00").timestamp()))), y)
    assert view.tooltip_at(hole) == "Untracked, app closed · 16:30–17:30 (1:00)"
    img = QImage(view.size(), QImage.Format.Format_ARGB32)
    img.fill(0)
    view.render(img)
    dark = view.palette().color(view.palette().ColorRole.Window).lightness() < 128
    assert img.pixelColor(mid).rgb() == QColor.fromRgbF(*gap_rgb("away_discarded", dark)).rgb()
    asleep = QPoint(int(view.x_of(int(at("15:15").timestamp()))), y)
    assert img.pixelColor(asleep).rgb() == QColor.fromRgbF(*gap_rgb("asleep", dark)).rgb()


def test_import_checks_first_then_imports_with_progress(harness, svc):
    ui = harness.make()
    d = ui.window.transfer.import_file()
    d.set_file(str(FIX / "clockify_us.csv"))
    assert d.kind.currentData() == "clockify"  # guessed from the header row
    seen = []
    d.progress.valueChanged.connect(seen.append)
    d.check_button.click()
    assert d.report.toPlainText().startswith("Would import 3 entries from clockify_us.csv")
    assert "zero-length row(s): line 5" in d.report.toPlainText()
    assert svc.log() == [] and svc.store.list_projects() == []
    d.import_button.click()
    assert d.report.toPlainText().startswith("Imported 3 entries")
    assert seen and seen[-1] == 100 and d.progress.isVisible()
    assert len(svc.store.list_projects()) == 1
    assert not d.import_button.isEnabled()  # a second click would add nothing


def test_import_of_the_wrong_kind_says_so_and_adds_nothing(harness, svc):
    ui = harness.make()
    d = ui.window.transfer.import_file()
    d.set_file(str(FIX / "toggl_detailed.csv"))
    assert d.kind.currentData() == "toggl"
    d.kind.setCurrentIndex(2)  # "Tracker CSV"
    d.import_button.click()
    assert d.error.isVisible() and "the columns id, started_at, ended_at are missing" in (
        d.error.text())  # fmt: skip
    assert d.error.text().endswith("Nothing was imported.")
    assert svc.store.list_projects() == []


def test_export_writes_the_chosen_kind_off_the_gui_thread(harness, svc, tmp_path):
    seed_day(svc.store)
    ui = harness.make()
    notices = []
    ui.controller.notice.connect(notices.append)
    path = tmp_path / "day.ics"
    ui.window.transfer.save_as = lambda _w: (str(path), "iCalendar (*.ics)")
    ui.window.transfer.export_action.trigger()
    text = path.read_bytes()
    assert text.startswith(b"BEGIN:VCALENDAR\r\n") and text.count(b"BEGIN:VEVENT") == 3
    assert notices[-1] == f"Exported 3 entries to {path}"
    menu = ui.window.menuBar().actions()[0]
    assert menu.text() == "&File"
