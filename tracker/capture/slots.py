"""Activity per 10-minute slot, aligned to UTC (the Hubstaff definition).

A second is *active* when any keyboard or mouse event fell in it; activity % = active seconds /
slot seconds, where ``slot_seconds`` is the tracked part of the slot (≤ 600). A task switch inside a
slot gives two slots, one per interval. Pure: the caller passes the time and the counter deltas.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

SLOT_SECONDS = 600


def slot_start(ts: int) -> int:
    """The UTC-aligned start (epoch seconds) of the slot holding ``ts``."""
    return ts - ts % SLOT_SECONDS


@dataclass(frozen=True, slots=True)
class Slot:
    id: str
    interval_id: str
    slot_start: int  # epoch seconds, a multiple of 600
    slot_seconds: int
    active_seconds: int
    keyboard_events: int
    mouse_events: int

    @property
    def percent(self) -> int:
        return activity_percent(self.active_seconds, self.slot_seconds)


def activity_percent(active: int, tracked: int) -> int:
    return 0 if tracked <= 0 else min(100, round(100 * active / tracked))


@dataclass(slots=True)
class _Open:
    interval_id: str
    slot_start: int
    tracked_from: int  # max(interval start, slot start)
    active: set[int] = field(default_factory=set)
    keyboard: int = 0
    mouse: int = 0


class SlotRecorder:
    """Accumulates the open slot; returns finished :class:`Slot` values to flush."""

    def __init__(self, make_id: Callable[[], str]) -> None:
        self.make_id = make_id
        self._open: _Open | None = None

    @property
    def current(self) -> _Open | None:
        return self._open

    def tick(
        self,
        now: int,
        interval_id: str | None,
        interval_start: int,
        keyboard: int = 0,
        mouse: int = 0,
    ) -> list[Slot]:
        """Account the events since the previous tick (one a second) to the second that ends
        at ``now``, i.e. ``[now - 1, now)``."""
        done: list[Slot] = []
        cur = self._open
        sec = now - 1
        s = slot_start(sec)
        if cur is not None and (interval_id != cur.interval_id or s != cur.slot_start):
            end = cur.slot_start + SLOT_SECONDS if interval_id == cur.interval_id else sec
            done += self._close(end)
            cur = None
        if interval_id is None:
            return done
        if cur is None:
            cur = self._open = _Open(interval_id, s, max(interval_start, s))
        if keyboard or mouse:
            cur.active.add(sec)
            cur.keyboard += keyboard
            cur.mouse += mouse
        return done

    def flush(self, end: int) -> list[Slot]:
        """Close the open slot at ``end`` (the timer stopped or the app quits)."""
        return self._close(end)

    def _close(self, end: int) -> list[Slot]:
        cur, self._open = self._open, None
        if cur is None:
            return []
        end = min(end, cur.slot_start + SLOT_SECONDS)
        tracked = max(0, end - cur.tracked_from)
        if tracked == 0 and not cur.keyboard and not cur.mouse:
            return []
        active = min(len(cur.active), tracked)
        return [Slot(self.make_id(), cur.interval_id, cur.slot_start, tracked, active,
                     cur.keyboard, cur.mouse)]  # fmt: skip
