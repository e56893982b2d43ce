"""The capture engine: one Qt-free object the app ticks once a second.

Each tick reads the input counters, the OS idle time and the suspend detector (cheap: a few
integer reads and one X round trip), and returns what the app must do: activity slots to store,
away periods to ask about, and whether to take a screenshot now. The app does the storing and
the grabbing off the GUI thread.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field

from .away import AwayDetector, AwayPeriod
from .backends import Backends
from .shots import ShotPlanner
from .slots import Slot, SlotRecorder

ACTIVE_IDLE_SECONDS = 60


@dataclass(frozen=True, slots=True)
class Tracking:
    """What runs, as capture needs it."""

    interval_id: str
    started_at: int  # epoch seconds
    screenshots: bool = False
    blur: bool = False


@dataclass(frozen=True, slots=True)
class ShotOrder:
    interval_id: str
    taken_at: int
    blur: bool


@dataclass
class TickResult:
    slots: list[Slot] = field(default_factory=list)
    away: list[AwayPeriod] = field(default_factory=list)
    shot: ShotOrder | None = None
    active: bool = False  # input since the last tick, or the OS saw some within a minute
    slept: float = 0.0  # seconds the machine was suspended just before this tick


class CaptureEngine:
    def __init__(
        self,
        backends: Backends,
        make_id: Callable[[], str],
        threshold_seconds: float = 300,
        per_slot: int = 1,
        rng: random.Random | None = None,
    ) -> None:
        self.backends = backends
        self.recorder = SlotRecorder(make_id)
        self.detector = AwayDetector(threshold_seconds)
        self.planner = ShotPlanner(rng)
        self.per_slot = per_slot
        self.tracking: Tracking | None = None
        self._last_counts = (0, 0)
        self.started = False

    @property
    def threshold_seconds(self) -> float:
        return self.detector.threshold

    @threshold_seconds.setter
    def threshold_seconds(self, value: float) -> None:
        self.detector.threshold = value

    def start(self) -> None:
        if not self.started:
            self.backends.input.start()
            self._last_counts = self.backends.input.counts()
            self.started = True

    def stop(self, now: int) -> list[Slot]:
        """Stop listening; the open slot is returned to be stored."""
        self.backends.input.stop()
        self.started = False
        return self.recorder.flush(now)

    def set_tracking(self, tracking: Tracking | None, now: int) -> list[Slot]:
        """The running interval changed (started, stopped, switched): close the open slot."""
        out: list[Slot] = []
        old = self.tracking
        if old is not None and (tracking is None or tracking.interval_id != old.interval_id):
            out = self.recorder.flush(now)
        self.tracking = tracking
        return out

    def tick(self, wall: float, slept: float | None = None) -> TickResult:
        now = int(wall)
        res = TickResult()
        kb, ms = self.backends.input.counts()
        lk, lm = self._last_counts
        self._last_counts = (kb, ms)
        dk, dm = max(0, kb - lk), max(0, ms - lm)
        slept = self.backends.suspend.slept() if slept is None else slept
        res.slept = slept
        idle = self.backends.idle.idle_seconds()
        res.active = dk + dm > 0 or (idle is not None and idle < ACTIVE_IDLE_SECONDS)
        t = self.tracking
        res.away = self.detector.tick(
            wall, idle, slept, t.interval_id if t else None, t.started_at if t else 0
        )
        if t is None:
            res.slots = self.recorder.tick(now, None, 0)
            return res
        res.slots = self.recorder.tick(now, t.interval_id, t.started_at, dk, dm)
        allowed = (
            t.screenshots
            and self.backends.grabber.available
            and not self.detector.away
            and (idle is None or idle < self.detector.threshold)
        )
        if t.screenshots and self.planner.due(now, self.per_slot, allowed):
            res.shot = ShotOrder(t.interval_id, now, t.blur)
        return res
