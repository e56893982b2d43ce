"""The real capture backends under Xvfb: pynput counts xdotool input exactly, the X idle time
(MIT-SCREEN-SAVER) resets on input, idle past the threshold opens the Away dialog, mss grabs the
virtual screen, and a blurred shot differs from the original."""

from __future__ import annotations

import io
import time
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from capture_x11util import private_xvfb, wait_for, wake_listeners, xdotool
from PIL import Image, ImageChops
from PySide6.QtCore import Qt

from tracker.app import build
from tracker.capture import shots
from tracker.capture.backends import choose
from tracker.capture.x11 import MssGrabber, PynputInput, XScreenSaverIdle
from tracker.clock import SystemClock
from tracker.service import Tracker
from tracker.store import open_store
from tracker.ui.executor import InlineExecutor
from tracker.ui.ports import NullAutostart

TZ = ZoneInfo("Europe/Berlin")


@pytest.fixture
def counter():
    c = PynputInput()
    c.start()
    yield c
    c.stop()
    wake_listeners()
    assert c.join(3), "the pynput listeners did not end"


def test_xdotool_input_gives_exact_counts(counter):
    assert counter.counts() == (0, 0)
    for i in range(50):
        xdotool("mousemove", str(100 + 3 * i), str(200 + 2 * i))
    assert wait_for(lambda: counter.mouse >= 50)
    xdotool("click", "1")  # a press and a release: one event
    xdotool("click", "4")  # the wheel: one scroll
    assert wait_for(lambda: counter.mouse >= 52)
    xdotool("type", "--delay", "20", "hello")
    xdotool("key", "Return")
    assert wait_for(lambda: counter.keyboard >= 6)
    time.sleep(0.3)  # nothing else arrives late
    assert counter.counts() == (6, 52)


def test_the_x_idle_time_resets_on_xdotool_input():
    idle = XScreenSaverIdle()
    try:
        xdotool("mousemove", "10", "10")
        time.sleep(1.2)
        before = idle.idle_seconds()
        assert before is not None and before >= 1.0
        xdotool("mousemove", "20", "20")
        after = idle.idle_seconds()
        assert after is not None and after < 0.5
        xdotool("key", "a")
        assert idle.idle_seconds() < 0.5
    finally:
        idle.close()


@pytest.fixture(scope="module")
def display24():
    """A 24-bit screen with something on it: text lines and blocks drawn on the root window."""
    from Xlib import display

    with private_xvfb(1280, 800, 24) as name:
        d = display.Display(name)
        root = d.screen().root
        white = root.create_gc(foreground=0xF0F0F0, background=0x101010)
        ink = root.create_gc(foreground=0x202020)
        blue = root.create_gc(foreground=0x3060C0)
        root.fill_rectangle(white, 0, 0, 1280, 800)
        for y in range(14, 800, 16):
            root.draw_text(ink, 10, y, b"def capture(slot): return active / tracked  " * 6)
        for i in range(40):
            root.fill_rectangle(blue, (i * 97) % 1200, (i * 61) % 760, 30, 20)
        d.sync()
        yield name
        d.close()


def test_choose_finds_every_backend_on_an_x_display(display24):
    b = choose(env={"DISPLAY": display24})
    assert b.unavailable() == [], b.unavailable()
    assert isinstance(b.input, PynputInput)
    assert isinstance(b.idle, XScreenSaverIdle)
    assert isinstance(b.grabber, MssGrabber)
    b.idle.close()


def test_a_16_bit_screen_is_reported_not_crashed():
    b = choose()  # pytest-xvfb's display: 16-bit colour
    lines = b.unavailable()
    assert all(line.startswith("Screenshots are unavailable") for line in lines)
    assert b.input.available and b.idle.available


