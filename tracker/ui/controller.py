"""The app's logic: what happens when the user clicks, and what the views show.

It holds the last :class:`~tracker.service.Overview`, submits every use case to the executor and
announces results as signals. Views read ``overview`` and call these methods; they never touch
the store, the network or the keyring.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QTimer, Signal

from ..errors import TrackerError
from ..model import Interval
from .executor import Executor
from .ports import Attention, NullSync, SyncPort
from .recovery import Interrupted, TimerState, classify
from .timeline_view import DayStrip, day_strip

if TYPE_CHECKING:
    from ..clock import Clock
    from ..service import Overview, Tracker

log = logging.getLogger(__name__)
POLL_MS = 2000  # how often the worker asks SQLite whether another process wrote
HOUSEKEEPING_MS = 3600 * 1000
DASHBOARD_ROLES = ("admin", "manager")  # who the tray offers the server's web dashboard
DASHBOARD_PATH = "/dashboard"
SYNC_SOON_MS = 2000  # a change syncs this long after the last of a burst of changes


def user_message(exc: Exception) -> str:
    if isinstance(exc, TrackerError):
        return str(exc)[:1].upper() + str(exc)[1:]
    log.error("unexpected error", exc_info=exc)
    return f"Something went wrong ({type(exc).__name__}): see the log file"


class Controller(QObject):
    changed = Signal(object)  # Overview
    failed = Signal(str)  # one line for the user
    interrupted = Signal(object)  # Interrupted: ask the user
    sync_changed = Signal(str)  # the sync state line
    notice = Signal(str)  # transient status line
    deleted = Signal(object)  # Interval: an entry was deleted (the views offer Undo)
    restored = Signal(object)  # Interval: a deleted entry is back

    def __init__(
        self,
        executor: Executor,
        clock: Clock,
        sync: SyncPort | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.executor = executor
        self.clock = clock
        self.sync: SyncPort = sync or NullSync()
        self.overview: Overview | None = None
        self.strip: DayStrip | None = None  # the Day tab's timeline, built with the overview
        self.day: date | None = None  # the Day tab's day (None: today)
        self.heartbeat_seconds = 30
        self._data_version: int | None = None
        self._asking = False  # an interrupted-timer prompt is open: do not beat
        self._polling = False
        self._beat = QTimer(self)
        self._beat.timeout.connect(self.heartbeat)
        self._poll = QTimer(self)
        self._poll.setInterval(POLL_MS)
        self._poll.timeout.connect(self.poll)
        self._housekeeping = QTimer(self)
        self._housekeeping.setInterval(HOUSEKEEPING_MS)
        self._housekeeping.timeout.connect(self.housekeeping)
        self._sync_soon = QTimer(self)  # debounce: one sync after a burst of changes
        self._sync_soon.setSingleShot(True)
        self._sync_soon.setInterval(SYNC_SOON_MS)
        self._sync_soon.timeout.connect(lambda: self.sync.trigger())

    # -- life cycle ---------------------------------------------------------------------------

    def start_background(self) -> None:
        """Heartbeat and change polling (the app calls this; tests drive them by hand)."""
        self._beat.start(self.heartbeat_seconds * 1000)
        self._poll.start()
        self._housekeeping.start()

    def stop_background(self) -> None:
        self._beat.stop()
        self._poll.stop()
        self._housekeeping.stop()
        self._sync_soon.stop()
        self.sync.stop()

    def refresh(self) -> None:
        day = self.day

        def job(t: Tracker) -> tuple[Overview, int, DayStrip]:
            ov = t.overview(day)
            gaps = t.day(ov.day).account.gaps  # the day's untracked kinds (`tracker day`)
            return ov, t.data_version(), day_strip(ov.entries, ov.day, t.tz, gaps)

        self.executor.submit(job, self._loaded, self._fail)

    def _loaded(self, result: tuple[Overview, int, DayStrip]) -> None:
        ov, version, strip = result
        self.overview = ov
        self.strip = strip
        self._data_version = version
        if ov.heartbeat_seconds != self.heartbeat_seconds:
            self.heartbeat_seconds = ov.heartbeat_seconds
            if self._beat.isActive():
                self._beat.start(self.heartbeat_seconds * 1000)
        self.changed.emit(ov)

    def poll(self) -> None:
        """Refresh when another process (the `tracker` command) changed the database."""
        if self._polling:
            return
        self._polling = True

        def done(version: int) -> None:
            self._polling = False
            if version != self._data_version:
                self.refresh()

        def failed(exc: Exception) -> None:
            self._polling = False
            self._fail(exc)

        self.executor.submit(lambda t: t.data_version(), done, failed)

    def _fail(self, exc: Exception) -> None:
        self.failed.emit(user_message(exc))

    def _then_refresh(self, message: str | None = None) -> Callable[[object], None]:
        """After a change: say ``message``, show the new state, and sync soon."""

        def done(_: object) -> None:
            if message:
                self.notice.emit(message)
            self.changed_here()
            self.refresh()

        return done

    def changed_here(self) -> None:
        """Something changed in this app (start, stop, edit, delete, an answered Away dialog, a
        new task): the background sync runs in a moment (debounced), so the server sees a
        running timer while it runs. Offline it fails quietly and the timed sync retries."""
        self._sync_soon.start()

    # -- the timer ----------------------------------------------------------------------------

    @property
    def running(self) -> Interval | None:
        return self.overview.running if self.overview else None

    def elapsed(self, now: datetime | None = None) -> int:
        r = self.running
        return r.duration_seconds(now or self.clock.now()) if r else 0

    def start(self, task_id: str) -> None:
        def job(t: Tracker) -> object:
            plan = t.start(task_id)
            t.heartbeat()
            return plan

        self.executor.submit(job, self._then_refresh(), self._fail)

    def stop(self) -> None:
        self.executor.submit(lambda t: t.stop(), self._then_refresh(), self._fail)

    def toggle(self) -> None:
        """Stop what runs, or start the most recent task again."""
        if self.running is not None:
            self.stop()
        elif self.overview and self.overview.recent:
            self.start(self.overview.recent[0].id)
        else:
            self.failed.emit("Nothing to start yet: pick a task and press its start button")

    def set_task_status(self, task_id: str, status: str) -> None:
        self.executor.submit(
            lambda t: t.set_task(task_id, status=status), self._then_refresh(), self._fail
        )

    # -- projects and tasks (local projects fully; in server projects, tasks) ------------------

    def quick_start(
        self,
        text: str,
        project_id: str | None = None,
        on_done: Callable[[object], None] | None = None,
        on_error: Callable[[Exception], None] | None = None,
    ) -> None:
        """The quick-start box: start the task ``text`` names, creating it (and a local project)
        when missing; ``project_id``: where a bare new title goes. One transaction."""

        def job(t: Tracker) -> object:
            with t.store.transaction():
                made = t.quick_task(text, project_id)
                t.start(made.task.id)
            t.heartbeat()
            return made

        def done(made) -> None:
            if on_done:
                on_done(made)
            self._then_refresh(made.line)(made)

        self.executor.submit(job, done, on_error or self._fail)

    def _change(
        self,
        job: Callable[[Tracker], object],
        message: Callable[[object], str],
        on_done: Callable[[object], None] | None,
        on_error: Callable[[Exception], None] | None,
    ) -> None:
        def done(result: object) -> None:
            if on_done:
                on_done(result)
            self._then_refresh(message(result))(result)

        self.executor.submit(job, done, on_error or self._fail)

    def add_project(self, name: str, on_done=None, on_error=None) -> None:
        """A new local project (server projects are made on the server)."""
        self._change(lambda t: t.add_project(name), lambda p: f"Created project {p.name}",
                     on_done, on_error)  # fmt: skip

    def add_task(self, project_id: str, title: str, on_done=None, on_error=None) -> None:
        self._change(lambda t: t.add_task(project_id, title),
                     lambda k: f"Created task {k.project_name} / {k.title}", on_done,
                     on_error)  # fmt: skip

    def rename_project(self, project_id: str, name: str, on_done=None, on_error=None) -> None:
        self._change(lambda t: t.set_project(project_id, name=name),
                     lambda p: f"Renamed the project to {p.name}", on_done, on_error)  # fmt: skip

    def archive_project(self, project_id: str, archived: bool = True, on_error=None) -> None:
        word = "Archived" if archived else "Unarchived"
        self._change(lambda t: t.set_project(project_id, archived=archived),
                     lambda p: f"{word} {p.name}", None, on_error)  # fmt: skip

    def rename_task(self, task_id: str, title: str, on_done=None, on_error=None) -> None:
        self._change(lambda t: t.set_task(task_id, title=title),
                     lambda k: f"Renamed the task to {k.title}", on_done, on_error)  # fmt: skip

    # -- entries ------------------------------------------------------------------------------

    def set_day(self, day: date) -> None:
        self.day = day
        self.refresh()

    def add_entry(
        self,
        task_id: str,
        start: datetime,
        end: datetime,
        note: str = "",
        on_error: Callable[[Exception], None] | None = None,
        on_done: Callable[[Interval], None] | None = None,
    ) -> None:
        def done(e: Interval) -> None:
            if on_done:
                on_done(e)
            self.notice.emit(f"Added {e.task_title}")
            self.changed_here()
            self.refresh()

        self.executor.submit(
            lambda t: t.add(task_id, start=start, end=end, note=note), done, on_error or self._fail
        )

    def edit_entry(
        self,
        entry_id: str,
        start: datetime | None = None,
        end: datetime | None = None,
        task_id: str | None = None,
        note: str | None = None,
        on_error: Callable[[Exception], None] | None = None,
        on_done: Callable[[Interval], None] | None = None,
    ) -> None:
        def done(e: Interval) -> None:
            if on_done:
                on_done(e)
            self.changed_here()
            self.refresh()

        self.executor.submit(
            lambda t: t.edit(entry_id, start=start, end=end, task_ref=task_id, note=note),
            done,
            on_error or self._fail,
        )

    def split_entry(self, entry_id: str, at: datetime) -> None:
        self.executor.submit(lambda t: t.split(entry_id, at), self._then_refresh(), self._fail)

    def delete_entry(self, entry_id: str) -> None:
        """Delete at once (a tombstone); ``deleted`` lets the views offer Undo."""
        entry = next((e for e in (self.overview.entries if self.overview else [])
                      if e.id == entry_id), None)  # fmt: skip

        def done(gone: Interval) -> None:
            self.deleted.emit(entry or gone)
            self.changed_here()
            self.refresh()

        self.executor.submit(lambda t: t.delete(entry_id), done, self._fail)

    def restore_entry(
        self, entry_id: str, on_error: Callable[[Exception], None] | None = None
    ) -> None:
        """Undo a delete: the entry comes back as it was (refused if it would now overlap)."""

        def done(back: Interval) -> None:
            self.restored.emit(back)
            self.notice.emit(f"Restored {back.task_title}")
            self.changed_here()  # push the un-delete soon
            self.refresh()

        self.executor.submit(lambda t: t.restore(entry_id), done, on_error or self._fail)

    def check_overlap(
        self,
        start: datetime,
        end: datetime,
        exclude: str | None,
        answer: Callable[[Interval | None], None],
    ) -> None:
        self.executor.submit(lambda t: t.overlap(start, end, exclude), answer, self._fail)

    # -- crash recovery -----------------------------------------------------------------------

    def check_recovery(self) -> None:
        """On start: adopt a timer with no beat yet; ask about one whose beats stopped."""
        self._probe(adopt=True)

    def housekeeping(self) -> None:
        """At start and hourly: what entry deletes took over a day ago leaves the disk."""
        self.executor.submit(lambda t: t.purge_capture_trash(), lambda _n: None, self._fail)

    def heartbeat(self) -> None:
        if not self._asking:
            self._probe(adopt=True)

    def _probe(self, adopt: bool) -> None:
        def job(t: Tracker) -> tuple[TimerState, Interval | None, int]:
            hb = int(t.config_get("heartbeat.seconds"))
            running = t.running()
            state = classify(running, t.clock.now(), hb)
            if state in (TimerState.ALIVE, TimerState.ADOPT) and adopt:
                t.heartbeat()
            return state, running, hb

        def done(result: tuple[TimerState, Interval | None, int]) -> None:
            state, running, hb = result
            if hb != self.heartbeat_seconds:
                self.heartbeat_seconds = hb
                if self._beat.isActive():
                    self._beat.start(hb * 1000)
            if state is TimerState.INTERRUPTED and running and running.heartbeat_at:
                self._asking = True
                self.interrupted.emit(Interrupted(running, running.heartbeat_at))

        self.executor.submit(job, done, self._fail)

    def resolve_interrupted(self, choice: str, at: datetime | None = None) -> None:
        """``end`` (at the last beat), ``keep`` (running, beats resume) or ``at`` (a chosen end)."""
        self._asking = False
        if choice == "keep":
            self.executor.submit(lambda t: t.heartbeat(), self._then_refresh(), self._fail)
            return
        if at is None:
            raise ValueError("an end time is needed to end the interrupted timer")

        def failed(exc: Exception) -> None:
            self._fail(exc)
            self.check_recovery()  # ask again rather than leave the gap counted

        self.executor.submit(lambda t: t.stop(at), self._then_refresh("Timer ended"), failed)

    # -- settings and sync --------------------------------------------------------------------

    def folder(self, which: str, answer: Callable[[Path], None]) -> None:
        """The data folder (where the database is) or the log folder, created if missing (on
        the worker: the GUI thread never touches the disk)."""

        def job(t: Tracker) -> Path:
            if which == "data":
                path = Path(t.store.path).parent
            else:
                from ..logs import log_dir

                path = log_dir()
            path.mkdir(parents=True, exist_ok=True)
            return path

        self.executor.submit(job, answer, self._fail)

    def load_settings(self, answer: Callable[[dict[str, str]], None]) -> None:
        self.executor.submit(lambda t: t.config_list(), answer, self._fail)

    def save_settings(
        self,
        values: dict[str, str],
        on_error: Callable[[Exception], None] | None = None,
        on_done: Callable[[dict[str, str]], None] | None = None,
        also: Callable[[], None] | None = None,
    ) -> None:
        """Store settings in one transaction; ``also`` runs on the worker after (e.g. writing
        the autostart entry), so the GUI thread never touches the disk."""

        def job(t: Tracker) -> dict[str, str]:
            with t.store.transaction():
                saved = {k: t.config_set(k, v) for k, v in values.items()}
            if also is not None:
                also()
            return saved

        def done(saved: dict[str, str]) -> None:
            if on_done:
                on_done(saved)
            self.notice.emit("Settings saved")
            self.refresh()

        self.executor.submit(job, done, on_error or self._fail)

    def sign_in(
        self,
        url: str,
        email: str,
        password: str,
        on_error: Callable[[Exception], None] | None = None,
        on_done: Callable[[str], None] | None = None,
    ) -> None:
        sync = self.sync

        def done(state: str) -> None:
            self.notice.emit(state)
            if on_done:
                on_done(state)
            self.refresh()

        self.executor.submit(
            lambda t: sync.sign_in(t, url, email, password), done, on_error or self._fail
        )

    def start_sync(self) -> None:
        """Background sync on the engine's own thread; each result refreshes the state line."""

        def on_state(message: str) -> None:
            self.sync_changed.emit(message)
            self.refresh()

        sync = self.sync
        # On the worker: importing the engine (requests, keyring) must not hold up the GUI.
        self.executor.submit(lambda _t: sync.start(on_state), None, self._fail)

    @property
    def signed_in(self) -> bool:
        problem = self.sync_attention()
        if problem is not None and problem.kind == "sign_in":
            return False
        return self.sync_state() != "Not signed in"

    def dashboard_url(self) -> str | None:
        """Where "Open the web dashboard" goes without a sign-in link (the server's sign-in
        page, then the dashboard), or None: not signed in, or not an admin or manager there."""
        ov = self.overview
        if ov is None or not ov.server_url or ov.server_role not in DASHBOARD_ROLES:
            return None
        return f"{ov.server_url.rstrip('/')}/login?next=/dashboard"

    def open_dashboard(self, open_url: Callable[[str], None]) -> None:
        """The tray's "Open the web dashboard": a one-time sign-in link from the server (asked
        on the executor: the GUI thread never waits), so the browser needs no password; the sign-in
        page as before when the server cannot give one (unreachable, too old, token gone)."""
        fallback = self.dashboard_url()
        if fallback is None:
            return
        mint = getattr(self.sync, "web_link", None)
        if mint is None:
            open_url(fallback)
            return

        def failed(exc: Exception) -> None:
            log.info("no sign-in link (%s): opening the sign-in page", type(exc).__name__)
            open_url(fallback)

        self.executor.submit(lambda t: mint(t, DASHBOARD_PATH), open_url, failed)

    def sync_attention(self) -> Attention | None:
        """What the last sync left for the user (the tray's dot), or None."""
        attention = getattr(self.sync, "attention", None)
        return attention(self.overview) if attention is not None else None

    def retry_sync(self) -> None:
        self.sync.trigger()

    def sync_state(self) -> str:
        return self.sync.state_text(self.overview, self.clock.now())
