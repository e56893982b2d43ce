"""A day accounted for: every second from the first to the last activity gets one kind.

Pure (no I/O). The records come from the local store: entries, the app's sessions (start to last
heartbeat), away periods with the user's answer, and suspends. The kinds, in the order a second
is given one:

1. in an entry: ``away_kept`` when an away period answered "keep" covers it, else ``tracked``
   (an away period moved to another task or saved as its own entry is an entry: tracked);
2. not in an entry: ``away_discarded`` when an away period answered "discard" or "stop" covers
   it, else ``asleep`` when the machine was suspended, else ``untracked``.

``untracked`` time is split in the gaps by whether the app was running (``app_running``): a hole
while the app ran is time the user chose not to track; one while it was closed is time nobody
saw. The span runs from the first to the last instant any record covers within the local day,
so the five sums add up to it exactly.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from itertools import pairwise

#: Away answers as the Away dialog gives them (tracker/capture/away.py, service.resolve_away).
KEPT_ANSWERS = frozenset({"keep"})
DISCARDED_ANSWERS = frozenset({"discard", "stop"})
KINDS = ("tracked", "away_kept", "away_discarded", "asleep", "untracked")


@dataclass(frozen=True, slots=True)
class Period:
    start: int  # epoch seconds
    end: int


@dataclass(frozen=True, slots=True)
class AwayRecord:
    start: int
    end: int
    answer: str  # keep | discard | stop | assign | separate


@dataclass(frozen=True, slots=True)
class DayRecords:
    """What the store knows about a day, as plain epoch-second periods."""

    entries: Sequence[Period] = ()
    sessions: Sequence[Period] = ()  # the app running: start to last heartbeat
    away: Sequence[AwayRecord] = ()
    asleep: Sequence[Period] = ()


@dataclass(frozen=True, slots=True)
class Gap:
    start: int
    end: int
    kind: str  # away_kept | away_discarded | asleep | untracked
    app_running: bool = True

    @property
    def seconds(self) -> int:
        return self.end - self.start


@dataclass(frozen=True, slots=True)
class DayAccount:
    start: int  # the span: first activity
    end: int  # last activity
    seconds: dict[str, int] = field(default_factory=dict)  # per kind in KINDS
    gaps: tuple[Gap, ...] = ()  # every second not tracked, in time order

    @property
    def span_seconds(self) -> int:
        return self.end - self.start

    def __getitem__(self, kind: str) -> int:
        return self.seconds[kind]


def _clip(periods: Iterable[Period], lo: int, hi: int) -> list[tuple[int, int]]:
    out = []
    for p in periods:
        s, e = max(p.start, lo), min(p.end, hi)
        if e > s:
            out.append((s, e))
    return out


def _covers(intervals: list[tuple[int, int]]):
    """A test "does the union of ``intervals`` cover the segment starting at ``a``?", asked for
    elementary segments in time order (each lies wholly inside or outside the union; segments
    may be skipped)."""
    ivs = sorted(intervals)
    i = 0
    reach = -(2**62)

    def covered(a: int) -> bool:
        nonlocal i, reach
        while i < len(ivs) and ivs[i][0] <= a:
            reach = max(reach, ivs[i][1])
            i += 1
        return reach > a

    return covered


def account(records: DayRecords, lo: int, hi: int) -> DayAccount:
    """The day ``[lo, hi)`` (epoch seconds of local midnights) accounted for."""
    entries = _clip(records.entries, lo, hi)
    sessions = _clip(records.sessions, lo, hi)
    asleep = _clip(records.asleep, lo, hi)
    kept = _clip((Period(a.start, a.end) for a in records.away if a.answer in KEPT_ANSWERS),
                 lo, hi)  # fmt: skip
    dropped = _clip(
        (Period(a.start, a.end) for a in records.away if a.answer in DISCARDED_ANSWERS), lo, hi
    )
    others = _clip((Period(a.start, a.end) for a in records.away), lo, hi)
    every = entries + sessions + asleep + others
    seconds = dict.fromkeys(KINDS, 0)
    if not every:
        return DayAccount(lo, lo, seconds, ())
    start = min(s for s, _ in every)
    end = max(e for _, e in every)
    cuts = sorted({start, end} | {x for iv in every for x in iv})
    in_entry, in_kept, in_dropped = _covers(entries), _covers(kept), _covers(dropped)
    in_sleep, in_app = _covers(asleep), _covers(sessions)
    gaps: list[Gap] = []
    for a, b in pairwise(cuts):
        if in_entry(a):
            kind = "away_kept" if in_kept(a) else "tracked"
        elif in_dropped(a):
            kind = "away_discarded"
        elif in_sleep(a):
            kind = "asleep"
        else:
            kind = "untracked"
        seconds[kind] += b - a
        if kind == "tracked":
            continue
        running = in_app(a) if kind == "untracked" else True
        last = gaps[-1] if gaps else None
        if last and last.end == a and last.kind == kind and last.app_running == running:
            gaps[-1] = Gap(last.start, b, kind, running)
        else:
            gaps.append(Gap(a, b, kind, running))
    return DayAccount(start, end, seconds, tuple(gaps))


__all__ = ["KINDS", "AwayRecord", "DayAccount", "DayRecords", "Gap", "Period", "account"]