def test_mss_grabs_the_virtual_screen_and_a_blurred_shot_differs(display24):
    (raw,) = MssGrabber(virtual=True, display=display24).grab()
    assert (raw.width, raw.height) == (1280, 800)
    assert len(raw.bgra) == raw.width * raw.height * 4
    per_monitor = MssGrabber(display=display24).grab()
    assert len(per_monitor) >= 1
    sharp = shots.encode(raw)
    soft = shots.encode(raw, blurred=True)
    assert sharp.sha256 != soft.sha256
    a = Image.open(io.BytesIO(sharp.jpeg)).convert("L")
    b = Image.open(io.BytesIO(soft.jpeg)).convert("L")
    assert a.size == b.size == (raw.width, raw.height)
    assert ImageChops.difference(a, b).getbbox() is not None


@pytest.fixture
def real_capture_app(qtbot, tmp_path):
    store = open_store(tmp_path / "data")
    svc = Tracker(store, SystemClock(), TZ)
    svc.add_project("Globex")
    home = svc.add_task("Globex", "Homepage")
    svc.start(home.id, at=SystemClock().now() - timedelta(minutes=10))
    app = build(InlineExecutor(svc), svc.clock, TZ, tray_available=False,
                autostart=NullAutostart(), quit_app=lambda: None, capture=choose())  # fmt: skip
    app.window.open_dialog = lambda d: d.show()
    qtbot.addWidget(app.window)
    app.capture._timer.setInterval(100)
    app.capture.set_threshold_seconds(2)
    app.start()
    app.controller.stop_background()
    yield app, svc
    if app.away_dialog is not None:
        app.away_dialog._done = True
        app.away_dialog.close()
    app.capture.shutdown()
    wake_listeners()
    app.capture.backends.input.join(3)
    app.capture.backends.idle.close()


def test_idle_past_the_threshold_opens_the_away_dialog(real_capture_app, qtbot):
    app, svc = real_capture_app
    xdotool("mousemove", "400", "300")
    qtbot.waitUntil(lambda: app.capture.engine.detector.away, timeout=8000)
    assert app.away_dialog is None  # asked only when the user is back
    qtbot.wait(600)
    xdotool("mousemove", "410", "310")  # back
    qtbot.waitUntil(lambda: app.away_dialog is not None and app.away_dialog.isVisible(),
                    timeout=5000)  # fmt: skip
    d = app.away_dialog
    assert d.text.text().startswith("You were away from ")
    assert "while tracking Homepage" in d.text.text()
    period = d.current
    assert period.seconds >= 2
    qtbot.mouseClick(d.discard_button, Qt.MouseButton.LeftButton)
    assert not d.isVisible()
    entries = svc.log()
    assert len(entries) == 2
    assert int(entries[0].ended_at.timestamp()) == period.start
    assert int(entries[1].started_at.timestamp()) == period.end and entries[1].ended_at is None
    # The slots of the first entry were stored when the answer replaced the running entry: one,
    # or two when the run crossed a 10-minute slot boundary, all of the first entry.
    # activity() lists one local day; the run may straddle a midnight (Berlin midnight is a slot
    # boundary too), so read every day the first entry touched.
    days = sorted(
        {entries[0].started_at.astimezone(TZ).date(), svc.clock.now().astimezone(TZ).date()}
    )
    slots = [r.slot for day in days for r in svc.activity(day)]
    assert 1 <= len(slots) <= 2
    assert {s.interval_id for s in slots} == {entries[0].id}
    assert len({s.slot_start for s in slots}) == len(slots)


def test_probing_later_gives_what_probing_at_once_gives(display24):
    """The app chooses without X round trips and probes when capture starts."""
    late = choose(probe=False)  # pytest-xvfb's 16-bit display
    assert late.unavailable() == []  # nothing asked yet
    assert late.probed().unavailable() == choose().unavailable() != []
    good = choose(env={"DISPLAY": display24}, probe=False).probed()
    assert good.unavailable() == [] and isinstance(good.grabber, MssGrabber)
    good.idle.close()
