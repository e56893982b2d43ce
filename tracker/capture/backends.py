"""Choosing the capture backends once, at start-up (never at import).

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
            try:
                idle.probe()
            except ImportError:
                idle = NullIdle("the python-xlib library is missing: reinstall Tracker")
            except Exception as exc:
                log.info("no idle clock: %s", exc)
                idle = NullIdle(f"the idle time cannot be read ({exc})")
        if getattr(grabber, "available", False) and hasattr(grabber, "probe"):
            try:
                grabber.probe()
            except ImportError:
                grabber = NullGrabber("the mss library is missing: reinstall Tracker")
            except Exception as exc:  # mss raises ScreenShotError subclasses and OSError
                grabber = NullGrabber(f"the screen cannot be read ({type(exc).__name__}: {exc})")
        if idle is self.idle and grabber is self.grabber:
            return self
        return Backends(self.input, idle, grabber, self.suspend)


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
    suspend = ClockJumpDetector()
    problem = _display_problem(env, platform)
    if problem:
        return Backends(NullInput(problem), NullIdle(problem), NullGrabber(problem), suspend)

    inp: InputCounter
    idle: IdleClock
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
    idle = _idle_for(platform, probe, display)
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
    return Backends(inp, idle, grabber, suspend)


def _idle_for(platform: str, probe: bool, display: str | None = None) -> IdleClock:
    try:
        if platform == "win32":
            from .osidle import WindowsIdle

            return WindowsIdle()
        if platform == "darwin":
            from .osidle import MacIdle

            return MacIdle()
        from .x11 import XScreenSaverIdle

        x = XScreenSaverIdle(display)
        if probe:
            x.probe()
        return x
    except ImportError:
        return NullIdle("the python-xlib library is missing: reinstall Tracker")
    except Exception as exc:
        log.info("no idle clock: %s", exc)
        return NullIdle(f"the idle time cannot be read ({exc})")
