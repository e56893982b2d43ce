"""Reminders in the app: the pure :class:`~tracker.reminders.Reminders` rules, looked at on each
capture tick, shown through the tray's notifications (never modal), each with one click."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject, Signal

from ..reminders import Reminder, Reminders, Running
from .controller import Controller


class ReminderController(QObject):
    shown = Signal(object)  # Reminder
    open_requested = Signal()  # "open Tracker and start one"

    def __init__(
        self,
        controller: Controller,
        notify: Callable[[Reminder], None],
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.controller = controller
        self.notify = notify
        self.rules = Reminders()
        controller.changed.connect(self._settings)

    def _settings(self, ov) -> None:
        self.rules.configure(*ov.reminders)

    def look(self, wall: float, active: bool) -> Reminder | None:
        """One tick: remind when the rules say so (wall: epoch seconds)."""
        ov = self.controller.overview
        if ov is None:
            return None
        r = ov.running
        running = None
        if r is not None:
            running = Running(r.id, r.started_at.timestamp(), f"{r.project_name} / {r.task_title}")
        last = ov.recent[0] if ov.recent else None
        last_task = (last.id, f"{last.project_name} / {last.title}") if last else None
        reminder = self.rules.tick(wall, active, running, last_task)
        if reminder is not None:
            self.notify(reminder)
            self.shown.emit(reminder)
        return reminder

    def act(self, reminder: Reminder) -> None:
        """The notification was clicked: its one action."""
        if reminder.action == "start" and reminder.task_id and self.controller.running is None:
            self.controller.start(reminder.task_id)
        elif reminder.action == "stop" and self.controller.running is not None:
            self.controller.stop()
        elif reminder.action == "open":
            self.open_requested.emit()
