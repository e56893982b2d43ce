"""The window's File menu: Import… (a Toggl Track or Clockify detailed report, or our own CSV)
and Export… (CSV, JSON or iCalendar).

Both run on the executor (the database thread), never on the GUI thread; the import's progress
comes back through a :class:`Bridge` to the dialog's progress bar, and its result as the same
lines `tracker import` prints. A dry run ("Check") comes first, so the user sees what will be
added and skipped before anything is written.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMenu,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from ..errors import TrackerError
from ..import_plan import ImportResult, summary
from ..imports import LABELS
from .controller import user_message
from .executor import Bridge, Executor

if TYPE_CHECKING:
    from PySide6.QtWidgets import QMainWindow

    from .controller import Controller

IMPORT_FORMATS = ("toggl", "clockify", "csv")
EXPORT_FILTERS = {
    "csv": "CSV (*.csv)",
    "json": "JSON (*.json)",
    "ical": "iCalendar (*.ics)",
}


def guess_format(head: str) -> str | None:
    """The format a file's header row names: Toggl writes "Start date", Clockify "Start Date"
    with "Duration (h)", we write "started_at"."""
    first = head.lstrip("\ufeff").split("\n", 1)[0]
    if "started_at" in first:
        return "csv"
    if "Duration (h)" in first or "Start Date" in first:
        return "clockify"
    if "Start date" in first:
        return "toggl"
    return None


class ImportDialog(QDialog):
    """Choose a file and its kind; Check (a dry run), then Import. Never blocks."""

    def __init__(
        self,
        controller: Controller,
        tz: ZoneInfo,
        parent: QWidget | None = None,
        pick: Callable[[QWidget], str] | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Import time entries")
        self.controller = controller
        self.executor: Executor = controller.executor
        self.tz = tz
        self._bridge = Bridge(self)
        self._pick = pick or (lambda w: QFileDialog.getOpenFileName(
            w, "Import", "", "CSV files (*.csv);;All files (*)")[0])  # fmt: skip
        self.result_: ImportResult | None = None
        self.busy = False

        self.path = QLineEdit()
        self.path.setPlaceholderText("A Toggl Track or Clockify detailed report (CSV)")
        browse = QPushButton("Browse…")
        browse.clicked.connect(self.browse)
        row = QHBoxLayout()
        row.addWidget(self.path, 1)
        row.addWidget(browse)
        self.kind = QComboBox()
        for fmt in IMPORT_FORMATS:
            self.kind.addItem(f"{LABELS[fmt]} CSV", fmt)
        form = QFormLayout()
        form.addRow("&File:", row)
        form.addRow("&Kind:", self.kind)
        self.progress = QProgressBar()
        self.progress.setRange(0, 100)
        self.progress.setValue(0)
        self.progress.setVisible(False)
        self.report = QPlainTextEdit()
        self.report.setReadOnly(True)
        self.report.setPlaceholderText("Check shows what would be added and skipped.")
        self.error = QLabel()
        self.error.setStyleSheet("color: #b3261e;")
        self.error.setWordWrap(True)
        self.error.setVisible(False)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.check_button = buttons.addButton("&Check", QDialogButtonBox.ButtonRole.ActionRole)
        self.import_button = buttons.addButton("&Import", QDialogButtonBox.ButtonRole.AcceptRole)
        self.check_button.clicked.connect(lambda: self.run(dry_run=True))
        self.import_button.clicked.connect(lambda: self.run(dry_run=False))
        buttons.rejected.connect(self.reject)
        lay = QVBoxLayout(self)
        lay.addLayout(form)
        lay.addWidget(self.progress)
        lay.addWidget(self.error)
        lay.addWidget(self.report, 1)
        lay.addWidget(buttons)
        self.resize(640, 360)

    def browse(self) -> None:
        name = self._pick(self)
        if name:
            self.set_file(name)

    def set_file(self, name: str) -> None:
        self.path.setText(name)
        try:
            with open(name, encoding="utf-8-sig", errors="replace") as f:
                fmt = guess_format(f.readline())
        except OSError:
            fmt = None
        if fmt is not None:
            self.kind.setCurrentIndex(IMPORT_FORMATS.index(fmt))

    def run(self, dry_run: bool) -> None:
        if self.busy:
            return
        path = Path(self.path.text().strip())
        fmt = self.kind.currentData()
        self.error.setVisible(False)
        self.busy = True
        for b in (self.check_button, self.import_button):
            b.setEnabled(False)
        self.progress.setValue(0)
        self.progress.setVisible(True)
        bridge = self._bridge

        def progress(done: int, total: int) -> None:  # on the database thread
            bridge.post(partial(self._progress, done, total))

        def job(t: Any) -> ImportResult:
            try:
                data = path.read_bytes()
            except OSError as exc:
                raise TrackerError(f"cannot read {path}: {exc.strerror or exc}") from None
            return t.import_file(data, fmt, dry_run=dry_run, progress=progress)

        self.executor.submit(job, partial(self._done, path.name), self._failed)

    def _progress(self, done: int, total: int) -> None:
        self.progress.setValue(100 if not total else int(100 * done / total))

    def _done(self, name: str, res: ImportResult) -> None:
        self.busy = False
        self.result_ = res
        self.progress.setValue(100)
        lines = summary(res, self.tz, name)
        if res.dry_run:
            lines[-1] = "Nothing was written yet: Import adds these entries."
        self.report.setPlainText("\n".join(lines))
        for b in (self.check_button, self.import_button):
            b.setEnabled(True)
        if not res.dry_run:
            self.import_button.setEnabled(False)  # done: a second click would add nothing
            self.controller.notice.emit(lines[0])
            self.controller.refresh()

    def _failed(self, exc: Exception) -> None:
        self.busy = False
        self.progress.setVisible(False)
        self.error.setText(user_message(exc) + " Nothing was imported.")
        self.error.setVisible(True)
        for b in (self.check_button, self.import_button):
            b.setEnabled(True)


class Transfer:
    """Import… and Export… in a File menu of ``window``."""

    def __init__(
        self,
        window: QMainWindow,
        controller: Controller,
        tz: ZoneInfo,
        open_dialog: Callable[[QDialog], None] | None = None,
        save_as: Callable[[QWidget], tuple[str, str]] | None = None,
    ) -> None:
        self.window = window
        self.controller = controller
        self.tz = tz
        self.open_dialog = open_dialog or (lambda d: d.open())
        self.save_as = save_as or (lambda w: QFileDialog.getSaveFileName(
            w, "Export", "tracker-entries.csv", ";;".join(EXPORT_FILTERS.values())))  # fmt: skip
        self.dialog: ImportDialog | None = None
        bar = window.menuBar()
        self.menu = QMenu("&File", bar)
        if bar.actions():
            bar.insertMenu(bar.actions()[0], self.menu)  # File comes first
        else:
            bar.addMenu(self.menu)
        self.import_action = self.menu.addAction("&Import…")
        self.import_action.triggered.connect(self.import_file)
        self.export_action = self.menu.addAction("&Export…")
        self.export_action.triggered.connect(self.export)

    def import_file(self) -> ImportDialog:
        d = ImportDialog(self.controller, self.tz, parent=self.window)
        self.dialog = d
        self.open_dialog(d)
        return d

    def export(self) -> None:
        name, chosen = self.save_as(self.window)
        if not name:
            return
        fmt = next((f for f, label in EXPORT_FILTERS.items() if label == chosen), None)
        path = Path(name)
        if fmt is None:
            by_suffix = {".ics": "ical", ".json": "json"}
            fmt = by_suffix.get(path.suffix.lower(), "csv")

        def job(t: Any) -> int:
            from ..exports import write_file

            text, n = t.export_text(fmt)
            write_file(text, path)
            return n

        def done(n: int) -> None:
            self.controller.notice.emit(
                f"Exported {n} {'entry' if n == 1 else 'entries'} to {path}"
            )

        def failed(exc: Exception) -> None:
            self.controller.failed.emit(user_message(exc))

        self.controller.executor.submit(job, done, failed)
