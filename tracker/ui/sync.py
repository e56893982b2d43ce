"""The sync engine (tracker.sync) behind the app's :class:`~tracker.ui.ports.SyncPort`.

Background syncs run on the engine's own :class:`~tracker.sync.loop.SyncLoop` thread with its own
database connection; results come back to the GUI thread through the bridge. Sign-in runs on the
executor. tracker.sync (requests, keyring) is imported only when used.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from .executor import Bridge

if TYPE_CHECKING:
    from ..service import Overview, Tracker


def ago(then: datetime, now: datetime) -> str:
    minutes = int((now - then).total_seconds() // 60)
    if minutes < 1:
        return "just now"
    if minutes < 120:
        return f"{minutes} min ago"
    return f"at {then:%H:%M}" if (now - then).days < 1 else f"on {then:%Y-%m-%d}"


class EngineSync:
    available = True

    def __init__(
        self,
        data_dir: Path,
        tz: ZoneInfo,
        bridge: Bridge,
        interval_seconds: Callable[[], float] | float = 300.0,
    ) -> None:
        self.data_dir = data_dir
        self.tz = tz
        self.bridge = bridge
        self.interval = interval_seconds
        self.error: str | None = None  # the last failed sync, in words
        self.needs_sign_in = False
        self._loop = None

    def state_text(self, ov: Overview | None, now: datetime) -> str:
        signed_in = bool(os.environ.get("TRACKER_TOKEN")) or bool(ov and ov.server_url)
        if not signed_in or self.needs_sign_in:
            return "Not signed in"
        pending = ov.pending if ov else 0
        if self.error:
            return f"Offline — {pending} entries wait to sync" if pending else "Offline"
        if ov is None or not ov.last_sync:
            return f"Not synced yet · {pending} pending" if pending else "Not synced yet"
        line = f"Synced {ago(datetime.fromisoformat(ov.last_sync), now.astimezone(self.tz))}"
        return f"{line} · {pending} pending" if pending else line

    def sign_in(self, t: Tracker, url: str, email: str, password: str) -> str:
        from ..sync.session import login

        who = login(t.store, url, email, password)
        self.needs_sign_in = False
        self.error = None
        self.trigger()
        return f"Signed in as {who.email}"

    def start(self, on_state: Callable[[str], None]) -> None:
        from ..sync.loop import SyncLoop, store_sync

        def on_result(result) -> None:  # on the sync thread
            self.error = None if result.ok else result.error
            self.needs_sign_in = result.needs_sign_in
            message = "Synced" if result.ok else (result.error or "Sync failed")
            self.bridge.post(lambda: on_state(message))

        self._loop = SyncLoop(store_sync(self.data_dir, self.tz), self.interval, on_result)
        self._loop.start()
        self._loop.trigger()

    def trigger(self) -> None:
        if self._loop is not None:
            self._loop.trigger()

    def stop(self) -> None:
        if self._loop is not None:
            self._loop.stop(timeout=2.0)
            self._loop = None


def engine_sync(data_dir: Path, tz: ZoneInfo, bridge: Bridge, interval) -> EngineSync | None:
    """The engine-backed port, or None when tracker.sync is not there (checked, not imported:
    requests and keyring load later, off the GUI thread)."""
    from importlib.util import find_spec

    try:
        present = find_spec("tracker.sync.loop") and find_spec("tracker.sync.session")
    except ImportError:
        present = None
    return EngineSync(data_dir, tz, bridge, interval) if present else None
