"""The D-Bus hooks against dbusmock's logind and a Mutter idle monitor on private buses."""

from __future__ import annotations

import pytest
from dbusutil import Wall, wait_for

from tracker.capture.backends import Backends, choose
from tracker.capture.dbus import DbusError, FirstIdle, LogindIdle, LogindSuspend, MutterIdle
from tracker.capture.ports import ClockJumpDetector, NullGrabber, NullInput


def test_mutter_gives_the_idle_time_in_seconds(mutter):
    idle = MutterIdle()
    mutter.SetIdletime(0)
    assert idle.idle_seconds() == 0.0
    mutter.SetIdletime(421_500)
    idle.probe()
    assert idle.idle_seconds() == 421.5
    idle.close()


def test_logind_idle_counts_from_the_hint(logind):
    wall = Wall(1_795_000_000.0)
    idle = LogindIdle(wall=wall)
    logind.set_idle(False, 0)
    idle.probe()
    assert idle.idle_seconds() == 0.0
    logind.set_idle(True, int((wall.t - 600) * 1e6))
    assert idle.idle_seconds() == 600.0
    logind.set_idle(False, int(wall.t * 1e6))
    assert idle.idle_seconds() == 0.0
    idle.close()


def test_logind_for_an_unknown_session_is_refused_by_probe(logind):
    idle = LogindIdle(session_id="nope")
    with pytest.raises(DbusError, match=r"login1|Unknown"):
        idle.probe()


def test_on_wayland_the_idle_time_comes_over_dbus_and_capture_says_why_not(mutter, logind):
    b = choose(env={"WAYLAND_DISPLAY": "wayland-0", "XDG_SESSION_TYPE": "wayland"},
               platform="linux")  # fmt: skip
    assert isinstance(b.idle, FirstIdle) and isinstance(b.idle.chosen, MutterIdle)
    lines = b.unavailable()
    assert len(lines) == 2 and all("Wayland" in x for x in lines), lines
    assert lines[0].startswith("Activity is unavailable") and "input" in lines[0]
    assert lines[1].startswith("Screenshots are unavailable")
    mutter.SetIdletime(5000)
    assert b.idle.idle_seconds() == 5.0
    b.idle.close()


def test_an_x_server_without_the_screen_saver_extension_falls_back_to_dbus(mutter):
    class NoExtension:
        available, why_not = True, ""

        def probe(self):
            raise RuntimeError("the X server has no MIT-SCREEN-SAVER extension")

    b = Backends(NullInput("x"), NoExtension(), NullGrabber("x"), ClockJumpDetector(),
                 linux_fallback=True).probed()  # fmt: skip
    assert isinstance(b.idle, FirstIdle) and b.idle.source == "GNOME's idle monitor"
    mutter.SetIdletime(1000)
    assert b.idle.idle_seconds() == 1.0


def test_prepare_for_sleep_gives_the_seconds_slept(logind):
    wall = Wall(1_795_000_000.0)
    s = LogindSuspend(ClockJumpDetector(wall=wall, mono=lambda: 0.0 + (wall.t - 1_795_000_000)),
                      wall=wall)  # fmt: skip
    assert s.start() and s.listening
    try:
        assert s.slept() == 0.0
        logind.prepare_for_sleep(True)
        assert wait_for(lambda: s._asleep_since is not None)
        wall.t += 1800  # the machine slept half an hour (the monotonic clock followed here)
        logind.prepare_for_sleep(False)
        assert wait_for(lambda: s._done)
        assert s.slept() == 1800.0 and s.last_source == "logind"
        assert s.slept() == 0.0  # reported once
    finally:
        s.stop()


def test_a_sleep_seen_as_a_clock_jump_is_not_counted_again_by_logind(logind):
    wall, mono = Wall(1_795_000_000.0), Wall(100.0)
    s = LogindSuspend(ClockJumpDetector(wall=wall, mono=mono), wall=wall)
    assert s.start()
    try:
        logind.prepare_for_sleep(True)
        assert wait_for(lambda: s._asleep_since is not None)
        wall.t += 900  # asleep: the monotonic clock stood still
        assert s.slept() == 900.0 and s.last_source == "clock"
        wall.t += 1
        mono.t += 1
        logind.prepare_for_sleep(False)  # read a second after the jump
        assert wait_for(lambda: s._done)
        assert s.slept() == 0.0
    finally:
        s.stop()


def test_without_a_system_bus_suspends_stay_clock_jumps(monkeypatch):
    monkeypatch.setenv("DBUS_SYSTEM_BUS_ADDRESS", "unix:path=/nonexistent/bus")
    s = LogindSuspend(ClockJumpDetector())
    assert s.start() is False
    assert "logind cannot be reached" in s.why_not and s.slept() == 0.0
    s.stop()
