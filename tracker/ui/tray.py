"""The tray icon and its menu, rebuilt from the controller's state each time it opens."""

from __future__ import annotations

from PySide6.QtCore import QObject, QUrl, Signal
from PySide6.QtGui import QAction, QDesktopServices
from PySide6.QtWidgets import QMenu, QSystemTrayIcon

from ..timeparse import hms
from .controller import Controller
from .icons import tracker_icon

NOTIFY_MS = 15_000


def _open_in_browser(url: str) -> None:
    QDesktopServices.openUrl(QUrl(url))


class Tray(QObject):
    open_requested = Signal()
    add_time_requested = Signal()
    quick_start_requested = Signal()  # "Start new task…": the window's quick-start box
    reminder_clicked = Signal(object)  # Reminder: the user clicked its notification
    sign_in_requested = Signal()
    quit_requested = Signal()

    def __init__(self, controller: Controller, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.controller = controller
        self.menu = QMenu()
        self.menu.aboutToShow.connect(self.rebuild)
        self.icon = QSystemTrayIcon(tracker_icon(False), self)
        self.icon.setContextMenu(self.menu)
        self.icon.activated.connect(self._activated)
        self.icon.messageClicked.connect(self._message_clicked)
        self.shown_reminder = None  # the reminder whose notification shows last (None: other)
        self._look: tuple[bool, bool] | None = None  # (running, sync needs attention)
        controller.changed.connect(lambda _ov: self.update_icon())
        controller.sync_changed.connect(lambda _s: self.update_icon())
        self.update_icon()
        self.rebuild()

    def show(self) -> None:
        self.icon.show()

    def hide(self) -> None:
        self.icon.hide()

    def headline(self) -> str:
        r = self.controller.running
        if r is None:
            return "Tracker: nothing running"
        return f"● {r.project_name} / {r.task_title}   {hms(self.controller.elapsed())}"

    def update_icon(self) -> None:
        """Filled while running, outlined when stopped; a dot while sync needs attention."""
        problem = self.controller.sync_attention()
        look = (self.controller.running is not None, problem is not None)
        if look != self._look:
            self._look = look
            self.icon.setIcon(tracker_icon(*look))
        tip = self.headline()
        self.icon.setToolTip(f"{tip}\n{problem.line}" if problem else tip)

    def _activated(self, reason: QSystemTrayIcon.ActivationReason) -> None:
        if reason == QSystemTrayIcon.ActivationReason.Trigger:
            self.open_requested.emit()

    def rebuild(self) -> None:
        """The menu from state: what runs, Start/Stop, recent tasks, add, open (the window; the
        web dashboard for admins and managers), sync, quit."""
        c = self.controller
        ov = c.overview
        m = self.menu
        m.clear()
        head = m.addAction(self.headline())
        head.setEnabled(False)
        head.setObjectName("headline")
        m.addSeparator()
        r = c.running
        if r is not None:
            self.toggle = m.addAction("Stop")
            self.toggle.triggered.connect(c.stop)
        elif ov and ov.recent:
            last = ov.recent[0]
            self.toggle = m.addAction(f"Start {last.project_name} / {last.title}")
            self.toggle.triggered.connect(lambda _=False, t=last.id: c.start(t))
        else:
            self.toggle = m.addAction("Start (open Tracker to pick a task)")
            self.toggle.triggered.connect(self.open_requested.emit)
        self.toggle.setShortcut("Ctrl+Shift+S")
        self.toggle.setObjectName("toggle")
        recent = [t for t in (ov.recent if ov else []) if not r or t.id != r.task_id]
        self.recent_actions: list[QAction] = []
        if recent:
            sub = m.addMenu("Switch to" if r else "Recent tasks")
            for t in recent[:5]:
                a = sub.addAction(f"{t.project_name} / {t.title}")
                a.triggered.connect(lambda _=False, tid=t.id: c.start(tid))
                self.recent_actions.append(a)
        new = m.addAction("Start new task…")
        new.setObjectName("quickStart")
        new.triggered.connect(self.quick_start_requested.emit)
        add = m.addAction("Add time…")
        add.triggered.connect(self.add_time_requested.emit)
        opener = m.addAction("Open Tracker")
        opener.triggered.connect(self.open_requested.emit)
        if c.dashboard_url() is not None:  # admins and managers: the server's pages, signed in
            dash = m.addAction("Open the web dashboard")
            dash.setObjectName("dashboard")
            dash.triggered.connect(lambda _=False: c.open_dashboard(_open_in_browser))
        m.addSeparator()
        state = c.sync_state()
        problem = c.sync_attention()
        signed_out = not c.signed_in and problem is None
        self.sync_action = m.addAction(f"{state} · Sign in…" if signed_out else state)
        self.sync_action.setObjectName("sync")
        if problem is not None and problem.kind in ("unreachable", "failed"):
            self.sync_action.setToolTip("Try again now")
            self.sync_action.triggered.connect(c.retry_sync)
        else:  # sign in (when needed), else open the window
            self.sync_action.triggered.connect(self.sign_in_requested.emit)
        self.quit_action = m.addAction("Quit")
        self.quit_action.triggered.connect(self.quit_requested.emit)

    # -- notifications (never modal) ----------------------------------------------------------

    def notify(self, title: str, text: str, reminder: object = None, warning: bool = False):
        """A notification from the tray; a click on a reminder's does its one action."""
        self.shown_reminder = reminder
        kind = QSystemTrayIcon.MessageIcon
        self.icon.showMessage(title, text, kind.Warning if warning else kind.Information,
                              NOTIFY_MS)  # fmt: skip

    def _message_clicked(self) -> None:
        reminder, self.shown_reminder = self.shown_reminder, None
        if reminder is not None:
            self.reminder_clicked.emit(reminder)

    def action(self, text: str) -> QAction | None:
        """The menu entry (or recent task) whose text starts with ``text`` (for tests)."""
        for a in [*self.menu.actions(), *self.recent_actions]:
            if a.text().startswith(text):
                return a
        return None
