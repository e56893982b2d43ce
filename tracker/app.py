"""The desktop app's composition root: builds the executor, controller, views and OS hooks.

``tracker`` with no subcommand calls :func:`main`. Tests and benchmarks call :func:`build` with
their own executor, clock and tray availability.
"""

from __future__ import annotations

import contextlib
import logging
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from PySide6.QtCore import QTimer, QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QApplication, QSystemTrayIcon

from .clock import Clock, SystemClock
from .errors import StoreError
from .ui.controller import Controller, user_message
from .ui.executor import Bridge, DbThreadExecutor, Executor
from .ui.icons import tracker_icon
from .ui.ports import Autostart, NullSync, SyncPort, autostart_for_platform
from .ui.recovery import Interrupted, covers
from .ui.tray import Tray

if TYPE_CHECKING:
    from .capture.away import AwayPeriod
    from .capture.backends import Backends
    from .ui.appsession import AppSession
    from .ui.away import AwayDialog
    from .ui.capture import CaptureController
    from .ui.dialogs import EntryDialog, RecoveryDialog
    from .ui.window import MainWindow

log = logging.getLogger(__name__)
CAPTURE_START_DELAY_MS = 300
NO_TRAY = (
    "No system tray was found, so Tracker runs in this window "
    "(on GNOME, install the AppIndicator extension to get the tray icon)."
)


