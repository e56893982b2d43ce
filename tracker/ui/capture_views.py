"""The Activity and Screenshots tabs. They lay out and forward clicks; the
:class:`~tracker.ui.capture.CaptureController` loads and changes data on the executor."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QIcon, QPixmap
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QListView,
    QListWidget,
    QListWidgetItem,
    QProgressBar,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from ..timeparse import hms

if TYPE_CHECKING:
    from ..service import Overview
    from .capture import CaptureController
    from .controller import Controller


def _local(ts: int | datetime, tz: ZoneInfo) -> datetime:
    dt = ts if isinstance(ts, datetime) else datetime.fromtimestamp(ts, UTC)
    return dt.astimezone(tz)


class ActivityTab(QWidget):
    """The day's 10-minute slots: activity % as a bar, with keyboard and mouse counts."""

    def __init__(self, controller: Controller, capture: CaptureController, tz: ZoneInfo,
                 parent=None) -> None:  # fmt: skip
        super().__init__(parent)
        self.controller, self.capture, self.tz = controller, capture, tz
        self.day: date | None = None
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.table = QTableWidget(0, 6)
        self.table.setHorizontalHeaderLabels(
            ["Slot", "Activity", "Active", "Keyboard", "Mouse", "Task"]
        )
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.horizontalHeader().setSectionResizeMode(5, QHeaderView.ResizeMode.Stretch)
        box = QVBoxLayout(self)
        box.addWidget(self.summary)
        box.addWidget(self.table, 1)
        controller.changed.connect(self.follow)
        capture.slots_saved.connect(lambda _n: self.reload())

    def follow(self, ov: Overview) -> None:
        self.day = ov.day
        self.reload()

    def reload(self) -> None:
        self.capture.load_activity(self.day, self.show_rows)

    def show_rows(self, rows: list) -> None:
        self.rows = rows
        self.table.setRowCount(len(rows))
        for i, r in enumerate(rows):
            s = r.slot
            bar = QProgressBar()
            bar.setRange(0, 100)
            bar.setValue(s.percent)
            bar.setFormat(f"{s.percent}%")
            cells = [f"{_local(s.slot_start, self.tz):%H:%M}", None,
                     f"{hms(s.active_seconds)} of {hms(s.slot_seconds)}", str(s.keyboard_events),
                     str(s.mouse_events), f"{r.project_name} / {r.task_title}"]  # fmt: skip
            for col, text in enumerate(cells):
                if text is None:
                    self.table.setCellWidget(i, col, bar)
                else:
                    self.table.setItem(i, col, QTableWidgetItem(text))
        lines = self.capture.unavailable()[:1]
        active = sum(r.slot.active_seconds for r in rows)
        tracked = sum(r.slot.slot_seconds for r in rows)
        pct = round(100 * active / tracked) if tracked else 0
        head = f"{len(rows)} slots · activity {pct}%" if rows else "No activity recorded this day"
        self.summary.setText("\n".join([head, *lines]))


class ScreenshotsTab(QWidget):
    """Thumbnails of the day's screenshots; Delete and Blur while under review, and when each
    leaves the machine."""

    def __init__(self, controller: Controller, capture: CaptureController, tz: ZoneInfo,
                 parent=None) -> None:  # fmt: skip
        super().__init__(parent)
        self.controller, self.capture, self.tz = controller, capture, tz
        self.day: date | None = None
        self.shots: list = []
        self.info = QLabel()
        self.info.setWordWrap(True)
        self.grid = QListWidget()
        self.grid.setViewMode(QListView.ViewMode.IconMode)
        self.grid.setIconSize(QSize(240, 150))
        self.grid.setResizeMode(QListView.ResizeMode.Adjust)
        self.grid.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.grid.setAccessibleName("Screenshots")
        self.delete_button = QPushButton("&Delete")
        self.blur_button = QPushButton("&Blur")
        self.delete_button.clicked.connect(self.delete_selected)
        self.blur_button.clicked.connect(self.blur_selected)
        row = QHBoxLayout()
        row.addWidget(self.info, 1)
        row.addWidget(self.blur_button)
        row.addWidget(self.delete_button)
        box = QVBoxLayout(self)
        box.addLayout(row)
        box.addWidget(self.grid, 1)
        controller.changed.connect(self.follow)
        capture.shot_saved.connect(lambda _s: self.reload())

    def follow(self, ov: Overview) -> None:
        self.day = ov.day
        self.reload()

    def reload(self) -> None:
        self.capture.load_shots(self.day, self.show_shots)

    def leaves_text(self, shot, review_minutes: int, now: datetime) -> str:
        if shot.uploaded:
            return "uploaded"
        if shot.project_origin == "local":
            return "stays on this computer"
        leaves = shot.taken_at + timedelta(minutes=review_minutes)
        if leaves <= now:
            return "leaves at the next sync"
        return f"leaves the machine at {_local(leaves, self.tz):%H:%M}"

    def show_shots(self, result: tuple[list, int, datetime]) -> None:
        shots, review, now = result
        self.shots = shots
        self.grid.clear()
        for s in shots:
            blur = " · blurred" if s.blurred else ""
            text = f"{_local(s.taken_at, self.tz):%H:%M} {s.task_title}{blur}\n" + self.leaves_text(
                s, review, now
            )
            item = QListWidgetItem(text)
            item.setData(Qt.ItemDataRole.UserRole, s.id)
            self.grid.addItem(item)
        if shots:
            self.info.setText(
                f"{len(shots)} screenshots. Each can be deleted or blurred during its "
                f"{review}-minute review, before it leaves the machine."
            )
        else:
            why = self.capture.unavailable()
            self.info.setText(
                why[-1]
                if why and "Screenshots" in why[-1]
                else "No screenshots: they are off unless a project switches them on."
            )
        self.capture.thumbnails(shots, self._thumbs)

    def _thumbs(self, data: dict[str, bytes]) -> None:
        for i in range(self.grid.count()):
            item = self.grid.item(i)
            raw = data.get(item.data(Qt.ItemDataRole.UserRole))
            if raw:
                pm = QPixmap()
                pm.loadFromData(raw, "JPEG")
                item.setIcon(QIcon(pm))

    def selected_id(self) -> str | None:
        item = self.grid.currentItem()
        return item.data(Qt.ItemDataRole.UserRole) if item else None

    def delete_selected(self) -> None:
        sid = self.selected_id()
        if sid:
            self.capture.delete_shot(sid, lambda _s: self.reload())

    def blur_selected(self) -> None:
        sid = self.selected_id()
        if sid:
            self.capture.blur_shot(sid, lambda _s: self.reload())
