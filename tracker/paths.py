"""Where things live: the data directory (platformdirs unless overridden) and the user's zone."""

from __future__ import annotations

import os
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .errors import TrackerError

APP_NAME = "tracker"


def data_dir(override: str | None = None) -> Path:
    """``--data-dir``, else ``TRACKER_DATA_DIR``, else the platform's user data dir."""
    chosen = override or os.environ.get("TRACKER_DATA_DIR")
    if chosen:
        return Path(chosen).expanduser()
    from platformdirs import user_data_dir

    return Path(user_data_dir(APP_NAME, appauthor=False))


def user_zone() -> ZoneInfo:
    """The IANA zone for days and weeks: ``TZ`` when set, else the system's zone, else UTC."""
    name = os.environ.get("TZ", "").strip().lstrip(":")
    if name:
        if name.startswith("/"):
            # TZ=/usr/share/zoneinfo/Europe/Berlin
            marker = "zoneinfo/"
            name = name.split(marker, 1)[1] if marker in name else name
        try:
            return ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError, OSError):
            raise TrackerError(
                f"unknown time zone TZ='{os.environ['TZ']}': set TZ to an IANA name such as "
                "Europe/Berlin, or unset it"
            ) from None
    try:
        from tzlocal import get_localzone_name

        detected = get_localzone_name()
        if detected:
            return ZoneInfo(detected)
    except Exception:  # tzlocal raises several kinds when the system zone is not configured
        pass
    return ZoneInfo("UTC")
