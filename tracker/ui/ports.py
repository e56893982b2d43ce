"""The desktop app's outside hooks behind small interfaces, each with a Null fallback.

- :class:`SyncPort`: sign-in and background sync (the sync engine, when there is one).
- :class:`Autostart`: start at login (an XDG autostart entry on Linux; elsewhere a Null that says
  what is missing). The backend is chosen at start-up by :func:`autostart_for_platform`.
"""

from __future__ import annotations

import os
import shlex
import sys
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from ..service import Overview, Tracker


@dataclass(frozen=True, slots=True)
class Attention:
    """Why the last sync needs the user: the tray gets a dot and this one line."""

    kind: str  # "sign_in" | "unreachable" | "entries" | "failed"
    line: str  # "Sync: sign in again", "Sync: server unreachable — will retry", ...


class SyncPort(Protocol):
    """Sign-in and background sync, as the app sees them.

    ``state_text``, ``trigger``, ``start`` and ``stop`` are called on the GUI thread and never
    block; ``sign_in`` and ``web_link`` run on the executor (they talk to the server and the
    keyring).
    """

    available: bool

    def state_text(self, ov: Overview | None, now: datetime) -> str: ...

    def attention(self, ov: Overview | None) -> Attention | None:
        """What the last sync left for the user to do (None: nothing)."""
        ...

    def sign_in(self, t: Tracker, url: str, email: str, password: str) -> str: ...

    def web_link(self, t: Tracker, next_path: str) -> str:
        """A one-time URL that opens the server's pages signed in (on the executor)."""
        ...

    def start(self, on_state: Callable[[str], None]) -> None: ...

    def trigger(self) -> None: ...

    def stop(self) -> None: ...


class NullSync:
    """No sync engine: the app is complete offline, and says that it is not signed in."""

    available = False

    def state_text(self, ov: Overview | None, now: datetime) -> str:
        return "Not signed in"

    def attention(self, ov: Overview | None) -> Attention | None:
        return None

    def sign_in(self, t: Tracker, url: str, email: str, password: str) -> str:
        from ..errors import TrackerError

        raise TrackerError("this version has no sync engine: your time is kept on this computer")

    def web_link(self, t: Tracker, next_path: str) -> str:
        from ..errors import TrackerError

        raise TrackerError("no sync engine: no sign-in link")

    def start(self, on_state: Callable[[str], None]) -> None:
        return None

    def trigger(self) -> None:
        return None

    def stop(self) -> None:
        return None


class Autostart(Protocol):
    available: bool
    why_not: str

    def enabled(self) -> bool: ...

    def set_enabled(self, on: bool) -> None: ...


class NullAutostart:
    available = False

    def __init__(self, why_not: str = "Start at login is not supported on this system yet") -> None:
        self.why_not = why_not

    def enabled(self) -> bool:
        return False

    def set_enabled(self, on: bool) -> None:
        return None


DESKTOP_ENTRY = """[Desktop Entry]
Type=Application
Name=Tracker
Comment=Offline-first time tracker
Exec={exec}
Icon=tracker
Terminal=false
Categories=Office;Utility;
X-GNOME-Autostart-enabled=true
"""


class XdgAutostart:
    """``$XDG_CONFIG_HOME/autostart/tracker.desktop`` (freedesktop.org autostart spec)."""

    available = True
    why_not = ""

    def __init__(self, config_home: Path, command: list[str]) -> None:
        self.path = config_home / "autostart" / "tracker.desktop"
        self.command = command

    def enabled(self) -> bool:
        return self.path.exists()

    def set_enabled(self, on: bool) -> None:
        if on:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self.path.write_text(DESKTOP_ENTRY.format(exec=shlex.join(self.command)))
        else:
            self.path.unlink(missing_ok=True)


def autostart_for_platform() -> Autostart:
    if sys.platform.startswith("linux") or "bsd" in sys.platform:
        home = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
        return XdgAutostart(Path(home), [sys.executable, "-m", "tracker"])
    return NullAutostart(f"Start at login is not available on {sys.platform} yet")
