"""The rules of the timer and of entries, as pure functions over :mod:`tracker.model` values.

- One running timer: starting another task stops the running one at the same instant.
- An entry ends after it starts, lasts at most 999 hours, and never ends in the future.
- Entries never overlap; a refusal names the entry collided with.
- A timer stopped within the second it started leaves no entry.
- Edits and deletes raise the revision; a delete is a tombstone.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from .errors import InvalidInput, OverlapError
from .model import Interval, Source
from .timeparse import MAX_ENTRY_SECONDS


def _hm(dt: datetime, tz: ZoneInfo) -> str:
    return dt.astimezone(tz).strftime("%H:%M")


def describe(e: Interval, tz: ZoneInfo) -> str:
    """``2026-11-25 09:00–09:45 Project/Task (entry 0193ab12)`` for messages."""
    start = e.started_at.astimezone(tz)
    end = "now" if e.ended_at is None else _hm(e.ended_at, tz)
    where = f"{e.project_name}/{e.task_title}" if e.project_name else e.task_title or e.task_id
    return f"{start:%Y-%m-%d %H:%M}–{end} {where} (entry {e.id[:8]})"


def overlap_error(other: Interval, tz: ZoneInfo) -> OverlapError:
    return OverlapError(
        f"overlaps {describe(other, tz)}: change the times, or edit or delete that entry",
        other.id,
    )


def check_span(start: datetime, end: datetime, now: datetime, tz: ZoneInfo) -> None:
    if end < start:
        raise InvalidInput(
            f"the end {_hm(end, tz)} is before the start {_hm(start, tz)}: swap them "
            "or give the end on the next day as a full date"
        )
    if end == start:
        raise InvalidInput("the entry would last zero seconds: give an end after the start")
    if (end - start).total_seconds() > MAX_ENTRY_SECONDS:
        raise InvalidInput("an entry can last at most 999 hours: split it into several")
    if end > now:
        raise InvalidInput(
            f"the end {end.astimezone(tz):%Y-%m-%d %H:%M} is in the future: "
            "time can be recorded once it has passed"
        )


def check_start(at: datetime, now: datetime, tz: ZoneInfo) -> None:
    if at > now:
        raise InvalidInput(
            f"the start {at.astimezone(tz):%Y-%m-%d %H:%M} is in the future: "
            "start now or at an earlier time"
        )
    if (now - at).total_seconds() > MAX_ENTRY_SECONDS:
        raise InvalidInput("a timer cannot start more than 999 hours ago: add a manual entry")


@dataclass(frozen=True, slots=True)
class StartPlan:
    """What starting a timer does: maybe stop (or discard) the running one, then add ``new``."""

    new: Interval
    stopped: Interval | None = None  # the running entry, ended at the new start
    discarded: Interval | None = None  # the running entry, if stopping it leaves < 1 s


def plan_start(
    running: Interval | None,
    new_id: str,
    task_id: str,
    at: datetime,
    now: datetime,
    tz: ZoneInfo,
    note: str = "",
) -> StartPlan:
    check_start(at, now, tz)
    new = Interval(
        id=new_id,
        task_id=task_id,
        started_at=at,
        ended_at=None,
        note=note,
        source=Source.TIMER,
        heartbeat_at=None,
    )
    if running is None:
        return StartPlan(new)
    if at < running.started_at:
        raise InvalidInput(
            f"the running timer started at {_hm(running.started_at, tz)}, after "
            f"{_hm(at, tz)}: start at or after it, or edit the running entry first"
        )
    ended = stop_at(running, at)
    if ended is None:
        return StartPlan(new, discarded=running)
    return StartPlan(new, stopped=ended)


def stop_at(running: Interval, at: datetime) -> Interval | None:
    """The running entry ended at ``at``; None when that leaves less than a second."""
    if at <= running.started_at:
        return None
    return running.changed(ended_at=at, heartbeat_at=None)


def check_stop(running: Interval, at: datetime, now: datetime, tz: ZoneInfo) -> None:
    if at > now:
        raise InvalidInput(
            f"the stop time {at.astimezone(tz):%Y-%m-%d %H:%M} is in the future: "
            "stop now or at an earlier time"
        )
    if at < running.started_at:
        raise InvalidInput(
            f"the timer started at {_hm(running.started_at, tz)}: stop it at or after that"
        )
    if (at - running.started_at).total_seconds() > MAX_ENTRY_SECONDS:
        raise InvalidInput("the timer would last more than 999 hours: stop it earlier with --at")


def plan_split(
    e: Interval, new_id: str, at: datetime, now: datetime, tz: ZoneInfo
) -> tuple[Interval, Interval]:
    """Split ``e`` at ``at`` into two entries on the same task; the second gets ``new_id``."""
    end = e.end_or(now)
    if not (e.started_at < at < end):
        raise InvalidInput(
            f"split time {_hm(at, tz)} is not inside the entry "
            f"({_hm(e.started_at, tz)}–{'now' if e.ended_at is None else _hm(end, tz)}): "
            "choose a time between its start and end"
        )
    first = e.changed(ended_at=at, heartbeat_at=None)
    second = Interval(
        id=new_id,
        task_id=e.task_id,
        started_at=at,
        ended_at=e.ended_at,
        note=e.note,
        source=e.source,
        heartbeat_at=e.heartbeat_at,
    )
    return first, second
