"""The desktop app with capture on fakes, ticked by hand on a fake wall clock (the capture UI
and reminder tests)."""

from __future__ import annotations

import random
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from tracker.app import build
from tracker.capture.engine import CaptureEngine
from tracker.ui.executor import InlineExecutor
from tracker.ui.ports import NullAutostart

BERLIN = ZoneInfo("Europe/Berlin")
NOON = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


class Wall:
    def __init__(self, t: float) -> None:
        self.t = t

    def __call__(self) -> float:
        return self.t


def capture_app(svc, qtbot, fakes, ids, start: float, tray: bool = False):
    """Built and started; heartbeat, polls and the capture timer stopped (tests tick)."""
    a = build(InlineExecutor(svc), svc.clock, BERLIN, tray_available=tray,
              autostart=NullAutostart(), quit_app=lambda: None, capture=fakes,
              make_id=ids)  # fmt: skip
    wall = Wall(start)
    a.capture.wall = wall
    a.capture.engine = CaptureEngine(fakes, ids, rng=random.Random(1))
    a.capture.runner = lambda job, done, failed: done(job())
    a.window.open_dialog = lambda d: d.show()
    qtbot.addWidget(a.window)
    a.start()
    a.controller.stop_background()
    a.capture._timer.stop()  # ticks by hand
    a.wall = wall
    return a