class TrackerApp:
    """The wired app. With a tray, the main window is built the first time it is needed."""

    def __init__(
        self,
        controller: Controller,
        tray: Tray | None,
        executor: Executor,
        tz: ZoneInfo,
        autostart: Autostart,
        quit_app: Callable[[], None],
        capture: CaptureController | None = None,
        session: AppSession | None = None,
    ) -> None:
        self.controller = controller
        self.session = session  # the app's run, for the day's account
        self.capture = capture
        self.away_dialog: AwayDialog | None = None
        self.tray = tray
        self.executor = executor
        self.tz = tz
        self.autostart = autostart
        self.quit_app = quit_app
        self.dialogs: list[object] = []  # open non-modal dialogs (tests look)
        self.gaps: dict[RecoveryDialog, Interrupted] = {}  # open recovery prompts: their gap
        self.open_url: Callable[[QUrl], bool] = QDesktopServices.openUrl  # tests replace it
        self._window: MainWindow | None = None
        controller.interrupted.connect(self.ask_interrupted)
        controller.failed.connect(self._failed)
        self.reminders = None
        if capture is not None:
            from .ui.reminders import ReminderController

            capture.away.connect(self.ask_away)
            capture.status.connect(controller.notice.emit)
            self.reminders = ReminderController(controller, self.remind)
            capture.ticked.connect(self.reminders.look)
            self.reminders.open_requested.connect(lambda: self.window.focus_quick_start())
            if tray is not None:
                tray.reminder_clicked.connect(self.reminders.act)
        if tray is not None:
            tray.open_requested.connect(self.open_window)
            tray.add_time_requested.connect(self.add_time)
            tray.quick_start_requested.connect(lambda: self.window.focus_quick_start())
            tray.sign_in_requested.connect(self.sign_in)
            tray.quit_requested.connect(quit_app)

    @property
    def window(self) -> MainWindow:
        if self._window is None:
            from .ui.window import MainWindow

            w = MainWindow(self.controller, self.tz, hide_on_close=self.tray is not None)
            w.quit_requested.connect(self.quit_app)
            w.settings_requested.connect(self.settings)
            w.sign_in_requested.connect(self.sign_in)
            from .ui.transfer import Transfer

            w.transfer = Transfer(
                w, self.controller, self.tz, open_dialog=lambda d: w.open_dialog(d)
            )
            if self.capture is not None:
                from .ui.capture_views import ActivityTab, ScreenshotsTab

                w.activity_tab = ActivityTab(self.controller, self.capture, self.tz)
                w.screenshots_tab = ScreenshotsTab(self.controller, self.capture, self.tz)
                w.tabs.addTab(w.activity_tab, "&Activity")
                w.tabs.addTab(w.screenshots_tab, "Scr&eenshots")
            self._window = w
        return self._window

    def remind(self, reminder) -> None:
        """A reminder: the tray's notification (a click does its action), else the window's
        status line. Never a modal dialog."""
        if self.tray is not None:
            self.tray.notify(reminder.title, reminder.message, reminder)
        else:
            self.window.statusBar().showMessage(f"{reminder.title}: {reminder.message}", 15000)

    def _failed(self, text: str) -> None:
        if self.tray is not None and (self._window is None or not self._window.isVisible()):
            self.tray.notify("Tracker", text, warning=True)

    def start(self) -> None:
        """Show the tray (or the window), then load state, ask about an interrupted timer, and
        beat and poll in the background."""
        if self.session is not None:
            self.session.start(beat=False)  # tests drive the beats (start_background likewise)
        self.controller.refresh()
        self.controller.check_recovery()
        self.controller.start_background()
        self.controller.housekeeping()
        if self.capture is not None:
            self.capture.start()
        self._show()

    def start_deferred(self) -> None:
        """As :meth:`start`, but the first database work waits for the first event-loop turn, so
        the worker's imports and queries do not compete with the GUI thread while it starts."""
        self._show()
        if self.session is not None:
            QTimer.singleShot(0, self.session.start)
        QTimer.singleShot(0, self.controller.refresh)
        QTimer.singleShot(0, self.controller.check_recovery)
        QTimer.singleShot(0, self.controller.start_background)
        QTimer.singleShot(0, self.controller.housekeeping)
        if self.capture is not None:
            # Loading pynput and starting its listeners (~60 ms) waits until the tray is up.
            QTimer.singleShot(CAPTURE_START_DELAY_MS, self.capture.start)

    def _show(self) -> None:
        if self.tray is None:
            self.window.show_notice(NO_TRAY)
            self.window.show()
        else:
            self.tray.show()

    def open_window(self) -> None:
        self.window.bring_forward()

    def ask_interrupted(self, info: Interrupted) -> RecoveryDialog | None:
        """Ask about a gap in the beats, unless an away period covers it (a suspend): then the
        Away dialog is the one prompt, and the timer's beats resume."""
        if self.capture is not None:
            self.capture.look()  # a suspend that just ended shows up as an away period now
            now, hb = self.controller.clock.now(), self.controller.heartbeat_seconds
            if any(covers(p, info, now, hb) for p in self.capture.pending):
                self.controller.resolve_interrupted("keep")
                return None
        from .ui.dialogs import RecoveryDialog

        d = RecoveryDialog(
            info.entry,
            info.last_alive,
            self.tz,
            self.controller.clock.now(),
            parent=self._window if self._window and self._window.isVisible() else None,
        )
        d.finished.connect(lambda _r: self._resolved(d))
        self.gaps[d] = info
        self.dialogs.append(d)
        d.open()
        return d

    def _resolved(self, d: RecoveryDialog) -> None:
        if d in self.dialogs:
            self.dialogs.remove(d)
        self.gaps.pop(d, None)
        self.controller.resolve_interrupted(d.choice or "end", d.at or d.last_alive)

    def ask_away(self, period: AwayPeriod) -> AwayDialog:
        """One modal Away dialog; periods that come while it is open queue up in it. An open
        interrupted-timer prompt about the same gap closes: this one decides it."""
        now, hb = self.controller.clock.now(), self.controller.heartbeat_seconds
        for rec, gap in list(self.gaps.items()):
            if covers(period, gap, now, hb):
                rec.covered()
        if self.away_dialog is not None and self.away_dialog.isVisible():
            self.away_dialog.add(period)
            return self.away_dialog
        from .ui.away import AwayDialog

        ov = self.controller.overview

        def title_of(p: AwayPeriod) -> str:
            cur = self.controller.overview
            r = cur.running if cur else None
            if r is not None and r.id == p.interval_id:
                return r.task_title
            e = next((e for e in (cur.entries if cur else []) if e.id == p.interval_id), None)
            return e.task_title if e else "your timer"

        d = AwayDialog(self.tz, ov.tasks if ov else [], title_of)
        d.answered.connect(self._away_answered)
        d.finished.connect(lambda _r: self._away_closed(d))
        self.away_dialog = d
        d.add(period)
        d.open()
        d.raise_()
        d.activateWindow()
        return d

    def _away_answered(self, period: AwayPeriod, choice: str, task_id: str | None) -> None:
        if self.capture is not None:
            self.capture.resolve(period, choice, task_id)

    def _away_closed(self, d: AwayDialog) -> None:
        if self.away_dialog is d:
            self.away_dialog = None

    def add_time(self) -> EntryDialog:
        return self.window.add_time()

    def settings(self) -> None:
        def show(values: dict[str, str]) -> None:
            from .ui.dialogs import SettingsDialog

            d = SettingsDialog(self.controller, self.autostart, values, parent=self.window,
                               open_url=self.open_url)  # fmt: skip
            self.window.open_dialog(d)

        self.controller.load_settings(show)

    def sign_in(self) -> None:
        if self.controller.signed_in:
            self.open_window()
            return
        from .ui.dialogs import SignInDialog

        ov = self.controller.overview
        d = SignInDialog(self.controller, (ov.server_url if ov else None) or "", parent=self.window)
        self.window.open_dialog(d)

    def shutdown(self) -> None:
        if self.capture is not None:
            self.capture.shutdown()  # the open slot is stored before the executor ends
        if self.session is not None:
            self.session.stop()
        self.controller.stop_background()
        close = getattr(self.controller.sync, "close", None)
        if close is not None:
            close()  # a sync start still queued on the worker must not start after this
        if self.tray is not None:
            self.tray.hide()
        self.executor.shutdown()


