"""The OS hooks of capture as small Protocols, with Null fallbacks and fakes.

Every backend has ``available`` and ``why_not`` (one line for the user when unavailable).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True, slots=True)
class RawShot:
    """One monitor's pixels as the grabber returns them (BGRA, 4 bytes a pixel)."""

    monitor: int
    width: int
    height: int
    bgra: bytes | bytearray


class InputCounter(Protocol):
    """Counts keyboard and mouse events (never which keys). Callbacks only bump counters."""

    available: bool
    why_not: str

    def start(self) -> None: ...

    def stop(self) -> None: ...

    def counts(self) -> tuple[int, int]:
        """Running totals ``(keyboard_events, mouse_events)`` since :meth:`start`."""
        ...


class IdleClock(Protocol):
    """Seconds since the last user input, as the OS sees it."""

    available: bool
    why_not: str

    def idle_seconds(self) -> float | None: ...


class ScreenGrabber(Protocol):
    available: bool
    why_not: str

    def grab(self) -> list[RawShot]:
        """Every monitor, one :class:`RawShot` each. Called off the GUI thread."""
        ...


class SuspendDetector(Protocol):
    available: bool
    why_not: str

    def slept(self) -> float:
        """Seconds the machine was suspended since the previous call (0 when it was not)."""
        ...


# -- Null backends: nothing captured, one line saying why --------------------------------------


class NullInput:
    available = False

    def __init__(self, why_not: str) -> None:
        self.why_not = why_not

    def start(self) -> None:
        return None

    def stop(self) -> None:
        return None

    def counts(self) -> tuple[int, int]:
        return (0, 0)


class NullIdle:
    available = False

    def __init__(self, why_not: str) -> None:
        self.why_not = why_not

    def idle_seconds(self) -> float | None:
        return None


class NullGrabber:
    available = False

    def __init__(self, why_not: str) -> None:
        self.why_not = why_not

    def grab(self) -> list[RawShot]:
        return []


# -- the real suspend detector: pure Python, works everywhere ---------------------------------


class ClockJumpDetector:
    """Suspend/resume as a jump of the wall clock against the monotonic clock.

    The monotonic clock (CLOCK_MONOTONIC on Linux, mach time on macOS) stands still while the
    machine sleeps; the wall clock does not. A small ``tolerance`` absorbs NTP slews.
    """

    available = True
    why_not = ""

    def __init__(self, wall=time.time, mono=time.monotonic, tolerance: float = 5.0) -> None:
        self._wall, self._mono, self.tolerance = wall, mono, tolerance
        self._last = (wall(), mono())

    def slept(self) -> float:
        w, m = self._wall(), self._mono()
        lw, lm = self._last
        self._last = (w, m)
        jump = (w - lw) - (m - lm)
        return jump if jump > self.tolerance else 0.0


# -- fakes for tests ---------------------------------------------------------------------------


class FakeInput:
    available = True
    why_not = ""

    def __init__(self) -> None:
        self.keyboard = 0
        self.mouse = 0
        self.started = False

    def start(self) -> None:
        self.started = True

    def stop(self) -> None:
        self.started = False

    def counts(self) -> tuple[int, int]:
        return (self.keyboard, self.mouse)

    def type(self, n: int = 1) -> None:
        self.keyboard += n

    def move(self, n: int = 1) -> None:
        self.mouse += n


class FakeIdle:
    available = True
    why_not = ""

    def __init__(self, idle: float = 0.0) -> None:
        self.idle = idle

    def idle_seconds(self) -> float | None:
        return self.idle


class FakeGrabber:
    """A noisy synthetic screen: stripes of "text" over a gradient, per monitor."""

    available = True
    why_not = ""

    def __init__(self, width: int = 320, height: int = 200, monitors: int = 1) -> None:
        self.width, self.height, self.monitors = width, height, monitors
        self.grabs = 0

    def grab(self) -> list[RawShot]:
        self.grabs += 1
        return [synthetic(i + 1, self.width, self.height) for i in range(self.monitors)]


class FakeSuspend:
    available = True
    why_not = ""

    def __init__(self) -> None:
        self.pending = 0.0

    def slept(self) -> float:
        s, self.pending = self.pending, 0.0
        return s


def synthetic(monitor: int, width: int, height: int, seed: int = 7) -> RawShot:
    """A deterministic test image with edges (so blur changes it and JPEG has work to do)."""
    import random

    rng = random.Random(seed + monitor)
    row_bytes = bytearray()
    rows = []
    for y in range(height):
        row_bytes = bytearray(width * 4)
        text_line = (y // 6) % 3 == 0
        for x in range(width):
            v = (x * 255 // max(1, width - 1)) ^ (y & 0x3F)
            if text_line and rng.random() < 0.45:
                v = 20
            row_bytes[x * 4 : x * 4 + 4] = bytes((v, (v * 3) & 0xFF, 255 - v, 255))
        rows.append(bytes(row_bytes))
    return RawShot(monitor, width, height, b"".join(rows))
