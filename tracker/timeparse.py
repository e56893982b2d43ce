"""Parsing the user's times, dates and durations; formatting them back.

Times are RFC 3339 (``2026-11-25T09:00:00+01:00``) or ``HH:MM[:SS]`` in the user's zone on a
given day. Local wall times that do not exist (the hour skipped when clocks spring forward) are
refused; ambiguous ones (the hour repeated in autumn) mean the first occurrence.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from .errors import InvalidInput, UsageError

MIN_YEAR = 1971
MAX_YEAR = 2200

_HHMM = re.compile(r"^(\d{1,2}):(\d{2})(?::(\d{2}))?$")
_DURATION_UNITS = re.compile(r"^(?:(\d+)h)?\s*(?:(\d+)m(?:in)?)?\s*(?:(\d+)s)?$")
_DURATION_CLOCK = re.compile(r"^(\d+):(\d{2})(?::(\d{2}))?$")


def _check_year(d: date | datetime, text: str) -> None:
    if not MIN_YEAR <= d.year <= MAX_YEAR:
        raise InvalidInput(
            f"'{text}' is out of range: use a date between {MIN_YEAR} and {MAX_YEAR}"
        )


def local_instant(day: date, clock_time: time, tz: ZoneInfo) -> datetime:
    """The UTC instant of a wall-clock time on a local day, refusing times that do not exist."""
    naive = datetime.combine(day, clock_time)
    aware = naive.replace(tzinfo=tz, fold=0)
    # A wall time in a DST gap does not survive the round trip through UTC.
    back = aware.astimezone(UTC).astimezone(tz).replace(tzinfo=None)
    if back != naive:
        raise InvalidInput(
            f"{clock_time:%H:%M} does not exist on {day.isoformat()} in {tz.key} "
            "(clocks change that day): choose another time"
        )
    return aware.astimezone(UTC)


_WORDS = ", today or yesterday"


def parse_date(text: str, today: date | None = None) -> date:
    """``YYYY-MM-DD``; also ``today`` and ``yesterday`` when ``today`` (the local day) is given."""
    word = text.strip().lower()
    if today is not None and word in ("today", "yesterday"):
        return today if word == "today" else today - timedelta(days=1)
    bad = f"cannot read date '{text}': use YYYY-MM-DD{_WORDS if today else ''}"
    try:
        d = date.fromisoformat(text.strip())
    except ValueError:
        raise UsageError(bad) from None
    if len(text.strip()) != 10:
        raise UsageError(bad)
    _check_year(d, text)
    return d


def parse_instant(text: str, tz: ZoneInfo, on_day: date) -> datetime:
    """RFC 3339, or ``HH:MM[:SS]`` local time on ``on_day``; aware UTC, whole seconds."""
    raw = text.strip()
    m = _HHMM.match(raw)
    if m:
        h, mi, s = int(m.group(1)), int(m.group(2)), int(m.group(3) or 0)
        if h > 23 or mi > 59 or s > 59:
            raise UsageError(f"cannot read time '{text}': use HH:MM (00:00-23:59)")
        return local_instant(on_day, time(h, mi, s), tz)
    if len(raw) < 16 or "T" not in raw.upper():
        raise UsageError(
            f"cannot read time '{text}': use HH:MM or RFC 3339 like 2026-11-25T09:00:00+01:00"
        )
    try:
        dt = datetime.fromisoformat(raw.replace("z", "Z"))
    except ValueError:
        raise UsageError(
            f"cannot read time '{text}': use HH:MM or RFC 3339 like 2026-11-25T09:00:00+01:00"
        ) from None
    _check_year(dt, text)
    if dt.tzinfo is None:
        # A date and time without an offset is a local wall time.
        return local_instant(dt.date(), dt.time().replace(microsecond=0), tz)
    return dt.astimezone(UTC).replace(microsecond=0)


def parse_duration(text: str) -> int:
    """``1h30m``, ``90m``, ``45s``, ``1:30`` (h:mm) or ``1:30:15`` into whole seconds (> 0)."""
    raw = text.strip().lower()
    if raw.startswith("-"):
        raise InvalidInput(f"duration '{text}' is negative: give a positive duration like 1h30m")
    seconds: int | None = None
    m = _DURATION_CLOCK.match(raw)
    if m:
        h, mi, s = int(m.group(1)), int(m.group(2)), int(m.group(3) or 0)
        if mi > 59 or s > 59:
            raise UsageError(f"cannot read duration '{text}': use 1h30m, 90m or 1:30")
        seconds = h * 3600 + mi * 60 + s
    elif raw and raw.isdigit():
        seconds = int(raw) * 60  # a bare number means minutes
    else:
        m = _DURATION_UNITS.match(raw)
        if raw and m and any(m.groups()):
            h, mi, s = (int(g) if g else 0 for g in m.groups())
            seconds = h * 3600 + mi * 60 + s
    if seconds is None:
        raise UsageError(f"cannot read duration '{text}': use 1h30m, 90m or 1:30")
    if seconds <= 0:
        raise InvalidInput(f"duration '{text}' is zero: give a positive duration like 1h30m")
    if seconds > MAX_ENTRY_SECONDS:
        raise InvalidInput(f"duration '{text}' is longer than 999 hours: split it into entries")
    return seconds


MAX_ENTRY_SECONDS = 999 * 3600


def hms(seconds: int) -> str:
    """``HH:MM:SS`` (hours may exceed 24)."""
    seconds = max(0, int(seconds))
    h, rem = divmod(seconds, 3600)
    m, s = divmod(rem, 60)
    return f"{h:02d}:{m:02d}:{s:02d}"


def rfc3339_local(dt: datetime | None, tz: ZoneInfo) -> str | None:
    """An instant as RFC 3339 with the user's local offset, whole seconds."""
    if dt is None:
        return None
    return dt.astimezone(tz).replace(microsecond=0).isoformat()


def local_day_bounds(day: date, tz: ZoneInfo) -> tuple[datetime, datetime]:
    """UTC instants of the local midnight starting ``day`` and the next (23, 24 or 25 h on)."""
    return midnight(day, tz), midnight(day + timedelta(days=1), tz)


def midnight(day: date, tz: ZoneInfo) -> datetime:
    """The first instant of a local day, as UTC.

    Where midnight is repeated (clocks fall back at 01:00 to 00:00) this is the first midnight;
    where it is skipped (clocks spring forward at 00:00, e.g. America/Havana) zoneinfo's fold=0
    reading maps the missing 00:00 to the instant the clocks jump, which is when the day begins.
    """
    return datetime.combine(day, time(0)).replace(tzinfo=tz, fold=0).astimezone(UTC)
