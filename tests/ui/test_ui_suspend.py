"""Suspend and resume while a timer runs: one prompt, not two.

After a long suspend both the heartbeat check (the interrupted-timer prompt) and capture (the Away
dialog) see the same gap. The Away dialog covers it: the recovery prompt does not also appear,
whichever of the two notices the gap first, and the gap is decided once. Fakes for the OS hooks,
the executor inline, the engine ticked by hand.
"""

from __future__ import annotations

import itertools
import random
from datetime import UTC, datetime, timedelta

import pytest
from PySide6.QtWidgets import QApplication, QDialog
from uiutil import BERLIN

from tracker.app import build
from tracker.capture.backends import Backends
from tracker.capture.engine import CaptureEngine
from tracker.capture.ports import FakeGrabber, FakeIdle, FakeInput, FakeSuspend
from tracker.ui.away import AwayDialog
from tracker.ui.dialogs import RecoveryDialog
from tracker.ui.executor import InlineExecutor
from tracker.ui.ports import NullAutostart

NOON = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
HOUR = 3600


class Wall:
    def __init__(self, t: float) -> None:
        self.t = t

    def __call__(self) -> float:
        return self.t


@pytest.fixture
def app(svc, qtbot):
    counter = itertools.count(1)

    def ids() -> str:
        return f"00000000-0000-7000-8000-{next(counter):012d}"

    svc.add_project("Globex")
    home = svc.add_task("Globex", "Homepage")
    svc.start(home.id, at=NOON - timedelta(minutes=30))
    fakes = Backends(FakeInput(), FakeIdle(), FakeGrabber(160, 100), FakeSuspend())
    a = build(InlineExecutor(svc), svc.clock, BERLIN, tray_available=False,
              autostart=NullAutostart(), quit_app=lambda: None, capture=fakes,
              make_id=ids)  # fmt: skip
    a.wall = Wall(NOON.timestamp())
    a.capture.wall = a.wall
    a.capture.engine = CaptureEngine(fakes, ids, rng=random.Random(1))
    a.capture.runner = lambda job, done, failed: done(job())
    a.window.open_dialog = lambda d: d.show()
    qtbot.addWidget(a.window)
    a.start()  # adopts the running timer: its first beat is at noon
    a.controller.stop_background()
    a.capture._timer.stop()  # ticks by hand
    a.capture.set_threshold_seconds(300)
    tick(a, 10, typing=1)  # 12:00:01–12:00:10, working
    assert svc.running().heartbeat_at == NOON
    yield a
    for d in list(a.dialogs):
        d.close()
    if a.away_dialog is not None:
        a.away_dialog._done = True
        a.away_dialog.close()
    a.capture.shutdown()


def tick(app, seconds: int, idle: float | None = None, typing: int = 0) -> None:
    for _ in range(seconds):
        advance(app, 1)
        if idle is not None:
            app.capture.backends.idle.idle = idle
        app.capture.backends.input.type(typing)
        app.capture.tick()


def advance(app, seconds: int) -> None:
    app.wall.t += seconds
    app.controller.clock.set(datetime.fromtimestamp(app.wall.t, UTC))


def suspend(app, seconds: int) -> None:
    """The lid closes for ``seconds``: no ticks, no beats; the clocks jump."""
    advance(app, seconds)
    app.capture.backends.suspend.pending = float(seconds)


def prompts() -> list[QDialog]:
    return [
        w for w in QApplication.topLevelWidgets()
        if isinstance(w, (AwayDialog, RecoveryDialog)) and w.isVisible()
    ]  # fmt: skip


def at(ts: float) -> datetime:
    return datetime.fromtimestamp(int(ts), UTC)


def test_heartbeat_first_then_capture_one_prompt(app, svc):
    """The usual order on resume: the overdue beat fires before capture's next tick."""
    last_input = app.wall.t
    suspend(app, HOUR)
    app.controller.heartbeat()  # the beat timer fires on resume
    tick(app, 1, idle=0.0)  # and capture's tick right after
    assert app.dialogs == []  # no "Homepage was running; the app was last alive at …"
    [d] = prompts()
    assert d is app.away_dialog
    assert d.text.text() == (
        "The computer slept from 13:00 to 14:00 (60 min) while tracking Homepage."
    )
    d.answer("discard")
    assert prompts() == []
    [head, tail] = svc.log()
    assert (head.started_at, head.ended_at) == (NOON - timedelta(minutes=30), at(last_input))
    assert tail.started_at == at(last_input + HOUR) and tail.ended_at is None
    # Nothing asks about that gap again: the beats go on.
    advance(app, 30)
    app.controller.heartbeat()
    assert app.dialogs == [] and prompts() == []
    assert svc.running().heartbeat_at == at(app.wall.t)


def test_capture_first_then_heartbeat_one_prompt(app, svc):
    suspend(app, HOUR)
    tick(app, 1, idle=0.0)  # capture notices the jump first
    app.controller.heartbeat()
    assert app.dialogs == []
    [d] = prompts()
    assert d is app.away_dialog
    d.answer("keep")  # the whole hour is kept, once
    [e] = svc.log()
    assert e.started_at == NOON - timedelta(minutes=30) and e.ended_at is None
    assert e.duration_seconds(svc.clock.now()) == 30 * 60 + 10 + HOUR + 1
    advance(app, 30)
    app.controller.heartbeat()
    assert prompts() == []


def test_an_open_recovery_prompt_gives_way_to_the_away_dialog(app, svc):
    """No suspend signal, but the OS idle time spans the gap (the user comes back later): the
    recovery prompt is up first, then the away period covering it replaces it."""
    last_input = app.wall.t
    advance(app, HOUR)
    app.capture.backends.idle.idle = float(HOUR)  # no input since before the gap
    app.controller.heartbeat()
    [rec] = app.dialogs
    assert rec.isVisible() and prompts() == [rec]
    tick(app, 1, idle=0.5)  # input again: the away period covers the heartbeat gap
    assert app.dialogs == [] and not rec.isVisible()
    [d] = prompts()
    assert d is app.away_dialog
    assert svc.running() is not None  # the recovery prompt's Escape answer ("end") was not applied
    d.answer("stop")
    [e] = svc.log()
    assert e.ended_at == at(last_input)  # stopped where the away time began, once
    assert svc.running() is None


def test_a_crash_with_no_away_period_still_asks(app, svc):
    """The beats stopped but capture saw nothing away (the app hung): the prompt stays."""
    advance(app, HOUR)
    app.capture.backends.idle.idle = 0.0  # the user was working
    app.controller.heartbeat()
    [rec] = app.dialogs
    assert prompts() == [rec]
    assert rec.text.text() == "Homepage was running; the app was last alive at 13:00."
