"""Entries as an RFC 5545 calendar: one VEVENT per entry. Pure (text out).

UIDs are the entries' own ids (``<id>@tracker``), so a calendar that imports the file again
updates its events instead of adding copies. Times are UTC (``Z``); lines end in CRLF and are
folded at 75 octets without splitting a UTF-8 character; text is escaped as §3.3.11 says.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

PRODID = "-//Tracker//Tracker time entries//EN"


@dataclass(frozen=True, slots=True)
class Event:
    uid: str
    start: datetime
    end: datetime
    summary: str
    description: str = ""
    categories: str = ""
    stamp: datetime | None = None  # when the entry last changed (DTSTAMP)


def _utc(dt: datetime) -> str:
    return dt.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def escape(text: str) -> str:
    return (
        text.replace("\\", "\\\\")
        .replace(";", "\\;")
        .replace(",", "\\,")
        .replace("\r\n", "\\n")
        .replace("\n", "\\n")
        .replace("\r", "\\n")
    )


def fold(line: str) -> str:
    """One content line, folded into pieces of at most 75 octets (continuations start with
    a space, which counts)."""
    data = line.encode("utf-8")
    if len(data) <= 75:
        return line
    parts, cur, size, limit = [], [], 0, 75
    for ch in line:
        n = len(ch.encode("utf-8"))
        if size + n > limit:
            parts.append("".join(cur))
            cur, size, limit = [], 0, 74
        cur.append(ch)
        size += n
    parts.append("".join(cur))
    return "\r\n ".join(parts)


def calendar(events: Iterable[Event], now: datetime, name: str = "Tracker") -> str:
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:{PRODID}",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        f"X-WR-CALNAME:{escape(name)}",
    ]
    for e in events:
        lines += [
            "BEGIN:VEVENT",
            f"UID:{e.uid}",
            f"DTSTAMP:{_utc(e.stamp or now)}",
            f"DTSTART:{_utc(e.start)}",
            f"DTEND:{_utc(e.end)}",
            f"SUMMARY:{escape(e.summary)}",
        ]
        if e.description:
            lines.append(f"DESCRIPTION:{escape(e.description)}")
        if e.categories:
            lines.append(f"CATEGORIES:{escape(e.categories)}")
        lines += ["TRANSP:OPAQUE", "END:VEVENT"]
    lines.append("END:VCALENDAR")
    return "".join(fold(x) + "\r\n" for x in lines)


__all__ = ["Event", "calendar", "escape", "fold"]
