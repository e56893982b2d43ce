"""Idle time on Windows (``GetLastInputInfo``) and macOS
(``CGEventSourceSecondsSinceLastEventType``) through ctypes, behind the same
:class:`~tracker.capture.ports.IdleClock` interface.

Not exercised by this repository's tests (Linux only); kept small and obvious.
"""

from __future__ import annotations

import ctypes
import ctypes.util
from typing import Any


class WindowsIdle:
    available = True
    why_not = ""

    def __init__(self) -> None:
        from ctypes import wintypes

        class LASTINPUTINFO(ctypes.Structure):
            _fields_ = [("cbSize", wintypes.UINT), ("dwTime", wintypes.DWORD)]

        self._info = LASTINPUTINFO()
        self._info.cbSize = ctypes.sizeof(LASTINPUTINFO)
        self._user32: Any = ctypes.windll.user32  # type: ignore[attr-defined]
        self._kernel32: Any = ctypes.windll.kernel32  # type: ignore[attr-defined]

    def idle_seconds(self) -> float | None:
        if not self._user32.GetLastInputInfo(ctypes.byref(self._info)):
            return None
        now = self._kernel32.GetTickCount()
        return ((now - self._info.dwTime) & 0xFFFFFFFF) / 1000.0


class MacIdle:
    available = True
    why_not = ""
    _ANY_INPUT = 0xFFFFFFFF  # kCGAnyInputEventType
    _COMBINED = 0  # kCGEventSourceStateCombinedSessionState

    def __init__(self) -> None:
        path = ctypes.util.find_library("CoreGraphics") or (
            "/System/Library/Frameworks/CoreGraphics.framework/CoreGraphics"
        )
        self._cg = ctypes.CDLL(path)
        fn = self._cg.CGEventSourceSecondsSinceLastEventType
        fn.restype = ctypes.c_double
        fn.argtypes = [ctypes.c_int32, ctypes.c_uint32]
        self._fn = fn

    def idle_seconds(self) -> float | None:
        return float(self._fn(self._COMBINED, self._ANY_INPUT))
