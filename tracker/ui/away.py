"""The Away dialog: modal, and it cannot be clicked past or escaped (ui.md).

"You were away from 10:14 to 10:52 (38 min) while tracking Homepage." Keep · Discard and continue
· Discard and stop · Assign to… · Save as a separate entry. Several away periods queue up and are
listed in order; each answer goes to the controller, and the dialog closes after the last one.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QPushButton,
    QVBoxLayout,
)

from ..capture.away import AwayPeriod
from ..model import Task
from .dialogs import TaskPicker


def _hm(ts: int, tz: ZoneInfo) -> str:
    return f"{datetime.fromtimestamp(ts, UTC).astimezone(tz):%H:%M}"


def away_text(p: AwayPeriod, tz: ZoneInfo, task_title: str) -> str:
    minutes = max(1, round(p.seconds / 60))
    lead = "You were away" if p.reason == "idle" else "The computer slept"
    return (
        f"{lead} from {_hm(p.start, tz)} to {_hm(p.end, tz)} ({minutes} min) "
        f"while tracking {task_title}."
    )


class AwayDialog(QDialog):
    answered = Signal(object, str, object)  # AwayPeriod, choice, task id or None

    def __init__(
        self,
        tz: ZoneInfo,
        tasks: list[Task],
        title_of: Callable[[AwayPeriod], str],
        parent=None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("You were away")
        self.setModal(True)
        self.setWindowModality(Qt.WindowModality.ApplicationModal)
        # No close button: the only ways out are the answers.
        self.setWindowFlags(
            Qt.WindowType.Dialog
            | Qt.WindowType.CustomizeWindowHint
            | Qt.WindowType.WindowTitleHint
            | Qt.WindowType.WindowStaysOnTopHint
        )
        self.tz = tz
        self.title_of = title_of
        self.periods: list[AwayPeriod] = []
        self._done = False
        self.text = QLabel()
        self.text.setWordWrap(True)
        self.text.setObjectName("awayText")
        self.queue = QListWidget()
        self.queue.setAccessibleName("Away periods")
        self.queue.setMaximumHeight(90)
        self.keep_button = QPushButton("&Keep")
        self.discard_button = QPushButton("&Discard and continue")
        self.stop_button = QPushButton("Discard and &stop")
        self.assign_button = QPushButton("&Assign to…")
        self.separate_button = QPushButton("Save as a se&parate entry")
        self.discard_button.setDefault(True)
        self.picker = TaskPicker(tasks)
        self.picker_ok = QPushButton("Assign")
        self.picker.hide()
        self.picker_ok.hide()
        self.keep_button.clicked.connect(lambda: self.answer("keep"))
        self.discard_button.clicked.connect(lambda: self.answer("discard"))
        self.stop_button.clicked.connect(lambda: self.answer("stop"))
        self.separate_button.clicked.connect(lambda: self.answer("separate"))
        self.assign_button.clicked.connect(self._show_picker)
        self.picker_ok.clicked.connect(self._assign)
        row = QHBoxLayout()
        for b in (self.keep_button, self.discard_button, self.stop_button, self.assign_button,
                  self.separate_button):  # fmt: skip
            row.addWidget(b)
        pick = QHBoxLayout()
        pick.addWidget(self.picker, 1)
        pick.addWidget(self.picker_ok)
        box = QVBoxLayout(self)
        box.addWidget(self.text)
        box.addWidget(self.queue)
        box.addLayout(row)
        box.addLayout(pick)

    def add(self, period: AwayPeriod) -> None:
        self.periods.append(period)
        self._show()

    @property
    def current(self) -> AwayPeriod | None:
        return self.periods[0] if self.periods else None

    def _show(self) -> None:
        p = self.current
        if p is None:
            return
        self.text.setText(away_text(p, self.tz, self.title_of(p)))
        self.queue.clear()
        for i, q in enumerate(self.periods):
            mark = "▶ " if i == 0 else "   "
            self.queue.addItem(f"{mark}{_hm(q.start, self.tz)}–{_hm(q.end, self.tz)} "
                               f"({max(1, round(q.seconds / 60))} min)")  # fmt: skip
        self.queue.setVisible(len(self.periods) > 1)

    def _show_picker(self) -> None:
        self.picker.show()
        self.picker_ok.show()
        self.picker.setFocus()

    def _assign(self) -> None:
        task_id = self.picker.task_id()
        if task_id:
            self.answer("assign", task_id)

    def answer(self, choice: str, task_id: str | None = None) -> None:
        p = self.current
        if p is None:
            return
        self.periods.pop(0)
        self.picker.hide()
        self.picker_ok.hide()
        self.answered.emit(p, choice, task_id)
        if self.periods:
            self._show()
        else:
            self._done = True
            self.accept()

    # Escape and the window's close button do nothing: no away time is counted silently.
    def reject(self) -> None:
        if self._done:
            super().reject()

    def closeEvent(self, event: QCloseEvent) -> None:
        if self._done:
            event.accept()
        else:
            event.ignore()
