"""The clock is passed in: production code gets :class:`SystemClock`, tests :class:`FixedClock`."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime:
        """The current instant: aware, UTC, whole seconds."""
        ...


def whole_seconds(dt: datetime) -> datetime:
    """Truncate an aware instant to the second (fractions are dropped, never rounded up)."""
    if dt.tzinfo is None:
        raise ValueError("naive datetime: instants must be timezone-aware")
    return dt.astimezone(UTC).replace(microsecond=0)


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC).replace(microsecond=0)


class FixedClock:
    """A settable clock for tests."""

    def __init__(self, at: datetime) -> None:
        self._at = whole_seconds(at)

    def now(self) -> datetime:
        return self._at

    def set(self, at: datetime) -> None:
        self._at = whole_seconds(at)

    def advance(self, seconds: int = 0, **kw: float) -> None:
        self._at = self._at + timedelta(seconds=seconds, **kw)
