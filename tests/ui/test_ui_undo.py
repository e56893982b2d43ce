"""Delete at once, with "Entry deleted · Undo" for ten seconds (no confirmation dialog)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QDialog, QMessageBox
from uiutil import card, local

from tracker.ui.undo import UNDO_MS


def no_dialog_open() -> bool:
    return not [
        w
        for w in QApplication.topLevelWidgets()
        if isinstance(w, (QDialog, QMessageBox)) and w.isVisible()
    ]


def delete_first_row(ui, qtbot) -> None:
    ui.window.entries.selectRow(0)
    qtbot.mouseClick(ui.window.delete_button, Qt.MouseButton.LeftButton)


def test_delete_at_once_then_undo_restores_it_exactly(ui, svc, seeded, qtbot, harness):
    w = ui.window
    [before] = svc.log()
    assert w.entries.rowCount() == 1
    delete_first_row(ui, qtbot)

    assert svc.log() == [] and w.entries.rowCount() == 0  # gone at once
    assert no_dialog_open() and harness.opened == []  # nothing asked
    bar = w.undo_bar
    assert bar.isVisibleTo(w) and bar.parentWidget() is not None  # inside the window, non-modal
    assert bar.text.text() == "Entry deleted: Homepage 09:00–09:45 ·"
    assert bar.undo_button.text() == "&Undo"
    assert bar.timer.isActive() and bar.timer.interval() == UNDO_MS == 10_000
    assert card(w, seeded["home"]).tracked.text() == "Tracked Time: 00:00:00"

    qtbot.mouseClick(bar.undo_button, Qt.MouseButton.LeftButton)
    [after] = svc.log()
    assert (after.id, after.task_id, after.started_at, after.ended_at, after.note) == (
        before.id, before.task_id, local("09:00"), local("09:45"), before.note,
    )  # fmt: skip
    assert after.revision == before.revision + 2  # delete and restore are both revisions
    assert not bar.isVisibleTo(w) and not bar.timer.isActive()
    assert w.entries.rowCount() == 1 and w.entries.item(0, 3).text() == "Globex site / Homepage"
    assert card(w, seeded["home"]).tracked.text() == "Tracked Time: 00:45:00"
    assert w.statusBar().currentMessage() == "Restored Homepage"
    assert harness.errors == []


def test_the_offer_ends_after_ten_seconds(ui, svc, qtbot):
    delete_first_row(ui, qtbot)
    bar = ui.window.undo_bar
    bar.timer.timeout.emit()  # the ten seconds are up (the timer is Qt's; no sleeping)
    assert not bar.isVisibleTo(ui.window) and not bar.offering
    ui.window.undo_action.trigger()  # Ctrl+Z now does nothing
    assert svc.log() == []


def test_delete_key_and_ctrl_z(ui, svc, qtbot):
    w = ui.window
    w.show()
    qtbot.waitExposed(w)
    w.entries.setFocus()
    w.entries.selectRow(0)
    qtbot.keyClick(w.entries, Qt.Key.Key_Delete)
    assert svc.log() == [] and w.undo_bar.offering
    assert w.undo_action.shortcut().toString() == "Ctrl+Z"
    w.undo_action.trigger()
    assert len(svc.log()) == 1 and not w.undo_bar.offering


def test_undo_is_refused_in_one_line_when_it_would_overlap(ui, svc, seeded, qtbot, harness):
    [gone] = svc.log()
    delete_first_row(ui, qtbot)
    # Meanwhile (the `tracker` command, say) the time was filled with another entry.
    svc.add(seeded["checkout"].id, start=local("09:30"), end=local("10:00"))
    qtbot.mouseClick(ui.window.undo_bar.undo_button, Qt.MouseButton.LeftButton)
    assert [e.task_title for e in svc.log()] == ["Checkout"]
    assert svc.store.get_interval(gone.id).deleted
    [line] = harness.errors
    assert line.startswith("Cannot restore the entry: it would overlap 2026-11-25 09:30–10:00 ")
    assert "\n" not in line
    assert ui.window.statusBar().currentMessage() == line
