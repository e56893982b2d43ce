"""Totals by task, project, local day and ISO week: pure functions, exact to the second.

One definition of a day everywhere (desktop and server): the local calendar day in an IANA zone.
An entry that crosses local midnight is split there and counted on both days; DST days last 23 or
25 hours. The running entry counts up to ``now``. A date range ``[from_day, to_day]`` (inclusive
local days) counts only the part of each entry inside it.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from .model import Interval
from .timeparse import midnight


class GroupBy(StrEnum):
    PROJECT = "project"
    TASK = "task"
    DAY = "day"
    WEEK = "week"


@dataclass(frozen=True, slots=True)
class TotalRow:
    key: str
    seconds: int
    name: str | None = None


@dataclass(frozen=True, slots=True)
class Bucket:
    """A span of local time as UTC epoch seconds ``[start, end)``, with its key."""

    key: str
    start: int
    end: int


def iso_week_key(d: date) -> str:
    year, week, _ = d.isocalendar()
    return f"{year}-W{week:02d}"


def week_monday(d: date) -> date:
    return d - timedelta(days=d.weekday())


def epoch(dt: datetime) -> int:
    return int(dt.timestamp())


def range_bounds(
    from_day: date | None, to_day: date | None, tz: ZoneInfo
) -> tuple[int | None, int | None]:
    """Epoch seconds of the start of ``from_day`` and the end of ``to_day`` (exclusive)."""
    lo = epoch(midnight(from_day, tz)) if from_day else None
    hi = epoch(midnight(to_day + timedelta(days=1), tz)) if to_day else None
    return lo, hi


def clip(start: int, end: int, lo: int | None, hi: int | None) -> int:
    """Seconds of ``[start, end)`` inside ``[lo, hi)``."""
    if lo is not None:
        start = max(start, lo)
    if hi is not None:
        end = min(end, hi)
    return max(0, end - start)


def day_buckets(first: date, last: date, tz: ZoneInfo) -> list[Bucket]:
    """One bucket per local day from ``first`` to ``last`` inclusive."""
    out: list[Bucket] = []
    d = first
    start = epoch(midnight(d, tz))
    while d <= last:
        nxt = d + timedelta(days=1)
        end = epoch(midnight(nxt, tz))
        out.append(Bucket(d.isoformat(), start, end))
        d, start = nxt, end
    return out


def week_buckets(first: date, last: date, tz: ZoneInfo) -> list[Bucket]:
    """One bucket per ISO week touching ``[first, last]``, clipped to those days."""
    out: list[Bucket] = []
    d = first
    while d <= last:
        week_end = min(week_monday(d) + timedelta(days=6), last)
        out.append(
            Bucket(
                iso_week_key(d),
                epoch(midnight(d, tz)),
                epoch(midnight(week_end + timedelta(days=1), tz)),
            )
        )
        d = week_end + timedelta(days=1)
    return out


def local_date(instant: int, tz: ZoneInfo) -> date:
    return datetime.fromtimestamp(instant, tz).date()


def split_by_day(start: int, end: int, tz: ZoneInfo) -> Iterator[tuple[date, int]]:
    """Split ``[start, end)`` (epoch seconds) at local midnights: (local day, seconds) pairs.

    The parts always sum to ``end - start``; a zero-length span yields nothing.
    """
    if end <= start:
        return
    d = local_date(start, tz)
    cursor = start
    while cursor < end:
        boundary = epoch(midnight(d + timedelta(days=1), tz))
        part_end = min(end, boundary)
        if part_end > cursor:
            yield d, part_end - cursor
        cursor = max(cursor, part_end)
        d += timedelta(days=1)


def _spans(
    entries: Iterable[Interval], now: datetime, lo: int | None, hi: int | None
) -> Iterator[tuple[Interval, int, int]]:
    now_s = epoch(now)
    for e in entries:
        if e.deleted:
            continue
        start = epoch(e.started_at)
        end = epoch(e.ended_at) if e.ended_at is not None else max(now_s, start)
        if lo is not None:
            start = max(start, lo)
        if hi is not None:
            end = min(end, hi)
        if end > start:
            yield e, start, end


def totals(
    entries: Iterable[Interval],
    by: GroupBy | str,
    tz: ZoneInfo,
    now: datetime,
    from_day: date | None = None,
    to_day: date | None = None,
) -> list[TotalRow]:
    """Rows of seconds grouped ``by`` project, task, local day or ISO week.

    Rows for day and week are ordered by key; rows for task and project by name, then key.
    The rows always sum to :func:`total_seconds` over the same arguments.
    """
    by = GroupBy(by)
    lo, hi = range_bounds(from_day, to_day, tz)
    sums: dict[str, int] = {}
    names: dict[str, str] = {}
    for e, start, end in _spans(entries, now, lo, hi):
        if by is GroupBy.TASK:
            sums[e.task_id] = sums.get(e.task_id, 0) + end - start
            names[e.task_id] = e.task_title
        elif by is GroupBy.PROJECT:
            sums[e.project_id] = sums.get(e.project_id, 0) + end - start
            names[e.project_id] = e.project_name
        else:
            for d, secs in split_by_day(start, end, tz):
                key = d.isoformat() if by is GroupBy.DAY else iso_week_key(d)
                sums[key] = sums.get(key, 0) + secs
    if by in (GroupBy.DAY, GroupBy.WEEK):
        return [TotalRow(k, sums[k]) for k in sorted(sums)]
    return sorted(
        (TotalRow(k, v, names.get(k)) for k, v in sums.items()),
        key=lambda r: ((r.name or "").casefold(), r.key),
    )


def total_seconds(
    entries: Iterable[Interval],
    tz: ZoneInfo,
    now: datetime,
    from_day: date | None = None,
    to_day: date | None = None,
) -> int:
    lo, hi = range_bounds(from_day, to_day, tz)
    return sum(end - start for _, start, end in _spans(entries, now, lo, hi))
