"""Choosing the capture backends once, at start-up (never at import).

On Linux the idle time comes from X's MIT-SCREEN-SAVER extension, or, where X gives none (a
Wayland session, or an X server without it), from GNOME's idle monitor or logind over D-Bus
(:mod:`tracker.capture.dbus`); suspends from logind's PrepareForSleep beside the clock jump.
Each hook falls back to a Null backend whose ``why_not`` is one line for the user: no X display,
a Wayland session, a missing library or permission. Nothing here raises.
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Mapping
from dataclasses import dataclass

from .ports import (
    ClockJumpDetector,
    IdleClock,
    InputCounter,
    NullGrabber,
    NullIdle,
    NullInput,
    ScreenGrabber,
    SuspendDetector,
)

log = logging.getLogger(__name__)


@dataclass
class Backends:
    input: InputCounter
    idle: IdleClock
    grabber: ScreenGrabber
    suspend: SuspendDetector
    #: On Linux: the idle clocks over D-Bus tried when X's screen-saver extension fails.
    linux_fallback: bool = False

    def unavailable(self) -> list[str]:
        """One line per capture feature that does not work here (empty when all do)."""
        lines = []
        for what, b in (("Activity is", self.input), ("Away detection is", self.idle),
                        ("Screenshots are", self.grabber)):  # fmt: skip
            if not b.available:
                lines.append(f"{what} unavailable: {b.why_not}")
        return lines

    def probed(self) -> Backends:
        """These backends, with an idle clock or screen grabber that does not work here replaced
        by a Null one saying why (one X round trip each). The app calls this once capture
        starts, after its first event-loop turn, not before the tray shows."""
        idle, grabber = self.idle, self.grabber
        if getattr(idle, "available", False) and hasattr(idle, "probe"):
            idle = _probed_idle(idle, self.linux_fallback)
        if getattr(grabber, "available", False) and hasattr(grabber, "probe"):
            try:
                grabber.probe()
            except ImportError:
                grabber = NullGrabber("the mss library is missing: reinstall Tracker")
            except Exception as exc:  # mss raises ScreenShotError subclasses and OSError
                grabber = NullGrabber(f"the screen cannot be read ({type(exc).__name__}: {exc})")
        if idle is self.idle and grabber is self.grabber:
            return self
        return Backends(self.input, idle, grabber, self.suspend, self.linux_fallback)


def _probed_idle(idle: IdleClock, linux_fallback: bool) -> IdleClock:
    """``idle`` if its probe works; else (on Linux) GNOME's idle monitor or logind over
    D-Bus; else a Null clock saying why."""
    try:
        idle.probe()  # type: ignore[attr-defined]
        return idle
    except ImportError:
        why = "the python-xlib library is missing: reinstall Tracker"
    except Exception as exc:
        log.info("no idle clock: %s", exc)
        why = f"the idle time cannot be read ({exc})"
    if linux_fallback and not getattr(idle, "over_dbus", False):
        from .dbus import dbus_idle

        other = dbus_idle(f"X gives no idle time ({why})")
        try:
            other.probe()
            log.info("idle time from %s over D-Bus", other.source)
            return other
        except Exception as exc:
            log.info("no idle clock over D-Bus: %s", exc)
            why = f"the idle time cannot be read ({exc})"
    return NullIdle(why)


def _display_problem(env: Mapping[str, str], platform: str) -> str | None:
    """Why X11 hooks cannot work here, or None when an X display is there."""
    if platform in ("win32", "darwin"):
        return None
    display = env.get("DISPLAY", "")
    wayland = env.get("WAYLAND_DISPLAY") or env.get("XDG_SESSION_TYPE", "") == "wayland"
    if wayland and not display:
        return "this is a Wayland session, which lets no app read global input or the screen"
    if not display:
        return "there is no X display (DISPLAY is unset)"
    if wayland:
        return (
            "this is a Wayland session: through XWayland only X11 windows would be seen, "
            "so the count would be wrong"
        )
    return None


def choose(
    env: Mapping[str, str] | None = None,
    platform: str | None = None,
    probe: bool = True,
) -> Backends:
    """The backends for this machine. ``probe`` checks the X server (a round trip each)."""
    env = os.environ if env is None else env
    platform = platform or sys.platform
    linux = platform.startswith("linux")
    suspend: SuspendDetector = ClockJumpDetector()
    if linux:
        from .dbus import LogindSuspend  # the listener starts with capture, not here

        suspend = LogindSuspend(suspend)
    problem = _display_problem(env, platform)
    if problem and linux and _is_wayland(env):
        # No global input or screen on Wayland; the idle time comes over D-Bus.
        from .dbus import dbus_idle

        idle: IdleClock = dbus_idle("this is a Wayland session")
        b = Backends(NullInput(problem), idle, NullGrabber(problem), suspend, linux)
        return b.probed() if probe else b
    if problem:
        return Backends(NullInput(problem), NullIdle(problem), NullGrabber(problem), suspend)

    inp: InputCounter
    grabber: ScreenGrabber
    try:
        import importlib.util

        if importlib.util.find_spec("pynput") is None:
            raise ImportError("pynput")
        from .x11 import PynputInput

        inp = PynputInput()
    except ImportError:
        inp = NullInput("the pynput library is missing: reinstall Tracker")

    display = env.get("DISPLAY") or None
    idle = _idle_for(platform, probe, display, linux)
    try:
        from .x11 import MssGrabber

        g = MssGrabber(display=display if platform not in ("win32", "darwin") else None)
        if probe:
            g.probe()
        grabber = g
    except ImportError:
        grabber = NullGrabber("the mss library is missing: reinstall Tracker")
    except Exception as exc:  # mss raises ScreenShotError subclasses and OSError
        grabber = NullGrabber(f"the screen cannot be read ({type(exc).__name__}: {exc})")
    return Backends(inp, idle, grabber, suspend, linux)


def _is_wayland(env: Mapping[str, str]) -> bool:
    return bool(env.get("WAYLAND_DISPLAY")) or env.get("XDG_SESSION_TYPE", "") == "wayland"


def _idle_for(
    platform: str, probe: bool, display: str | None = None, linux: bool = False
) -> IdleClock:
    try:
        if platform == "win32":
            from .osidle import WindowsIdle

            return WindowsIdle()
        if platform == "darwin":
            from .osidle import MacIdle

            return MacIdle()
        from .x11 import XScreenSaverIdle

        x = XScreenSaverIdle(display)
        return _probed_idle(x, linux) if probe else x
    except ImportError:
        return NullIdle("the python-xlib library is missing: reinstall Tracker")
    except Exception as exc:
        log.info("no idle clock: %s", exc)
        return NullIdle(f"the idle time cannot be read ({exc})")
