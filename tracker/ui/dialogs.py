"""Dialogs: add/edit an entry, split, the interrupted timer, settings and sign-in.

They collect input and hand it to the controller; results and errors come back as callbacks, and
errors are shown inline in plain words.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from PySide6.QtCore import QDate, QDateTime, Qt, QTime, QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QCompleter,
    QDateEdit,
    QDateTimeEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QSpinBox,
    QTimeEdit,
    QVBoxLayout,
    QWidget,
)

from ..errors import InvalidInput, TrackerError
from ..model import Interval, Task
from ..timeparse import local_instant, parse_duration
from .fmt import clock, overlap_line

if TYPE_CHECKING:
    from .controller import Controller
    from .ports import Autostart

ERROR_STYLE = "color: #b3261e;"


def _qdate(d: date) -> QDate:
    return QDate(d.year, d.month, d.day)


def _qtime(dt: datetime, tz: ZoneInfo) -> QTime:
    local = dt.astimezone(tz)
    return QTime(local.hour, local.minute)


def _pydate(q: QDate) -> date:
    return date(q.year(), q.month(), q.day())


def _pytime(q: QTime) -> time:
    return time(q.hour(), q.minute())


def _instant(q: QDateTime, tz: ZoneInfo) -> datetime:
    """A local date and time from a date-time editor, as a UTC instant."""
    return local_instant(_pydate(q.date()), _pytime(q.time()), tz)


def _message(exc: Exception) -> str:
    text = str(exc) if isinstance(exc, TrackerError) else f"Could not save ({exc})"
    return text[:1].upper() + text[1:]


class TaskPicker(QComboBox):
    """A searchable task list: type any part of "Project / Task"."""

    def __init__(self, tasks: list[Task], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setEditable(True)
        self.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        for t in tasks:
            self.addItem(f"{t.project_name} / {t.title}", t.id)
        c = self.completer()
        c.setFilterMode(Qt.MatchFlag.MatchContains)
        c.setCompletionMode(QCompleter.CompletionMode.PopupCompletion)
        c.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)

    def select(self, task_id: str) -> None:
        i = self.findData(task_id)
        if i >= 0:
            self.setCurrentIndex(i)

    def task_id(self) -> str | None:
        i = self.findText(self.currentText(), Qt.MatchFlag.MatchFixedString)
        return self.itemData(i) if i >= 0 else None


class EntryDialog(QDialog):
    """Add time (``entry`` None) or edit an entry: task, date, from–to or a duration, note.

    The overlap with an existing entry shows inline ("Overlaps 09:00–09:45 Homepage") with a
    "Trim mine" button that moves this entry's edge to the other's.
    """

    def __init__(
        self,
        controller: Controller,
        tz: ZoneInfo,
        tasks: list[Task],
        entry: Interval | None = None,
        day: date | None = None,
        task_id: str | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.controller = controller
        self.tz = tz
        self.entry = entry
        self.overlapping: Interval | None = None
        self.setWindowTitle("Edit entry" if entry else "Add time")

        self.task = TaskPicker(tasks)
        self.task.setAccessibleName("Task")
        self.date = QDateEdit()
        self.date.setCalendarPopup(True)
        self.date.setDisplayFormat("yyyy-MM-dd")
        self.from_time = QTimeEdit()
        self.to_time = QTimeEdit()
        for w in (self.from_time, self.to_time):
            w.setDisplayFormat("HH:mm")
        self.duration = QLineEdit()
        self.duration.setPlaceholderText("1h30m, 90m or 1:30")
        self.by_span = QRadioButton("From–to")
        self.by_duration = QRadioButton("Duration")
        group = QButtonGroup(self)
        group.addButton(self.by_span)
        group.addButton(self.by_duration)
        self.by_span.setChecked(True)
        self.note = QLineEdit()
        self.overlap = QLabel()
        self.overlap.setObjectName("overlap")
        self.overlap.setStyleSheet(ERROR_STYLE)
        self.overlap.setWordWrap(True)
        self.trim = QPushButton("Trim mine")
        self.trim.clicked.connect(self.trim_mine)
        self.error = QLabel()
        self.error.setObjectName("error")
        self.error.setStyleSheet(ERROR_STYLE)
        self.error.setWordWrap(True)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.accepted.connect(self.submit)
        self.buttons.rejected.connect(self.reject)

        span_row = QHBoxLayout()
        span_row.addWidget(self.by_span)
        span_row.addWidget(self.from_time)
        span_row.addWidget(QLabel("–"))
        span_row.addWidget(self.to_time)
        dur_row = QHBoxLayout()
        dur_row.addWidget(self.by_duration)
        dur_row.addWidget(self.duration)
        overlap_row = QHBoxLayout()
        overlap_row.addWidget(self.overlap, 1)
        overlap_row.addWidget(self.trim)
        form = QFormLayout()
        form.addRow("&Task", self.task)
        form.addRow("&Date", self.date)
        form.addRow("Time", span_row)
        form.addRow("", dur_row)
        form.addRow("&Note", self.note)
        box = QVBoxLayout(self)
        box.addLayout(form)
        box.addLayout(overlap_row)
        box.addWidget(self.error)
        box.addWidget(self.buttons)

        now = controller.clock.now()
        if entry is not None:
            self.task.select(entry.task_id)
            self.date.setDate(_qdate(entry.started_at.astimezone(tz).date()))
            self.from_time.setTime(_qtime(entry.started_at, tz))
            end = entry.ended_at or now
            self.to_time.setTime(_qtime(end, tz))
            self.to_time.setEnabled(entry.ended_at is not None)
            self.by_duration.setEnabled(entry.ended_at is not None)
            self.duration.setEnabled(entry.ended_at is not None)
            self.note.setText(entry.note)
        else:
            if task_id:
                self.task.select(task_id)
            self.date.setDate(_qdate(day or now.astimezone(tz).date()))
            local_now = now.astimezone(tz)
            self.to_time.setTime(QTime(local_now.hour, local_now.minute))
            self.from_time.setTime(QTime(local_now.hour, local_now.minute).addSecs(-3600))
        self._show_overlap(None)
        for sig in (self.date.dateChanged, self.from_time.timeChanged, self.to_time.timeChanged):
            sig.connect(self.check)
        self.duration.textChanged.connect(self.check)
        self.by_span.toggled.connect(self.check)

    # -- reading the fields -------------------------------------------------------------------

    def span(self) -> tuple[datetime, datetime | None]:
        """The entry's start and end as UTC instants (end None: a running entry)."""
        day = _pydate(self.date.date())
        start = local_instant(day, _pytime(self.from_time.time()), self.tz)
        if self.entry is not None and self.entry.ended_at is None:
            return start, None
        if self.by_duration.isChecked():
            return start, start + timedelta(seconds=parse_duration(self.duration.text()))
        end = local_instant(day, _pytime(self.to_time.time()), self.tz)
        if end <= start:  # "22:00–01:00": ends the next day
            end = local_instant(day + timedelta(days=1), _pytime(self.to_time.time()), self.tz)
        return start, end

    def check(self) -> None:
        """Ask (off the GUI thread) whether the span overlaps another entry."""
        try:
            start, end = self.span()
        except TrackerError:
            self._show_overlap(None)
            return
        probe = end or max(self.controller.clock.now(), start + timedelta(seconds=1))
        exclude = self.entry.id if self.entry else None
        self.controller.check_overlap(start, probe, exclude, self._show_overlap)

    def _show_overlap(self, other: Interval | None) -> None:
        self.overlapping = other
        self.overlap.setText(overlap_line(other, self.tz) if other else "")
        self.overlap.setVisible(other is not None)
        self.trim.setVisible(other is not None)

    def trim_mine(self) -> None:
        """Move this entry's edge so it ends where the other starts, or starts where it ends."""
        other = self.overlapping
        if other is None:
            return
        start, end = self.span()
        self.by_span.setChecked(True)
        if other.started_at > start:
            self.to_time.setTime(_qtime(other.started_at, self.tz))
        elif other.ended_at is not None:
            self.from_time.setTime(_qtime(other.ended_at, self.tz))
            if end is not None:
                self.to_time.setTime(_qtime(end, self.tz))
        self.check()

    # -- saving -------------------------------------------------------------------------------

    def submit(self) -> None:
        self.error.clear()
        task_id = self.task.task_id()
        try:
            if task_id is None:
                raise InvalidInput("pick a task from the list")
            start, end = self.span()
        except TrackerError as exc:
            self.show_error(exc)
            return
        note = self.note.text()
        if self.entry is None:
            if end is None:
                return
            self.controller.add_entry(task_id, start, end, note, self.show_error, self._saved)
        else:
            self.controller.edit_entry(
                self.entry.id, start, end, task_id, note, self.show_error, self._saved
            )

    def _saved(self, _entry: Interval) -> None:
        self.accept()

    def show_error(self, exc: Exception) -> None:
        self.error.setText(_message(exc))


