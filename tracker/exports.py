"""Entries as files: CSV and JSON (the rows `tracker log --json` prints) and RFC 5545 iCalendar.
Pure: entries in, text out; the CLI's `export` and the window's Export… both use it."""

from __future__ import annotations

import csv
import io
import json
import os
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from . import ical
from .errors import TrackerError
from .model import Interval
from .timeparse import rfc3339_local

FORMATS = ("csv", "json", "ical")
SUFFIX = {"csv": ".csv", "json": ".json", "ical": ".ics"}
CSV_FIELDS = ["id", "project", "task", "started_at", "ended_at", "duration_seconds", "note",
              "source", "sync_state", "project_id", "task_id"]  # fmt: skip


def entry_row(e: Interval, now: datetime, tz: ZoneInfo) -> dict[str, Any]:
    return {
        "id": e.id,
        "task_id": e.task_id,
        "task": e.task_title,
        "project_id": e.project_id,
        "project": e.project_name,
        "started_at": rfc3339_local(e.started_at, tz),
        "ended_at": rfc3339_local(e.ended_at, tz),
        "duration_seconds": e.duration_seconds(now),
        "note": e.note,
        "source": e.source.value,
        "sync_state": e.sync_state.value,
        "revision": e.revision,
    }


def render(fmt: str, entries: Iterable[Interval], now: datetime, tz: ZoneInfo) -> tuple[str, int]:
    """The file's text and the number of entries in it."""
    entries = list(entries)
    if fmt == "ical":
        events = [
            ical.Event(f"{e.id}@tracker", e.started_at, e.ended_at or now,
                       f"{e.project_name} / {e.task_title}", e.note, e.project_name)
            for e in entries
        ]  # fmt: skip
        return ical.calendar(events, now), len(events)
    rows = [entry_row(e, now, tz) for e in entries]
    if fmt == "json":
        return json.dumps(rows, ensure_ascii=False, indent=2) + "\n", len(rows)
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=CSV_FIELDS, extrasaction="ignore", lineterminator="\n")
    w.writeheader()
    w.writerows(rows)
    return buf.getvalue(), len(rows)


def write_file(text: str, path: Path, hint: str = "choose another file") -> None:
    """Write ``text`` whole or not at all (a temporary file renamed over ``path``)."""
    tmp = path.with_name(f".{path.name}.tmp{os.getpid()}")
    try:
        # newline="": iCalendar's CRLF line ends stay as they are
        with open(tmp, "w", encoding="utf-8", newline="") as f:
            f.write(text)
        os.replace(tmp, path)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise TrackerError(
            f"cannot write {path}: {exc.strerror or exc}; choose another file"
        ) from None
