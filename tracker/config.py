"""Typed settings: the keys `tracker config` and the app know, their defaults and validation."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from .errors import InvalidInput, UsageError


@dataclass(frozen=True, slots=True)
class SettingSpec:
    key: str
    default: str
    help: str
    parse: Callable[[str], object]


def _int_range(lo: int, hi: int) -> Callable[[str], int]:
    def parse(text: str) -> int:
        try:
            value = int(text.strip())
        except ValueError:
            raise InvalidInput(f"'{text}' is not a whole number: give {lo}–{hi}") from None
        if not lo <= value <= hi:
            raise InvalidInput(f"{value} is out of range: give {lo}–{hi}")
        return value

    return parse


def _bool(text: str) -> bool:
    t = text.strip().lower()
    if t in ("on", "true", "yes", "1"):
        return True
    if t in ("off", "false", "no", "0"):
        return False
    raise InvalidInput(f"'{text}' is not on or off: give on or off")


def _url(text: str) -> str:
    t = text.strip()
    if t and not (t.startswith("http://") or t.startswith("https://")):
        raise InvalidInput(f"'{text}' is not a URL: give http(s)://host[:port]")
    return t.rstrip("/")


SPECS: dict[str, SettingSpec] = {
    s.key: s
    for s in (
        SettingSpec("idle.threshold_minutes", "5", "minutes without input before you count as away",
                    _int_range(1, 240)),
        SettingSpec("heartbeat.seconds", "30", "how often the app records that a timer is alive",
                    _int_range(5, 3600)),
        SettingSpec("screenshots.per_slot", "1", "screenshots per 10-minute slot (projects with "
                    "screenshots on)", _int_range(1, 3)),
        SettingSpec("screenshots.review_minutes", "10", "minutes to review a screenshot before "
                    "it is uploaded", _int_range(0, 1440)),
        SettingSpec("sync.interval_minutes", "5", "minutes between background syncs",
                    _int_range(1, 1440)),
        SettingSpec("reminders.not_tracking_minutes", "15", "remind \"You are not tracking\" "
                    "after this many minutes of input with no timer (0: never)",
                    _int_range(0, 480)),
        SettingSpec("reminders.long_timer_hours", "4", "ask \"Still working on …?\" when a "
                    "timer has run this many hours (0: never)", _int_range(0, 24)),
        SettingSpec("app.start_at_login", "off", "start the tray app when you log in", _bool),
        SettingSpec("server.url", "", "the companion server", _url),
    )
}  # fmt: skip


def spec(key: str) -> SettingSpec:
    try:
        return SPECS[key]
    except KeyError:
        raise UsageError(
            f"unknown setting '{key}': see `tracker config list` for the settings"
        ) from None


def normalise(key: str, value: str) -> str:
    """Validate ``value`` for ``key``; return it as stored."""
    parsed = spec(key).parse(value)
    if isinstance(parsed, bool):
        return "on" if parsed else "off"
    return str(parsed)
