"""The quick-start box (Ctrl+K) and the small naming dialog behind New project, New task and
Rename. Views only: what a submitted text means is the controller's and the service's."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from PySide6.QtCore import QStringListModel, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QCompleter,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QWidget,
)

from ..model import Project, Task

PLACEHOLDER = "Start a task: type to pick one, or “Project / New task” and Enter  (Ctrl+K)"


def task_label(t: Task) -> str:
    """``Project / Task``, as the box shows and accepts it."""
    return f"{t.project_name} / {t.title}"


class QuickStart(QLineEdit):
    """Type, pick a task from the completion (recent ones first), or type ``Project / New task``;
    Enter (or picking a completion) emits ``submitted`` with the text."""

    submitted = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("quickStart")
        self.setPlaceholderText(PLACEHOLDER)
        self.setAccessibleName("Quick start")
        self.setClearButtonEnabled(True)
        self.labels = QStringListModel(self)
        self.completer_ = QCompleter(self.labels, self)
        self.completer_.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.completer_.setFilterMode(Qt.MatchFlag.MatchContains)
        self.completer_.setMaxVisibleItems(8)
        self.setCompleter(self.completer_)
        self.completer_.activated.connect(self._picked)
        self.returnPressed.connect(self._entered)
        self._picking = False  # a completion was just picked: its Enter is not a second submit

    def set_tasks(self, recent: Sequence[Task], tasks: Sequence[Task]) -> None:
        """The completion: the recent tasks first, then every other open one."""
        labels = dict.fromkeys(task_label(t) for t in [*recent, *tasks])
        if list(labels) != self.labels.stringList():
            self.labels.setStringList(list(labels))

    def _picked(self, text: str) -> None:
        self._picking = True
        QTimer.singleShot(0, self._done_picking)
        self.setText(text)
        self.submitted.emit(text)

    def _done_picking(self) -> None:
        self._picking = False

    def _entered(self) -> None:
        text = self.text().strip()
        if text and not self._picking:
            self.submitted.emit(text)


class NameDialog(QDialog):
    """One name (a project's, a task's), optionally with the project a new task goes into.

    ``save(name, project_id, on_error)`` is called on OK; the dialog closes when the controller
    reports success (``done``) and shows a refusal inline (``refused``)."""

    def __init__(
        self,
        title: str,
        label: str,
        save: Callable[[str, str | None], None],
        name: str = "",
        projects: Sequence[Project] = (),
        project_id: str | None = None,
        hint: str = "",
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self._save = save
        self.name = QLineEdit(name)
        self.name.setAccessibleName(label)
        self.name.selectAll()
        self.project = QComboBox()
        self.project.setAccessibleName("Project")
        for p in projects:
            self.project.addItem(p.name, p.id)
        if project_id is not None and self.project.findData(project_id) >= 0:
            self.project.setCurrentIndex(self.project.findData(project_id))
        self.error = QLabel()
        self.error.setObjectName("error")
        self.error.setWordWrap(True)
        self.error.setStyleSheet("color: #b3261e")
        self.error.hide()
        form = QFormLayout(self)
        if projects:
            form.addRow("Project", self.project)
        form.addRow(label, self.name)
        if hint:
            note = QLabel(hint)
            note.setWordWrap(True)
            form.addRow(note)
        form.addRow(self.error)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.submit)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)
        self.ok = buttons.button(QDialogButtonBox.StandardButton.Ok)

    def submit(self) -> None:
        text = self.name.text().strip()
        if not text:
            self.refused("Give a name")
            return
        self.error.hide()
        self._save(text, self.project.currentData() if self.project.count() else None)

    def refused(self, message: str) -> None:
        self.error.setText(message)
        self.error.show()
