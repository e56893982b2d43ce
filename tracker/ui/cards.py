"""A task card: title, "Tracked Time: HH:MM:SS", status, and a start/stop button."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QComboBox,
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from ..model import Task, TaskStatus
from ..timeparse import hms

STATUS_TEXT = {
    TaskStatus.OPEN: "open",
    TaskStatus.IN_PROGRESS: "in progress",
    TaskStatus.DONE: "done",
}


class TaskCard(QFrame):
    toggled = Signal(str)  # task id: start it, or stop it when it runs
    status_chosen = Signal(str, str)  # task id, status value
    rename_requested = Signal(str)  # task id

    def __init__(self, task: Task, seconds: int, running: bool, parent: QWidget | None = None):
        super().__init__(parent)
        self.task = task
        self.base_seconds = seconds
        self.setObjectName("taskCard")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)
        self.setMinimumWidth(220)

        self.title = QLabel(task.title)
        self.title.setWordWrap(True)
        f = self.title.font()
        f.setBold(True)
        self.title.setFont(f)
        self.button = QPushButton()
        self.button.setObjectName("toggle")
        self.button.clicked.connect(lambda: self.toggled.emit(self.task.id))
        self.tracked = QLabel()
        self.tracked.setObjectName("tracked")
        self.status = QComboBox()
        self.status.setAccessibleName(f"Status of {task.title}")
        for st, text in STATUS_TEXT.items():
            self.status.addItem(text, st.value)
        self.status.setCurrentIndex(self.status.findData(task.status.value))
        self.status.activated.connect(
            lambda _i: self.status_chosen.emit(self.task.id, self.status.currentData())
        )

        self.setContextMenuPolicy(Qt.ContextMenuPolicy.ActionsContextMenu)
        rename = QAction("Rename…", self)
        rename.triggered.connect(lambda: self.rename_requested.emit(self.task.id))
        self.addAction(rename)

        top = QHBoxLayout()
        top.addWidget(self.title, 1)
        top.addWidget(self.button)
        box = QVBoxLayout(self)
        box.addLayout(top)
        box.addWidget(self.tracked)
        box.addWidget(self.status)
        self.set_running(running)
        self.show_seconds(seconds)

    def set_running(self, running: bool) -> None:
        self.running = running
        self.button.setText("■ Stop" if running else "▶ Start")
        self.button.setToolTip(f"{'Stop' if running else 'Start'} {self.task.title}")
        self.button.setAccessibleName(self.button.toolTip())
        self.setProperty("running", running)
        self.setStyleSheet(
            "#taskCard { border: 2px solid #1e8e3e; border-radius: 6px; }" if running else ""
        )

    def show_seconds(self, seconds: int) -> None:
        self.tracked.setText(f"Tracked Time: {hms(seconds)}")