class SplitDialog(QDialog):
    """Split an entry in two at a chosen time."""

    def __init__(
        self, entry: Interval, tz: ZoneInfo, now: datetime, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Split entry")
        self.entry = entry
        self.tz = tz
        end = entry.ended_at or now
        mid = entry.started_at + (end - entry.started_at) / 2
        self.at = QDateTimeEdit()
        self.at.setDisplayFormat("yyyy-MM-dd HH:mm")
        self.at.setDateTime(QDateTime.fromSecsSinceEpoch(int(mid.timestamp())))
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form = QFormLayout(self)
        form.addRow(QLabel(f"{entry.task_title}, {clock(entry.started_at, tz)}–{clock(end, tz)}"))
        form.addRow("Split &at", self.at)
        form.addRow(buttons)

    def instant(self) -> datetime:
        return _instant(self.at.dateTime(), self.tz)


class RecoveryDialog(QDialog):
    """The interrupted timer: end it at the last beat, keep it running, or choose an end."""

    def __init__(
        self, entry: Interval, last_alive: datetime, tz: ZoneInfo, now: datetime, parent=None
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Interrupted timer")
        self.setModal(True)
        self.tz = tz
        self.last_alive = last_alive
        self.choice: str | None = None
        self.at: datetime | None = None
        when = clock(last_alive, tz)
        days = (now.astimezone(tz).date() - last_alive.astimezone(tz).date()).days
        if days == 1:
            when += " (yesterday)"
        elif days > 1:
            when += f" ({last_alive.astimezone(tz):%Y-%m-%d})"
        self.text = QLabel(f"{entry.task_title} was running; the app was last alive at {when}.")
        self.text.setWordWrap(True)
        self.end_button = QPushButton(f"End it at {clock(last_alive, tz)}")
        self.keep_button = QPushButton("Keep it running")
        self.choose_button = QPushButton("Choose a time…")
        self.end_button.setDefault(True)
        self.picker = QDateTimeEdit()
        self.picker.setDisplayFormat("yyyy-MM-dd HH:mm")
        self.picker.setDateTime(QDateTime.fromSecsSinceEpoch(int(last_alive.timestamp())))
        self.picker_ok = QPushButton("End at this time")
        self.picker.hide()
        self.picker_ok.hide()
        self.end_button.clicked.connect(self.end_at_last_beat)
        self.keep_button.clicked.connect(self.keep_running)
        self.choose_button.clicked.connect(self._show_picker)
        self.picker_ok.clicked.connect(lambda: self.end_at(self._picked()))
        row = QHBoxLayout()
        for b in (self.end_button, self.keep_button, self.choose_button):
            row.addWidget(b)
        pick = QHBoxLayout()
        pick.addWidget(self.picker)
        pick.addWidget(self.picker_ok)
        box = QVBoxLayout(self)
        box.addWidget(self.text)
        box.addLayout(row)
        box.addLayout(pick)

    def _show_picker(self) -> None:
        self.picker.show()
        self.picker_ok.show()
        self.picker.setFocus()

    def _picked(self) -> datetime:
        return _instant(self.picker.dateTime(), self.tz)

    def end_at_last_beat(self) -> None:
        self.choice, self.at = "end", self.last_alive
        self.accept()

    def keep_running(self) -> None:
        self.choice, self.at = "keep", None
        self.accept()

    def covered(self) -> None:
        """Another prompt (the Away dialog) decides about this gap: close without ending it."""
        self.keep_running()

    def end_at(self, at: datetime) -> None:
        self.choice, self.at = "at", at
        self.accept()

    def reject(self) -> None:  # Escape ends it at the last beat, the safe default
        self.end_at_last_beat()


class SettingsDialog(QDialog):
    def __init__(
        self,
        controller: Controller,
        autostart: Autostart,
        values: dict[str, str],
        parent=None,
        open_url: Callable[[QUrl], bool] | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Settings")
        self.controller = controller
        self.autostart = autostart
        self.open_url = open_url or QDesktopServices.openUrl
        self.data_button = QPushButton("Open &data folder")
        self.log_button = QPushButton("Open &log folder")
        self.data_button.clicked.connect(lambda: self.open_folder("data"))
        self.log_button.clicked.connect(lambda: self.open_folder("log"))
        self.server = QLineEdit(values.get("server.url", ""))
        self.server.setPlaceholderText("http://127.0.0.1:8765")
        self.heartbeat = QSpinBox()
        self.heartbeat.setRange(5, 3600)
        self.heartbeat.setSuffix(" s")
        self.heartbeat.setValue(int(values.get("heartbeat.seconds", "30")))
        self.idle = QSpinBox()
        self.idle.setRange(1, 240)
        self.idle.setSuffix(" min")
        self.idle.setValue(int(values.get("idle.threshold_minutes", "5")))
        self.sync_every = QSpinBox()
        self.sync_every.setRange(1, 1440)
        self.sync_every.setSuffix(" min")
        self.sync_every.setValue(int(values.get("sync.interval_minutes", "5")))
        self.per_slot = QSpinBox()
        self.per_slot.setRange(1, 3)
        self.per_slot.setSuffix(" per 10 min")
        self.per_slot.setValue(int(values.get("screenshots.per_slot", "1")))
        self.review = QSpinBox()
        self.review.setRange(0, 1440)
        self.review.setSuffix(" min")
        self.review.setValue(int(values.get("screenshots.review_minutes", "10")))
        self.remind_idle = QSpinBox()
        self.remind_idle.setRange(0, 480)
        self.remind_idle.setSuffix(" min of work with no timer")
        self.remind_idle.setSpecialValueText("never")
        self.remind_idle.setValue(int(values.get("reminders.not_tracking_minutes", "15")))
        self.remind_long = QSpinBox()
        self.remind_long.setRange(0, 24)
        self.remind_long.setSuffix(" h of one timer")
        self.remind_long.setSpecialValueText("never")
        self.remind_long.setValue(int(values.get("reminders.long_timer_hours", "4")))
        self.at_login = QCheckBox("Start Tracker when I log in")
        self.at_login.setChecked(values.get("app.start_at_login") == "on")
        if not autostart.available:
            self.at_login.setEnabled(False)
            self.at_login.setToolTip(autostart.why_not)
        self.error = QLabel()
        self.error.setStyleSheet(ERROR_STYLE)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.submit)
        buttons.rejected.connect(self.reject)
        form = QFormLayout(self)
        form.addRow("&Server", self.server)
        form.addRow("&Heartbeat every", self.heartbeat)
        form.addRow("&Away after", self.idle)
        form.addRow("S&ync every", self.sync_every)
        form.addRow("", self.at_login)
        form.addRow("Remind &me after", self.remind_idle)
        form.addRow("Ask if still &working after", self.remind_long)
        form.addRow("Screenshots (&projects with them on)", self.per_slot)
        form.addRow("&Review screenshots for", self.review)
        form.addRow(
            QLabel(
                "Screenshots are off unless a project switches them on: a local "
                "project with `tracker project set`, a server project on the server."
            )
        )
        folders = QHBoxLayout()
        folders.addWidget(self.data_button)
        folders.addWidget(self.log_button)
        folders.addStretch(1)
        form.addRow("Folders", folders)
        form.addRow(self.error)
        form.addRow(buttons)

    def open_folder(self, which: str) -> None:
        """Show the data or log folder in the file manager."""

        def show(path) -> None:
            if not self.open_url(QUrl.fromLocalFile(str(path))):
                self.error.setText(f"Could not open {path}: no file manager answered")

        self.controller.folder(which, show)

    def values(self) -> dict[str, str]:
        return {
            "server.url": self.server.text().strip(),
            "heartbeat.seconds": str(self.heartbeat.value()),
            "idle.threshold_minutes": str(self.idle.value()),
            "sync.interval_minutes": str(self.sync_every.value()),
            "screenshots.per_slot": str(self.per_slot.value()),
            "screenshots.review_minutes": str(self.review.value()),
            "reminders.not_tracking_minutes": str(self.remind_idle.value()),
            "reminders.long_timer_hours": str(self.remind_long.value()),
            "app.start_at_login": "on" if self.at_login.isChecked() else "off",
        }

    def submit(self) -> None:
        values = self.values()
        autostart, on = self.autostart, values["app.start_at_login"] == "on"

        def apply() -> None:
            if autostart.available:
                autostart.set_enabled(on)

        def failed(exc: Exception) -> None:
            self.error.setText(_message(exc))

        self.controller.save_settings(values, failed, lambda _v: self.accept(), apply)


class SignInDialog(QDialog):
    def __init__(self, controller: Controller, url: str = "", parent=None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Sign in")
        self.controller = controller
        self.url = QLineEdit(url or "http://127.0.0.1:8765")
        self.email = QLineEdit()
        self.password = QLineEdit()
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.error = QLabel()
        self.error.setStyleSheet(ERROR_STYLE)
        self.error.setWordWrap(True)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.sign_in_button = buttons.addButton("Sign in", QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.accepted.connect(self.submit)
        buttons.rejected.connect(self.reject)
        form = QFormLayout(self)
        form.addRow("Server", self.url)
        form.addRow("E-mail", self.email)
        form.addRow("Password", self.password)
        form.addRow(self.error)
        form.addRow(buttons)

    def submit(self) -> None:
        self.error.clear()
        self.sign_in_button.setEnabled(False)

        def failed(exc: Exception) -> None:
            self.sign_in_button.setEnabled(True)
            self.error.setText(_message(exc))

        self.controller.sign_in(
            self.url.text().strip(),
            self.email.text().strip(),
            self.password.text(),
            on_error=failed,
            on_done=lambda _s: self.accept(),
        )
