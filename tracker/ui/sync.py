"""The sync engine (tracker.sync) behind the app's :class:`~tracker.ui.ports.SyncPort`.

Background syncs run on the engine's own :class:`~tracker.sync.loop.SyncLoop` thread with its own
database connection; results come back to the GUI thread through the bridge. Sign-in runs on the
executor. tracker.sync (requests, keyring) is imported only when used.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from .executor import Bridge
from .fmt import ago, plural
from .ports import Attention

if TYPE_CHECKING:
    from ..service import Overview, Tracker
    from ..sync.loop import LoopResult

SIGN_IN_AGAIN = Attention("sign_in", "Sync: sign in again")
UNREACHABLE = Attention("unreachable", "Sync: server unreachable — will retry")


def attention_of(result: LoopResult, failure: BaseException | None) -> Attention | None:
    """The one line a sync result leaves for the user, or None when all went through.

    ``failure`` is the exception the run raised (None when it returned a report)."""
    if result.ok:
        report = result.report
        problems = report.problems if report is not None else {}
        n = int(problems.get("conflict", 0)) + int(problems.get("rejected", 0))
        if n == 0:
            return None
        return Attention("entries", f"Sync: {n} {'entry needs' if n == 1 else 'entries need'} "
                                    "attention")  # fmt: skip
    if result.needs_sign_in:
        return SIGN_IN_AGAIN
    from ..sync.errors import Retryable, Unreachable

    if isinstance(failure, (Unreachable, Retryable)):
        return UNREACHABLE
    text = (result.error or "unknown error").splitlines()[0]
    if len(text) > 70:
        text = text[:69] + "…"
    return Attention("failed", f"Sync failed: {text} — will retry")


class EngineSync:
    available = True

    def __init__(
        self,
        data_dir: Path,
        tz: ZoneInfo,
        bridge: Bridge,
        interval_seconds: Callable[[], float] | float = 300.0,
        run_once: Callable[[], object] | None = None,
    ) -> None:
        self.data_dir = data_dir
        self.tz = tz
        self.bridge = bridge
        self.interval = interval_seconds
        self.error: str | None = None  # the last failed sync, in words
        self.needs_sign_in = False
        self.problem: Attention | None = None  # what the last sync left for the user
        self._run_once = run_once
        self._failure: BaseException | None = None
        self._loop = None
        self._lock = threading.Lock()
        self._closed = False

    @staticmethod
    def _signed_in(ov: Overview | None) -> bool:
        return bool(os.environ.get("TRACKER_TOKEN")) or bool(ov and ov.server_url)

    def attention(self, ov: Overview | None) -> Attention | None:
        """Only for a configured account: never signed in is a choice, not a problem."""
        return self.problem if self._signed_in(ov) else None

    def state_text(self, ov: Overview | None, now: datetime) -> str:
        if not self._signed_in(ov):
            return "Not signed in"
        pending = ov.pending if ov else 0
        problem = self.attention(ov)
        if problem is not None:
            return f"{problem.line} · {pending} pending" if pending else problem.line
        if self.needs_sign_in:
            return "Not signed in"
        if self.error:
            waits = plural(pending, "entry waits", "entries wait")
            return f"Offline — {waits} to sync" if pending else "Offline"
        if ov is None or not ov.last_sync:
            return f"Not synced yet · {pending} pending" if pending else "Not synced yet"
        line = f"Synced {ago(datetime.fromisoformat(ov.last_sync), now.astimezone(self.tz))}"
        return f"{line} · {pending} pending" if pending else line

    def sign_in(self, t: Tracker, url: str, email: str, password: str) -> str:
        from ..sync.session import login

        who = login(t.store, url, email, password)
        self.needs_sign_in = False
        self.error = None
        self.problem = None
        self.trigger()
        return f"Signed in as {who.email}"

    def web_link(self, t: Tracker, next_path: str) -> str:
        from ..sync.session import web_link

        return web_link(t.store, next_path)

    def start(self, on_state: Callable[[str], None]) -> None:
        from ..sync.loop import SyncLoop, store_sync

        run = self._run_once or store_sync(self.data_dir, self.tz)

        def run_once():  # on the sync thread: remember what failed, to say it in one line
            try:
                report = run()
            except BaseException as exc:
                self._failure = exc
                raise
            self._failure = None
            return report

        def on_result(result) -> None:  # on the sync thread, right after run_once
            self.took(result, on_state)

        loop = SyncLoop(run_once, self.interval, on_result)
        with self._lock:  # start runs on the worker thread, stop and close on the GUI thread
            if self._closed or self._loop is not None:
                return
            self._loop = loop
            loop.start()
        loop.trigger()

    def took(self, result: LoopResult, on_state: Callable[[str], None]) -> None:
        """Record one sync's result and announce it on the GUI thread."""
        self.error = None if result.ok else result.error
        self.needs_sign_in = result.needs_sign_in
        self.problem = attention_of(result, None if result.ok else self._failure)
        message = "Synced" if result.ok else (result.error or "Sync failed")
        self.bridge.post(lambda: on_state(message))

    def trigger(self) -> None:
        loop = self._loop
        if loop is not None:
            loop.trigger()

    def stop(self) -> None:
        with self._lock:
            loop, self._loop = self._loop, None
        if loop is not None:
            loop.stop(timeout=2.0)

    def close(self) -> None:
        """At quit, for good: a start still queued on the worker will not start the loop."""
        with self._lock:
            self._closed = True
        self.stop()


def engine_sync(data_dir: Path, tz: ZoneInfo, bridge: Bridge, interval) -> EngineSync | None:
    """The engine-backed port, or None when tracker.sync is not there (checked, not imported:
    requests and keyring load later, off the GUI thread)."""
    from importlib.util import find_spec

    try:
        present = find_spec("tracker.sync.loop") and find_spec("tracker.sync.session")
    except ImportError:
        present = None
    return EngineSync(data_dir, tz, bridge, interval) if present else None