def build(
    executor: Executor,
    clock: Clock,
    tz: ZoneInfo,
    tray_available: bool,
    sync: SyncPort | None = None,
    autostart: Autostart | None = None,
    quit_app=None,
    capture: Backends | None = None,
    make_id: Callable[[], str] | None = None,
) -> TrackerApp:
    """``capture``: the capture backends chosen at start-up (None: no capture at all)."""
    controller = Controller(executor, clock, sync or NullSync())
    tray = Tray(controller) if tray_available else None
    from .ui.appsession import AppSession

    cap = None
    if capture is not None:
        from .ids import new_id
        from .ui.capture import CaptureController

        cap = CaptureController(controller, executor, capture, make_id or new_id)
    session = AppSession(executor, lambda e: controller.failed.emit(user_message(e)), controller)
    return TrackerApp(controller, tray, executor, tz, autostart or autostart_for_platform(),
                      quit_app or QApplication.quit, cap, session)  # fmt: skip


def main(data_dir_override: str | None = None) -> int:
    """Run the tray app until Quit. Returns the exit code."""
    from . import logs
    from .paths import data_dir, user_zone
    from .ui.single import SingleInstance, server_name

    with contextlib.suppress(OSError):
        logs.setup()
    qapp = QApplication.instance() or QApplication(sys.argv[:1])
    qapp.setApplicationName("Tracker")
    qapp.setDesktopFileName("tracker")
    qapp.setWindowIcon(tracker_icon(False))
    qapp.setQuitOnLastWindowClosed(False)

    directory = data_dir(data_dir_override)
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise StoreError(
            f"cannot create the data directory {directory}: {exc.strerror or exc}; "
            "choose another with --data-dir or TRACKER_DATA_DIR"
        ) from None
    instance = SingleInstance(server_name(str(Path(directory).resolve())))
    if not instance.claim():
        print("tracker: already running; brought its window forward", file=sys.stderr)
        return 0

    tz = user_zone()
    clock = SystemClock()
    bridge = Bridge()

    def open_tracker():  # runs on the worker thread, which also pays for importing the store
        from .service import Tracker
        from .store import open_store

        return Tracker(open_store(directory), clock, tz)

    executor = DbThreadExecutor(open_tracker, bridge)
    tray_ok = QSystemTrayIcon.isSystemTrayAvailable()
    from .ui.sync import engine_sync

    def sync_minutes() -> float:
        ov = app.controller.overview
        return 60.0 * (ov.sync_minutes if ov else 5)

    sync = engine_sync(directory, tz, bridge, sync_minutes)
    from .capture.backends import choose

    # The OS hooks, chosen once at start-up (Null ones say why not); probed when capture starts.
    backends = choose(probe=False)
    app = build(executor, clock, tz, tray_available=tray_ok, sync=sync, capture=backends)
    if sync is not None:
        QTimer.singleShot(0, app.controller.start_sync)
    instance.raise_requested.connect(app.open_window)
    app.start_deferred()
    log.info("tracker app started (data dir %s, tray %s)", directory, tray_ok)
    smoke = os.environ.get("TRACKER_APP_EXIT_AFTER_MS")  # smoke tests: quit after a while
    if smoke:
        QTimer.singleShot(int(smoke), qapp.quit)
        QTimer.singleShot(0, lambda: print("tracker: event loop running", flush=True))
    try:
        return qapp.exec()
    finally:
        app.shutdown()
        instance.release()
