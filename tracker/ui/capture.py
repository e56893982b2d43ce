"""Capture in the app: ticks the Qt-free :class:`~tracker.capture.engine.CaptureEngine` once a
second on the GUI thread (a few integer reads and one X round trip), stores slots through the
executor, grabs screenshots on a capture thread, and announces away periods as a signal.

The GUI thread never waits: slots and screenshot rows go to the database thread, the grab and the
JPEG encode run on their own thread, results come back through a :class:`Bridge`.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import UTC, date, datetime
from functools import partial
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, QTimer, Signal

from ..capture.away import AwayPeriod
from ..capture.backends import Backends
from ..capture.engine import CaptureEngine, ShotOrder, Tracking
from ..capture.slots import Slot
from .executor import Bridge, Executor

if TYPE_CHECKING:
    from ..service import Overview, Tracker
    from .controller import Controller

log = logging.getLogger(__name__)
TICK_MS = 1000
Runner = Callable[[Callable[[], Any], Callable[[Any], None], Callable[[Exception], None]], None]


def thread_runner(bridge: Bridge) -> Runner:
    """Run jobs on one capture thread (the grabber keeps its per-thread state there); deliver
    each result on the GUI thread."""
    from concurrent.futures import ThreadPoolExecutor

    pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="tracker-capture")

    def run(job, done, failed) -> None:
        def main() -> None:
            try:
                result = job()
            except Exception as exc:  # reported, never raised on a foreign thread
                bridge.post(partial(failed, exc))
                return
            bridge.post(partial(done, result))

        pool.submit(main)

    run.shutdown = lambda: pool.shutdown(wait=False, cancel_futures=True)  # type: ignore[attr-defined]
    return run


def inline_runner(job, done, failed) -> None:
    """Tests: the grab runs at once on the calling thread."""
    try:
        result = job()
    except Exception as exc:
        failed(exc)
        return
    done(result)


class CaptureController(QObject):
    away = Signal(object)  # AwayPeriod
    shot_saved = Signal(object)  # Screenshot
    slots_saved = Signal(int)
    status = Signal(str)
    ticked = Signal(float, bool)  # wall time, whether the user was active (for reminders)

    def __init__(
        self,
        controller: Controller,
        executor: Executor,
        backends: Backends,
        make_id: Callable[[], str],
        runner: Runner | None = None,
        wall: Callable[[], float] = time.time,
        engine: CaptureEngine | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.controller = controller
        self.executor = executor
        self.backends = backends
        self.wall = wall
        self.engine = engine or CaptureEngine(backends, make_id)
        self._bridge = Bridge(self)
        self.runner: Runner = runner or thread_runner(self._bridge)
        self.pending: list[AwayPeriod] = []  # asked about, not answered yet
        self.threshold_override: float | None = None  # tests: seconds instead of minutes
        self.review_minutes = 10
        self.shots_taken = 0
        self._timer = QTimer(self)
        self._timer.setInterval(TICK_MS)
        self._timer.timeout.connect(self.tick)
        controller.changed.connect(self.follow)

    # -- what the user sees ---------------------------------------------------------------------

    def unavailable(self) -> list[str]:
        return self.backends.unavailable()

    # -- life cycle -----------------------------------------------------------------------------

    def start(self, tick: bool = True) -> None:
        # The X round trips that tell whether idle time and the screen can be read happen
        # here, after the app is up, not before its first event-loop turn.
        probed = self.backends.probed()
        if probed is not self.backends:
            self.backends = self.engine.backends = probed
        try:
            self.engine.start()
        except Exception as exc:  # a broken hook must never stop the app
            log.warning("input capture did not start: %s", exc)
            self.status.emit(f"Activity is unavailable: {exc}")
        listen = getattr(self.backends.suspend, "start", None)
        if listen is not None:
            listen(wait=0)  # logind's PrepareForSleep, on its own thread
        self.load_settings()
        for line in self.unavailable():
            log.info("%s", line)
        if tick:
            self._timer.start()

    def shutdown(self) -> None:
        self._timer.stop()
        stop_listening = getattr(self.backends.suspend, "stop", None)
        if stop_listening is not None:
            stop_listening(wait=0)
        slots = self.engine.stop(int(self.wall()))
        self._save(slots)
        stop = getattr(self.runner, "shutdown", None)
        if stop is not None:
            stop()

    def load_settings(self) -> None:
        def done(s) -> None:
            if self.threshold_override is None:
                self.engine.threshold_seconds = s.threshold_minutes * 60
            self.engine.per_slot = s.per_slot
            self.review_minutes = s.review_minutes

        self.executor.submit(lambda t: t.capture_settings(), done, self._fail)

    def set_threshold_seconds(self, seconds: float) -> None:
        self.threshold_override = seconds
        self.engine.threshold_seconds = seconds

    # -- following the timer --------------------------------------------------------------------

    def follow(self, ov: Overview) -> None:
        """A new overview: what runs now (and its project's screenshot switch)."""
        r = ov.running
        tracking = None
        if r is not None:
            p = next((p for p in ov.projects if p.id == r.project_id), None)
            tracking = Tracking(r.id, int(r.started_at.timestamp()),
                                bool(p and p.screenshots), bool(p and p.blur))  # fmt: skip
        self._save(self.engine.set_tracking(tracking, int(self.wall())))
        self.load_settings()

    def tick(self) -> None:
        try:
            res = self.engine.tick(self.wall())
        except Exception as exc:
            log.warning("capture tick failed: %s", exc, exc_info=exc)
            return
        self._save(res.slots)
        if res.slept >= 1:
            self._record_sleep(res.slept)
        for period in res.away:
            self.pending.append(period)
            self.away.emit(period)
        if res.shot is not None:
            self.shoot(res.shot)
        self.ticked.emit(self.wall(), res.active)

    def look(self) -> None:
        """Tick now, between the once-a-second ticks: a suspend that just ended becomes its
        away period before the app asks about the same gap in the heartbeats. (A second tick
        within a second adds nothing: the input counts and the screenshot plan are deltas.)"""
        if self.engine.started:
            self.tick()

    def _record_sleep(self, slept: float) -> None:
        """The suspend that just ended, for the day's account (`tracker day`)."""
        suspend = self.backends.suspend
        source = getattr(suspend, "last_source", "clock")
        a, b = getattr(suspend, "last_sleep", None) or (self.wall() - slept, self.wall())
        start, end = datetime.fromtimestamp(int(a), UTC), datetime.fromtimestamp(int(b), UTC)
        self.executor.submit(lambda t: t.record_sleep(start, end, source), None, self._fail)

    def _save(self, slots: list[Slot]) -> None:
        if slots:
            self.executor.submit(lambda t: t.save_activity(slots), self.slots_saved.emit,
                                 self._fail)  # fmt: skip

    def _fail(self, exc: Exception) -> None:
        from .controller import user_message

        self.status.emit(user_message(exc))

    # -- screenshots ----------------------------------------------------------------------------

    def shoot(self, order: ShotOrder) -> None:
        """Grab and encode on the capture thread; store on the database thread."""
        from ..capture import shots

        grabber = self.backends.grabber

        def job() -> list[shots.Encoded]:
            return [shots.encode(raw, order.blur) for raw in grabber.grab()]

        def store(encoded: list[shots.Encoded]) -> None:
            taken = datetime.fromtimestamp(order.taken_at, UTC)
            for enc in encoded:
                self.executor.submit(
                    lambda t, enc=enc: t.add_screenshot(order.interval_id, taken, enc.monitor,
                                                        enc.width, enc.height, enc.jpeg,
                                                        enc.thumb, enc.blurred),
                    self._saved, self._fail,
                )  # fmt: skip

        self.runner(job, store, self._fail)

    def _saved(self, shot: Any) -> None:
        self.shots_taken += 1
        self.shot_saved.emit(shot)

    def load_shots(self, day: date | None, answer: Callable[[Any], None]) -> None:
        def job(t: Tracker) -> tuple[list, int, datetime]:
            return (
                t.screenshots(day),
                int(t.config_get("screenshots.review_minutes")),
                t.clock.now(),
            )

        self.executor.submit(job, answer, self._fail)

    def thumbnails(self, shots: list, answer: Callable[[dict[str, bytes]], None]) -> None:
        """Thumbnail bytes, read on the database thread (disk I/O)."""

        def job(_t: Tracker) -> dict[str, bytes]:
            out = {}
            for s in shots:
                try:
                    out[s.id] = s.thumb.read_bytes()
                except OSError:
                    continue
            return out

        self.executor.submit(job, answer, self._fail)

    def delete_shot(self, shot_id: str, done: Callable[[Any], None] | None = None) -> None:
        self.executor.submit(lambda t: t.delete_screenshot(shot_id), done, self._fail)

    def blur_shot(self, shot_id: str, done: Callable[[Any], None] | None = None) -> None:
        self.executor.submit(lambda t: t.blur_screenshot(shot_id), done, self._fail)

    def load_activity(self, day: date | None, answer: Callable[[list], None]) -> None:
        self.executor.submit(lambda t: t.activity(day), answer, self._fail)

    # -- away answers ---------------------------------------------------------------------------

    def resolve(self, period: AwayPeriod, choice: str, task_id: str | None = None) -> None:
        if period in self.pending:
            self.pending.remove(period)
        start = datetime.fromtimestamp(period.start, UTC)
        end = datetime.fromtimestamp(period.end, UTC)

        def done(message: str) -> None:
            self.controller.notice.emit(message)
            self.controller.changed_here()
            self.controller.refresh()

        self.executor.submit(
            lambda t: t.answer_away(period.interval_id, start, end, choice, task_id,
                                    period.reason),
            done, self._fail,
        )  # fmt: skip
