"""Where work runs: never on the GUI thread in the app, inline in tests.

A job is a function of the :class:`~tracker.service.Tracker`; it runs on the executor and its
result (or error) comes back to the GUI thread through the :class:`Bridge`, a queued Qt signal.
The app uses :class:`DbThreadExecutor`: one dedicated thread owns the SQLite connection (opened on
that thread), so the GUI thread never waits on SQLite. Tests use :class:`InlineExecutor`, which
runs the job at once, so they need no sleeps.
"""

from __future__ import annotations

import contextlib
import logging
import queue
import threading
from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from PySide6.QtCore import QObject, Qt, Signal, Slot

if TYPE_CHECKING:
    from ..service import Tracker

T = TypeVar("T")
Done = Callable[[Any], None]
Failed = Callable[[Exception], None]
log = logging.getLogger(__name__)


class Executor(Protocol):
    def submit(
        self, job: Callable[[Tracker], T], done: Done | None = None, failed: Failed | None = None
    ) -> None: ...

    def shutdown(self) -> None: ...


def _log_failure(exc: Exception) -> None:
    log.error("background job failed: %s", exc, exc_info=exc)


class Bridge(QObject):
    """Carries a callable from any thread to the thread this object lives in (the GUI)."""

    delivered = Signal(object)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.delivered.connect(self._run, Qt.ConnectionType.QueuedConnection)

    def post(self, fn: Callable[[], None]) -> None:
        with contextlib.suppress(RuntimeError):  # the bridge is gone: the app is quitting
            self.delivered.emit(fn)

    @Slot(object)
    def _run(self, fn: Callable[[], None]) -> None:
        fn()


class InlineExecutor:
    """Runs each job immediately on the calling thread (tests only)."""

    def __init__(self, tracker: Tracker) -> None:
        self.tracker = tracker
        self.jobs = 0

    def submit(
        self, job: Callable[[Tracker], T], done: Done | None = None, failed: Failed | None = None
    ) -> None:
        self.jobs += 1
        try:
            result = job(self.tracker)
        except Exception as exc:
            (failed or _log_failure)(exc)
            return
        if done is not None:
            done(result)

    def shutdown(self) -> None:
        self.tracker.store.close()


class DbThreadExecutor:
    """One worker thread that owns the database connection; results return via the bridge.

    Jobs run in submission order, so a refresh submitted after a write sees that write.
    """

    def __init__(self, make_tracker: Callable[[], Tracker], bridge: Bridge) -> None:
        self._make_tracker = make_tracker
        self._bridge = bridge
        self._jobs: queue.SimpleQueue = queue.SimpleQueue()
        self._tracker: Tracker | None = None
        self._closed = False
        self._thread = threading.Thread(target=self._main, name="tracker-db", daemon=True)
        self._thread.start()

    def submit(
        self, job: Callable[[Tracker], T], done: Done | None = None, failed: Failed | None = None
    ) -> None:
        if not self._closed:
            self._jobs.put((job, done, failed or _log_failure))

    def _main(self) -> None:
        while True:
            item = self._jobs.get()
            if item is None:
                break
            self._run(*item)
        if self._tracker is not None:
            self._tracker.store.close()
            self._tracker = None

    def _run(self, job: Callable[[Tracker], T], done: Done | None, failed: Failed) -> None:
        try:
            if self._tracker is None:
                self._tracker = self._make_tracker()
            result = job(self._tracker)
        except Exception as exc:
            self._bridge.post(partial(failed, exc))
            return
        if done is not None:
            self._bridge.post(partial(done, result))

    def shutdown(self, timeout: float = 10.0) -> None:
        """Finish the queued jobs, close the connection and end the thread."""
        if self._closed:
            return
        self._closed = True
        self._jobs.put(None)
        self._thread.join(timeout)
