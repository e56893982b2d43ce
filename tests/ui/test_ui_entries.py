"""The manual entry dialog (with and without an overlap) and the Day view: edit, split, delete."""

from __future__ import annotations

from PySide6.QtCore import QDate, QDateTime
from uiutil import BERLIN, card, local, qtime


def fill(d, task_label: str, start: str, end: str, note: str = "") -> None:
    d.task.setCurrentIndex(d.task.findText(task_label))
    d.date.setDate(QDate(2026, 11, 25))
    d.from_time.setTime(qtime(start))
    d.to_time.setTime(qtime(end))
    d.note.setText(note)


def select_row(window, row: int) -> None:
    window.entries.selectRow(row)


def test_add_time_without_overlap(ui, svc, seeded):
    d = ui.window.add_time()
    fill(d, "Globex site / Checkout", "10:00", "11:15", "review")
    assert not d.overlap.isVisible()
    d.buttons.accepted.emit()
    assert d.result() == d.DialogCode.Accepted
    [e] = [e for e in svc.log() if e.task_id == seeded["checkout"].id]
    assert (e.started_at, e.ended_at, e.note) == (local("10:00"), local("11:15"), "review")
    assert e.source.value == "manual"
    assert ui.window.entries.rowCount() == 2  # the Day view refreshed
    assert card(ui.window, seeded["checkout"]).tracked.text() == "Tracked Time: 01:15:00"


def test_add_time_shows_the_overlap_inline_and_trims(ui, svc, seeded):
    d = ui.window.add_time()
    d.show()
    fill(d, "Internal / Admin", "09:30", "10:00")
    assert d.overlap.isVisible()
    assert d.overlap.text() == "Overlaps 09:00–09:45 Homepage"
    assert d.trim.isVisible()

    d.buttons.accepted.emit()  # refused: the dialog stays open and says why
    assert d.isVisible() and d.result() != d.DialogCode.Accepted
    assert d.error.text().startswith("Overlaps 2026-11-25 09:00–09:45 Globex site/Homepage")
    assert len(svc.log()) == 1

    d.trim.click()  # "Trim mine": start where the other ends
    assert d.from_time.time() == qtime("09:45")
    assert d.to_time.time() == qtime("10:00")
    assert not d.overlap.isVisible()
    d.buttons.accepted.emit()
    assert d.result() == d.DialogCode.Accepted
    admin = [e for e in svc.log() if e.task_id == seeded["admin"].id]
    assert [(e.started_at, e.ended_at) for e in admin] == [(local("09:45"), local("10:00"))]


def test_trim_mine_ends_before_a_later_entry(ui, seeded):
    d = ui.window.add_time()
    fill(d, "Internal / Admin", "08:30", "09:20")
    assert d.overlap.text() == "Overlaps 09:00–09:45 Homepage"
    d.trim.click()
    assert (d.from_time.time(), d.to_time.time()) == (qtime("08:30"), qtime("09:00"))
    assert not d.overlap.isVisible()


def test_add_time_by_duration(ui, svc, seeded):
    d = ui.window.add_time()
    fill(d, "Internal / Admin", "10:00", "10:00")
    d.by_duration.setChecked(True)
    d.duration.setText("1h30m")
    d.buttons.accepted.emit()
    assert d.result() == d.DialogCode.Accepted
    admin = [e for e in svc.log() if e.task_id == seeded["admin"].id]
    assert [(e.started_at, e.ended_at) for e in admin] == [(local("10:00"), local("11:30"))]


def test_add_time_refuses_the_future_and_bad_durations(ui, svc, seeded):
    d = ui.window.add_time()
    fill(d, "Internal / Admin", "12:00", "14:00")  # now is 13:00 in Berlin
    d.buttons.accepted.emit()
    assert "in the future" in d.error.text()
    d.by_duration.setChecked(True)
    d.duration.setText("soon")
    d.buttons.accepted.emit()
    assert d.error.text() and d.result() != d.DialogCode.Accepted
    assert len(svc.log()) == 1


def test_task_picker_searches_and_requires_a_task(ui, seeded):
    d = ui.window.add_time()
    d.task.setEditText("nonsense")
    d.buttons.accepted.emit()
    assert d.error.text() == "Pick a task from the list"
    completer = d.task.completer()
    completer.setCompletionPrefix("check")
    assert completer.currentCompletion() == "Globex site / Checkout"


def test_edit_an_entry(ui, svc, seeded):
    select_row(ui.window, 0)
    d = ui.window.edit_selected()
    assert d.windowTitle() == "Edit entry"
    assert (d.from_time.time(), d.to_time.time()) == (qtime("09:00"), qtime("09:45"))
    d.to_time.setTime(qtime("10:30"))
    d.task.setCurrentIndex(d.task.findText("Globex site / Checkout"))
    d.note.setText("moved")
    d.buttons.accepted.emit()
    assert d.result() == d.DialogCode.Accepted
    [e] = svc.log()
    assert (e.task_id, e.ended_at, e.note) == (seeded["checkout"].id, local("10:30"), "moved")
    assert ui.window.entries.item(0, 1).text() == "10:30"


def test_edit_into_an_overlap_is_refused_inline(ui, svc, seeded):
    svc.add(seeded["admin"].id, start=local("10:00"), end=local("11:00"))
    ui.controller.refresh()
    select_row(ui.window, 0)
    d = ui.window.edit_selected()
    d.to_time.setTime(qtime("10:15"))
    assert d.overlap.text() == "Overlaps 10:00–11:00 Admin"
    d.buttons.accepted.emit()
    assert "overlaps" in d.error.text().lower()
    assert svc.log()[0].ended_at == local("09:45")


def test_split_an_entry(ui, svc, seeded):
    select_row(ui.window, 0)
    d = ui.window.split_selected()
    d.at.setDateTime(QDateTime(QDate(2026, 11, 25), qtime("09:20")))
    d.accept()
    first, second = svc.log()
    assert (first.started_at, first.ended_at) == (local("09:00"), local("09:20"))
    assert (second.started_at, second.ended_at) == (local("09:20"), local("09:45"))
    assert ui.window.entries.rowCount() == 2


def test_delete_an_entry_at_once(ui, svc, seeded):
    select_row(ui.window, 0)
    ui.window.delete_selected()  # no confirmation: Undo takes it back (test_ui_undo.py)
    assert svc.log() == []
    assert ui.window.entries.rowCount() == 0
    assert card(ui.window, seeded["home"]).tracked.text() == "Tracked Time: 00:00:00"


def test_day_view_shows_the_chosen_day(ui, svc, seeded):
    day = "2026-11-24"
    svc.add(seeded["admin"].id, start=local("09:00", day), end=local("17:00", day))
    ui.window.day_edit.setDate(QDate(2026, 11, 24))
    assert ui.window.entries.rowCount() == 1
    assert ui.window.entries.item(0, 2).text() == "08:00:00"
    assert ui.window.day_total.text() == "1 entry · 08:00:00"
    assert ui.window.week_label.text() == "Week 8:45"
    d = ui.window.add_time()
    assert d.date.date() == QDate(2026, 11, 24)  # "Add time…" starts on the shown day
    assert BERLIN.key == "Europe/Berlin"


def test_actions_without_a_selection_say_so(ui, svc):
    assert ui.window.edit_selected() is None
    assert ui.window.statusBar().currentMessage() == "Select an entry first"
