"""``Backends.probed``: a hook that cannot work here is swapped for a Null one saying why."""

from __future__ import annotations

from tracker.capture.backends import Backends
from tracker.capture.ports import ClockJumpDetector


class Hook:
    available = True
    why_not = ""

    def __init__(self, error: BaseException | None = None) -> None:
        self.error = error
        self.probes = 0

    def probe(self):
        self.probes += 1
        if self.error is not None:
            raise self.error


def test_working_hooks_are_kept_as_they_are():
    b = Backends(Hook(), Hook(), Hook(), ClockJumpDetector())
    assert b.probed() is b
    assert (b.idle.probes, b.grabber.probes) == (1, 1)


def test_failing_hooks_become_null_ones_that_say_why():
    inp = Hook()
    b = Backends(inp, Hook(RuntimeError("no MIT-SCREEN-SAVER extension")),
                 Hook(OSError("XGetImage() failed")), ClockJumpDetector())  # fmt: skip
    p = b.probed()
    assert p is not b and p.input is inp and p.suspend is b.suspend
    assert p.unavailable() == [
        "Away detection is unavailable: the idle time cannot be read "
        "(no MIT-SCREEN-SAVER extension)",
        "Screenshots are unavailable: the screen cannot be read (OSError: XGetImage() failed)",
    ]
    assert p.probed() is p  # Null hooks are not probed again


def test_a_missing_library_says_to_reinstall():
    b = Backends(Hook(), Hook(ImportError("Xlib")), Hook(ImportError("mss")), ClockJumpDetector())
    assert b.probed().unavailable() == [
        "Away detection is unavailable: the python-xlib library is missing: reinstall Tracker",
        "Screenshots are unavailable: the mss library is missing: reinstall Tracker",
    ]
