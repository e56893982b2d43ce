"""The undo notice: "Entry deleted · Undo", non-modal, for about ten seconds after a delete.

A delete happens at once (no confirmation); this bar is how it is taken back. It holds only the
deleted entry's id and asks for the restore through a signal; the controller does the work.
"""

from __future__ import annotations

from PySide6.QtCore import QTimer, Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton

from ..model import Interval

UNDO_MS = 10_000


class UndoBar(QFrame):
    undo_requested = Signal(str)  # the id of the deleted entry

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setObjectName("undoBar")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.entry_id: str | None = None
        self.text = QLabel("Entry deleted ·")
        self.text.setObjectName("undoText")
        self.undo_button = QPushButton("&Undo")
        self.undo_button.setFlat(True)
        self.undo_button.setToolTip("Bring the entry back as it was (Ctrl+Z)")
        self.undo_button.clicked.connect(self.undo)
        self.close_button = QPushButton("×")
        self.close_button.setFlat(True)
        self.close_button.setAccessibleName("Dismiss")
        self.close_button.setMaximumWidth(28)
        self.close_button.clicked.connect(self.dismiss)
        row = QHBoxLayout(self)
        row.setContentsMargins(8, 2, 4, 2)
        row.addWidget(self.text)
        row.addWidget(self.undo_button)
        row.addStretch(1)
        row.addWidget(self.close_button)
        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.setInterval(UNDO_MS)
        self.timer.timeout.connect(self.dismiss)
        self.hide()

    @property
    def offering(self) -> bool:
        return self.entry_id is not None

    def offer(self, entry: Interval, label: str = "") -> None:
        """Show the notice for ``entry`` (a newer delete replaces an older offer)."""
        self.entry_id = entry.id
        self.text.setText(f"Entry deleted{': ' + label if label else ''} ·")
        self.setToolTip(label)
        self.show()
        self.timer.start()

    def undo(self) -> None:
        entry_id = self.entry_id
        self.dismiss()
        if entry_id is not None:
            self.undo_requested.emit(entry_id)

    def dismiss(self) -> None:
        self.timer.stop()
        self.entry_id = None
        self.hide()
