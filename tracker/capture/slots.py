"""Activity per 10-minute slot, aligned to UTC (the Hubstaff definition).

A second is *active* when any keyboard or mouse event fell in it; activity % = active seconds /
slot seconds, where ``slot_seconds`` is the tracked part of the slot (≤ 600). A task switch inside a
slot gives two slots, one per interval. Pure: the caller passes the time and the counter deltas.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace

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


# -- moving activity with its entry (split, edit, delete, away answers) -------------------------


def _cut(x: int, num: int, den: int) -> int:
    """``floor(x * num / den)`` in integers."""
    return x * num // den


def _inside(a: int, b: int, quiet: tuple[int, int] | None) -> int:
    """Seconds of ``[a, b)`` outside ``quiet`` (a span known to hold no input)."""
    if quiet is None:
        return b - a
    return (b - a) - max(0, min(b, quiet[1]) - max(a, quiet[0]))


def split_slot(
    slot: Slot,
    lo: int,
    hi: int,
    at: int,
    new_id: str,
    quiet: tuple[int, int] | None = None,
) -> tuple[Slot | None, Slot | None]:
    """Split ``slot``, whose tracked seconds lie in ``[lo, hi)``, at the instant ``at``.

    Every number is divided in integers, the part before ``at`` keeping ``floor(x · before /
    window)`` and the part after the rest, so each total is conserved exactly. Tracked seconds
    are shared by time. Active seconds and the counts are shared by time too, except over
    ``quiet`` (an away period: no input by definition), which counts for nothing; active
    seconds are then kept within each part's tracked seconds. The part before keeps the slot's
    id; the part after gets ``new_id``. A part that would have no tracked seconds gets nothing
    (the other side keeps the whole slot), so no empty slot is made; ``None`` stands for it.
    """
    if at <= lo or hi <= lo:
        return None, replace(slot, id=new_id)
    if at >= hi:
        return slot, None
    tracked = _cut(slot.slot_seconds, at - lo, hi - lo)
    if tracked <= 0:
        return None, replace(slot, id=new_id)
    if tracked >= slot.slot_seconds:
        return slot, None
    num, den = _inside(lo, at, quiet), _inside(lo, hi, quiet)
    if den <= 0:
        num, den = at - lo, hi - lo
    active = _cut(slot.active_seconds, num, den)
    rest = slot.slot_seconds - tracked
    active = min(tracked, max(active, slot.active_seconds - rest, 0))
    before = replace(
        slot,
        slot_seconds=tracked,
        active_seconds=active,
        keyboard_events=_cut(slot.keyboard_events, num, den),
        mouse_events=_cut(slot.mouse_events, num, den),
    )
    after = Slot(
        new_id,
        slot.interval_id,
        slot.slot_start,
        rest,
        slot.active_seconds - active,
        slot.keyboard_events - before.keyboard_events,
        slot.mouse_events - before.mouse_events,
    )
    return before, after


def distribute(
    slot: Slot,
    lo: int,
    hi: int,
    pieces: list[tuple[str, int, int | None]],
    make_id: Callable[[], str],
    quiet: tuple[int, int] | None = None,
) -> list[Slot]:
    """The parts of ``slot`` (tracked within ``[lo, hi)``) that fall on ``pieces``.

    ``pieces`` are ``(interval_id, start, end or None for open)``, in time order and not
    overlapping: what an entry became after a split, an edit or an away answer. The slot is cut
    with :func:`split_slot` at each piece boundary inside the window (``quiet``: the away
    period, if any); each part is linked to the piece that holds it, and parts on no piece (time
    no entry covers any more) are dropped. The first part kept holds the slot's id (the part on
    the slot's own entry when there is one); the others get new ids. Where the pieces tile the
    window, the totals are conserved exactly.
    """
    if hi <= lo:  # a degenerate window: the whole slot goes where its start lies
        hi = lo + 1
    cuts = sorted({b for _, s, e in pieces for b in (s, e) if b is not None and lo < b < hi})
    if quiet is not None:
        cuts = sorted({*cuts, *(b for b in quiet if lo < b < hi)})
    parts: list[Slot] = []
    rest: Slot | None = slot
    start = lo
    for b in [*cuts, hi]:
        if rest is None:
            break
        if b < hi:
            before, after = split_slot(rest, start, hi, b, make_id(), quiet)
        else:
            before, after = rest, None
        if before is not None:
            owner = _holder(pieces, start, b)
            if owner is not None and parts and parts[-1].interval_id == owner:
                last = parts[-1]  # cut at the away period only: one piece, one part
                parts[-1] = replace(
                    last,
                    slot_seconds=last.slot_seconds + before.slot_seconds,
                    active_seconds=last.active_seconds + before.active_seconds,
                    keyboard_events=last.keyboard_events + before.keyboard_events,
                    mouse_events=last.mouse_events + before.mouse_events,
                )
            elif owner is not None:
                parts.append(replace(before, interval_id=owner))
        rest, start = after, b
    if not parts:
        return []
    keep = next((i for i, p in enumerate(parts) if p.interval_id == slot.interval_id), 0)
    if parts[keep].id != slot.id:
        old = parts[keep].id
        parts = [
            replace(p, id=slot.id) if i == keep else (replace(p, id=old) if p.id == slot.id else p)
            for i, p in enumerate(parts)
        ]
    return parts


def _holder(pieces: list[tuple[str, int, int | None]], a: int, b: int) -> str | None:
    """The piece that holds all of ``[a, b)`` (the pieces' boundaries never fall inside)."""
    for interval_id, s, e in pieces:
        if s <= a and (e is None or b <= e):
            return interval_id
    return None
