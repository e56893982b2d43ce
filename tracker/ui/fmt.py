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


def plural(n: int, one: str, many: str) -> str:
    """``1 entry``, ``2 entries``, ``0 entries``."""
    return f"{n} {one if n == 1 else many}"


def ago(then: datetime, now: datetime) -> str:
    """How long ago, as the tray and the status bar both say it: ``just now``, ``5 min ago``,
    ``at 09:12``, ``on 2026-11-30``."""
    minutes = int((now - then).total_seconds() // 60)
    if minutes < 1:
        return "just now"
    if minutes < 120:
        return f"{minutes} min ago"
    return f"at {then:%H:%M}" if (now - then).days < 1 else f"on {then:%Y-%m-%d}"


def running_line(e: Interval, elapsed: int) -> str:
    return f"{e.project_name} / {e.task_title}   {hms(elapsed)}"


__all__ = ["ago", "clock", "hm", "hms", "overlap_line", "plural", "running_line", "span"]
