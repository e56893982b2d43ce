"""Linux beyond X11: the idle time and suspends over D-Bus, with jeepney (pure Python).

- :class:`MutterIdle`: GNOME's ``org.gnome.Mutter.IdleMonitor`` on the session bus
  (``GetIdletime``, milliseconds since the last input; works on GNOME Wayland and X11).
- :class:`LogindIdle`: systemd-logind's session ``IdleHint``/``IdleSinceHint`` on the system
  bus. Coarser: the desktop sets the hint only after its own idle delay, so the idle time
  counts from then (KDE and other Wayland desktops set it; GNOME does too).
- :class:`FirstIdle`: the first of several idle clocks that answers when probed.
- :class:`LogindSuspend`: suspend and resume from logind's ``PrepareForSleep`` signal, with the
  wall-vs-monotonic clock jump beside it (a signal sent just before the machine froze may only
  be read after resume; the jump still measures that sleep, and the two are not counted twice).

jeepney is imported on first use, never at module import. Each connection belongs to one
thread: the idle clocks to the GUI thread that ticks capture, the suspend watcher to its own.
"""

from __future__ import annotations

import contextlib
import logging
import os
import threading
import time
from collections.abc import Callable, Sequence
from typing import Any

from .ports import ClockJumpDetector, IdleClock

log = logging.getLogger(__name__)
CALL_TIMEOUT = 0.5  # s: an idle read on the GUI thread must never hang it
MUTTER = ("org.gnome.Mutter.IdleMonitor", "/org/gnome/Mutter/IdleMonitor/Core")
LOGIND = "org.freedesktop.login1"
LOGIND_PATH = "/org/freedesktop/login1"
MANAGER = "org.freedesktop.login1.Manager"
SESSION = "org.freedesktop.login1.Session"
#: A PrepareForSleep resume this close after a clock jump is the same sleep (seconds).
SAME_SLEEP = 120.0


class DbusError(Exception):
    """A D-Bus call failed: no bus, no such service, an error reply or no reply in time."""


class _Bus:
    """One blocking jeepney connection, opened on first use."""

    def __init__(self, bus: str) -> None:
        self.bus = bus  # "SESSION" | "SYSTEM"
        self._conn: Any = None

    def call(
        self, name: str, path: str, iface: str, method: str, sig: str | None = None, body=()
    ) -> tuple:
        from jeepney import DBusAddress, new_method_call
        from jeepney.wrappers import DBusErrorResponse, unwrap_msg

        try:
            if self._conn is None:
                from jeepney.io.blocking import open_dbus_connection

                self._conn = open_dbus_connection(self.bus)
            msg = new_method_call(DBusAddress(path, name, iface), method, sig, body)
            return unwrap_msg(self._conn.send_and_get_reply(msg, timeout=CALL_TIMEOUT))
        except DBusErrorResponse as exc:
            raise DbusError(f"{exc.name}: {' '.join(map(str, exc.data))}".strip()) from None
        except (OSError, TimeoutError, KeyError, ValueError) as exc:
            # KeyError: DBUS_SESSION_BUS_ADDRESS unset; OSError: no socket; a dead connection
            # is reopened on the next call.
            self.close()
            raise DbusError(f"the {self.bus.lower()} bus did not answer ({exc})") from None

    def get_all(self, name: str, path: str, iface: str) -> dict[str, Any]:
        (props,) = self.call(name, path, "org.freedesktop.DBus.Properties", "GetAll", "s",
                             (iface,))  # fmt: skip
        return {k: v[1] for k, v in props.items()}

    def close(self) -> None:
        if self._conn is not None:
            with contextlib.suppress(OSError):
                self._conn.close()
            self._conn = None


class MutterIdle:
    """GNOME's idle monitor (session bus)."""

    available = True
    why_not = ""
    source = "GNOME's idle monitor"

    def __init__(self, bus: _Bus | None = None) -> None:
        self._bus = bus or _Bus("SESSION")

    def probe(self) -> None:
        self._idle()

    def _idle(self) -> float:
        (ms,) = self._bus.call(MUTTER[0], MUTTER[1], MUTTER[0], "GetIdletime")
        return ms / 1000.0

    def idle_seconds(self) -> float | None:
        try:
            return self._idle()
        except DbusError as exc:
            log.debug("no idle time from Mutter: %s", exc)
            return None

    def close(self) -> None:
        self._bus.close()


class LogindIdle:
    """The session's idle hint from systemd-logind (system bus)."""

    available = True
    why_not = ""
    source = "logind"

    def __init__(
        self,
        bus: _Bus | None = None,
        session_id: str | None = None,
        wall: Callable[[], float] = time.time,
    ) -> None:
        self._bus = bus or _Bus("SYSTEM")
        self.session_id = session_id or os.environ.get("XDG_SESSION_ID") or "auto"
        self.wall = wall
        self._path: str | None = None

    def _session(self) -> str:
        if self._path is None:
            (path,) = self._bus.call(LOGIND, LOGIND_PATH, MANAGER, "GetSession", "s",
                                     (self.session_id,))  # fmt: skip
            self._path = str(path)
        return self._path

    def probe(self) -> None:
        self._idle()

    def _idle(self) -> float:
        props = self._bus.get_all(LOGIND, self._session(), SESSION)
        if not props.get("IdleHint"):
            return 0.0
        since = int(props.get("IdleSinceHint", 0)) / 1e6  # µs of CLOCK_REALTIME
        return max(0.0, self.wall() - since) if since else 0.0

    def idle_seconds(self) -> float | None:
        try:
            return self._idle()
        except DbusError as exc:
            log.debug("no idle hint from logind: %s", exc)
            return None

    def close(self) -> None:
        self._bus.close()


