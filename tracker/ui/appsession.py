"""The app's own run, recorded for the day's account (`tracker day`): a session row when the
app starts, its last-alive instant moved on with a timer (the heartbeat's period), and once more
when it quits. A day's hole while the app ran is then "untracked", not unexplained; a hole
while it did not is said to be so."""

from __future__ import annotations

import uuid
from collections.abc import Callable

from PySide6.QtCore import QObject, QTimer

from .executor import Executor

BEAT_MS = 30_000


class AppSession(QObject):
    def __init__(
        self,
        executor: Executor,
        failed: Callable[[Exception], None],
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.executor = executor
        self.id = str(uuid.uuid4())  # local only (never synced): no need for a time-ordered id
        self._failed = failed
        self.started = False
        self._timer = QTimer(self)
        self._timer.setInterval(BEAT_MS)
        self._timer.timeout.connect(self.alive)

    def start(self, beat: bool = True) -> None:
        if not self.started:
            self.started = True
            sid = self.id
            self.executor.submit(lambda t: t.app_started(sid), None, self._failed)
            if beat:
                self._timer.start()

    def alive(self) -> None:
        if self.started:
            sid = self.id
            self.executor.submit(lambda t: t.app_alive(sid), None, self._failed)

    def stop(self) -> None:
        """The last beat: the session ends now (queued before the executor shuts down)."""
        self._timer.stop()
        self.alive()
        self.started = False
