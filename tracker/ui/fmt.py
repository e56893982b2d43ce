"""Display helpers shared by the views (pure)."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from ..model import Interval
from ..timeparse import hms


def hm(seconds: int) -> str:
    """``5:40`` (hours may exceed 24)."""
    h, rem = divmod(max(0, int(seconds)), 3600)
    return f"{h}:{rem // 60:02d}"


def clock(dt: datetime | None, tz: ZoneInfo) -> str:
    return "" if dt is None else dt.astimezone(tz).strftime("%H:%M")


def span(e: Interval, tz: ZoneInfo) -> str:
    end = "now" if e.ended_at is None else clock(e.ended_at, tz)
    return f"{clock(e.started_at, tz)}–{end}"


def overlap_line(other: Interval, tz: ZoneInfo) -> str:
    """``Overlaps 09:00–09:45 Homepage`` (ui.md)."""
    return f"Overlaps {span(other, tz)} {other.task_title}"


def running_line(e: Interval, elapsed: int) -> str:
    return f"{e.project_name} / {e.task_title}   {hms(elapsed)}"


__all__ = ["clock", "hm", "hms", "overlap_line", "running_line", "span"]
