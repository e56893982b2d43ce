"""A background sync loop for the desktop app: after each stop, and every few minutes.

It runs on its own thread with its own database connection; :meth:`SyncLoop.trigger` only sets
an event, so the caller (the GUI thread) never waits on the network or on SQLite. Failures are
reported through ``on_result`` and retried at the next tick; nothing is lost by a failed sync.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .engine import SyncReport
from .errors import AuthRequired, NotSignedIn, SyncError

log = logging.getLogger("tracker.sync")


@dataclass(frozen=True, slots=True)
class LoopResult:
    ok: bool
    report: SyncReport | None = None
    error: str | None = None
    needs_sign_in: bool = False


class SyncLoop:
    """``run_once`` does one sync (opening what it needs) and returns its report or raises."""

    def __init__(
        self,
        run_once: Callable[[], SyncReport],
        interval_seconds: Callable[[], float] | float = 300.0,
        on_result: Callable[[LoopResult], Any] | None = None,
    ) -> None:
        self._run_once = run_once
        self._interval = interval_seconds
        self._on_result = on_result
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()  # start and stop may come from different threads
        self.runs = 0

    def start(self) -> None:
        with self._lock:
            if self._thread is not None or self._stop.is_set():
                return
            thread = threading.Thread(target=self._main, name="tracker-sync", daemon=True)
            thread.start()
            self._thread = thread  # only a started thread is ever seen by stop()

    def trigger(self) -> None:
        """Sync soon (after a stop, a sign-in, going online). Returns at once."""
        self._wake.set()

    def stop(self, timeout: float | None = 5.0) -> None:
        """Stop for good (a stopped loop does not start again)."""
        self._stop.set()
        self._wake.set()
        with self._lock:
            thread, self._thread = self._thread, None
        if thread is not None:
            thread.join(timeout)

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def _seconds(self) -> float:
        v = self._interval() if callable(self._interval) else self._interval
        return max(1.0, float(v))

    def _main(self) -> None:
        while not self._stop.is_set():
            self._wake.wait(self._seconds())
            self._wake.clear()
            if self._stop.is_set():
                break
            result = self._one()
            self.runs += 1
            if self._on_result is not None:
                try:
                    self._on_result(result)
                except Exception:
                    log.exception("sync result callback failed")

    def _one(self) -> LoopResult:
        try:
            return LoopResult(True, self._run_once())
        except (AuthRequired, NotSignedIn) as exc:
            return LoopResult(False, error=exc.message, needs_sign_in=True)
        except SyncError as exc:
            return LoopResult(False, error=exc.message)
        except Exception as exc:  # never kill the thread; the next tick retries
            log.exception("sync failed")
            return LoopResult(False, error=f"{type(exc).__name__}: {exc}")


def store_sync(data_dir: Any, tz: Any = None) -> Callable[[], SyncReport]:
    """A ``run_once`` for the app: opens the store and the transport for each run."""

    def run() -> SyncReport:
        from ..store import open_store
        from .session import sync_once

        store = open_store(data_dir)
        try:
            return sync_once(store, tz)
        finally:
            store.close()

    return run
