"""Instants on the wire: RFC 3339 with an offset, whole seconds; epoch seconds inside."""

from __future__ import annotations

import functools
import re
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from tracker.timeparse import MAX_YEAR, MIN_YEAR

# Epoch bounds of the years the desktop accepts (1971-01-01 .. 2200-12-31 UTC).
MIN_EPOCH = int(datetime(MIN_YEAR, 1, 1, tzinfo=UTC).timestamp())
MAX_EPOCH = int(datetime(MAX_YEAR, 12, 31, tzinfo=UTC).timestamp())

_TZ_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_+\-]*(/[A-Za-z0-9_+\-]+)*$")


@functools.lru_cache(maxsize=512)
def _zone(name: str) -> ZoneInfo | None:
    try:
        return ZoneInfo(name)
    except Exception:  # ZoneInfoNotFoundError, ValueError, IsADirectoryError, ...
        return None


def load_tz(name: str) -> ZoneInfo | None:
    """The IANA zone called ``name``, or None when there is none."""
    if not isinstance(name, str) or len(name) > 64 or not _TZ_NAME.match(name):
        return None
    return _zone(name)


def to_epoch(dt: datetime) -> int | None:
    """Whole epoch seconds (fractions truncated), or None outside the accepted years."""
    try:
        value = int(dt.timestamp() // 1)
    except (OverflowError, ValueError, OSError):
        return None
    if not MIN_EPOCH <= value <= MAX_EPOCH:
        return None
    return value


def rfc3339(ts: int | None, tz: ZoneInfo | None) -> str | None:
    if ts is None:
        return None
    return datetime.fromtimestamp(ts, tz or UTC).isoformat()


def check_date(d: date) -> bool:
    return MIN_YEAR <= d.year <= MAX_YEAR


def utc_datetime(ts: int) -> datetime:
    return datetime.fromtimestamp(ts, UTC)
