"""The app on the D-Bus hooks (private buses, dbusmock stand-ins): GNOME's idle time crossing the
threshold opens the Away dialog, and logind's PrepareForSleep pair becomes an asleep period that
the real `tracker day` command reports. Offscreen Qt, the executor inline, the capture engine
ticked by hand on the test's clock; only the D-Bus traffic is real."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta

from dbusutil import Wall, wait_for

from tracker.app import build
from tracker.capture.backends import Backends
from tracker.capture.dbus import LogindSuspend, MutterIdle
from tracker.capture.ports import ClockJumpDetector, FakeIdle, FakeInput, FakeSuspend, NullGrabber
from tracker.ui.away import AwayDialog
from tracker.ui.executor import InlineExecutor
from tracker.ui.ports import NullAutostart

NOON = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)  # 13:00 in Berlin


def make_app(svc, qtbot, backends, wall):
    a = build(InlineExecutor(svc), svc.clock, svc.tz, tray_available=False,
              autostart=NullAutostart(), quit_app=lambda: None, capture=backends)  # fmt: skip
    a.capture.wall = wall
    a.capture.runner = lambda job, done, failed: done(job())
    a.window.open_dialog = lambda d: d.show()
    qtbot.addWidget(a.window)
    a.start()
    a.controller.stop_background()
    a.capture._timer.stop()  # ticked by hand
    return a


def step(app, wall, seconds: int = 1) -> None:
    for _ in range(seconds):
        wall.t += 1
        app.controller.clock.set(datetime.fromtimestamp(wall.t, UTC))
        app.capture.tick()


def tracker_day(data_dir, day: str) -> dict:
    env = {**os.environ, "TZ": "Europe/Berlin", "TRACKER_DATA_DIR": str(data_dir)}
    cmd = [sys.executable, "-m", "tracker", "--json", "day", "--date", day]
    p = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=60, check=False)
    assert p.returncode == 0 and "Traceback" not in p.stderr, p.stderr
    return json.loads(p.stdout)


def test_mutter_idle_past_the_threshold_opens_the_away_dialog(mutter, svc, qtbot):
    svc.add_project("Globex")
    home = svc.add_task("Globex", "Homepage")
    svc.start(home.id, at=NOON - timedelta(minutes=30))
    wall = Wall(NOON.timestamp())
    idle = MutterIdle()
    b = Backends(FakeInput(), idle, NullGrabber("not here"), FakeSuspend())
    app = make_app(svc, qtbot, b, wall)
    app.capture.set_threshold_seconds(300)
    try:
        mutter.SetIdletime(0)
        step(app, wall, 5)
        assert app.away_dialog is None
        wall.t += 400  # nobody touched anything for 400 s: Mutter says so
        mutter.SetIdletime(400_000)
        step(app, wall)
        assert app.capture.engine.detector.away
        mutter.SetIdletime(0)  # back at the keyboard
        step(app, wall)
        d = app.away_dialog
        assert isinstance(d, AwayDialog) and d.isVisible() and d.isModal()
        assert d.text.text().startswith("You were away from 13:00 to 13:06")
        d.answer("stop")
        (e,) = svc.log()
        assert e.ended_at == datetime.fromtimestamp(NOON.timestamp() + 6, UTC)
        doc = tracker_day(svc.store.path.parent, "2026-11-25")
        assert doc["away_discarded_seconds"] == 401  # 13:00:06 to 13:06:47
        assert [(g["from"][11:19], g["to"][11:19], g["kind"]) for g in doc["gaps"]] == [
            ("13:00:06", "13:06:47", "away_discarded")]  # fmt: skip
        parts = sum(v for k, v in doc.items() if k.endswith("_seconds") and k != "span_seconds")
        assert parts == doc["span_seconds"]
    finally:
        if app.away_dialog is not None:
            app.away_dialog._done = True
            app.away_dialog.close()
        app.capture.shutdown()
        idle.close()


def test_prepare_for_sleep_gives_an_asleep_period_in_tracker_day(logind, svc, qtbot):
    wall = Wall(NOON.timestamp())
    mono = Wall(1000.0)
    suspend = LogindSuspend(ClockJumpDetector(wall=wall, mono=mono), wall=wall)
    b = Backends(FakeInput(), FakeIdle(), NullGrabber("not here"), suspend)
    app = make_app(svc, qtbot, b, wall)  # starts capture: the listener thread subscribes
    try:
        assert wait_for(lambda: suspend.listening)
        step(app, wall, 3)
        logind.prepare_for_sleep(True)
        assert wait_for(lambda: suspend._asleep_since is not None)
        wall.t += 1800
        mono.t += 1800  # the signal, not the clocks, tells this sleep
        logind.prepare_for_sleep(False)
        assert wait_for(lambda: bool(suspend._done))
        step(app, wall)  # the first tick after resume records it
        step(app, wall, 2)
    finally:
        app.shutdown()  # the session's last beat; the listener stops
    doc = tracker_day(svc.store.path.parent, "2026-11-25")
    assert doc["asleep_seconds"] == 1800
    asleep = [g for g in doc["gaps"] if g["kind"] == "asleep"]
    assert [(g["from"], g["to"]) for g in asleep] == [
        ("2026-11-25T13:00:03+01:00", "2026-11-25T13:30:03+01:00")]  # fmt: skip
    assert wait_for(lambda: not suspend.listening)  # stopped with the app