class FirstIdle:
    """The first idle clock of ``candidates`` that answers :meth:`probe` (tried in order)."""

    available = True
    over_dbus = True

    def __init__(self, candidates: Sequence[IdleClock], context: str) -> None:
        self.candidates = list(candidates)
        self.context = context  # "this is a Wayland session" ...
        self.chosen: IdleClock | None = None
        self.why_not = ""

    def probe(self) -> None:
        errors = []
        for c in self.candidates:
            try:
                c.probe()  # type: ignore[attr-defined]
            except Exception as exc:
                errors.append(f"{getattr(c, 'source', type(c).__name__)}: {exc}")
                continue
            self.chosen = c
            return
        log.info("no idle clock over D-Bus: %s", "; ".join(errors))
        raise DbusError(
            f"{self.context} and neither GNOME's idle monitor nor logind answered over D-Bus"
        )

    @property
    def source(self) -> str:
        return getattr(self.chosen, "source", "")

    def idle_seconds(self) -> float | None:
        if self.chosen is None:
            try:
                self.probe()
            except DbusError:
                return None
        return self.chosen.idle_seconds() if self.chosen else None

    def close(self) -> None:
        for c in self.candidates:
            close = getattr(c, "close", None)
            if close is not None:
                close()


def dbus_idle(context: str) -> FirstIdle:
    """GNOME's monitor first (exact), then logind (any desktop that sets the hint)."""
    return FirstIdle([MutterIdle(), LogindIdle()], context)


class LogindSuspend:
    """Seconds slept, from logind's ``PrepareForSleep(true)`` … ``(false)`` pairs seen on a
    listener thread, and from the clock jump (:class:`ClockJumpDetector`) beside them."""

    available = True
    why_not = ""

    def __init__(
        self,
        fallback: ClockJumpDetector | None = None,
        wall: Callable[[], float] = time.time,
        bus: str = "SYSTEM",
    ) -> None:
        self.fallback = fallback or ClockJumpDetector()
        self.wall = wall
        self.bus = bus
        self.listening = False  # the match rule is in place
        self.last_source = "clock"
        self.last_sleep: tuple[float, float] | None = None  # logind's last (start, end)
        self._lock = threading.Lock()
        self._asleep_since: float | None = None
        self._done: list[tuple[float, float]] = []
        self._jumped_at: float | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._ready = threading.Event()

    # -- the listener ---------------------------------------------------------------------------

    def start(self, wait: float = 2.0) -> bool:
        """Start listening (a daemon thread); True once the match rule is in place."""
        if self._thread is None:
            self._stop.clear()
            self._thread = threading.Thread(target=self._listen, name="tracker-logind",
                                            daemon=True)  # fmt: skip
            self._thread.start()
        self._ready.wait(wait)
        return self.listening

    def stop(self, wait: float = 2.0) -> None:
        """Stop listening (the thread notices within half a second; ``wait`` 0 does not wait)."""
        self._stop.set()
        t, self._thread = self._thread, None
        if t is not None and wait > 0:
            t.join(wait)

    def _listen(self) -> None:
        try:
            from jeepney import MatchRule, message_bus
            from jeepney.io.blocking import open_dbus_connection

            conn = open_dbus_connection(self.bus)
        except Exception as exc:  # no system bus: the clock jump stays
            self.why_not = f"logind cannot be reached ({exc}); suspends are seen as clock jumps"
            log.info("%s", self.why_not)
            self._ready.set()
            return
        try:
            rule = MatchRule(type="signal", interface=MANAGER, member="PrepareForSleep",
                             path=LOGIND_PATH)  # fmt: skip
            conn.send_and_get_reply(message_bus.AddMatch(rule), timeout=CALL_TIMEOUT)
            self.listening = True
            self._ready.set()
            with conn.filter(rule, bufsize=16) as queue:
                while not self._stop.is_set():
                    try:
                        msg = conn.recv_until_filtered(queue, timeout=0.5)
                    except TimeoutError:
                        continue
                    self.prepare_for_sleep(bool(msg.body[0]))
        except Exception as exc:
            self.why_not = f"logind stopped answering ({exc})"
            log.info("%s", self.why_not)
        finally:
            self.listening = False
            self._ready.set()
            conn.close()

    def prepare_for_sleep(self, going: bool) -> None:
        """The signal's argument: True just before the machine sleeps, False after resume."""
        now = self.wall()
        with self._lock:
            if going:
                self._asleep_since = now
            elif self._asleep_since is not None:
                self._done.append((self._asleep_since, now))
                self._asleep_since = None

    # -- SuspendDetector ------------------------------------------------------------------------

    def slept(self) -> float:
        jump = self.fallback.slept()
        now = self.wall()
        with self._lock:
            done, self._done = self._done, []
        if jump > 0:
            self._jumped_at = now
            self.last_source, self.last_sleep = "clock", None
            return jump
        # A resume read within SAME_SLEEP after a clock jump is the sleep the jump measured.
        j = self._jumped_at
        total = sum(b - a for a, b in done if j is None or b - j > SAME_SLEEP)
        if total < 1:
            return 0.0
        self.last_source = "logind"
        kept = [(a, b) for a, b in done if j is None or b - j > SAME_SLEEP]
        self.last_sleep = (kept[0][0], kept[-1][1])
        return total


__all__ = ["DbusError", "FirstIdle", "LogindIdle", "LogindSuspend", "MutterIdle", "dbus_idle"]
