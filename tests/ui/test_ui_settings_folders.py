"""Settings: "Open data folder" and "Open log folder" hand the platform's file manager the right
folder (the opener is replaced here: no file manager is started)."""

from __future__ import annotations

from PySide6.QtCore import Qt, QUrl


def settings(harness, opened: list[QUrl], answer: bool = True):
    app = harness.make()

    def opener(url: QUrl) -> bool:
        opened.append(url)
        return answer

    app.open_url = opener
    app.settings()
    d = harness.opened[-1]
    assert d.windowTitle() == "Settings"
    return d


def test_open_the_data_and_log_folders(harness, svc, qtbot, tmp_path, monkeypatch):
    logs = tmp_path / "logs-here"
    monkeypatch.setenv("TRACKER_LOG_DIR", str(logs))
    opened: list[QUrl] = []
    d = settings(harness, opened)
    assert d.data_button.text() == "Open &data folder"

    qtbot.mouseClick(d.data_button, Qt.MouseButton.LeftButton)
    assert opened == [QUrl.fromLocalFile(str(svc.store.path.parent))]
    assert opened[0].toLocalFile() == str(tmp_path / "data")
    assert (tmp_path / "data" / "tracker.sqlite3").is_file()

    assert not logs.exists()
    qtbot.mouseClick(d.log_button, Qt.MouseButton.LeftButton)
    assert opened[1] == QUrl.fromLocalFile(str(logs)) and opened[1].scheme() == "file"
    assert logs.is_dir()  # created, so the file manager has something to show
    assert d.error.text() == "" and d.isVisible()


def test_no_file_manager_is_said_inline(harness, svc, qtbot):
    opened: list[QUrl] = []
    d = settings(harness, opened, answer=False)
    qtbot.mouseClick(d.data_button, Qt.MouseButton.LeftButton)
    assert len(opened) == 1
    assert d.error.text() == f"Could not open {svc.store.path.parent}: no file manager answered"
