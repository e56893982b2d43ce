"""X11 backends: pynput listeners (counters only), the MIT-SCREEN-SAVER idle time, and mss.

Nothing here imports pynput, python-xlib or mss at module import: pynput connects to the X
server as it is imported and fails without one, so each backend imports in :meth:`start` or on
first use, on the thread that uses it.
"""

from __future__ import annotations

import threading
from typing import Any

from .ports import RawShot


class PynputInput:
    """Keyboard and mouse event counts from pynput's listener threads.

    The callbacks only bump an integer: no work happens on the hook thread (a slow callback
    would lag the user's input on some platforms). Keys are never looked at.
    """

    available = True
    why_not = ""

    def __init__(self) -> None:
        self.keyboard = 0
        self.mouse = 0
        self._listeners: list[Any] = []
        self._stopped: list[Any] = []

    # The callbacks (run on pynput's threads): one integer increment each.
    def _key(self, _key: object) -> None:
        self.keyboard += 1

    def _move(self, _x: int, _y: int) -> None:
        self.mouse += 1

    def _click(self, _x: int, _y: int, _button: object, pressed: bool) -> None:
        if pressed:
            self.mouse += 1

    def _scroll(self, _x: int, _y: int, _dx: int, _dy: int) -> None:
        self.mouse += 1

    def start(self) -> None:
        if self._listeners:
            return
        from pynput import keyboard, mouse

        kl = keyboard.Listener(on_press=self._key)
        ml = mouse.Listener(on_move=self._move, on_click=self._click, on_scroll=self._scroll)
        for listener in (kl, ml):
            listener.daemon = True
            listener.start()
        for listener in (kl, ml):
            listener.wait()
        self._listeners = [kl, ml]

    def stop(self) -> None:
        """Ask the listeners to stop. On X11 a listener only ends after one more event
        (feasibility §3); its threads are daemons, so nobody waits for that."""
        for listener in self._listeners:
            listener.stop()
        self._stopped, self._listeners = self._listeners, []

    def join(self, timeout: float = 2.0) -> bool:
        """Wait for stopped listeners (tests send one more event first); True when all ended."""
        for listener in self._stopped:
            listener.join(timeout)
        return not any(listener.is_alive() for listener in self._stopped)

    def counts(self) -> tuple[int, int]:
        return (self.keyboard, self.mouse)


class XScreenSaverIdle:
    """Milliseconds since the last input from the X server's MIT-SCREEN-SAVER extension.

    One round trip (~50 µs). The connection is opened on first use and used from one thread.
    """

    available = True
    why_not = ""

    def __init__(self, display_name: str | None = None) -> None:
        self.display_name = display_name
        self._display: Any = None

    def _open(self) -> Any:
        if self._display is None:
            from Xlib import display

            d = display.Display(self.display_name)
            if not d.has_extension("MIT-SCREEN-SAVER"):
                d.close()
                raise RuntimeError("the X server has no MIT-SCREEN-SAVER extension")
            self._display = d
        return self._display

    def probe(self) -> None:
        """Raise if the idle time cannot be read (called at start-up to choose a backend)."""
        self.idle_seconds()

    def idle_seconds(self) -> float | None:
        d = self._open()
        info = d.screen().root.screensaver_query_info()
        return info.idle / 1000.0

    def close(self) -> None:
        if self._display is not None:
            self._display.close()
            self._display = None


class MssGrabber:
    """Every monitor through mss (XShmGetImage on X11, GDI on Windows, CoreGraphics on macOS).

    The ``mss.MSS`` object is kept per thread (it is not thread-safe, and setting up its shared
    memory costs ~25 ms at 1920×1080): the app grabs on one capture thread, so it is made once.
    """

    available = True
    why_not = ""

    def __init__(self, virtual: bool = False, display: str | None = None) -> None:
        self.virtual = virtual  # True: one shot of the whole virtual screen
        self.display = display  # None: $DISPLAY
        self._local = threading.local()

    def _mss(self) -> Any:
        sct = getattr(self._local, "sct", None)
        if sct is None:
            import mss

            kw = {"display": self.display} if self.display else {}
            sct = mss.MSS(**kw) if hasattr(mss, "MSS") else mss.mss(**kw)
            self._local.sct = sct
        return sct

    def probe(self) -> int:
        """Raise if the screen cannot be read; the number of monitors. Nothing is kept."""
        import mss

        kw = {"display": self.display} if self.display else {}
        with mss.MSS(**kw) if hasattr(mss, "MSS") else mss.mss(**kw) as sct:
            return len(sct.monitors) - 1

    def grab(self) -> list[RawShot]:
        sct = self._mss()
        monitors = sct.monitors
        if self.virtual or len(monitors) == 2:
            chosen = [(0 if self.virtual else 1, monitors[0 if self.virtual else 1])]
        else:
            chosen = [(i, m) for i, m in enumerate(monitors) if i > 0]
        out: list[RawShot] = []
        for i, mon in chosen:
            img = sct.grab(mon)
            out.append(RawShot(i, img.width, img.height, img.raw))
        return out

    def close(self) -> None:
        sct = getattr(self._local, "sct", None)
        if sct is not None:
            sct.close()
            self._local.sct = None
