"""Away periods: no input for longer than the threshold, or a suspend, while a timer runs.

Pure: the caller passes the wall time, the OS idle seconds and the seconds slept. An away period
starts at the last input (backdated, as ActivityWatch does) and ends at the first input after it,
or at resume. Periods shorter than the threshold are not away time.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class AwayPeriod:
    start: int  # epoch seconds
    end: int
    interval_id: str
    reason: str  # "idle" | "suspend"

    @property
    def seconds(self) -> int:
        return self.end - self.start


class AwayDetector:
    def __init__(self, threshold_seconds: float) -> None:
        self.threshold = threshold_seconds
        self.away_since: float | None = None
        self._floor = 0.0  # no period starts before the end of the last one
        self._last_wall: float | None = None
        self._last_idle: float = 0.0

    @property
    def away(self) -> bool:
        return self.away_since is not None

    def tick(
        self,
        wall: float,
        idle: float | None,
        slept: float = 0.0,
        interval_id: str | None = None,
        interval_start: float = 0.0,
    ) -> list[AwayPeriod]:
        out: list[AwayPeriod] = []
        if slept > 0 and self._last_wall is not None:
            # The machine slept from about the previous tick to now - (the awake part).
            last_input = self._last_wall - self._last_idle
            since = last_input if self.away_since is None else min(self.away_since, last_input)
            out += self._close(since, wall, interval_id, interval_start, "suspend")
            self._floor = wall
        elif idle is not None:
            if self.away_since is None and idle >= self.threshold:
                self.away_since = max(wall - idle, self._floor)
            elif self.away_since is not None and idle < self.threshold:
                since = self.away_since
                out += self._close(since, wall - idle, interval_id, interval_start, "idle")
        self._last_wall = wall
        self._last_idle = idle or 0.0
        return out

    def _close(
        self, start: float, end: float, interval_id: str | None, interval_start: float, reason: str
    ) -> list[AwayPeriod]:
        self.away_since = None
        self._floor = max(self._floor, end)
        if interval_id is None:
            return []
        start = max(start, interval_start)
        if end - start < self.threshold:
            return []
        return [AwayPeriod(int(start), int(end), interval_id, reason)]
