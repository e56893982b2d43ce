"""The main window: the running timer, projects, task cards, totals and the Day view.

It only lays out and forwards clicks to the controller; everything it shows comes from the
controller's last :class:`~tracker.service.Overview`. One 1 Hz timer updates the running card and
the header while the window is visible; nothing polls the database from here.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from PySide6.QtCore import QDate, QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QCloseEvent, QKeyEvent, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDateEdit,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMainWindow,
    QMenu,
    QPushButton,
    QScrollArea,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from ..model import Interval
from ..timeparse import hms
from .cards import TaskCard
from .controller import Controller
from .fmt import clock, hm, plural, span
from .quickstart import NameDialog, QuickStart
from .timeline_view import TimelineView, day_strip
from .undo import UndoBar

if TYPE_CHECKING:  # the dialogs load when first opened, not at start-up
    from .dialogs import EntryDialog, SplitDialog

START_STOP = "Ctrl+Shift+S"
QUICK_START = "Ctrl+K"
NEW_ENTRY = "Ctrl+N"
ALL_PROJECTS = ""
SYNC_LINE_MS = 20_000
MAX_CARDS = 60  # cards are widgets: a project with hundreds of tasks is searched, not drawn


class MainWindow(QMainWindow):
    quit_requested = Signal()
    settings_requested = Signal()
    sign_in_requested = Signal()

    def __init__(
        self, controller: Controller, tz: ZoneInfo, hide_on_close: bool = True, parent=None
    ) -> None:
        super().__init__(parent)
        self.controller = controller
        self.tz = tz
        self.hide_on_close = hide_on_close
        self.cards: dict[str, TaskCard] = {}
        self._running_row: int | None = None  # the Day table's row of the running entry
        self.project_id: str = ALL_PROJECTS
        self.setWindowTitle("Tracker")
        self.resize(980, 640)
        # Dialogs are opened through this hook so tests can drive them without exec().
        self.open_dialog: Callable[[object], object] = lambda d: d.exec()

        # header: what runs
        self.notice = QLabel()
        self.notice.setObjectName("notice")
        self.notice.setWordWrap(True)
        self.notice.hide()
        self.undo_bar = UndoBar()
        self.undo_bar.undo_requested.connect(controller.restore_entry)
        self.running_label = QLabel("Nothing running")
        self.running_label.setObjectName("running")
        f = self.running_label.font()
        f.setPointSizeF(f.pointSizeF() * 1.2)
        self.running_label.setFont(f)
        self.elapsed_label = QLabel()
        self.elapsed_label.setObjectName("elapsed")
        self.elapsed_label.setFont(f)
        self.stop_button = QPushButton("Stop")
        self.stop_button.clicked.connect(controller.toggle)
        self.today_label = QLabel()
        self.week_label = QLabel()
        self.sync_label = QLabel()
        self.sync_label.setObjectName("sync")
        self.quick = QuickStart()
        self.quick.submitted.connect(self._quick_start)
        header = QHBoxLayout()
        header.addWidget(self.running_label, 1)
        header.addWidget(self.elapsed_label)
        header.addWidget(self.stop_button)
        header.addSpacing(16)
        header.addWidget(self.today_label)
        header.addWidget(self.week_label)

        # left: projects and search
        self.projects = QListWidget()
        self.projects.setAccessibleName("Projects")
        self.projects.currentItemChanged.connect(self._project_chosen)
        self.search = QLineEdit()
        self.search.setPlaceholderText("Search tasks…")
        self.search.setClearButtonEnabled(True)
        self.search.textChanged.connect(lambda _t: self._fill_cards())
        self.projects.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.projects.customContextMenuRequested.connect(self._project_menu)
        self.new_project_button = QPushButton("New project…")
        self.new_project_button.clicked.connect(lambda: self.new_project())
        left = QWidget()
        lbox = QVBoxLayout(left)
        lbox.setContentsMargins(0, 0, 0, 0)
        lbox.addWidget(QLabel("Projects"))
        lbox.addWidget(self.projects, 1)
        lbox.addWidget(self.search)
        lbox.addWidget(self.new_project_button)

        # Tasks tab
        self.project_title = QLabel()
        self.project_title.setObjectName("projectTitle")
        pf = self.project_title.font()
        pf.setBold(True)
        self.project_title.setFont(pf)
        self.project_totals = QLabel()
        self.cards_host = QWidget()
        self.cards_grid = QGridLayout(self.cards_host)
        self.cards_grid.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(self.cards_host)
        tasks_tab = QWidget()
        tbox = QVBoxLayout(tasks_tab)
        self.new_task_button = QPushButton("New task…")
        self.new_task_button.clicked.connect(lambda: self.new_task())
        ptop = QHBoxLayout()
        ptop.addWidget(self.project_title, 1)
        ptop.addWidget(self.project_totals)
        ptop.addWidget(self.new_task_button)
        tbox.addLayout(ptop)
        tbox.addWidget(scroll, 1)

        # Day tab
        self.day_edit = QDateEdit()
        self.day_edit.setCalendarPopup(True)
        self.day_edit.setDisplayFormat("ddd yyyy-MM-dd")
        today = controller.clock.now().astimezone(tz).date()
        self.day_edit.setDate(QDate(today.year, today.month, today.day))
        self.day_edit.dateChanged.connect(self._day_chosen)
        self.day_total = QLabel()
        self.entries = QTableWidget(0, 6)
        self.entries.setHorizontalHeaderLabels(["Start", "End", "Duration", "Task", "Note", "Sync"])
        self.entries.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.entries.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.entries.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.entries.verticalHeader().hide()
        self.entries.horizontalHeader().setSectionResizeMode(3, QHeaderView.ResizeMode.Stretch)
        self.entries.doubleClicked.connect(lambda _i: self.edit_selected())
        self.entries.installEventFilter(self)  # the Delete key deletes the selected entry
        self.entries.itemSelectionChanged.connect(self._selection_to_timeline)
        self.timeline = TimelineView()
        self.timeline.entry_clicked.connect(self.select_entry)
        self.timeline.entry_activated.connect(self._edit_entry)
        self.add_button = QPushButton("Add time…")
        self.edit_button = QPushButton("Edit…")
        self.split_button = QPushButton("Split…")
        self.delete_button = QPushButton("Delete")
        self.add_button.clicked.connect(lambda: self.add_time())
        self.edit_button.clicked.connect(self.edit_selected)
        self.split_button.clicked.connect(self.split_selected)
        self.delete_button.clicked.connect(self.delete_selected)
        day_tab = QWidget()
        dbox = QVBoxLayout(day_tab)
        dbox.addWidget(self.timeline)
        drow = QHBoxLayout()
        drow.addWidget(self.day_edit)
        drow.addWidget(self.day_total, 1)
        for b in (self.add_button, self.edit_button, self.split_button, self.delete_button):
            drow.addWidget(b)
        dbox.addLayout(drow)
        dbox.addWidget(self.entries, 1)

        self.tabs = QTabWidget()
        self.tabs.addTab(tasks_tab, "&Tasks")
        self.tabs.addTab(day_tab, "&Day")
        split = QSplitter()
        split.addWidget(left)
        split.addWidget(self.tabs)
        split.setStretchFactor(1, 1)
        split.setSizes([220, 760])
        central = QWidget()
        cbox = QVBoxLayout(central)
        cbox.addWidget(self.notice)
        cbox.addWidget(self.undo_bar)
        cbox.addWidget(self.quick)
        cbox.addLayout(header)
        cbox.addWidget(split, 1)
        self.setCentralWidget(central)
        self.statusBar().addPermanentWidget(self.sync_label)

        self._actions()
        self.tick = QTimer(self)
        self.tick.setInterval(1000)
        self.tick.timeout.connect(self.update_elapsed)
        # The sync line ("Synced 2 min ago") moves on while nothing runs too; the tray reads
        # the same controller.sync_state() when its menu opens.
        self.sync_tick = QTimer(self)
        self.sync_tick.setInterval(SYNC_LINE_MS)
        self.sync_tick.timeout.connect(self._show_sync)
        controller.changed.connect(self.show_overview)
        controller.failed.connect(self.show_error)
        controller.notice.connect(lambda m: self.statusBar().showMessage(m, 5000))
        controller.sync_changed.connect(lambda _s: self._show_sync())
        controller.deleted.connect(
            lambda e: self.undo_bar.offer(e, f"{e.task_title} {span(e, self.tz)}".strip())
        )
        if controller.overview is not None:
            self.show_overview(controller.overview)

    def _actions(self) -> None:
        def act(text: str, keys: str, slot: Callable[[], None]) -> QAction:
            a = QAction(text, self)
            a.setShortcut(QKeySequence(keys))
            a.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
            a.triggered.connect(slot)
            self.addAction(a)
            return a

        self.toggle_action = act("Start/Stop", START_STOP, self.controller.toggle)
        self.new_entry_action = act("Add time…", NEW_ENTRY, lambda: self.add_time())
        self.find_action = act("Find task", "Ctrl+F", self.search.setFocus)
        self.quick_action = act("Start a task…", QUICK_START, self.focus_quick_start)
        self.new_project_action = act("New project…", "Ctrl+Shift+P", lambda: self.new_project())
        self.new_task_action = act("New task…", "Ctrl+Shift+T", lambda: self.new_task())
        self.settings_action = act("Settings…", "Ctrl+,", self.settings_requested.emit)
        self.quit_action = act("Quit", "Ctrl+Q", self.quit_requested.emit)
        self.undo_action = act("Undo delete", "Ctrl+Z", self.undo_bar.undo)
        menu = self.menuBar().addMenu("&Tracker")
        for a in (self.quick_action, self.toggle_action, self.new_entry_action,
                  self.find_action):  # fmt: skip
            menu.addAction(a)
        menu.addSeparator()
        menu.addAction(self.new_project_action)
        menu.addAction(self.new_task_action)
        menu.addSeparator()
        self.sign_in_action = menu.addAction("Sign in…")
        self.sign_in_action.triggered.connect(self.sign_in_requested.emit)
        menu.addAction(self.settings_action)
        menu.addSeparator()
        menu.addAction(self.quit_action)

    # -- showing state ------------------------------------------------------------------------

    def show_notice(self, text: str) -> None:
        self.notice.setText(text)
        self.notice.setVisible(bool(text))

    def show_error(self, text: str) -> None:
        self.statusBar().showMessage(text, 10000)

    def show_overview(self, ov) -> None:
        self.quick.set_tasks(ov.recent, [t for t in ov.tasks if t.status.value != "done"])
        self._fill_projects(ov)
        self._fill_cards()
        self._fill_entries(ov)
        self.today_label.setText(f"Today {hm(ov.today_seconds)}")
        self.week_label.setText(f"Week {hm(ov.week_seconds)}")
        self._show_sync()
        self.update_elapsed()
        self._arm_tick()

    def _show_sync(self) -> None:
        self.sync_label.setText(self.controller.sync_state())

    def _fill_projects(self, ov) -> None:
        self.projects.blockSignals(True)
        self.projects.clear()
        overall = QListWidgetItem(f"All projects   {hm(ov.today_seconds)} · {hm(ov.week_seconds)}")
        overall.setData(Qt.ItemDataRole.UserRole, ALL_PROJECTS)
        self.projects.addItem(overall)
        current = overall
        for p in ov.projects:
            today, week = ov.project_today.get(p.id, 0), ov.project_week.get(p.id, 0)
            local = " (local)" if p.origin.value == "local" else ""
            item = QListWidgetItem(f"{p.name}{local}   {hm(today)} · {hm(week)}")
            item.setData(Qt.ItemDataRole.UserRole, p.id)
            item.setToolTip(f"{p.name}: today {hm(today)}, this week {hm(week)}")
            self.projects.addItem(item)
            if p.id == self.project_id:
                current = item
        self.projects.setCurrentItem(current)
        if current is overall:
            self.project_id = ALL_PROJECTS
        self.projects.blockSignals(False)

    def _project_chosen(self, item: QListWidgetItem | None, _prev=None) -> None:
        self.project_id = item.data(Qt.ItemDataRole.UserRole) if item else ALL_PROJECTS
        self._fill_cards()

    def _fill_cards(self) -> None:
        ov = self.controller.overview
        while self.cards_grid.count():
            w = self.cards_grid.takeAt(0).widget()
            if w is not None:
                w.deleteLater()
        self.cards.clear()
        if ov is None:
            return
        needle = self.search.text().strip().casefold()
        running = ov.running.task_id if ov.running else None
        if self.project_id or needle:
            tasks = [
                t
                for t in ov.tasks
                if (not self.project_id or t.project_id == self.project_id)
                and (not needle or needle in f"{t.project_name} {t.title}".casefold())
            ]
        else:  # "All projects": the running and the recent tasks, not every card there is
            by_id = {t.id: t for t in ov.tasks}
            ids = dict.fromkeys([*([running] if running else []), *(t.id for t in ov.recent)])
            tasks = [by_id[i] for i in ids if i in by_id]
        more = len(tasks) - MAX_CARDS
        tasks = tasks[:MAX_CARDS]
        for i, t in enumerate(tasks):
            card = TaskCard(t, ov.task_total.get(t.id, 0), t.id == running)
            card.toggled.connect(self._card_toggled)
            card.status_chosen.connect(self.controller.set_task_status)
            card.rename_requested.connect(self.rename_task)
            if not self.project_id:
                card.title.setText(f"{t.title}\n{t.project_name}")
            self.cards_grid.addWidget(card, i // 3, i % 3)
            self.cards[t.id] = card
        if self.project_id:
            p = next((p for p in ov.projects if p.id == self.project_id), None)
            name = p.name if p else ""
            pid = self.project_id
            self.project_title.setText(name)
            self.project_totals.setText(
                f"Today {hm(ov.project_today.get(pid, 0))} · Week "
                f"{hm(ov.project_week.get(pid, 0))} · Total {hm(ov.project_total.get(pid, 0))}"
            )
        else:
            self.project_title.setText("Search results" if needle else "Recent tasks")
            self.project_totals.setText(
                f"Today {hm(ov.today_seconds)} · Week {hm(ov.week_seconds)}"
            )
        if more > 0:
            hint = QLabel(f"{more} more tasks: search to narrow them down")
            self.cards_grid.addWidget(hint, (len(tasks) + 2) // 3, 0, 1, 3)
        if not tasks:
            if needle:
                hint_text = "No tasks match"
            elif not self.project_id and ov.tasks:
                hint_text = "Recent tasks show here: pick a project on the left to start one"
            elif self.project_id:
                hint_text = "No tasks yet: “New task…” above, or type one in the box at the top"
            else:
                hint_text = ("No tasks yet: type “Project / Task” in the box at the top (Ctrl+K) "
                             "and press Enter to create it and start the timer")  # fmt: skip
            hint = QLabel(hint_text)
            hint.setObjectName("emptyHint")
            hint.setWordWrap(True)
            self.cards_grid.addWidget(hint, 0, 0)

    def _card_toggled(self, task_id: str) -> None:
        r = self.controller.running
        if r is not None and r.task_id == task_id:
            self.controller.stop()
        else:
            self.controller.start(task_id)

    def _fill_entries(self, ov) -> None:
        d = ov.day
        self.day_edit.blockSignals(True)
        self.day_edit.setDate(QDate(d.year, d.month, d.day))
        self.day_edit.blockSignals(False)
        self.entries.setRowCount(len(ov.entries))
        self._running_row = None
        for row, e in enumerate(ov.entries):
            secs = e.duration_seconds(ov.now)
            if e.ended_at is None:
                self._running_row = row
            cells = [clock(e.started_at, self.tz), "running" if e.ended_at is None else
                     clock(e.ended_at, self.tz), hms(secs), f"{e.project_name} / {e.task_title}",
                     e.note, e.sync_state.value]  # fmt: skip
            for col, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setData(Qt.ItemDataRole.UserRole, e.id)
                self.entries.setItem(row, col, item)
        self._show_day_total(ov, ov.now)
        strip = self.controller.strip
        if strip is None or self.controller.overview is not ov:  # shown without the controller
            strip = day_strip(ov.entries, ov.day, self.tz)
        self.timeline.set_strip(strip, int(self.controller.clock.now().timestamp()))
        self._selection_to_timeline()

    def _show_day_total(self, ov, now) -> None:
        total = sum(e.duration_seconds(now) for e in ov.entries)
        self.day_total.setText(f"{plural(len(ov.entries), 'entry', 'entries')} · {hms(total)}")

    def _arm_tick(self) -> None:
        if self.controller.running is not None and self.isVisible():
            if not self.tick.isActive():
                self.tick.start()
        else:
            self.tick.stop()

    def update_elapsed(self) -> None:
        """The 1 Hz tick: the header and the running card only."""
        ov = self.controller.overview
        r = self.controller.running
        self.stop_button.setText("Stop" if r else "Start")
        if ov is None or r is None:
            self.running_label.setText("Nothing running")
            self.elapsed_label.setText("")
            return
        now = self.controller.clock.now()
        self.timeline.set_now(int(now.timestamp()))  # the running block grows; no DB read
        self._show_sync()  # "Synced 2 min ago" moves on, as the tray's line does
        elapsed = r.duration_seconds(now)
        row = self._running_row
        if row is not None:
            item = self.entries.item(row, 2)
            if item is not None:  # the running entry's duration ticks with the header
                item.setText(hms(elapsed))
            self._show_day_total(ov, now)
        self.running_label.setText(f"● {r.task_title} · {r.project_name}")
        self.elapsed_label.setText(hms(elapsed))
        card = self.cards.get(r.task_id)
        if card is not None:
            # all-time total at the snapshot, plus what ran since
            card.show_seconds(ov.task_total.get(r.task_id, 0) + max(0, elapsed - ov_elapsed(ov)))

    # -- making work: quick start, projects, tasks ---------------------------------------------

    def focus_quick_start(self) -> None:
        if not self.isVisible():
            self.bring_forward()
        self.quick.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.quick.selectAll()

    def _quick_start(self, text: str) -> None:
        self.controller.quick_start(text, self.project_id or None,
                                    on_done=lambda _m: self.quick.clear())  # fmt: skip

    def _project(self, project_id: str | None):
        ov = self.controller.overview
        return next((p for p in (ov.projects if ov else []) if p.id == project_id), None)

    def _name_dialog(self, title: str, label: str, save, **kw) -> NameDialog:
        d = NameDialog(title, label, lambda name, pid: save(d, name, pid), parent=self, **kw)
        self.open_dialog(d)
        return d

    @staticmethod
    def _closes(d: NameDialog) -> dict:
        return {"on_done": lambda _r: d.accept(), "on_error": lambda e: d.refused(str(e))}

    def new_project(self) -> NameDialog:
        """A local project (server projects are made on the server by an admin or manager)."""
        return self._name_dialog(
            "New project", "Name",
            lambda d, name, _p: self.controller.add_project(name, **self._closes(d)),
            hint="A project made here is local to this computer; projects on the server are "
                 "made there by an admin or manager.",
        )  # fmt: skip

    def new_task(self) -> NameDialog | None:
        ov = self.controller.overview
        projects = ov.projects if ov else []
        if not projects:
            self.show_error("Create a project first: “New project…”")
            return None
        return self._name_dialog(
            "New task", "Title",
            lambda d, title, pid: self.controller.add_task(pid, title, **self._closes(d)),
            projects=projects, project_id=self.project_id or None,
        )  # fmt: skip

    def rename_task(self, task_id: str) -> NameDialog | None:
        ov = self.controller.overview
        t = next((t for t in (ov.tasks if ov else []) if t.id == task_id), None)
        if t is None:
            return None
        return self._name_dialog(
            "Rename task", "Title",
            lambda d, title, _p: self.controller.rename_task(task_id, title, **self._closes(d)),
            name=t.title,
        )  # fmt: skip

    def rename_project(self, project_id: str) -> NameDialog | None:
        p = self._project(project_id)
        if p is None:
            return None
        if p.origin.value == "server":
            self.show_error(f"{p.name} is a server project: it is renamed on the server")
            return None
        return self._name_dialog(
            "Rename project", "Name",
            lambda d, name, _p: self.controller.rename_project(p.id, name, **self._closes(d)),
            name=p.name,
        )  # fmt: skip

    def project_menu(self, project_id: str | None) -> QMenu:
        """The projects list's context menu: New task, Rename and Archive (local projects),
        and the archived projects to bring back."""
        menu = QMenu(self)
        p = self._project(project_id)
        menu.addAction("New project…", lambda: self.new_project())
        if p is not None:
            menu.addAction(f"New task in {p.name}…", lambda: self.new_task())
            local = p.origin.value == "local"
            rename = menu.addAction("Rename…", lambda: self.rename_project(p.id))
            archive = menu.addAction("Archive", lambda: self.controller.archive_project(p.id))
            for a in (rename, archive):
                a.setEnabled(local)
                if not local:
                    a.setToolTip("A server project: its name and archive come from the server")
        ov = self.controller.overview
        if ov and ov.archived:
            back = menu.addMenu("Unarchive")
            for q in ov.archived:
                back.addAction(q.name, lambda _=False, qid=q.id:
                               self.controller.archive_project(qid, False))  # fmt: skip
        menu.setToolTipsVisible(True)
        return menu

    def _project_menu(self, pos) -> None:
        item = self.projects.itemAt(pos)
        pid = item.data(Qt.ItemDataRole.UserRole) if item else None
        if item is not None:
            self.projects.setCurrentItem(item)
        self.project_menu(pid or None).popup(self.projects.viewport().mapToGlobal(pos))

    # -- Day tab actions ----------------------------------------------------------------------

    def _day_chosen(self, q: QDate) -> None:
        self.controller.set_day(date(q.year(), q.month(), q.day()))

    def select_entry(self, entry_id: str) -> None:
        """Select an entry's row in the table (a click on its block in the timeline)."""
        for row in range(self.entries.rowCount()):
            item = self.entries.item(row, 0)
            if item is not None and item.data(Qt.ItemDataRole.UserRole) == entry_id:
                self.entries.selectRow(row)
                self.entries.scrollToItem(item)
                return

    def _edit_entry(self, entry_id: str) -> None:
        self.select_entry(entry_id)
        self.edit_selected()

    def _selection_to_timeline(self) -> None:
        rows = self.entries.selectionModel().selectedRows()
        item = self.entries.item(rows[0].row(), 0) if rows else None
        self.timeline.set_selected(item.data(Qt.ItemDataRole.UserRole) if item else None)

    def selected_entry(self) -> Interval | None:
        ov = self.controller.overview
        rows = self.entries.selectionModel().selectedRows()
        if ov is None or not rows:
            return None
        entry_id = self.entries.item(rows[0].row(), 0).data(Qt.ItemDataRole.UserRole)
        return next((e for e in ov.entries if e.id == entry_id), None)

    def add_time(self, task_id: str | None = None) -> EntryDialog:
        from .dialogs import EntryDialog

        ov = self.controller.overview
        tasks = ov.tasks if ov else []
        day = ov.day if ov else None
        if task_id is None and ov and ov.recent:
            task_id = ov.recent[0].id
        d = EntryDialog(self.controller, self.tz, tasks, day=day, task_id=task_id, parent=self)
        self.open_dialog(d)
        return d

    def edit_selected(self) -> EntryDialog | None:
        from .dialogs import EntryDialog

        e = self.selected_entry()
        if e is None:
            self.show_error("Select an entry first")
            return None
        ov = self.controller.overview
        d = EntryDialog(self.controller, self.tz, ov.tasks if ov else [], entry=e, parent=self)
        self.open_dialog(d)
        return d

    def split_selected(self) -> SplitDialog | None:
        from .dialogs import SplitDialog

        e = self.selected_entry()
        if e is None:
            self.show_error("Select an entry first")
            return None
        d = SplitDialog(e, self.tz, self.controller.clock.now(), parent=self)
        d.accepted.connect(lambda: self.controller.split_entry(e.id, d.instant()))
        self.open_dialog(d)
        return d

    def delete_selected(self) -> None:
        """Delete at once; the undo bar offers to take it back for ten seconds."""
        e = self.selected_entry()
        if e is None:
            self.show_error("Select an entry first")
            return
        self.controller.delete_entry(e.id)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if (
            watched is self.entries
            and event.type() == QEvent.Type.KeyPress
            and isinstance(event, QKeyEvent)
            and event.key() == Qt.Key.Key_Delete
        ):
            self.delete_selected()
            return True
        return super().eventFilter(watched, event)

    # -- window life --------------------------------------------------------------------------

    def bring_forward(self) -> None:
        self.show()
        self.setWindowState(self.windowState() & ~Qt.WindowState.WindowMinimized)
        self.raise_()
        self.activateWindow()

    def showEvent(self, event) -> None:
        super().showEvent(event)
        self.update_elapsed()
        self._show_sync()
        self._arm_tick()
        self.sync_tick.start()

    def hideEvent(self, event) -> None:
        super().hideEvent(event)
        self.tick.stop()
        self.sync_tick.stop()

    def closeEvent(self, event: QCloseEvent) -> None:
        if self.hide_on_close:
            event.ignore()
            self.hide()
        else:
            event.accept()
            self.quit_requested.emit()


def ov_elapsed(ov) -> int:
    """How long the running entry had run when the overview was read."""
    return ov.running.duration_seconds(ov.now) if ov.running else 0
