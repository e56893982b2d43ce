"""Making work where you track it: the quick-start box (Ctrl+K), New project / New task, rename
and archive from the window, and the tray's "Start new task…" (offscreen, executor inline)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from uiutil import card

from tracker.model import Origin, Project

SRV = "00000000-0000-7000-8000-0000000000a1"


def _type(qtbot, box, text: str) -> None:
    box.setFocus()
    box.clear()
    qtbot.keyClicks(box, text)


def _enter(qtbot, box) -> None:
    qtbot.keyClick(box, Qt.Key.Key_Return)


def test_ctrl_k_puts_the_cursor_in_the_box(ui, qtbot):
    w = ui.window
    w.show()
    qtbot.waitExposed(w)
    w.search.setFocus()
    w.quick.setText("old")
    w.quick_action.trigger()
    assert w.quick_action.shortcut().toString() == "Ctrl+K"
    assert w.focusWidget() is w.quick
    assert w.quick.selectedText() == "old"  # typing replaces it


def test_pick_a_recent_task_from_the_completion_and_it_runs(ui, svc, seeded, qtbot):
    w = ui.window
    w.show()
    qtbot.waitExposed(w)
    box = w.quick
    labels = box.labels.stringList()
    assert labels[0] == "Globex site / Homepage"  # the recent task first
    assert set(labels) == {"Globex site / Homepage", "Globex site / Checkout", "Internal / Admin"}
    _type(qtbot, box, "check")
    popup = box.completer_.popup()
    qtbot.waitUntil(popup.isVisible)
    assert box.completer_.currentCompletion() == "Globex site / Checkout"
    qtbot.keyClick(popup, Qt.Key.Key_Down)
    qtbot.keyClick(popup, Qt.Key.Key_Return)
    running = svc.running()
    assert running is not None and running.task_id == seeded["checkout"].id
    assert box.text() == ""
    assert len(svc.log()) == 2  # one start, not two
    assert w.running_label.text() == "● Checkout · Globex site"


def test_project_slash_new_task_creates_both_and_starts(ui, svc, qtbot):
    w = ui.window
    _type(qtbot, w.quick, "Acme / Design review")
    _enter(qtbot, w.quick)
    running = svc.running()
    assert running is not None
    task = svc.task(running.task_id)
    assert (task.project_name, task.title) == ("Acme", "Design review")
    assert svc.project("Acme").origin is Origin.LOCAL
    assert w.statusBar().currentMessage() == "Started Acme / Design review (new project and task)"
    assert w.quick.text() == ""
    assert "Acme / Design review" in w.quick.labels.stringList()  # completes next time


def test_a_new_task_in_an_existing_project_and_a_bare_title_in_the_open_one(ui, svc, seeded, qtbot):
    w = ui.window
    _type(qtbot, w.quick, "globex site / Landing page")  # project names match case-insensitively
    _enter(qtbot, w.quick)
    assert svc.task(svc.running().task_id).label == "Globex site/Landing page"
    assert [p.name for p in svc.store.list_projects()] == ["Globex site", "Internal"]
    card(w, seeded["admin"])  # the Internal project is open on the left
    _type(qtbot, w.quick, "Budget")
    _enter(qtbot, w.quick)
    assert svc.task(svc.running().task_id).label == "Internal/Budget"


def test_a_bare_new_title_with_no_project_open_says_what_to_type(ui, svc, qtbot):
    w = ui.window
    before = len(svc.store.list_tasks())
    _type(qtbot, w.quick, "Something new")
    _enter(qtbot, w.quick)
    assert svc.running() is None
    assert len(svc.store.list_tasks()) == before
    assert "type 'Project / Something new' to create it" in w.statusBar().currentMessage()
    assert w.quick.text() == "Something new"  # kept, to fix and press Enter again


def test_tasks_in_server_projects_yes_projects_on_the_server_no(ui, svc, qtbot):
    with svc.store.transaction():
        svc.store.insert_project(Project(SRV, "Remote", origin=Origin.SERVER), svc.clock.now())
    ui.controller.refresh()
    w = ui.window
    _type(qtbot, w.quick, "Remote / Triage")
    _enter(qtbot, w.quick)
    assert svc.running() is not None, w.statusBar().currentMessage()
    assert svc.task(svc.running().task_id).project_id == SRV  # pushed at the next sync
    menu = w.project_menu(SRV)
    acts = {a.text(): a for a in menu.actions()}
    assert not acts["Rename…"].isEnabled() and not acts["Archive"].isEnabled()
    assert "server" in acts["Archive"].toolTip()
    assert w.rename_project(SRV) is None
    assert "renamed on the server" in w.statusBar().currentMessage()


def test_new_project_and_new_task_from_the_window(ui, svc, harness, qtbot):
    w = ui.window
    d = w.new_project()
    assert "local to this computer" in " ".join(
        lbl.text() for lbl in d.findChildren(type(w.project_title))
    )
    d.name.setText("Internal")  # taken: refused inline, the dialog stays
    d.submit()
    assert d.error.isVisible() and "exists" in d.error.text()
    assert d.isVisible()
    d.name.setText("Research")
    d.submit()
    assert not d.isVisible()
    research = svc.project("Research")
    assert research.origin is Origin.LOCAL
    card_hint = w.cards_host.findChild(type(w.project_title), "emptyHint")
    assert card_hint is None or "tracker" not in card_hint.text()
    w.projects.setCurrentRow([p.id for p in ui.controller.overview.projects].index(research.id) + 1)
    hint = w.cards_host.findChild(type(w.project_title), "emptyHint")
    assert hint is not None and "New task…" in hint.text() and "`" not in hint.text()
    t = w.new_task()
    assert t.project.currentData() == research.id  # the open project
    t.name.setText("Reading")
    t.submit()
    assert not t.isVisible()
    assert [x.title for x in svc.store.list_tasks(research.id)] == ["Reading"]
    assert list(w.cards) == [svc.task("Research/Reading").id]


def test_rename_a_task_and_a_project_and_archive_one(ui, svc, seeded, qtbot):
    w = ui.window
    c = card(w, seeded["checkout"])
    rename = next(a for a in c.actions() if a.text() == "Rename…")
    rename.trigger()
    d = harness_dialog(w)
    d.name.setText("Checkout flow")
    d.submit()
    assert svc.task(seeded["checkout"].id).title == "Checkout flow"
    pid = seeded["checkout"].project_id
    d = w.rename_project(pid)
    d.name.setText("Globex web")
    d.submit()
    assert svc.project(pid).name == "Globex web"
    acts = {a.text(): a for a in w.project_menu(pid).actions()}
    acts["Archive"].trigger()
    assert svc.project(pid).archived
    assert pid not in [p.id for p in ui.controller.overview.projects]
    back = next(a for a in w.project_menu(None).actions() if a.text() == "Unarchive")
    back.menu().actions()[0].trigger()
    assert not svc.project(pid).archived


def harness_dialog(w):
    from tracker.ui.quickstart import NameDialog

    found = [d for d in w.findChildren(NameDialog) if d.isVisible()]
    assert found, "no naming dialog open"
    return found[-1]


def test_the_trays_start_new_task_opens_the_box(ui, qtbot):
    ui.tray.rebuild()
    ui.tray.action("Start new task…").trigger()
    w = ui.window
    qtbot.waitExposed(w)
    assert w.isVisible()
    assert w.focusWidget() is w.quick
